"""Writes of the outreach app: a help request sent from the public portal, its triage, and the tracking code.

The tracking code is 16 digits (about 53 bits), shown in groups of four so it can be read aloud and typed on a
phone's number pad. It is derived from the one-time key the form carried (a keyed HMAC with the server's
secret), so a submission sent twice (a double tap, a resend after a lost answer) finds the request it already
made and shows the same code again, and nothing is saved twice. Only a hash of the code is stored: whoever
reads the database learns no code to look a request up with.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from karpear.core import access, audit, countries
from karpear.core.models import Commune, Organisation, Province, User
from karpear.core.services import PlaceChoice
from karpear.outreach.declarations import OutreachCapability
from karpear.outreach.models import (
    Activity,
    Channel,
    Grievance,
    GrievanceStep,
    HelpDesk,
    HelpRequest,
    RootCause,
    Volunteer,
)

CODE_DIGITS = 16
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
_KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")


@contextmanager
def without_address() -> Iterator[None]:
    """Audit events written inside name a help request but not the visitor's network address: an anonymous
    request stays anonymous, even to whoever reads the audit log."""
    token = audit.current_ip.set(None)
    try:
        yield
    finally:
        audit.current_ip.reset(token)


def address_key(ip: str | None) -> str:
    """What a rate limit counts a visitor by: a keyed hash of the address, never the address itself."""
    return salted_hmac("karpear.outreach.rate", ip or "unknown", algorithm="sha256").hexdigest()[:32]


def new_form_key() -> str:
    """The one-time key a help-request form carries (128 random bits)."""
    return secrets.token_urlsafe(16)


def valid_form_key(key: str) -> bool:
    return bool(KEY_PATTERN.match(key))


def code_for_key(key: str) -> str:
    """The tracking code of the submission that carried `key`: 16 digits, unguessable without the key."""
    digest = salted_hmac("karpear.outreach.tracking-code", key, algorithm="sha256").digest()
    return str(int.from_bytes(digest[:12], "big") % 10**CODE_DIGITS).zfill(CODE_DIGITS)


def normalise_code(typed: str) -> str | None:
    """The 16 digits of a typed code (Khmer or Latin digits, spaces and dashes allowed), or None."""
    digits = re.sub(r"[\s\-.]", "", typed.translate(_KHMER_DIGITS))[:40]
    return digits if len(digits) == CODE_DIGITS and digits.isascii() and digits.isdigit() else None


def grouped(code: str) -> str:
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def code_hash(code: str) -> str:
    return hashlib.sha256(f"karpear-help:{code}".encode()).hexdigest()


def desk_for(province: Province | None) -> Organisation:
    """The organisation whose help desk covers the province, else the default desk."""
    desks = HelpDesk.objects.filter(is_active=True, organisation__is_active=True).select_related("organisation")
    if province is not None:
        desk = desks.filter(provinces=province).order_by("pk").first()
        if desk is not None:
            return desk.organisation
    desk = desks.filter(is_default=True).first()
    if desk is None:
        raise ValidationError(_("Help requests cannot be received at the moment. Please call a hotline instead."))
    return desk.organisation


@dataclass(frozen=True)
class HelpRequestInput:
    about: str
    message: str
    anonymous: bool = True
    name: str = ""
    phone: str = ""
    province: Province | None = None
    country: str = ""
    city: str = ""
    employer: str = ""
    last_heard: dt.date | None = None


@dataclass(frozen=True)
class Submitted:
    request: HelpRequest
    code: str
    created: bool  # False: this form was sent before; `request` is the one it made then


def _check(data: HelpRequestInput) -> None:
    errors: dict[str, str] = {}
    if data.about not in HelpRequest.About.values:
        errors["about"] = _("Choose who the help is for.")
    if not data.message.strip():
        errors["message"] = _("Tell us what happened, in a few words.")
    if data.country and data.country not in countries.codes():
        errors["country"] = _("Choose a country from the list.")
    if data.country == "KH":
        errors["country"] = _("Choose the country abroad; for a place in Cambodia, choose the province.")
    if data.last_heard is not None and data.last_heard > timezone.localdate():
        errors["last_heard"] = _("This date is in the future.")
    if not data.anonymous and not (data.name.strip() or data.phone.strip()):
        errors["name"] = _("Give a name or a phone number, or send the request anonymously.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def help_request_submit(*, key: str, data: HelpRequestInput) -> Submitted:
    """Receive a help request from the public portal (no account). Sent again with the same form key, it
    returns the request made the first time and saves nothing."""
    if not valid_form_key(key):
        raise ValidationError(_("This form has expired. Open it again and send it once more."))
    code = code_for_key(key)
    existing = HelpRequest.objects.filter(code_hash=code_hash(code)).first()
    if existing is not None:
        return Submitted(existing, code, created=False)
    _check(data)
    organisation = desk_for(data.province)
    named = not data.anonymous
    try:
        with transaction.atomic():
            request = HelpRequest.objects.create(
                organisation=organisation,
                code_hash=code_hash(code),
                about=data.about,
                anonymous=data.anonymous,
                name=data.name.strip() if named else "",
                phone=data.phone.strip() if named else "",
                province=data.province,
                country=data.country,
                city=data.city.strip(),
                employer=data.employer.strip(),
                last_heard=data.last_heard,
                message=data.message.strip(),
            )
    except IntegrityError:  # the same form sent twice at the same moment: the other one saved it
        return Submitted(HelpRequest.objects.get(code_hash=code_hash(code)), code, created=False)
    with without_address():
        audit.record(actor=None, action="create", obj=request, actor_name="public portal", about=data.about)
    return Submitted(request, code, created=True)


@transaction.atomic
def help_request_triage(
    *, actor: User, request: HelpRequest, outcome: str, note: str = "", root_causes: list[str] | None = None
) -> HelpRequest:
    """Sort a help request into a protection intake, a grievance, a legal-aid referral or information given.
    A request may be triaged again (a correction); each triage is an audit event with the outcome."""
    access.require(actor, OutreachCapability.TRIAGE_HELP_REQUEST, request)
    if outcome not in HelpRequest.Outcome.values:
        raise ValidationError({"outcome": _("Choose what this request becomes.")})
    previous = request.outcome
    request.outcome = outcome
    request.triage_note = note.strip()
    request.status = HelpRequest.Status.TRIAGED
    request.triaged_by = actor
    request.triaged_at = timezone.now()
    if root_causes is not None:
        request.root_causes = _choices(root_causes, RootCause.values, "root_causes")
    request.save(
        update_fields=["outcome", "triage_note", "status", "triaged_by", "triaged_at", "root_causes", "updated_at"]
    )
    audit.record(actor=actor, action="update", obj=request, triage=outcome, previous=previous)
    return request


# ---------------------------------------------------------------- shared checks
def _choices(values: list[str], allowed: list[str], field: str) -> list[str]:
    """The codes chosen, in the order of the choices; an unknown code is refused."""
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValidationError({field: _("Choose from the list.")})
    return [code for code in allowed if code in set(values)]


def _organisation_of(actor: User) -> Organisation:
    membership = access.membership_for(actor)
    if membership is None:  # access.require has already refused a user with no membership
        raise ValidationError(_("You are not a member of an organisation."))
    return membership.organisation


def _check_date(
    errors: dict[str, str], field: str, value: dt.date | None, *, not_before: dt.date | None = None
) -> None:
    if value is None:
        return
    if value > timezone.localdate():
        errors[field] = _("This date is in the future.")
    elif not_before is not None and value < not_before:
        errors[field] = _("This date is before the grievance was received.")


def _check_place_limit(actor: User, place: PlaceChoice, field: str = "commune") -> None:
    """A place-limited member records only inside their places (else the record would vanish from their view)."""
    membership = access.membership_for(actor)
    if membership is None or not membership.place_limited:
        return
    provinces, communes = access.membership_places(membership)
    inside = (place.province is not None and place.province.code in provinces) or (
        place.commune is not None and place.commune.code in communes
    )
    if not inside:
        raise ValidationError({field: _("Choose a place you work in.")})


# ---------------------------------------------------------------- grievances
@dataclass(frozen=True)
class GrievanceInput:
    received_on: dt.date
    about: str
    description: str
    kinds: list[str]
    place: PlaceChoice
    complainant: str = ""
    phone: str = ""
    country: str = ""
    employer: str = ""
    documents_kept: int = 0
    root_causes: list[str] = dataclasses.field(default_factory=list)
    channel: str = ""


def _check_grievance(data: GrievanceInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    if data.about not in Grievance.About.values:
        errors["about"] = _("Say who made the complaint.")
    if not data.kinds:
        errors["kinds"] = _("Choose what the complaint is about.")
    if not data.description.strip():
        errors["description"] = _("Write what happened, in a few words.")
    if data.country and data.country not in countries.codes():
        errors["country"] = _("Choose a country from the list.")
    if data.channel and data.channel not in Channel.values:
        errors["channel"] = _("Choose from the list.")
    if data.documents_kept < 0:
        errors["documents_kept"] = _("Give a number of 0 or more.")
    _check_date(errors, "received_on", data.received_on)
    return errors


@transaction.atomic
def grievance_record(*, actor: User, data: GrievanceInput, help_request: HelpRequest | None = None) -> Grievance:
    """Record a grievance, from a help request the actor triaged into one or as it was brought in person."""
    access.require(actor, OutreachCapability.CHANGE_GRIEVANCE)
    if help_request is not None:
        help_request = HelpRequest.objects.select_for_update().get(pk=help_request.pk)
        access.require(actor, OutreachCapability.TRIAGE_HELP_REQUEST, help_request)
        if Grievance.objects.filter(help_request=help_request).exists():
            raise ValidationError(_("A grievance was already opened from this help request."))
    errors = _check_grievance(data)
    kinds = _choices(data.kinds, Grievance.Kind.values, "kinds") if "kinds" not in errors else []
    root_causes = _choices(data.root_causes, RootCause.values, "root_causes")
    if errors:
        raise ValidationError(errors)
    _check_place_limit(actor, data.place)
    grievance = Grievance.objects.create(
        organisation=_organisation_of(actor),
        received_on=data.received_on,
        about=data.about,
        complainant=data.complainant.strip(),
        phone=data.phone.strip(),
        province=data.place.province,
        district=data.place.district,
        commune=data.place.commune,
        country=data.country,
        employer=data.employer.strip(),
        kinds=kinds,
        description=data.description.strip(),
        documents_kept=data.documents_kept,
        root_causes=root_causes,
        channel=data.channel,
        help_request=help_request,
        recorded_by=actor,
    )
    if help_request is not None and help_request.outcome != HelpRequest.Outcome.GRIEVANCE:
        help_request_triage(actor=actor, request=help_request, outcome=HelpRequest.Outcome.GRIEVANCE)
    audit.record(actor=actor, action="create", obj=grievance, level=grievance.level)
    return grievance


def _locked(actor: User, grievance: Grievance) -> Grievance:
    """The grievance, locked for this transaction (two officers at once write one after the other), once the
    actor may change it."""
    access.require(actor, OutreachCapability.CHANGE_GRIEVANCE, grievance)
    return Grievance.objects.select_for_update().get(pk=grievance.pk)


@transaction.atomic
def grievance_raise(
    *, actor: User, grievance: Grievance, level: int, raised_with: str, raised_on: dt.date, note: str = ""
) -> GrievanceStep:
    """Raise an open grievance with the authorities at a level: the same level again (another office) or a
    higher one, never a lower one."""
    grievance = _locked(actor, grievance)
    if grievance.status != Grievance.Status.OPEN:
        raise ValidationError(_("This grievance is closed: it cannot be raised again."))
    errors: dict[str, str] = {}
    if level not in Grievance.Level.values:
        errors["level"] = _("Choose a level.")
    elif level < grievance.level:
        errors["level"] = _("This grievance is already at %(level)s level: raise it there or higher.") % {
            "level": grievance.get_level_display()
        }
    if not raised_with.strip():
        errors["raised_with"] = _("Say whom it was raised with.")
    _check_date(errors, "raised_on", raised_on, not_before=grievance.received_on)
    if errors:
        raise ValidationError(errors)
    step = GrievanceStep.objects.create(
        organisation=grievance.organisation,
        grievance=grievance,
        level=level,
        raised_with=raised_with.strip(),
        raised_on=raised_on,
        note=note.strip(),
        recorded_by=actor,
    )
    previous = grievance.level
    grievance.level = level
    grievance.save(update_fields=["level", "updated_at"])
    audit.record(actor=actor, action="update", obj=grievance, raised_to=level, previous=previous)
    return step


@transaction.atomic
def grievance_step_answer(*, actor: User, step: GrievanceStep, response: str, responded_on: dt.date) -> GrievanceStep:
    """Record the answer an authority gave to a step."""
    grievance = _locked(actor, step.grievance)
    step = GrievanceStep.objects.get(pk=step.pk)
    errors: dict[str, str] = {}
    if not response.strip():
        errors["response"] = _("Write the answer received.")
    if responded_on is not None and responded_on < step.raised_on:
        errors["responded_on"] = _("The answer cannot come before the grievance was raised.")
    _check_date(errors, "responded_on", responded_on)
    if errors:
        raise ValidationError(errors)
    step.response, step.responded_on = response.strip(), responded_on
    step.save(update_fields=["response", "responded_on", "updated_at"])
    audit.record(actor=actor, action="update", obj=grievance, answered_level=step.level)
    return step


@transaction.atomic
def grievance_close(
    *,
    actor: User,
    grievance: Grievance,
    resolved: bool,
    resolution: str,
    closed_on: dt.date,
    documents_returned: int = 0,
) -> Grievance:
    """Close a grievance, resolved or not, with what came of it and how many kept documents came back."""
    grievance = _locked(actor, grievance)
    if grievance.status != Grievance.Status.OPEN:
        raise ValidationError(_("This grievance is already closed."))
    errors: dict[str, str] = {}
    if not resolution.strip():
        errors["resolution"] = _("Write what came of the grievance.")
    if documents_returned < 0:
        errors["documents_returned"] = _("Give a number of 0 or more.")
    elif documents_returned > grievance.documents_kept:
        errors["documents_returned"] = _("More documents returned than were kept (%(kept)s).") % {
            "kept": grievance.documents_kept
        }
    _check_date(errors, "closed_on", closed_on, not_before=grievance.received_on)
    if errors:
        raise ValidationError(errors)
    grievance.status = Grievance.Status.RESOLVED if resolved else Grievance.Status.UNRESOLVED
    grievance.resolution, grievance.closed_on = resolution.strip(), closed_on
    grievance.documents_returned = documents_returned
    grievance.save(update_fields=["status", "resolution", "closed_on", "documents_returned", "updated_at"])
    audit.record(actor=actor, action="update", obj=grievance, status=grievance.status, returned=documents_returned)
    return grievance


@transaction.atomic
def grievance_outcome_told(*, actor: User, grievance: Grievance, told_on: dt.date, how: str) -> Grievance:
    """Record that the complainant was told the outcome (SMART: every complainant hears back)."""
    grievance = _locked(actor, grievance)
    errors: dict[str, str] = {}
    if grievance.status == Grievance.Status.OPEN or grievance.closed_on is None:
        raise ValidationError(_("Close the grievance first: then tell the complainant its outcome."))
    if not how.strip():
        errors["how"] = _("Say how the complainant was told (a visit, a call, …).")
    if told_on < grievance.closed_on:
        errors["told_on"] = _("This date is before the grievance was closed.")
    _check_date(errors, "told_on", told_on)
    if errors:
        raise ValidationError(errors)
    grievance.outcome_told_on, grievance.outcome_told_how = told_on, how.strip()
    grievance.save(update_fields=["outcome_told_on", "outcome_told_how", "updated_at"])
    audit.record(actor=actor, action="update", obj=grievance, outcome_told=True)
    return grievance


# ---------------------------------------------------------------- volunteers
@dataclass(frozen=True)
class VolunteerInput:
    name: str
    sex: str
    recruited_on: dt.date
    phone: str = ""
    trained_on: dt.date | None = None
    communes: list[Commune] = dataclasses.field(default_factory=list)
    username: str = ""  # the volunteer's account, a member of the organisation with the volunteer role
    is_active: bool = True


@transaction.atomic
def volunteer_save(*, actor: User, data: VolunteerInput, volunteer: Volunteer | None = None) -> Volunteer:
    """Recruit a community volunteer, or change one: training, communes, account, active or not."""
    from karpear.core.models import Membership
    from karpear.core.roles import Role

    if volunteer is None:
        access.require(actor, OutreachCapability.MANAGE_VOLUNTEERS)
        volunteer = Volunteer(organisation=_organisation_of(actor))
    else:
        access.require(actor, OutreachCapability.MANAGE_VOLUNTEERS, volunteer)
        volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    errors: dict[str, str] = {}
    if not data.name.strip():
        errors["name"] = _("Give the volunteer's name.")
    if data.sex not in ("f", "m"):
        errors["sex"] = _("Choose from the list.")
    if data.recruited_on > timezone.localdate():
        errors["recruited_on"] = _("This date is in the future.")
    if data.trained_on is not None and data.trained_on > timezone.localdate():
        errors["trained_on"] = _("This date is in the future.")
    account = None
    if data.username.strip():
        membership = (
            Membership.objects.filter(
                organisation=volunteer.organisation,
                user__username=data.username.strip(),
                role=Role.VOLUNTEER,
                is_active=True,
            )
            .select_related("user")
            .first()
        )
        if membership is None:
            errors["username"] = _("No active volunteer account of your organisation has this username.")
        else:
            account = membership.user
            taken = Volunteer.objects.filter(user=account).exclude(pk=volunteer.pk).exists()
            if taken:
                errors["username"] = _("This account already belongs to another volunteer.")
    if any(c.province_id is None for c in data.communes):  # pragma: no cover - communes always have a province
        errors["communes"] = _("Choose from the list.")
    if errors:
        raise ValidationError(errors)
    created = volunteer.pk is None
    volunteer.name, volunteer.sex, volunteer.phone = data.name.strip(), data.sex, data.phone.strip()
    volunteer.recruited_on, volunteer.trained_on = data.recruited_on, data.trained_on
    volunteer.user, volunteer.is_active = account, data.is_active
    try:
        with transaction.atomic():
            volunteer.save()
    except IntegrityError:  # two officers linking the same account at the same moment: the other one did
        raise ValidationError({"username": _("This account already belongs to another volunteer.")}) from None
    volunteer.communes.set(data.communes)
    audit.record(actor=actor, action="create" if created else "update", obj=volunteer)
    return volunteer


# ---------------------------------------------------------------- sessions, workshops, events, home visits
@dataclass(frozen=True)
class ActivityInput:
    kind: str
    held_on: dt.date
    place: PlaceChoice
    title: str = ""
    topics: list[str] = dataclasses.field(default_factory=list)
    partners: str = ""
    female_children: int = 0
    male_children: int = 0
    female_adults: int = 0
    male_adults: int = 0
    participants: int | None = None  # None: the sum of the tally by sex and age group
    households_visited: int = 0
    cases_referred: int = 0
    grievances_referred: int = 0
    channels: list[str] = dataclasses.field(default_factory=list)
    root_causes: list[str] = dataclasses.field(default_factory=list)
    note: str = ""
    volunteer: Volunteer | None = None


TALLY = ("female_children", "male_children", "female_adults", "male_adults")
COUNTS = (*TALLY, "households_visited", "cases_referred", "grievances_referred")


def _check_activity(data: ActivityInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    if data.kind not in Activity.Kind.values:
        errors["kind"] = _("Choose what kind of activity it was.")
    if data.held_on > timezone.localdate():
        errors["held_on"] = _("This date is in the future.")
    if data.place.province is None:
        errors["province"] = _("Choose where it was held.")
    for field in COUNTS:
        if getattr(data, field) < 0:
            errors[field] = _("Give a number of 0 or more.")
    by_sex = sum(getattr(data, f) for f in TALLY)
    if data.participants is not None:
        if data.participants < 0:
            errors["participants"] = _("Give a number of 0 or more.")
        elif data.participants < by_sex:
            errors["participants"] = _(
                "Fewer participants in all (%(total)s) than counted by sex and age (%(counted)s)."
            ) % {"total": data.participants, "counted": by_sex}
    total = by_sex if data.participants is None else data.participants
    if data.kind == Activity.Kind.VISITS and data.households_visited == 0:
        errors["households_visited"] = _("Give how many households were visited.")
    elif total == 0 and data.households_visited == 0 and "participants" not in errors:
        errors["participants"] = _("Give how many people took part.")
    return errors


@transaction.atomic
def activity_record(*, actor: User, data: ActivityInput, submission: uuid.UUID | None = None) -> Activity:
    """Record a session, workshop, training, event or round of home visits. A volunteer records their own
    (their volunteer record is filled in for them); staff may name the volunteer who held it. `submission`
    (from the form's one-time key) makes a form sent twice, or queued offline and sent again, save once."""
    access.require(actor, OutreachCapability.RECORD_ACTIVITY)
    if submission is not None:
        existing = Activity.objects.filter(submission=submission).first()
        if existing is not None and existing.recorded_by_id == actor.pk:
            return existing
    errors = _check_activity(data)
    topics = _choices(data.topics, Activity.Topic.values, "topics")
    channels = _choices(data.channels, Channel.values, "channels")
    root_causes = _choices(data.root_causes, RootCause.values, "root_causes")
    organisation = _organisation_of(actor)
    own = Volunteer.objects.filter(user=actor, organisation=organisation).first()
    volunteer = data.volunteer
    if own is not None and not access.has_capability(actor, OutreachCapability.MANAGE_VOLUNTEERS):
        volunteer = own  # a volunteer records their own activities
    if volunteer is not None and volunteer.organisation_id != organisation.pk:
        errors["volunteer"] = _("Choose from the list.")
    if errors:
        raise ValidationError(errors)
    _check_place_limit(actor, data.place, field="province")
    by_sex = sum(getattr(data, f) for f in TALLY)
    activity = Activity(
        organisation=organisation,
        submission=submission,
        kind=data.kind,
        title=data.title.strip(),
        held_on=data.held_on,
        province=data.place.province,
        district=data.place.district,
        commune=data.place.commune,
        volunteer=volunteer,
        topics=topics,
        partners=data.partners.strip(),
        participants=by_sex if data.participants is None else data.participants,
        channels=channels,
        root_causes=root_causes,
        note=data.note.strip(),
        recorded_by=actor,
        **{field: getattr(data, field) for field in COUNTS},
    )
    try:
        with transaction.atomic():
            activity.save()
    except IntegrityError:  # the same submission at the same moment: the other one saved it
        saved = Activity.objects.get(submission=submission)
        if saved.recorded_by_id != actor.pk:  # pragma: no cover - keys are per user; never another's record
            raise ValidationError(_("This form has expired. Open it again and send it once more.")) from None
        return saved
    audit.record(actor=actor, action="create", obj=activity, kind=activity.kind, participants=activity.participants)
    return activity
