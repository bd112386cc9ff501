"""Writes of the legal-aid records. Each service checks its caller's rights through core.access, validates,
saves inside one transaction and writes its audit events in that transaction, last.

Locks, in this one order (core.services explains why an order; this extends core's):
1. Core's registration lock, taken by `core.services.person_create` for a client or witness registered here.
2. The organisation's legal case numbers of this year (`justice.CaseSequence`, SELECT ... FOR UPDATE).
3. The legal case row (`LegalCase`, SELECT ... FOR UPDATE) for a write that depends on the case's state (its
   status, its opening date): two officers recording at once are recorded one after the other.
4. The rows written, then the audit append, last.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from karpear.core import access, audit, countries, referrals
from karpear.core import services as core_services
from karpear.core.models import (
    BudgetLine,
    Consent,
    Identity,
    Membership,
    Organisation,
    Person,
    Referral,
    SubGrant,
    User,
)
from karpear.core.roles import Capability, role_specs, spec_for
from karpear.core.storage import private_storage
from karpear.justice import selectors
from karpear.justice.declarations import SECTION_CASE
from karpear.justice.declarations import JusticeCapability as C
from karpear.justice.models import (
    AddresseeKind,
    AdvocacyAction,
    Article,
    CaseClient,
    CaseSequence,
    CaseStatus,
    CaseStudy,
    ClientRelation,
    Cost,
    CostKind,
    CourtLevel,
    CustodyAction,
    CustodyEntry,
    Escalation,
    Evidence,
    EvidenceKind,
    Handover,
    Hearing,
    InvestigationStep,
    LegalCase,
    Offence,
    Party,
    PartyKind,
    Repatriation,
    RepatriationStatus,
    Statement,
    Submission,
    Verdict,
    VerdictOutcome,
    Witness,
)

# What an evidence file may be, recognised by its content (magic bytes), never by its name alone.
ALLOWED_TYPES = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "audio/mpeg": "mp3",
    "audio/mp4": "m4a",
    "audio/x-wav": "wav",
    "audio/ogg": "ogg",
    "audio/amr": "amr",
    "video/mp4": "mp4",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
}
DEFAULT_MAX_EVIDENCE_BYTES = 25 * 1024 * 1024
CHUNK = 64 * 1024


def max_evidence_bytes() -> int:
    """The largest evidence file accepted (KARPEAR_EVIDENCE_MAX_BYTES in the settings, else 25 MB)."""
    return int(getattr(settings, "KARPEAR_EVIDENCE_MAX_BYTES", DEFAULT_MAX_EVIDENCE_BYTES))


# ---------------------------------------------------------------- helpers
def _membership(actor: User) -> Membership:
    membership = access.membership_for(actor)
    if membership is None:
        raise ValidationError(_("You are not a member of any organisation."))
    return membership


def _not_future(day: dt.date, field: str, errors: dict[str, str]) -> None:
    if day > timezone.localdate():
        errors[field] = _("The date cannot be in the future.")


def _case_for_write(actor: User, case: LegalCase, capability: str = C.CHANGE_CASE) -> LegalCase:
    """The case, for a change (404 outside scope, 403 read-only), locked (lock step 3)."""
    access.require(actor, capability)
    case = access.get_for_user(actor, LegalCase, case.uuid, write=capability == C.CHANGE_CASE)
    if capability != C.CHANGE_CASE and case.organisation_id != _membership(actor).organisation_id:
        raise ValidationError(_("This case belongs to another organisation."))
    return LegalCase.objects.select_for_update().get(pk=case.pk)


def _part_for_write[M: Any](actor: User, model: type[M], part: Any) -> tuple[M, LegalCase]:
    """A record of a case, for a change: found in the actor's scope (404), writable (403), its case locked (lock
    step 3), then the record itself locked. Returns (record, case)."""
    found = access.get_for_user(actor, model, part.uuid, write=True)
    case = _case_for_write(actor, found.case)
    return model._default_manager.select_for_update().get(pk=found.pk), case


def _save_new[M: Any](actor: User, case: LegalCase, row: M, **details: Any) -> M:
    """Validate and save a new record of `case` (its organisation and recorder filled in), then audit it with the
    case and `details`."""
    row.organisation_id = case.organisation_id
    row.case = case
    row.recorded_by = actor
    row.full_clean()
    row.save()
    audit.record(actor=actor, action="create", obj=row, case=str(case.uuid), **details)
    return row


def _answer[M: Any](
    actor: User,
    locked: M,
    day: tuple[str, dt.date, str],
    text: tuple[str, str],
    messages: tuple[str, str, str],
    also: list[str] | None = None,
) -> M:
    """Record the answer to a record, once: `day` (field, date, the field it may not come before), `text`
    (field, text), `messages` (date too early, no text, answered already). Not in the future. Audited."""
    day_field, when, since = day
    text_field, words = text
    too_early, no_text, answered = messages
    errors: dict[str, str] = {}
    _not_future(when, day_field, errors)
    if when < getattr(locked, since):
        errors[day_field] = too_early
    if not words.strip():
        errors[text_field] = no_text
    if getattr(locked, day_field) is not None:
        errors[day_field] = answered
    if errors:
        raise ValidationError(errors)
    setattr(locked, day_field, when)
    setattr(locked, text_field, words.strip())
    locked.full_clean()
    locked.save(update_fields=[day_field, text_field, *(also or []), "updated_at"])
    audit.record(actor=actor, action="update", obj=locked, fields=text_field)
    return locked


def _number_lock(organisation_id: int) -> CaseSequence:
    seq, _created = CaseSequence.objects.select_for_update().get_or_create(
        organisation_id=organisation_id, year=timezone.localdate().year
    )
    return seq


def _next_number(short_name: str, organisation_id: int, seq: CaseSequence) -> str:
    """The next free number, `ADHOC-L-2026-00001`; `seq` must be locked."""
    while True:
        seq.last += 1
        number = f"{short_name.upper()}-L-{seq.year}-{seq.last:05d}"
        if not LegalCase.objects.filter(organisation_id=organisation_id, number=number).exists():
            seq.save(update_fields=["last"])
            return number


# ---------------------------------------------------------------- opening a case
@dataclass
class CaseInput:
    title: str
    opened_on: dt.date | None = None  # today when not given
    lawyer: User | None = None  # the actor when not given


def _validate_case(data: CaseInput) -> dt.date:
    errors: dict[str, str] = {}
    if not data.title.strip():
        errors["title"] = _("Describe the case in a few words.")
    day = data.opened_on or timezone.localdate()
    _not_future(day, "opened_on", errors)
    if errors:
        raise ValidationError(errors)
    return day


def _lawyer(actor: User, membership: Membership, lawyer: User | None) -> User:
    if lawyer is None:
        return actor
    member = Membership.objects.filter(user=lawyer, organisation_id=membership.organisation_id, is_active=True).first()
    if member is None or C.CHANGE_CASE not in spec_for(member.role).capabilities:
        raise ValidationError({"lawyer": _("Choose a legal officer of your organisation.")})
    return lawyer


def _new_case(actor: User, client: Person, data: CaseInput, referral: Referral | None) -> LegalCase:
    membership = _membership(actor)
    day = _validate_case(data)
    lawyer = _lawyer(actor, membership, data.lawyer)
    seq = _number_lock(membership.organisation_id)  # lock step 2
    case = LegalCase(
        organisation_id=membership.organisation_id,
        number=_next_number(membership.organisation.short_name, membership.organisation_id, seq),
        client=client,
        referral=referral,
        title=data.title.strip(),
        opened_on=day,
        lawyer=lawyer,
        team=membership.team,
        created_by=actor,
    )
    case.full_clean(validate_unique=False, validate_constraints=False)
    case.save()
    return case


@transaction.atomic
def case_open(*, actor: User, client: core_services.PersonInput | Person, data: CaseInput) -> LegalCase:
    """Open a legal case directly (someone who came to the office, a case found by a monitor): for a client
    registered now (core's registration: needs add_person) or already registered and in the actor's scope, of
    the actor's organisation. Needs justice_open_case. Audited."""
    access.require(actor, C.OPEN_CASE)
    _validate_case(data)
    if isinstance(client, Person):
        person = access.get_person_for_user(actor, client.uuid)
        if person.organisation_id != _membership(actor).organisation_id:
            raise ValidationError(_("Open a case for someone referred to you from the referral."))
    else:
        person = core_services.person_create(actor=actor, data=client)  # lock step 1
    case = _new_case(actor, person, data, None)
    audit.record(actor=actor, action="create", obj=case, number=case.number, client=str(person.uuid))
    return case


@transaction.atomic
def case_open_from_referral(*, actor: User, referral: Referral, data: CaseInput) -> LegalCase:
    """Open a legal case for the person of an accepted referral to the actor's organisation (a protection case
    CCPCR referred for legal aid). The client stays the sender's person: the legal case sees them only as far
    as the referral shares (core.access). Needs justice_open_case and the referral visible to the actor
    (assigned to them or their team, or a supervisor). One legal case per referral. Audited."""
    access.require(actor, C.OPEN_CASE)
    membership = _membership(actor)
    referral = access.get_for_user(actor, Referral, referral.uuid)
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    if locked.receiver_id != membership.organisation_id or locked.status != Referral.Status.ACCEPTED:
        raise ValidationError(_("Only a referral to your organisation that was accepted opens a legal case."))
    if LegalCase.objects.filter(referral=locked).exists():
        raise ValidationError(_("A legal case was already opened from this referral."))
    person = access.get_person_for_user(actor, locked.person.uuid)
    case = _new_case(actor, person, data, locked)
    audit.record(actor=actor, action="create", obj=case, number=case.number, referral=str(locked.uuid))
    return case


@transaction.atomic
def case_status_set(*, actor: User, case: LegalCase, status: str) -> LegalCase:
    """Move the case to another status. Needs justice_change_case. Audited with the previous status."""
    locked = _case_for_write(actor, case)
    if status not in CaseStatus.values:
        raise ValidationError({"status": _("Choose one of the answers.")})
    previous = locked.status
    if previous == status:
        return locked
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    audit.record(actor=actor, action="update", obj=locked, fields="status", previous=previous, status=status)
    return locked


@transaction.atomic
def case_reassign(*, actor: User, case: LegalCase, lawyer: User, reason: str = "") -> LegalCase:
    """Give the case to another legal officer of the organisation (a lawyer leaves, a conflict of interest, a
    heavy load): a case supervisor's decision (justice_assign_lawyer). The case follows the new lawyer's team.
    Audited with the previous and the new lawyer and the reason."""
    access.require(actor, C.ASSIGN_LAWYER)
    locked = _case_for_write(actor, case)
    membership = _membership(actor)
    if locked.organisation_id != membership.organisation_id:
        raise ValidationError(_("This case belongs to another organisation."))
    member = Membership.objects.filter(user=lawyer, organisation_id=locked.organisation_id, is_active=True).first()
    if member is None or C.OPEN_CASE not in spec_for(member.role).capabilities:
        raise ValidationError({"lawyer": _("Choose a legal officer of your organisation.")})
    if lawyer.pk == locked.lawyer_id:
        raise ValidationError({"lawyer": _("The case is already assigned to this lawyer.")})
    previous = locked.lawyer_id
    locked.lawyer = lawyer
    locked.team = member.team
    locked.save(update_fields=["lawyer", "team", "updated_at"])
    audit.record(
        actor=actor, action="update", obj=locked, fields="lawyer", previous=previous, lawyer=lawyer.pk, reason=reason
    )
    return locked


def lawyers_for(actor: User) -> Any:
    """The legal officers a case of the actor's organisation may be given to."""
    membership = access.membership_for(actor)
    if membership is None:
        return User.objects.none()
    roles_opening = [role for role, spec in role_specs().items() if C.OPEN_CASE in spec.capabilities]
    return User.objects.filter(
        memberships__organisation_id=membership.organisation_id,
        memberships__is_active=True,
        memberships__role__in=roles_opening,
    ).order_by("username")


@transaction.atomic
def client_add(
    *, actor: User, case: LegalCase, client: core_services.PersonInput | Person, relation: str
) -> CaseClient:
    """A further client of the case (a family member, another survivor of the same events): registered now, or
    already registered by the organisation. Audited."""
    locked = _case_for_write(actor, case)
    if relation not in ClientRelation.values:
        raise ValidationError({"relation": _("Choose one of the answers.")})
    if isinstance(client, Person):
        person = access.get_person_for_user(actor, client.uuid)
    else:
        person = core_services.person_create(actor=actor, data=client)
    if person.pk == locked.client_id or CaseClient.objects.filter(case=locked, person=person).exists():
        raise ValidationError(_("This person is already a client of the case."))
    row = CaseClient(
        organisation_id=locked.organisation_id, case=locked, person=person, relation=relation, recorded_by=actor
    )
    row.full_clean(validate_constraints=False)
    row.save()
    audit.record(actor=actor, action="create", obj=row, case=str(locked.uuid), person=str(person.uuid))
    return row


@transaction.atomic
def party_add(*, actor: User, case: LegalCase, kind: str, name: str, notes: str = "") -> Party:
    """A suspect, broker, recruitment agency, company or official the case is about. Audited."""
    locked = _case_for_write(actor, case)
    errors: dict[str, str] = {}
    if kind not in PartyKind.values:
        errors["kind"] = _("Choose one of the answers.")
    if not name.strip():
        errors["name"] = _("Enter the name.")
    if errors:
        raise ValidationError(errors)
    return _save_new(
        actor,
        locked,
        Party(
            kind=kind,
            name=name.strip(),
            notes=notes.strip(),
        ),
        kind=kind,
    )


@transaction.atomic
def offence_add(*, actor: User, case: LegalCase, article: Article, note: str = "") -> Offence:
    """An offence of the case, by article of the 2008 law. Audited."""
    locked = _case_for_write(actor, case)
    if not Article.objects.filter(pk=article.pk, active=True).exists():
        raise ValidationError({"article": _("Choose an article from the list.")})
    if Offence.objects.filter(case=locked, article=article).exists():
        raise ValidationError({"article": _("This article is already among the case's offences.")})
    offence = Offence(
        organisation_id=locked.organisation_id, case=locked, article=article, note=note.strip(), recorded_by=actor
    )
    offence.full_clean(validate_constraints=False)
    offence.save()
    audit.record(actor=actor, action="create", obj=offence, case=str(locked.uuid), article=article.number)
    return offence


# ---------------------------------------------------------------- investigation
@transaction.atomic
def step_add(
    *, actor: User, case: LegalCase, done_on: dt.date, action: str, finding: str = "", done_by: User | None = None
) -> InvestigationStep:
    """A dated investigation step, by whom (the actor unless another member of the organisation), and what it
    found. Not before the case was opened, nor in the future. Audited."""
    locked = _case_for_write(actor, case)
    errors: dict[str, str] = {}
    _not_future(done_on, "done_on", errors)
    if done_on < locked.opened_on:
        errors["done_on"] = _("The date is before the case was opened (%(date)s).") % {"date": locked.opened_on}
    if not action.strip():
        errors["action"] = _("Say what was done.")
    if errors:
        raise ValidationError(errors)
    by = done_by or actor
    if (
        by.pk != actor.pk
        and not Membership.objects.filter(user=by, organisation_id=locked.organisation_id, is_active=True).exists()
    ):
        raise ValidationError({"done_by": _("Choose a member of your organisation.")})
    return _save_new(
        actor,
        locked,
        InvestigationStep(
            done_on=done_on,
            done_by=by,
            action=action.strip(),
            finding=finding.strip(),
        ),
    )


@dataclass
class EvidenceInput:
    kind: str
    description: str
    source: str
    obtained_on: dt.date
    holder: str = ""  # who holds the item now: the first link of its chain of custody


def clean_file_name(name: str) -> str:
    """The upload's own name, for showing and for the download's name only (the file is stored under a random
    name). A name with a folder path in it is refused, as are control characters; the rest is kept, NFC."""
    name = unicodedata.normalize("NFC", name or "").strip()
    if not name:
        raise ValidationError({"file": _("The file has no name.")})
    if "/" in name or "\\" in name or name in (".", "..") or name.startswith(".."):
        raise ValidationError({"file": _("The file name contains a folder path. Rename the file and try again.")})
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in name):
        raise ValidationError({"file": _("The file name contains characters that are not allowed.")})
    return name[:150]


def sniff(upload: UploadedFile[Any]) -> str:
    """The upload's type from its first bytes (magic numbers), or "" when it is none of the allowed types."""
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        return ""
    return str(kind.mime)


def _store(upload: UploadedFile[Any]) -> tuple[str, int, str]:
    """Stream the upload into private storage under a random name, hashing it chunk by chunk: the file is never
    read whole into memory. Returns (stored name, size, sha256). The size is checked again as it streams."""
    digest = hashlib.sha256()
    storage = private_storage()
    name = f"evidence/{timezone.localdate():%Y/%m}/{secrets.token_hex(16)}"
    path = storage.path(name)
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    size = 0
    limit = max_evidence_bytes()
    upload.seek(0)
    with open(path, "xb") as out:  # "x": a random name never overwrites anything
        os.chmod(path, 0o600)
        for chunk in upload.chunks(CHUNK):
            size += len(chunk)
            if size > limit:
                break
            digest.update(chunk)
            out.write(chunk)
    if size > limit:
        os.remove(path)
        raise ValidationError({"file": _too_big()})
    return name, size, digest.hexdigest()


def _too_big() -> str:
    return _("The file is larger than %(size)d MB.") % {"size": max_evidence_bytes() // (1024 * 1024)}


@transaction.atomic
def evidence_add(*, actor: User, case: LegalCase, data: EvidenceInput, upload: UploadedFile[Any] | None) -> Evidence:
    """An evidence item, with its file if there is one: size and type checked (by content) before anything is
    saved, the file streamed into private storage with its SHA-256; the first link of its chain of custody.
    Nothing is kept when anything is refused (a file written before a later failure is removed). Audited."""
    locked = _case_for_write(actor, case)
    errors: dict[str, str] = {}
    if data.kind not in EvidenceKind.values:
        errors["kind"] = _("Choose one of the answers.")
    if not data.description.strip():
        errors["description"] = _("Describe the item.")
    if not data.source.strip():
        errors["source"] = _("Say where it came from.")
    _not_future(data.obtained_on, "obtained_on", errors)
    if errors:
        raise ValidationError(errors)
    file_name = mime = ""
    if upload is not None:
        file_name = clean_file_name(str(upload.name))
        if upload.size is not None and upload.size > max_evidence_bytes():
            raise ValidationError({"file": _too_big()})
        mime = sniff(upload)
        if not mime:
            raise ValidationError(
                {"file": _("This kind of file is not accepted. Send a PDF, a photo (JPEG, PNG), audio or video.")}
            )
    evidence = Evidence(
        organisation_id=locked.organisation_id,
        case=locked,
        kind=data.kind,
        description=data.description.strip(),
        source=data.source.strip(),
        obtained_on=data.obtained_on,
        file_name=file_name,
        content_type=mime,
        recorded_by=actor,
    )
    evidence.full_clean(exclude=["file"])
    stored = ""
    try:
        if upload is not None:
            stored, evidence.size, evidence.sha256 = _store(upload)
            evidence.file.name = stored
        evidence.save()
        CustodyEntry.objects.create(
            organisation_id=locked.organisation_id,
            evidence=evidence,
            case=locked,
            at=data.obtained_on,
            action=CustodyAction.RECEIVED,
            holder=data.holder.strip() or actor.get_username(),
            recorded_by=actor,
        )
        audit.record(
            actor=actor,
            action="create",
            obj=evidence,
            case=str(locked.uuid),
            kind=data.kind,
            sha256=evidence.sha256,
            size=evidence.size,
        )
    except BaseException:
        if stored:  # the file of a record that is not saved goes too: nothing half-saved
            private_storage().delete(stored)
        raise
    return evidence


@transaction.atomic
def custody_add(
    *, actor: User, evidence: Evidence, at: dt.date, action: str, holder: str, note: str = ""
) -> CustodyEntry:
    """The next link of an evidence item's chain of custody. Not before the previous link. Audited."""
    evidence = access.get_for_user(actor, Evidence, evidence.uuid, write=True)
    locked = _case_for_write(actor, evidence.case)
    errors: dict[str, str] = {}
    if action not in CustodyAction.values:
        errors["action"] = _("Choose one of the answers.")
    if not holder.strip():
        errors["holder"] = _("Say who holds it.")
    _not_future(at, "at", errors)
    last = CustodyEntry.objects.filter(evidence=evidence).order_by("-at", "-id").first()
    if last is not None and at < last.at:
        errors["at"] = _("The date is before the previous entry of the chain of custody.")
    if errors:
        raise ValidationError(errors)
    entry = CustodyEntry(
        organisation_id=locked.organisation_id,
        evidence=evidence,
        case=locked,
        at=at,
        action=action,
        holder=holder.strip(),
        note=note.strip(),
        recorded_by=actor,
    )
    entry.full_clean()
    entry.save()
    audit.record(actor=actor, action="create", obj=entry, evidence=str(evidence.uuid), step=action)
    return entry


@transaction.atomic
def witness_add(*, actor: User, case: LegalCase, person: core_services.PersonInput, description: str) -> Witness:
    """A witness: registered as a person by core (their name, phone and address are core's Identity, protected
    and audited as a survivor's), with a description that does not name them. Audited."""
    locked = _case_for_write(actor, case)
    if not description.strip():
        raise ValidationError({"description": _("Say who the witness is, without their name.")})
    registered = core_services.person_create(actor=actor, data=person)
    witness = Witness(
        organisation_id=locked.organisation_id,
        case=locked,
        person=registered,
        description=description.strip(),
        recorded_by=actor,
    )
    witness.full_clean(validate_constraints=False)
    witness.save()
    audit.record(actor=actor, action="create", obj=witness, case=str(locked.uuid), person=str(registered.uuid))
    return witness


@transaction.atomic
def statement_add(*, actor: User, witness: Witness, taken_on: dt.date, summary: str) -> Statement:
    """A witness's statement. Not before the case was opened. Audited."""
    witness = access.get_for_user(actor, Witness, witness.uuid, write=True)
    locked = _case_for_write(actor, witness.case)
    errors: dict[str, str] = {}
    _not_future(taken_on, "taken_on", errors)
    if taken_on < locked.opened_on:
        errors["taken_on"] = _("The date is before the case was opened (%(date)s).") % {"date": locked.opened_on}
    if not summary.strip():
        errors["summary"] = _("Write the statement.")
    if errors:
        raise ValidationError(errors)
    statement = Statement(
        organisation_id=locked.organisation_id,
        case=locked,
        witness=witness,
        taken_on=taken_on,
        summary=summary.strip(),
        recorded_by=actor,
    )
    statement.full_clean()
    statement.save()
    audit.record(actor=actor, action="create", obj=statement, witness=str(witness.uuid))
    return statement


# ---------------------------------------------------------------- submissions
@dataclass
class SubmissionInput:
    addressee_kind: str
    addressee: str
    subject: str
    sent_on: dt.date
    deadline: dt.date | None = None


@transaction.atomic
def submission_add(*, actor: User, case: LegalCase, data: SubmissionInput) -> Submission:
    """A letter or complaint sent to a ministry, embassy, court, police or foreign authority. Audited."""
    locked = _case_for_write(actor, case)
    errors: dict[str, str] = {}
    if data.addressee_kind not in AddresseeKind.values:
        errors["addressee_kind"] = _("Choose one of the answers.")
    if not data.addressee.strip():
        errors["addressee"] = _("Enter the office or person written to.")
    if not data.subject.strip():
        errors["subject"] = _("Enter the subject.")
    _not_future(data.sent_on, "sent_on", errors)
    if data.sent_on < locked.opened_on:
        errors["sent_on"] = _("The date is before the case was opened (%(date)s).") % {"date": locked.opened_on}
    if data.deadline is not None and data.deadline < data.sent_on:
        errors["deadline"] = _("The deadline is before the letter was sent.")
    if errors:
        raise ValidationError(errors)
    return _save_new(
        actor,
        locked,
        Submission(
            addressee_kind=data.addressee_kind,
            addressee=data.addressee.strip(),
            subject=data.subject.strip(),
            sent_on=data.sent_on,
            deadline=data.deadline,
        ),
        to=data.addressee_kind,
    )


@transaction.atomic
def submission_reply(*, actor: User, submission: Submission, reply_on: dt.date, reply: str) -> Submission:
    """The reply to a submission, and its date (not before it was sent). Audited."""
    locked, _case = _part_for_write(actor, Submission, submission)
    return _answer(
        actor,
        locked,
        ("reply_on", reply_on, "sent_on"),
        ("reply", reply),
        (
            _("The reply cannot come before the letter was sent."),
            _("Write what the reply says."),
            _("The reply was recorded already."),
        ),
    )


# ---------------------------------------------------------------- court
@dataclass
class HearingInput:
    level: str
    held_on: dt.date
    court_name: str = ""
    outcome: str = ""
    next_on: dt.date | None = None


@transaction.atomic
def hearing_add(*, actor: User, case: LegalCase, data: HearingInput) -> Hearing:
    """A hearing at a court level, with its outcome and the next date. A hearing dated before the case was
    opened is refused; a future hearing (scheduled) is allowed, with no outcome yet. The case moves to "in
    court" when it was earlier in its course. Audited."""
    locked = _case_for_write(actor, case)
    errors: dict[str, str] = {}
    if data.level not in CourtLevel.values:
        errors["level"] = _("Choose one of the answers.")
    if data.held_on < locked.opened_on:
        errors["held_on"] = _("The hearing is dated before the case was opened (%(date)s).") % {
            "date": locked.opened_on
        }
    if data.next_on is not None and data.next_on <= data.held_on:
        errors["next_on"] = _("The next hearing must come after this one.")
    if data.outcome.strip() and data.held_on > timezone.localdate():
        errors["outcome"] = _("A hearing still to come has no outcome yet.")
    if errors:
        raise ValidationError(errors)
    hearing = Hearing(
        organisation_id=locked.organisation_id,
        case=locked,
        level=data.level,
        held_on=data.held_on,
        court_name=data.court_name.strip(),
        outcome=data.outcome.strip(),
        next_on=data.next_on,
        recorded_by=actor,
    )
    hearing.full_clean()
    hearing.save()
    if locked.status in (CaseStatus.INVESTIGATION, CaseStatus.SUBMITTED):
        locked.status = CaseStatus.COURT
        locked.save(update_fields=["status", "updated_at"])
    audit.record(actor=actor, action="create", obj=hearing, case=str(locked.uuid), level=data.level)
    return hearing


@dataclass
class VerdictInput:
    level: str
    decided_on: dt.date
    outcome: str
    sentence: str = ""
    currency: str = "USD"
    compensation_ordered: Decimal = Decimal(0)
    compensation_received: Decimal = Decimal(0)
    excess_confirmed: bool = False
    appealed: bool = False


def _validate_verdict(data: VerdictInput, opened_on: dt.date) -> None:
    errors: dict[str, str] = {}
    if data.level not in CourtLevel.values:
        errors["level"] = _("Choose one of the answers.")
    if data.outcome not in VerdictOutcome.values:
        errors["outcome"] = _("Choose one of the answers.")
    if data.currency not in ("USD", "KHR"):
        errors["currency"] = _("Choose one of the answers.")
    _not_future(data.decided_on, "decided_on", errors)
    if data.decided_on < opened_on:
        errors["decided_on"] = _("The judgment is dated before the case was opened (%(date)s).") % {"date": opened_on}
    for name in ("compensation_ordered", "compensation_received"):
        amount = getattr(data, name)
        if amount < 0:
            errors[name] = _("Enter an amount of zero or more.")
        elif data.currency == "KHR" and amount != amount.to_integral_value():
            errors[name] = _("Riel amounts are whole riel.")
    if (
        "compensation_received" not in errors
        and data.compensation_received > data.compensation_ordered
        and not data.excess_confirmed
    ):
        errors["compensation_received"] = _(
            "More was received than the court ordered. Check the amounts, or tick the confirmation if it is right."
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def verdict_record(*, actor: User, case: LegalCase, data: VerdictInput) -> Verdict:
    """A court's judgment at one level: verdict, sentence, compensation ordered and received (received greater
    than ordered needs an explicit confirmation). Not appealed: the case's status becomes "judgment given".
    Audited."""
    locked = _case_for_write(actor, case)
    _validate_verdict(data, locked.opened_on)
    verdict = Verdict(
        organisation_id=locked.organisation_id,
        case=locked,
        level=data.level,
        decided_on=data.decided_on,
        outcome=data.outcome,
        sentence=data.sentence.strip(),
        currency=data.currency,
        compensation_ordered=data.compensation_ordered,
        compensation_received=data.compensation_received,
        excess_confirmed=data.excess_confirmed and data.compensation_received > data.compensation_ordered,
        appealed=data.appealed,
        recorded_by=actor,
    )
    verdict.full_clean()
    verdict.save()
    if not data.appealed and locked.status != CaseStatus.CLOSED:
        locked.status = CaseStatus.JUDGMENT
        locked.save(update_fields=["status", "updated_at"])
    audit.record(actor=actor, action="create", obj=verdict, case=str(locked.uuid), level=data.level)
    return verdict


@transaction.atomic
def compensation_receive(
    *, actor: User, verdict: Verdict, received: Decimal, excess_confirmed: bool = False
) -> Verdict:
    """Update the compensation received on a judgment (it often comes in instalments); more than ordered needs
    the confirmation. Audited with the amounts before and after."""
    locked, locked_case = _part_for_write(actor, Verdict, verdict)
    data = VerdictInput(
        level=locked.level,
        decided_on=locked.decided_on,
        outcome=locked.outcome,
        currency=locked.currency,
        compensation_ordered=locked.compensation_ordered,
        compensation_received=received,
        excess_confirmed=excess_confirmed,
    )
    _validate_verdict(data, locked_case.opened_on)
    previous = locked.compensation_received
    locked.compensation_received = received
    locked.excess_confirmed = excess_confirmed and received > locked.compensation_ordered
    locked.full_clean()
    locked.save(update_fields=["compensation_received", "excess_confirmed", "updated_at"])
    audit.record(
        actor=actor, action="update", obj=locked, fields="compensation_received", before=previous, after=received
    )
    return locked


# ---------------------------------------------------------------- costs
@dataclass
class CostInput:
    kind: str
    spent_on: dt.date
    amount: Decimal
    currency: str
    budget_line: BudgetLine | None
    note: str = ""


def budget_lines_for(actor: User) -> Any:
    """The budget lines a cost may be charged to: those of the actor's organisation's own sub-grants that the
    actor may see (core.access on SubGrant)."""
    membership = access.membership_for(actor)
    if membership is None:
        return BudgetLine.objects.none()
    subgrants = access.visible(actor, SubGrant.objects.filter(organisation_id=membership.organisation_id))
    return BudgetLine.objects.filter(subgrant__in=subgrants.values("pk")).select_related("subgrant__programme")


@transaction.atomic
def cost_add(*, actor: User, case: LegalCase, data: CostInput) -> Cost:
    """A cost paid for the case (legal fees, travel, repatriation, other) in USD or whole riel, charged to a
    budget line of the organisation's sub-grant: a cost without a budget line is refused. Needs
    justice_record_cost on a case of the actor's organisation. Audited."""
    locked = _case_for_write(actor, case, C.RECORD_COST)
    errors: dict[str, str] = {}
    if data.kind not in CostKind.values:
        errors["kind"] = _("Choose one of the answers.")
    if data.currency not in ("USD", "KHR"):
        errors["currency"] = _("Choose one of the answers.")
    if data.amount <= 0:
        errors["amount"] = _("Enter an amount greater than zero.")
    elif data.currency == "KHR" and data.amount != data.amount.to_integral_value():
        errors["amount"] = _("Riel amounts are whole riel.")
    _not_future(data.spent_on, "spent_on", errors)
    if data.budget_line is None:
        errors["budget_line"] = _("Choose the budget line the cost is charged to.")
    elif not budget_lines_for(actor).filter(pk=data.budget_line.pk).exists():
        errors["budget_line"] = _("Choose a budget line of your organisation's sub-grants.")
    if errors:
        raise ValidationError(errors)
    cost = Cost(
        organisation_id=locked.organisation_id,
        case=locked,
        kind=data.kind,
        spent_on=data.spent_on,
        amount=data.amount,
        currency=data.currency,
        budget_line=data.budget_line,
        note=data.note.strip(),
        recorded_by=actor,
    )
    cost.full_clean()
    cost.save()
    audit.record(
        actor=actor, action="create", obj=cost, case=str(locked.uuid), amount=data.amount, currency=data.currency
    )
    return cost


# ---------------------------------------------------------------- repatriation
@dataclass
class RepatriationInput:
    country: str
    persons: int
    authority: str
    requested_on: dt.date
    note: str = ""


@transaction.atomic
def repatriation_add(*, actor: User, case: LegalCase, data: RepatriationInput) -> Repatriation:
    """A request to repatriate victims stranded abroad (country, how many, the authority asked, the date).
    Audited."""
    locked = _case_for_write(actor, case)
    errors: dict[str, str] = {}
    if data.country not in countries.codes() or data.country == "KH":
        errors["country"] = _("Choose the country they are stranded in.")
    if data.persons < 1:
        errors["persons"] = _("Enter how many people are to come home.")
    if not data.authority.strip():
        errors["authority"] = _("Enter the authority asked.")
    _not_future(data.requested_on, "requested_on", errors)
    if errors:
        raise ValidationError(errors)
    return _save_new(
        actor,
        locked,
        Repatriation(
            country=data.country,
            persons=data.persons,
            authority=data.authority.strip(),
            requested_on=data.requested_on,
            note=data.note.strip(),
        ),
        country=data.country,
    )


@transaction.atomic
def repatriation_status_set(
    *, actor: User, repatriation: Repatriation, status: str, arrived_on: dt.date | None = None
) -> Repatriation:
    """Where a repatriation request stands; "arrived home" needs the arrival date (not before the request, not in
    the future). Audited with the previous status."""
    locked, _case = _part_for_write(actor, Repatriation, repatriation)
    errors: dict[str, str] = {}
    if status not in RepatriationStatus.values:
        errors["status"] = _("Choose one of the answers.")
    if status == RepatriationStatus.ARRIVED:
        if arrived_on is None:
            errors["arrived_on"] = _("Enter the date they arrived.")
        else:
            _not_future(arrived_on, "arrived_on", errors)
            if arrived_on < locked.requested_on:
                errors["arrived_on"] = _("They cannot arrive before the request was made.")
    if errors:
        raise ValidationError(errors)
    previous = locked.status
    locked.status = status
    locked.arrived_on = arrived_on if status == RepatriationStatus.ARRIVED else None
    locked.full_clean()
    locked.save(update_fields=["status", "arrived_on", "updated_at"])
    audit.record(actor=actor, action="update", obj=locked, fields="status", previous=previous, status=status)
    return locked


@dataclass
class HandoverInput:
    receiver: Organisation
    people: list[Person]
    consent_given_by: str = ""  # when given, each person's consent to referral to `receiver` is recorded now
    note: str = ""
    override_reason: str = ""  # for a role that may override a missing consent (core.referrals)


@transaction.atomic
def repatriation_handover(*, actor: User, repatriation: Repatriation, data: HandoverInput) -> list[Handover]:
    """Hand the people of an arrived repatriation over to protection: for each person chosen (the case's own
    clients), a referral through core to `data.receiver` (CCPCR), which registers their intake from it. The
    referral shares the legal case, and the identifying details when the actor may read them; it needs each
    person's consent to referral to that organisation (recorded here when `consent_given_by` is given), or a
    role that may override it and a reason (core.referrals' rules and messages). Nothing is saved when one
    person is refused. Locks: the case, the repatriation (lock step 3), then core's referral writes. Audited
    (core audits each referral and consent; here each handover)."""
    locked, case = _part_for_write(actor, Repatriation, repatriation)
    allowed = set(selectors.handover_person_ids(case))
    chosen = list({person.pk: person for person in data.people}.values())
    refusal = ""  # one message for the field, the first that applies
    if locked.status != RepatriationStatus.ARRIVED:
        refusal = _("Record their arrival first: only people who arrived home are handed over.")
    elif not allowed:
        refusal = _(
            "No client of this case's own to hand over to protection: a client another organisation referred "
            "stays theirs, and they register the intake."
        )
    elif not chosen:
        refusal = _("Choose who arrived.")
    elif any(person.pk not in allowed for person in chosen):
        refusal = _("Choose among the clients of the case.")
    if refusal:
        raise ValidationError({"people": refusal})
    country = countries.name(locked.country)
    reason = _("Arrived home from %(country)s on %(date)s (legal case %(number)s): please register their intake.") % {
        "country": country,
        "date": locked.arrived_on,
        "number": case.number,
    }
    note = data.note.strip()
    if note:
        reason = f"{reason}\n{note}"
    sections = [SECTION_CASE, *(["identity"] if access.has_capability(actor, Capability.VIEW_IDENTITY) else [])]
    handovers = []
    for person in chosen:
        if data.consent_given_by.strip():
            core_services.consent_record(
                actor=actor,
                person=person,
                purpose=Consent.Purpose.REFERRAL,
                given=True,
                given_by=data.consent_given_by,
                recipient=data.receiver,
            )
        referral = referrals.referral_create(
            actor=actor,
            person=person,
            receiver=data.receiver,
            sections=sections,
            reason=reason,
            override_reason=data.override_reason,
        )
        handovers.append(
            _save_new(
                actor,
                case,
                Handover(repatriation=locked, referral=referral),
                repatriation=str(locked.uuid),
                referral=str(referral.uuid),
            )
        )
    return handovers


# ---------------------------------------------------------------- escalation and advocacy
@transaction.atomic
def escalation_raise(*, actor: User, case: LegalCase, raised_on: dt.date, reason: str) -> Escalation:
    """Escalate the case to the central office, with the reason. One escalation waits for its response at a
    time. Audited."""
    locked = _case_for_write(actor, case)
    errors: dict[str, str] = {}
    _not_future(raised_on, "raised_on", errors)
    if raised_on < locked.opened_on:
        errors["raised_on"] = _("The date is before the case was opened (%(date)s).") % {"date": locked.opened_on}
    if not reason.strip():
        errors["reason"] = _("Say why the case is escalated.")
    if Escalation.objects.filter(case=locked, responded_on__isnull=True).exists():
        errors["reason"] = _("The case's last escalation is still waiting for the central office's response.")
    if errors:
        raise ValidationError(errors)
    return _save_new(
        actor,
        locked,
        Escalation(
            raised_on=raised_on,
            reason=reason.strip(),
        ),
    )


@transaction.atomic
def escalation_respond(*, actor: User, escalation: Escalation, responded_on: dt.date, response: str) -> Escalation:
    """The central office's response to an escalation: a case supervisor of the organisation (needs
    justice_respond_escalation), once, not before it was raised. Audited."""
    access.require(actor, C.RESPOND_ESCALATION)
    locked, _case = _part_for_write(actor, Escalation, escalation)
    locked.responded_by = actor
    return _answer(
        actor,
        locked,
        ("responded_on", responded_on, "raised_on"),
        ("response", response),
        (
            _("The response cannot come before the case was escalated."),
            _("Write the central office's response."),
            _("The response was recorded already."),
        ),
        also=["responded_by"],
    )


@dataclass
class AdvocacyInput:
    done_on: dt.date
    body_kind: str
    body: str
    action: str
    outcome: str = ""


@transaction.atomic
def advocacy_add(*, actor: User, case: LegalCase, data: AdvocacyInput) -> AdvocacyAction:
    """An advocacy action with a government body for the case, and what came of it. Audited."""
    locked = _case_for_write(actor, case)
    errors: dict[str, str] = {}
    if data.body_kind not in AddresseeKind.values:
        errors["body_kind"] = _("Choose one of the answers.")
    if not data.body.strip():
        errors["body"] = _("Enter the office met or written to.")
    if not data.action.strip():
        errors["action"] = _("Say what was done.")
    _not_future(data.done_on, "done_on", errors)
    if errors:
        raise ValidationError(errors)
    return _save_new(
        actor,
        locked,
        AdvocacyAction(
            done_on=data.done_on,
            body_kind=data.body_kind,
            body=data.body.strip(),
            action=data.action.strip(),
            outcome=data.outcome.strip(),
        ),
        body=data.body_kind,
    )


def _identifying_words(case: LegalCase) -> list[str]:
    """What would identify the case's clients and witnesses in a text: their names, phone, ID and passport
    numbers (core's Identity) and their case numbers. Read for this check only, never shown."""
    people = [case.client_id]
    people += list(CaseClient.objects.filter(case=case).values_list("person_id", flat=True))
    people += list(Witness.objects.filter(case=case).values_list("person_id", flat=True))
    words: list[str] = list(Person.objects.filter(pk__in=people).values_list("case_number", flat=True))
    fields = ("name_km", "name_latin", "phone", "national_id", "passport_number")
    for row in Identity.objects.filter(person_id__in=people).values_list(*fields):
        words += [value for value in row if value]
        phone = row[2]
        if phone.startswith("+855"):  # stored international (core.services.normalise_phone), written 0...
            words.append("0" + phone[4:])
    return [w.strip().casefold() for w in words if len(w.strip()) >= 3]


def _check_anonymised(case: LegalCase, *texts: str) -> None:
    folded = " ".join(unicodedata.normalize("NFC", t) for t in texts).casefold()
    compact = "".join(folded.split())
    for word in _identifying_words(case):
        if word in folded or "".join(word.split()) in compact:
            raise ValidationError(
                {
                    "text": _(
                        "The write-up names or identifies a client or a witness (a name, a phone, an ID or a case "
                        "number). Describe them without it."
                    )
                }
            )


@transaction.atomic
def case_study_write(
    *, actor: User, case: LegalCase, title: str, text: str, study: CaseStudy | None = None
) -> CaseStudy:
    """Write (or rewrite) the case's case study for donor reports. Anonymised: a text with a client's or a
    witness's name, phone, ID number or case number is refused. Rewriting clears a recorded consent: the client
    consented to the text they were shown, a new text needs their consent again. Audited."""
    locked = _case_for_write(actor, case)
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = _("Enter a title.")
    if not text.strip():
        errors["text"] = _("Write the case study.")
    if errors:
        raise ValidationError(errors)
    _check_anonymised(locked, title, text)
    if study is None:
        row = CaseStudy(organisation_id=locked.organisation_id, case=locked, recorded_by=actor)
    else:
        study = access.get_for_user(actor, CaseStudy, study.uuid, write=True)
        row = CaseStudy.objects.select_for_update().get(pk=study.pk, case=locked)
    row.title, row.text = title.strip(), text.strip()
    row.consent_on = row.withdrawn_on = None
    row.full_clean()
    row.save()
    audit.record(actor=actor, action="create" if study is None else "update", obj=row, case=str(locked.uuid))
    return row


@transaction.atomic
def case_study_consent(*, actor: User, study: CaseStudy, given: bool, on: dt.date) -> CaseStudy:
    """Record the client's consent to the case study appearing in donor reports (`given`), or its withdrawal;
    not in the future, a withdrawal not before the consent. Audited."""
    locked, _case = _part_for_write(actor, CaseStudy, study)
    errors: dict[str, str] = {}
    _not_future(on, "on", errors)
    if given:
        locked.consent_on, locked.withdrawn_on = on, None
    elif locked.consent_on is None:
        errors["given"] = _("No consent was recorded for this case study.")
    elif on < locked.consent_on:
        errors["on"] = _("The consent cannot be withdrawn before it was given.")
    else:
        locked.withdrawn_on = on
    if errors:
        raise ValidationError(errors)
    locked.full_clean()
    locked.save(update_fields=["consent_on", "withdrawn_on", "updated_at"])
    audit.record(actor=actor, action="update", obj=locked, fields="consent", given=given)
    return locked
