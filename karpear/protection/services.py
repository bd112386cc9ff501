"""Writes of the protection records. Each service checks its caller's rights through core.access, validates,
saves inside one transaction and writes its audit events in that transaction, last.

Locks, in this one order (core.services explains why an order; this extends core's):
0. A group arrival's submission key (`GroupArrival` unique on organisation and submission): inserted first,
   so a second post of the same screen waits on it and then finds the group saved, before taking any lock.
1. Core's registration lock (the person `CaseSequence` of the organisation), taken by
   `core.services.person_create` for a new person (`people_create_many` for a group, once).
2. The organisation's protection case numbers of this year (`protection.CaseSequence`, SELECT ... FOR
   UPDATE), held until commit: numbers are handed out without gap or clash.
3. The rows written (case, consents, rights notice), then the audit append, last.
A service that opens a case for a person it registers always goes 1 then 2, never 2 then 1.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from karpear.core import access, audit, countries
from karpear.core import services as core_services
from karpear.core.models import Consent, Organisation, Person, Referral, User
from karpear.core.roles import Capability
from karpear.matching import selectors as matching_selectors
from karpear.matching import services as matching_services
from karpear.protection import screening as engine
from karpear.protection.declarations import SECTION_FOLLOW_UPS, SECTION_PLAN, SECTION_SCREENING, SECTION_SUMMARY
from karpear.protection.declarations import ProtectionCapability as C
from karpear.protection.models import (
    NEED_DOMAINS,
    SCREENING_LISTS,
    STAGE_ORDER,
    AcknowledgedBy,
    CaseEvent,
    CaseSequence,
    CaseStatus,
    ClosureReason,
    CompletedStep,
    ControlMethod,
    Currency,
    DecidingBody,
    Determination,
    Domain,
    EmployerType,
    ExploitationType,
    FlagMatch,
    FlagStatus,
    FollowUp,
    GroupArrival,
    HandedOverBy,
    IdentificationStatus,
    Indicator,
    IndicatorList,
    Industry,
    NeedLevel,
    NeedsAssessment,
    Placement,
    PlacementKind,
    PlanAction,
    PlanEvent,
    PlannedService,
    PlanStatus,
    ProtectionCase,
    RecruitmentMethod,
    RetraffickingFlag,
    ReturnType,
    Screening,
    ScreeningAnswer,
    ScreeningRule,
    ServiceDelivery,
    ServiceKind,
    ServicePlan,
    Stage,
    StageStep,
    SustainabilityIndicator,
    TraffickerRelationship,
    TraffickingEvent,
    TraffickingEventType,
    TransitCentre,
    VictimContext,
)

logger = logging.getLogger("karpear.protection")

MAX_GROUP = 60  # the most people one group screen registers at once
MAX_AGE = 110


# ---------------------------------------------------------------- input
@dataclass
class IntakeInput:
    """What the transit centre records about one arrival (shared by a whole group on the group screen)."""

    transit_centre: str
    arrived_on: dt.date
    origin_country: str
    return_type: str
    handed_over_by: str
    handed_over_detail: str = ""
    origin_place: str = ""
    employer_type: str = ""
    industry: str = ""


@dataclass
class RightsInput:
    """The rights notice was shown (in Khmer and English) and acknowledged, by the person or their guardian."""

    acknowledged_by: str
    acknowledged_on: dt.date | None = None  # today when not given


@dataclass
class ConsentInput:
    purpose: str
    given: bool
    given_by: str


@dataclass
class GroupRow:
    """One person of a group arrival: name, sex, age and home village (the rest is completed per case)."""

    name: str
    sex: str
    age: int | None
    place: core_services.PlaceChoice = field(default_factory=core_services.PlaceChoice)
    line: int | None = None  # the row of the screen it came from (empty rows are skipped): names its errors


@dataclass
class GroupInput:
    intake: IntakeInput
    rows: list[GroupRow]
    submission: uuid.UUID | None = None


@dataclass(frozen=True)
class GroupResult:
    group: GroupArrival
    cases: list[ProtectionCase]
    created: bool  # False: this submission was saved before; nothing was saved again


# ---------------------------------------------------------------- validation
def validate_intake(intake: IntakeInput) -> None:
    """Field errors of an intake, in the user's language (nothing is saved when one is raised)."""
    errors: dict[str, str] = {}
    if intake.transit_centre not in TransitCentre.values:
        errors["transit_centre"] = _("Choose the transit centre.")
    if intake.arrived_on > timezone.localdate():
        errors["arrived_on"] = _("The arrival date cannot be in the future.")
    if intake.origin_country not in countries.codes():
        errors["origin_country"] = _("Choose a country from the list.")
    if intake.return_type not in ReturnType.values:
        errors["return_type"] = _("Choose how the person returned.")
    if intake.handed_over_by not in HandedOverBy.values:
        errors["handed_over_by"] = _("Choose who handed the person over.")
    if intake.employer_type and intake.employer_type not in EmployerType.values:
        errors["employer_type"] = _("Choose one of the answers.")
    if intake.industry and intake.industry not in Industry.values:
        errors["industry"] = _("Choose one of the answers.")
    if errors:
        raise ValidationError(errors)


def _validate_rights(rights: RightsInput | None, arrived_on: dt.date | None = None) -> None:
    if rights is None:
        return
    if rights.acknowledged_by not in AcknowledgedBy.values:
        raise ValidationError({"rights_acknowledged_by": _("Say who acknowledged the rights notice.")})
    day = rights.acknowledged_on or timezone.localdate()
    if day > timezone.localdate():
        raise ValidationError({"rights_acknowledged_on": _("The date cannot be in the future.")})
    if arrived_on is not None and day < arrived_on:
        raise ValidationError({"rights_acknowledged_on": _("The rights notice cannot be acknowledged before arrival.")})


# ---------------------------------------------------------------- case numbers
def _number_lock(organisation: Organisation) -> CaseSequence:
    """Lock step 2: the organisation's protection case numbers of this year, held until commit."""
    seq, _created = CaseSequence.objects.select_for_update().get_or_create(
        organisation=organisation, year=timezone.localdate().year
    )
    return seq


def _next_numbers(organisation: Organisation, seq: CaseSequence, count: int = 1) -> list[str]:
    """The next `count` free numbers, `CCPCR-P-2026-00123`, the same ones taking them one by one would give,
    with one query per round of clashes; `seq` must be locked (`_number_lock`)."""
    numbers: list[str] = []
    while len(numbers) < count:
        wanted = count - len(numbers)
        candidates = [
            f"{organisation.short_name.upper()}-P-{seq.year}-{seq.last + n:05d}" for n in range(1, wanted + 1)
        ]
        seq.last += wanted
        taken = set(
            ProtectionCase.objects.filter(organisation=organisation, number__in=candidates).values_list(
                "number", flat=True
            )
        )
        numbers += [number for number in candidates if number not in taken]
    seq.save(update_fields=["last"])
    return numbers


# The rows a new case points to are the ones just read or made by its service (the person, the actor, their
# team, the group): full_clean would read each back, six queries a case (300 for a group of 50,
# bench/protection.py); the foreign keys still hold in the database.
_CASE_RELATED = ["organisation", "person", "group", "assigned_to", "team", "created_by", "rights_explained_by"]


def _case_build(
    *,
    actor: User,
    person: Person,
    number: str,
    intake: IntakeInput,
    team: Any,
    group: GroupArrival | None = None,
    rights: RightsInput | None = None,
) -> ProtectionCase:
    """A new case for `person`, checked, not saved."""
    case = ProtectionCase(
        organisation=person.organisation,  # a group's people carry it: no query
        person=person,
        number=number,
        group=group,
        assigned_to=actor,
        team=team,
        created_by=actor,
        **dataclasses.asdict(intake),
    )
    if rights is not None:
        case.rights_acknowledged_on = rights.acknowledged_on or timezone.localdate()
        case.rights_acknowledged_by = rights.acknowledged_by
        case.rights_explained_by = actor
    # The number was taken under the lock and the uuid is new: the unique checks would repeat, per case, what
    # the lock and the constraints guarantee.
    case.full_clean(validate_unique=False, validate_constraints=False, exclude=_CASE_RELATED)
    return case


def _case_new(
    *,
    actor: User,
    person: Person,
    intake: IntakeInput,
    rights: RightsInput | None = None,
) -> ProtectionCase:
    """A new case for `person` (not audited: the caller records its events at its end)."""
    organisation = person.organisation
    number = _next_numbers(organisation, _number_lock(organisation))[0]  # lock step 2
    membership = access.membership_for(actor)
    case = _case_build(
        actor=actor,
        person=person,
        number=number,
        intake=intake,
        team=membership.team if membership else None,
        rights=rights,
    )
    case.save()
    _event(case, "opened", SECTION_SUMMARY, case.arrived_on, actor, transit_centre=case.transit_centre)
    return case


# ---------------------------------------------------------------- intake
@transaction.atomic
def intake_register(
    *,
    actor: User,
    person: core_services.PersonInput,
    intake: IntakeInput,
    rights: RightsInput | None = None,
    consents: list[ConsentInput] | None = None,
) -> ProtectionCase:
    """Register one returnee at a transit centre: the person (core's registration, with its duplicate flags
    for the supervisor), their protection case assigned to the actor, the rights notice and the consents given.

    Needs protection_add_case (and core's add_person). Nothing is saved when any part is refused. Audited.
    """
    access.require(actor, C.ADD_CASE)
    validate_intake(intake)
    _validate_rights(rights, intake.arrived_on)
    registered = core_services.person_create(actor=actor, data=person)  # lock step 1
    case = _case_new(actor=actor, person=registered, intake=intake, rights=rights)  # lock step 2
    for consent in consents or []:
        core_services.consent_record(
            actor=actor,
            person=registered,
            purpose=consent.purpose,
            given=consent.given,
            given_by=consent.given_by,
        )
    audit.record(actor=actor, action="create", obj=case, person=str(registered.uuid), number=case.number)
    retrafficking_check(actor=actor, cases=[case])
    return case


@transaction.atomic
def case_open(*, actor: User, person: Person, intake: IntakeInput, rights: RightsInput | None = None) -> ProtectionCase:
    """Open a protection case for someone already registered (a returnee known from an earlier stay, or a person
    another programme registered). Needs protection_add_case and the person in the actor's scope, in the actor's
    organisation (else 404/403). Takes only lock step 2. Audited."""
    access.require(actor, C.ADD_CASE)
    person = access.get_person_for_user(actor, person.uuid, write=True)
    validate_intake(intake)
    _validate_rights(rights, intake.arrived_on)
    case = _case_new(actor=actor, person=person, intake=intake, rights=rights)
    audit.record(actor=actor, action="create", obj=case, person=str(person.uuid), number=case.number)
    retrafficking_check(actor=actor, cases=[case])
    return case


def _row_errors(rows: list[GroupRow]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for index, row in enumerate(rows):
        index = row.line if row.line is not None else index
        if not row.name.strip():
            errors[f"row-{index}-name"] = _("Enter the name.")
        if row.sex not in Person.Sex.values:
            errors[f"row-{index}-sex"] = _("Choose the sex.")
        if row.age is not None and not 0 <= row.age <= MAX_AGE:
            errors[f"row-{index}-age"] = _("Enter an age between 0 and %(max)d.") % {"max": MAX_AGE}
    return errors


def _is_khmer(text: str) -> bool:
    return any("\u1780" <= ch <= "\u17ff" for ch in text)


def _person_of(row: GroupRow, arrived_on: dt.date) -> core_services.PersonInput:
    name = row.name.strip()
    return core_services.PersonInput(
        sex=row.sex,
        birth_year=arrived_on.year - row.age if row.age is not None else None,
        birth_year_estimated=row.age is not None,
        place=row.place,
        name_km=name if _is_khmer(name) else "",
        name_latin="" if _is_khmer(name) else name,
    )


@transaction.atomic
def group_arrival_register(*, actor: User, data: GroupInput) -> GroupResult:
    """Register people who arrived together: each row becomes a person and a case, in one transaction, with
    the intake details of the group. A second call with the same `submission` saves nothing and returns the
    group saved the first time (a double tap, a resubmission after a dropped connection).

    Needs protection_add_case. Row errors are keyed `row-<n>-<field>`. Audited: the group and every case.
    """
    access.require(actor, C.ADD_CASE)
    membership = access.membership_for(actor)
    if membership is None:
        raise ValidationError(_("You are not a member of any organisation."))
    organisation = membership.organisation
    if data.submission is not None:
        done = GroupArrival.objects.filter(organisation=organisation, submission=data.submission).first()
        if done is not None:
            return GroupResult(done, list(done.cases.order_by("id")), created=False)
    validate_intake(data.intake)
    if not data.rows:
        raise ValidationError({"rows": _("Add at least one person: every row is empty.")})
    if len(data.rows) > MAX_GROUP:
        raise ValidationError({"rows": _("Register at most %(count)d people at once.") % {"count": MAX_GROUP}})
    errors = _row_errors(data.rows)
    if errors:
        raise ValidationError(errors)
    group = GroupArrival(
        organisation=organisation,
        submission=data.submission or uuid.uuid4(),
        transit_centre=data.intake.transit_centre,
        arrived_on=data.intake.arrived_on,
        size=len(data.rows),
        created_by=actor,
    )
    group.full_clean(validate_unique=False, validate_constraints=False, exclude=["organisation", "created_by"])
    try:
        with transaction.atomic():  # lock step 0: a concurrent post of the same screen waits here
            group.save()
    except IntegrityError:
        done = GroupArrival.objects.get(organisation=organisation, submission=group.submission)
        return GroupResult(done, list(done.cases.order_by("id")), created=False)
    # Everyone at once (bench/protection.py: a group of 50 took 1,413 queries one by one): core registers the
    # people together (lock step 1), then the cases take their numbers together (lock step 2) and are inserted
    # with their timeline lines in one insert each.
    people = core_services.people_create_many(
        actor=actor,
        people=[_person_of(row, data.intake.arrived_on) for row in data.rows],
        prefixes=[f"row-{row.line if row.line is not None else n}-" for n, row in enumerate(data.rows)],
    )
    numbers = _next_numbers(organisation, _number_lock(organisation), len(people))
    cases = [
        _case_build(actor=actor, person=person, number=number, intake=data.intake, team=membership.team, group=group)
        for person, number in zip(people, numbers, strict=True)
    ]
    ProtectionCase.objects.bulk_create(cases)
    CaseEvent.objects.bulk_create(
        _event_row(case, "opened", SECTION_SUMMARY, case.arrived_on, actor, transit_centre=case.transit_centre)
        for case in cases
    )
    audit.record(actor=actor, action="create", obj=group, size=len(cases))
    audit.record_many(actor=actor, action="create", objects=cases, group=str(group.uuid))
    # The re-trafficking check scores each arrival against the earlier survivors: after commit, in the
    # background, so registering a group of fifty stays quick.
    from karpear.protection.tasks import retrafficking_task

    case_ids = [c.pk for c in cases]
    transaction.on_commit(lambda: retrafficking_task.enqueue(actor_id=actor.pk, case_ids=case_ids))
    return GroupResult(group, cases, created=True)


# ---------------------------------------------------------------- changes to a case
@transaction.atomic
def case_update(*, actor: User, case: ProtectionCase, intake: IntakeInput) -> ProtectionCase:
    """Complete or correct a case's intake details. Needs protection_change_case on the case (own
    organisation, in scope). Audited with the fields changed."""
    case = access.get_for_user(actor, ProtectionCase, case.uuid, write=True)
    validate_intake(intake)
    changed = [name for name, value in dataclasses.asdict(intake).items() if getattr(case, name) != value]
    for name, value in dataclasses.asdict(intake).items():
        setattr(case, name, value)
    case.full_clean()
    case.save()
    audit.record(actor=actor, action="update", obj=case, fields=",".join(changed))
    return case


@transaction.atomic
def rights_acknowledge(*, actor: User, case: ProtectionCase, rights: RightsInput) -> ProtectionCase:
    """Record that the rights notice was shown and acknowledged. Needs protection_change_case. Audited."""
    case = access.get_for_user(actor, ProtectionCase, case.uuid, write=True)
    _validate_rights(rights, case.arrived_on)
    case.rights_acknowledged_on = rights.acknowledged_on or timezone.localdate()
    case.rights_acknowledged_by = rights.acknowledged_by
    case.rights_explained_by = actor
    case.full_clean()
    case.save(update_fields=["rights_acknowledged_on", "rights_acknowledged_by", "rights_explained_by", "updated_at"])
    audit.record(actor=actor, action="update", obj=case, fields="rights_notice", by=rights.acknowledged_by)
    return case


@transaction.atomic
def case_consent_record(*, actor: User, case: ProtectionCase, consent: ConsentInput) -> Consent:
    """Record a consent given or refused for one purpose, on the case's person (core's consent record). Needs
    protection_change_case on the case; core checks the person may be changed. Audited by core."""
    case = access.get_for_user(actor, ProtectionCase, case.uuid, write=True)
    if consent.purpose not in Consent.Purpose.values or consent.purpose == Consent.Purpose.REFERRAL:
        raise ValidationError({"purpose": _("Choose one of the answers.")})
    return core_services.consent_record(
        actor=actor, person=case.person, purpose=consent.purpose, given=consent.given, given_by=consent.given_by
    )


# ---------------------------------------------------------------- screening and identification (DOMAIN §1)
LABOUR_LISTS = (IndicatorList.ADULT_LABOUR, IndicatorList.CHILD_LABOUR)


@dataclass
class ScreeningInput:
    list: str
    answers: dict[str, bool]  # indicator code -> present; a code left out is unanswered
    forced_criminality: bool = False
    recruited: bool | None = None  # children: the recruitment act itself
    screened_on: dt.date | None = None  # today when not given


@dataclass
class DeterminationInput:
    status: str
    deciding_body: str
    decided_on: dt.date
    deciding_body_name: str = ""
    note: str = ""


def engine_dimensions() -> list[str]:
    """The six dimensions of the ILO–EC indicators, in their order."""
    from karpear.protection.models import Dimension

    return list(Dimension.values)


def indicators_for(list_name: str, forced_criminality: bool = False) -> list[Indicator]:
    """The questions of a screening: the list's indicators in use, and the extension's when it is asked."""
    lists = [list_name, IndicatorList.FORCED_CRIMINALITY] if forced_criminality else [list_name]
    return list(Indicator.objects.filter(active=True, list__in=lists).order_by("order", "id"))


def rule_for(list_name: str) -> engine.Rule:
    rule = ScreeningRule.objects.filter(list=list_name).first()
    if rule is None:
        return engine.Rule((), ())
    return engine.Rule.of(rule.thresholds, rule.groups)


def suggestion_for(
    indicators: list[Indicator], answers: dict[str, bool], list_name: str, recruited: bool | None
) -> engine.Suggestion:
    facts = [engine.IndicatorFact(i.code, i.dimension, i.strength) for i in indicators]
    return engine.suggest(facts, answers, rule_for(list_name), recruited=recruited)


@transaction.atomic
def screening_record(*, actor: User, case: ProtectionCase, data: ScreeningInput) -> Screening:
    """Save a screening interview of the case: the answers, and the engine's suggestion with the dimensions and
    indicators that led to it (none while answers are missing: they are named instead). Needs
    protection_screen on a case of the actor's organisation in their scope. Audited."""
    access.require(actor, C.SCREEN)
    case = access.get_for_user(actor, ProtectionCase, case.uuid, write=True)
    if data.list not in SCREENING_LISTS:
        raise ValidationError({"list": _("Choose one of the answers.")})
    if data.forced_criminality and data.list not in LABOUR_LISTS:
        raise ValidationError(
            {"forced_criminality": _("The forced-criminality indicators go with a labour exploitation list.")}
        )
    day = data.screened_on or timezone.localdate()
    if day > timezone.localdate():
        raise ValidationError({"screened_on": _("The date cannot be in the future.")})
    if day < case.arrived_on:
        raise ValidationError({"screened_on": _("The screening cannot be before the arrival.")})
    indicators = indicators_for(data.list, data.forced_criminality)
    known = {i.code: i for i in indicators}
    unknown = sorted(set(data.answers) - set(known))
    if unknown:
        raise ValidationError(_("Unknown indicators: %(codes)s.") % {"codes": ", ".join(unknown)})
    suggestion = suggestion_for(indicators, data.answers, data.list, data.recruited)
    screening = Screening(
        organisation=case.organisation,
        case=case,
        person=case.person,
        list=data.list,
        forced_criminality=data.forced_criminality,
        recruited=data.recruited,
        screened_on=day,
        screened_by=actor,
        suggestion=suggestion.outcome or "",
        evidence=suggestion.as_evidence(),
    )
    screening.full_clean()
    screening.save()
    ScreeningAnswer.objects.bulk_create(
        ScreeningAnswer(
            organisation=case.organisation,
            screening=screening,
            person=case.person,
            indicator=known[code],
            present=value,
        )
        for code, value in data.answers.items()
    )
    _event(case, "screened", SECTION_SCREENING, day, actor, suggestion=screening.suggestion, list=data.list)
    audit.record(
        actor=actor,
        action="create",
        obj=screening,
        case=str(case.uuid),
        suggestion=screening.suggestion,
        answered=len(data.answers),
        missing=len(suggestion.missing),
    )
    return screening


SCREENING_CONCLUSIONS = (
    IdentificationStatus.POSSIBLE,
    IdentificationStatus.PRESUMED,
    IdentificationStatus.NOT_IDENTIFIED,
)


@transaction.atomic
def determination_record(*, actor: User, case: ProtectionCase, data: DeterminationInput) -> Determination:
    """Record a human decision on the case's identification: the screening's conclusion or the formal
    identification, with the deciding body and date. It becomes the case's status, and the change is kept
    (`previous` → `status`). A decision that departs from the latest screening's suggestion needs a note.
    Needs protection_screen on the case (own organisation, in scope). The case row is locked, so two decisions
    at once are recorded one after the other, each with the right previous status. Audited."""
    access.require(actor, C.SCREEN)
    case = access.get_for_user(actor, ProtectionCase, case.uuid, write=True)
    errors: dict[str, str] = {}
    if data.status not in IdentificationStatus.values or data.status == IdentificationStatus.NOT_SCREENED:
        errors["status"] = _("Choose one of the answers.")
    if data.deciding_body not in DecidingBody.values:
        errors["deciding_body"] = _("Choose who decided.")
    if data.decided_on > timezone.localdate():
        errors["decided_on"] = _("The date cannot be in the future.")
    elif data.decided_on < case.arrived_on:
        errors["decided_on"] = _("The decision cannot be before the arrival.")
    if errors:
        raise ValidationError(errors)
    locked = ProtectionCase.objects.select_for_update().get(pk=case.pk)
    if locked.identification == data.status:
        raise ValidationError({"status": _("This is already the case's status.")})
    latest = Screening.objects.filter(case=locked).order_by("-screened_on", "-id").first()
    if data.status in SCREENING_CONCLUSIONS and latest is None:
        raise ValidationError({"status": _("Screen the person first: this conclusion comes from a screening.")})
    departs = latest is not None and latest.suggestion and data.status in SCREENING_CONCLUSIONS
    if departs and latest is not None and data.status != latest.suggestion and not data.note.strip():
        raise ValidationError({"note": _("Say why the decision differs from the screening's suggestion.")})
    determination = Determination(
        organisation=locked.organisation,
        case=locked,
        person=locked.person,
        screening=latest,
        previous=locked.identification,
        status=data.status,
        deciding_body=data.deciding_body,
        deciding_body_name=data.deciding_body_name.strip(),
        decided_on=data.decided_on,
        note=data.note.strip(),
        recorded_by=actor,
    )
    determination.full_clean()
    determination.save()
    locked.identification = data.status
    locked.save(update_fields=["identification", "updated_at"])
    _event(
        locked,
        "decided",
        SECTION_SCREENING,
        data.decided_on,
        actor,
        status=data.status,
        previous=determination.previous,
    )
    audit.record(
        actor=actor,
        action="update",
        obj=locked,
        fields="identification",
        previous=determination.previous,
        status=data.status,
        deciding_body=data.deciding_body,
    )
    return determination


# ---------------------------------------------------------------- the timeline
def _event(
    case: ProtectionCase,
    kind: str,
    section: str,
    on: dt.date,
    by: User | None,
    by_organisation: Organisation | None = None,
    **detail: Any,
) -> CaseEvent:
    """A line of the case's timeline (models.CaseEvent), written in the service's transaction."""
    event = _event_row(case, kind, section, on, by, by_organisation, **detail)
    event.save()
    return event


def _event_row(
    case: ProtectionCase,
    kind: str,
    section: str,
    on: dt.date,
    by: User | None,
    by_organisation: Organisation | None = None,
    **detail: Any,
) -> CaseEvent:
    """A timeline line, not saved (for a bulk insert)."""
    return CaseEvent(
        organisation_id=case.organisation_id,
        case=case,
        person_id=case.person_id,
        kind=kind,
        section=section,
        happened_on=on,
        detail=detail,
        by=by,
        by_organisation_id=by_organisation.pk if by_organisation else case.organisation_id,
    )


def _open_case(actor: User, case: ProtectionCase, capability: str) -> ProtectionCase:
    """The case for a change: the capability, the case in the actor's scope and organisation (404/403), its
    row locked until commit (two changes at once are made one after the other), and still open."""
    access.require(actor, capability)
    case = access.get_for_user(actor, ProtectionCase, case.uuid, write=True)
    locked = ProtectionCase.objects.select_for_update().get(pk=case.pk)
    if not locked.is_open:
        raise ValidationError(_("This case is closed: nothing can be changed in it any more."))
    return locked


def _not_future(day: dt.date, field_name: str, errors: dict[str, str]) -> None:
    if day > timezone.localdate():
        errors[field_name] = _("The date cannot be in the future.")


# ---------------------------------------------------------------- victim context (HTCDS v2.0, item 2)
MAX_DURATION_MONTHS = 600  # fifty years: anything longer is a typing mistake


@dataclass
class VictimContextInput:
    recruitment_methods: list[str] = field(default_factory=list)
    relationship_to_trafficker: str = ""
    control_methods: list[str] = field(default_factory=list)
    exploitation_types: list[str] = field(default_factory=list)
    industry: str = ""
    destination_country: str = ""
    destination_place: str = ""
    duration_months: int | None = None
    note: str = ""


def _choices_of(values: list[str], allowed: Any, field_name: str, errors: dict[str, str]) -> list[str]:
    """The values in their declared order, once each; an unknown value is an error of that field."""
    if any(value not in allowed.values for value in values):
        errors[field_name] = _("Choose among the answers of the list.")
        return []
    return [value for value in allowed.values if value in values]


@transaction.atomic
def victim_context_save(*, actor: User, case: ProtectionCase, data: VictimContextInput) -> VictimContext:
    """Record or correct what happened to the survivor (HTCDS victim context). Needs protection_screen on an open
    case of the actor's organisation in their scope. Every change kept (history), audited with the fields
    changed, and a line on the timeline under "Screening"."""
    case = _open_case(actor, case, C.SCREEN)
    errors: dict[str, str] = {}
    recruitment = _choices_of(data.recruitment_methods, RecruitmentMethod, "recruitment_methods", errors)
    control = _choices_of(data.control_methods, ControlMethod, "control_methods", errors)
    exploitation = _choices_of(data.exploitation_types, ExploitationType, "exploitation_types", errors)
    if data.relationship_to_trafficker and data.relationship_to_trafficker not in TraffickerRelationship.values:
        errors["relationship_to_trafficker"] = _("Choose one of the answers.")
    if data.industry and data.industry not in Industry.values:
        errors["industry"] = _("Choose one of the answers.")
    if data.destination_country and data.destination_country not in countries.codes():
        errors["destination_country"] = _("Choose a country from the list.")
    elif data.destination_place.strip() and not data.destination_country:
        errors["destination_country"] = _("Choose the country of this place.")
    if data.duration_months is not None and not 0 <= data.duration_months <= MAX_DURATION_MONTHS:
        errors["duration_months"] = _("Give the number of months, from 0 to %(most)s.") % {"most": MAX_DURATION_MONTHS}
    if errors:
        raise ValidationError(errors)
    values = {
        "recruitment_methods": recruitment,
        "relationship_to_trafficker": data.relationship_to_trafficker,
        "control_methods": control,
        "exploitation_types": exploitation,
        "industry": data.industry,
        "destination_country": data.destination_country,
        "destination_place": data.destination_place.strip(),
        "duration_months": data.duration_months,
        "note": data.note.strip(),
    }
    context = VictimContext.objects.filter(case=case).first()
    created = context is None
    if context is None:
        context = VictimContext(
            organisation_id=case.organisation_id, case=case, person_id=case.person_id, recorded_by=actor
        )
    changed = [name for name, value in values.items() if created or getattr(context, name) != value]
    for name, value in values.items():
        setattr(context, name, value)
    context.recorded_by = actor
    context.full_clean(exclude=["case"])
    context.save()
    if changed:
        _event(case, "context_saved", SECTION_SCREENING, timezone.localdate(), actor, fields=changed)
    audit.record(actor=actor, action="create" if created else "update", obj=context, fields=",".join(changed))
    return context


@dataclass
class TraffickingPlace:
    """A place of a trafficking event: the country, and in Cambodia the gazetteer's place, abroad as typed."""

    country: str = ""
    choice: core_services.PlaceChoice = field(default_factory=core_services.PlaceChoice)
    place: str = ""


@dataclass
class TraffickingEventInput:
    kind: str
    happened_on: dt.date
    origin: TraffickingPlace
    destination: TraffickingPlace
    note: str = ""


def _place_errors(place: TraffickingPlace, prefix: str, errors: dict[str, str]) -> None:
    picked = place.choice.province is not None
    if not place.country:
        if picked or place.place.strip():
            errors[f"{prefix}_country"] = _("Choose the country of this place.")
        else:
            errors[f"{prefix}_country"] = _("Choose the country.")
    elif place.country not in countries.codes():
        errors[f"{prefix}_country"] = _("Choose a country from the list.")
    elif place.country != "KH" and picked:
        errors[f"{prefix}_country"] = _(
            "The lists of provinces and villages are Cambodia's: for a place abroad, type its name."
        )


def _place_values(place: TraffickingPlace, prefix: str) -> dict[str, Any]:
    choice = place.choice if place.country == "KH" else core_services.PlaceChoice()
    return {
        f"{prefix}_country": place.country,
        f"{prefix}_province": choice.province,
        f"{prefix}_district": choice.district,
        f"{prefix}_commune": choice.commune,
        f"{prefix}_village": choice.village,
        f"{prefix}_place": place.place.strip(),
    }


@transaction.atomic
def trafficking_event_add(*, actor: User, case: ProtectionCase, data: TraffickingEventInput) -> TraffickingEvent:
    """Record one step of the trafficking: its kind, date, and where it went from and to. Needs protection_screen
    on an open case of the actor's organisation in their scope. Audited; a line on the timeline."""
    case = _open_case(actor, case, C.SCREEN)
    errors: dict[str, str] = {}
    if data.kind not in TraffickingEventType.values:
        errors["kind"] = _("Choose one of the answers.")
    _not_future(data.happened_on, "happened_on", errors)
    if "happened_on" not in errors and data.happened_on > case.arrived_on:
        errors["happened_on"] = _("The trafficking happened before the arrival at the transit centre (%(day)s).") % {
            "day": case.arrived_on.strftime("%d/%m/%Y")
        }
    _place_errors(data.origin, "origin", errors)
    _place_errors(data.destination, "destination", errors)
    if errors:
        raise ValidationError(errors)
    event = TraffickingEvent(
        organisation_id=case.organisation_id,
        case=case,
        person_id=case.person_id,
        kind=data.kind,
        happened_on=data.happened_on,
        note=data.note.strip(),
        recorded_by=actor,
        **_place_values(data.origin, "origin"),
        **_place_values(data.destination, "destination"),
    )
    event.full_clean(exclude=["case"])
    event.save()
    _event(
        case,
        "trafficking_event",
        SECTION_SCREENING,
        data.happened_on,
        actor,
        event=data.kind,
        origin=data.origin.country,
        destination=data.destination.country,
    )
    audit.record(actor=actor, action="create", obj=event, case=str(case.uuid))
    return event


@transaction.atomic
def trafficking_event_remove(*, actor: User, case: ProtectionCase, event_uuid: Any) -> TraffickingEvent:
    """Take off an event recorded by mistake (kept, marked removed). Same rights as adding one. Audited."""
    case = _open_case(actor, case, C.SCREEN)
    try:
        key = uuid.UUID(str(event_uuid))
    except ValueError:
        key = None
    event = access.visible(actor, TraffickingEvent.objects.filter(uuid=key, case=case)).first() if key else None
    if event is None:
        raise ValidationError(_("This step is not in the case any more. Reload the page."))
    if event.removed:
        return event
    event.removed = True
    event.save(update_fields=["removed", "updated_at"])
    audit.record(actor=actor, action="delete", obj=event, case=str(case.uuid))
    return event


# ---------------------------------------------------------------- needs assessment and service plan (item 3)
@dataclass
class AssessmentInput:
    needs: dict[str, str]  # domain (models.NEED_DOMAINS) -> NeedLevel
    summary: str = ""
    assessed_on: dt.date | None = None  # today when not given


@transaction.atomic
def assessment_record(*, actor: User, case: ProtectionCase, data: AssessmentInput) -> NeedsAssessment:
    """Record a needs assessment of the case: a level of need in every domain. Needs protection_plan on an
    open case of the actor's organisation in their scope. Audited."""
    case = _open_case(actor, case, C.PLAN)
    errors: dict[str, str] = {}
    for domain, _label in NEED_DOMAINS:
        if data.needs.get(domain) not in NeedLevel.values:
            errors[domain] = _("Choose the level of need.")
    day = data.assessed_on or timezone.localdate()
    _not_future(day, "assessed_on", errors)
    if day < case.arrived_on and "assessed_on" not in errors:
        errors["assessed_on"] = _("The assessment cannot be before the arrival.")
    if errors:
        raise ValidationError(errors)
    assessment = NeedsAssessment(
        organisation_id=case.organisation_id,
        case=case,
        person_id=case.person_id,
        assessed_on=day,
        assessed_by=actor,
        summary=data.summary.strip(),
        **{domain: data.needs[domain] for domain, _label in NEED_DOMAINS},
    )
    assessment.full_clean()
    assessment.save()
    urgent = sorted(d for d, _label in NEED_DOMAINS if data.needs[d] == NeedLevel.URGENT)
    _event(case, "assessed", SECTION_PLAN, day, actor, urgent=urgent)
    audit.record(actor=actor, action="create", obj=assessment, case=str(case.uuid))
    return assessment


@dataclass
class PlannedServiceInput:
    kind: str  # ServiceKind code
    provider: Organisation | None = None
    provider_name: str = ""
    planned_by_date: dt.date | None = None
    note: str = ""


def _kind(code: str, errors: dict[str, str]) -> ServiceKind | None:
    kind = ServiceKind.objects.filter(code=code, active=True).first()
    if kind is None:
        errors["kind"] = _("Choose a service from the list.")
    return kind


def _plan_of(case: ProtectionCase) -> ServicePlan:
    plan = ServicePlan.objects.select_for_update().filter(case=case).first()
    if plan is None:
        plan = ServicePlan.objects.create(organisation_id=case.organisation_id, case=case, person_id=case.person_id)
    return plan


def _plan_changed(plan: ServicePlan, actor: User, action: str, detail: str) -> None:
    """A change to the plan: an approved or waiting plan becomes a new draft version, to be approved anew."""
    if plan.status != PlanStatus.DRAFT:
        plan.status = PlanStatus.DRAFT
        plan.version += 1
        plan.approved_by = None
        plan.approved_at = None
        plan.save(update_fields=["status", "version", "approved_by", "approved_at", "updated_at"])
    _plan_event(plan, actor, action, detail)


def _plan_event(plan: ServicePlan, actor: User, action: str, detail: str = "") -> PlanEvent:
    return PlanEvent.objects.create(
        organisation_id=plan.organisation_id,
        plan=plan,
        case_id=plan.case_id,
        person_id=plan.person_id,
        action=action,
        version=plan.version,
        detail=detail[:300],
        by=actor,
    )


@transaction.atomic
def plan_service_add(*, actor: User, case: ProtectionCase, data: PlannedServiceInput) -> PlannedService:
    """Add a service of the catalogue to the case's plan (made on the first one). An approved plan becomes a
    new draft to approve again. Needs protection_plan on an open case (a closed case's plan is refused).
    Audited."""
    case = _open_case(actor, case, C.PLAN)
    errors: dict[str, str] = {}
    kind = _kind(data.kind, errors)
    if data.planned_by_date is not None and data.planned_by_date < case.arrived_on:
        errors["planned_by_date"] = _("The date cannot be before the arrival.")
    if data.provider is not None and not data.provider.is_active:
        errors["provider"] = _("This organisation is not active in Karpear.")
    if errors:
        raise ValidationError(errors)
    assert kind is not None
    plan = _plan_of(case)
    item = PlannedService(
        organisation_id=case.organisation_id,
        plan=plan,
        case=case,
        person_id=case.person_id,
        kind=kind,
        provider=data.provider,
        provider_name=data.provider_name.strip(),
        planned_by_date=data.planned_by_date,
        note=data.note.strip(),
    )
    item.full_clean()
    item.save()
    _plan_changed(plan, actor, PlanAction.ADDED, kind.code)
    _event(
        case,
        "plan_added",
        SECTION_PLAN,
        timezone.localdate(),
        actor,
        service=kind.code,
        name_en=kind.name_en,
        name_km=kind.name_km,
        version=plan.version,
    )
    audit.record(actor=actor, action="create", obj=item, case=str(case.uuid), kind=kind.code)
    return item


@transaction.atomic
def plan_service_remove(*, actor: User, case: ProtectionCase, item_uuid: Any) -> PlannedService:
    """Take a service off the plan (kept in its history). Needs protection_plan on an open case. Audited."""
    case = _open_case(actor, case, C.PLAN)
    try:
        key = uuid.UUID(str(item_uuid))
    except ValueError:
        key = None
    item = (
        access.visible(actor, PlannedService.objects.filter(uuid=key, case=case, removed=False))
        .select_related("kind")
        .first()
        if key
        else None
    )
    if item is None:
        raise ValidationError(_("This service is not on the plan."))
    plan = _plan_of(case)
    item.removed = True
    item.save(update_fields=["removed", "updated_at"])
    _plan_changed(plan, actor, PlanAction.REMOVED, item.kind.code)
    _event(
        case,
        "plan_removed",
        SECTION_PLAN,
        timezone.localdate(),
        actor,
        service=item.kind.code,
        name_en=item.kind.name_en,
        name_km=item.kind.name_km,
        version=plan.version,
    )
    audit.record(actor=actor, action="update", obj=item, fields="removed")
    return item


@transaction.atomic
def plan_submit(*, actor: User, case: ProtectionCase) -> ServicePlan:
    """Send the draft plan to a case supervisor for approval. Needs protection_plan. Audited."""
    case = _open_case(actor, case, C.PLAN)
    plan = ServicePlan.objects.select_for_update().filter(case=case).first()
    if plan is None or not PlannedService.objects.filter(plan=plan, removed=False).exists():
        raise ValidationError(_("Add at least one service to the plan first."))
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(_("This plan was sent for approval already."))
    plan.status = PlanStatus.SUBMITTED
    plan.save(update_fields=["status", "updated_at"])
    _plan_event(plan, actor, PlanAction.SUBMITTED)
    _event(case, "plan_submitted", SECTION_PLAN, timezone.localdate(), actor, version=plan.version)
    audit.record(actor=actor, action="update", obj=plan, fields="status", status=plan.status)
    return plan


@transaction.atomic
def plan_decide(*, actor: User, case: ProtectionCase, approve: bool, note: str = "") -> ServicePlan:
    """A case supervisor approves the plan waiting for approval, or returns it for changes with a note.
    Needs protection_approve on an open case of their organisation. Audited."""
    case = _open_case(actor, case, C.APPROVE)
    plan = ServicePlan.objects.select_for_update().filter(case=case).first()
    if plan is None or plan.status != PlanStatus.SUBMITTED:
        raise ValidationError(_("This plan is not waiting for approval."))
    note = note.strip()
    if not approve and not note:
        raise ValidationError({"note": _("Say what should change in the plan.")})
    if approve:
        plan.status = PlanStatus.APPROVED
        plan.approved_by = actor
        plan.approved_at = timezone.now()
    else:
        plan.status = PlanStatus.DRAFT
    plan.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    action = PlanAction.APPROVED if approve else PlanAction.RETURNED
    _plan_event(plan, actor, action, note)
    _event(case, f"plan_{action}", SECTION_PLAN, timezone.localdate(), actor, version=plan.version)
    audit.record(actor=actor, action="update", obj=plan, fields="status", status=plan.status)
    return plan


@dataclass
class DeliveryInput:
    kind: str  # ServiceKind code
    delivered_on: dt.date
    provider: Organisation | None = None
    provider_name: str = ""
    cost: Decimal | None = None
    currency: str = ""
    outcome: str = ""
    business_type: str = ""
    planned: Any = None  # the uuid of the planned service it delivers, if any


def _validate_delivery(case: ProtectionCase, data: DeliveryInput) -> ServiceKind:
    errors: dict[str, str] = {}
    kind = _kind(data.kind, errors)
    _not_future(data.delivered_on, "delivered_on", errors)
    if "delivered_on" not in errors and data.delivered_on < case.arrived_on:
        errors["delivered_on"] = _("The service cannot be delivered before the arrival.")
    if data.cost is not None and data.cost < 0:
        errors["cost"] = _("The cost cannot be negative.")
    if data.cost is not None and data.currency not in Currency.values:
        errors["currency"] = _("Choose the currency of the cost.")
    if data.currency and data.currency not in Currency.values:
        errors["currency"] = _("Choose one of the answers.")
    if kind is not None and kind.code == "business_grant":
        if not data.business_type.strip():
            errors["business_type"] = _("Say what business the grant starts.")
        if data.cost is None:
            errors["cost"] = _("Enter the amount of the grant.")
    if not data.provider and not data.provider_name.strip():
        errors["provider_name"] = _("Say who provided the service.")
    if errors:
        raise ValidationError(errors)
    assert kind is not None
    return kind


def _save_delivery(
    *,
    actor: User,
    case: ProtectionCase,
    data: DeliveryInput,
    kind: ServiceKind,
    recorder: Organisation,
    referral: Referral | None,
) -> ServiceDelivery:
    planned = None
    if data.planned:
        planned = PlannedService.objects.filter(uuid=data.planned, case=case, removed=False).first()
        if planned is None:
            raise ValidationError({"planned": _("This service is not on the plan.")})
    delivery = ServiceDelivery(
        organisation_id=case.organisation_id,
        case=case,
        person_id=case.person_id,
        planned=planned,
        kind=kind,
        delivered_on=data.delivered_on,
        provider=data.provider,
        provider_name=data.provider_name.strip(),
        cost=data.cost,
        currency=data.currency if data.cost is not None or data.currency else "",
        outcome=data.outcome.strip(),
        business_type=data.business_type.strip(),
        recorded_by=actor,
        recorded_by_organisation=recorder,
        referral=referral,
    )
    delivery.full_clean()
    delivery.save()
    _event(
        case,
        "service_delivered",
        SECTION_PLAN,
        data.delivered_on,
        actor,
        recorder,
        service=kind.code,
        name_en=kind.name_en,
        name_km=kind.name_km,
        cost=str(data.cost) if data.cost is not None else "",
        currency=delivery.currency,
        provider=(data.provider.short_name if data.provider else delivery.provider_name),
        referred=referral is not None,
    )
    audit.record(actor=actor, action="create", obj=delivery, case=str(case.uuid), kind=kind.code)
    return delivery


@transaction.atomic
def delivery_record(*, actor: User, case: ProtectionCase, data: DeliveryInput) -> ServiceDelivery:
    """Record a service delivered to the survivor of the case (date, provider, cost and currency, outcome; a
    business grant with its amount and business type). Needs protection_record_service on an open case of
    the actor's organisation in their scope. Audited."""
    case = _open_case(actor, case, C.RECORD_SERVICE)
    kind = _validate_delivery(case, data)
    organisation = Organisation.objects.get(pk=case.organisation_id)
    return _save_delivery(actor=actor, case=case, data=data, kind=kind, recorder=organisation, referral=None)


@transaction.atomic
def delivery_record_referred(*, actor: User, case: ProtectionCase, data: DeliveryInput) -> ServiceDelivery:
    """A partner records a service it delivered to a survivor another organisation referred to it: the
    referral must be accepted, to the actor's organisation, and share the service plan. The record joins the
    sender's case (its timeline shows who recorded it); the provider is the partner unless another is named.
    Needs protection_record_service. Audited."""
    access.require(actor, C.RECORD_SERVICE)
    case = access.get_for_user(actor, ProtectionCase, case.uuid)  # visible through the referral, read-only
    membership = access.membership_for(actor)
    if membership is None or membership.organisation_id == case.organisation_id:
        raise PermissionDenied
    referral = (
        Referral.objects.filter(
            person_id=case.person_id,
            organisation_id=case.organisation_id,
            receiver_id=membership.organisation_id,
            status=Referral.Status.ACCEPTED,
            sections__name=SECTION_PLAN,
        )
        .order_by("-created_at")
        .first()
    )
    if referral is None:
        raise PermissionDenied
    locked = ProtectionCase.objects.select_for_update().get(pk=case.pk)
    if not locked.is_open:
        raise ValidationError(_("This case is closed: nothing can be changed in it any more."))
    if data.provider is None and not data.provider_name.strip():
        data = dataclasses.replace(data, provider=membership.organisation)
    if data.planned:
        raise ValidationError({"planned": _("This service is not on the plan.")})
    kind = _validate_delivery(locked, data)
    return _save_delivery(
        actor=actor, case=locked, data=data, kind=kind, recorder=membership.organisation, referral=referral
    )


# ---------------------------------------------------------------- placements and reintegration (item 5)
DEFAULT_FOLLOW_UP_MONTHS = (1, 3, 6, 12, 24)
SCORE = Decimal("0.001")


def follow_up_months() -> tuple[int, ...]:
    """The months after return at which follow-up visits are scheduled (settings.PROTECTION_FOLLOW_UP_MONTHS)."""
    return tuple(getattr(settings, "PROTECTION_FOLLOW_UP_MONTHS", DEFAULT_FOLLOW_UP_MONTHS))


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day when it is shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


@dataclass
class PlacementInput:
    kind: str
    started_on: dt.date
    ended_on: dt.date | None = None
    place_name: str = ""


@transaction.atomic
def placement_record(*, actor: User, case: ProtectionCase, data: PlacementInput) -> Placement:
    """Record where the survivor stays from a date (transit centre, shelter, community-based care, family). The
    placement still open before it ends the day this one starts. Needs protection_follow_up. Audited."""
    case = _open_case(actor, case, C.FOLLOW_UP)
    errors: dict[str, str] = {}
    if data.kind not in PlacementKind.values:
        errors["kind"] = _("Choose one of the answers.")
    _not_future(data.started_on, "started_on", errors)
    if "started_on" not in errors and data.started_on < case.arrived_on:
        errors["started_on"] = _("The date cannot be before the arrival.")
    if data.ended_on is not None and data.ended_on < data.started_on:
        errors["ended_on"] = _("The end cannot be before the start.")
    if errors:
        raise ValidationError(errors)
    Placement.objects.filter(case=case, ended_on=None, started_on__lte=data.started_on).update(
        ended_on=data.started_on, updated_at=timezone.now()
    )
    placement = Placement(
        organisation_id=case.organisation_id,
        case=case,
        person_id=case.person_id,
        kind=data.kind,
        place_name=data.place_name.strip(),
        started_on=data.started_on,
        ended_on=data.ended_on,
        recorded_by=actor,
    )
    placement.full_clean()
    placement.save()
    _event(case, "placed", SECTION_FOLLOW_UPS, data.started_on, actor, placement=data.kind)
    audit.record(actor=actor, action="create", obj=placement, case=str(case.uuid), kind=data.kind)
    return placement


@transaction.atomic
def step_complete(
    *, actor: User, case: ProtectionCase, step: str, done_on: dt.date | None = None, note: str = ""
) -> CompletedStep:
    """Tick a step of the lifecycle as done. Needs protection_follow_up on an open case. Audited."""
    case = _open_case(actor, case, C.FOLLOW_UP)
    found = StageStep.objects.filter(code=step).first()
    if found is None:
        raise ValidationError({"step": _("Choose one of the answers.")})
    day = done_on or timezone.localdate()
    errors: dict[str, str] = {}
    _not_future(day, "done_on", errors)
    if errors:
        raise ValidationError(errors)
    if CompletedStep.objects.filter(case=case, step=found).exists():
        raise ValidationError({"step": _("This step is done already.")})
    done = CompletedStep.objects.create(
        organisation_id=case.organisation_id,
        case=case,
        person_id=case.person_id,
        step=found,
        done_on=day,
        done_by=actor,
        note=note.strip()[:300],
    )
    _event(
        case, "step_done", SECTION_FOLLOW_UPS, day, actor, step=found.code, name_en=found.text_en, name_km=found.text_km
    )
    audit.record(
        actor=actor,
        action="create",
        obj=done,
        case=str(case.uuid),
        step=found.code,
        name_en=found.text_en,
        name_km=found.text_km,
    )
    return done


def missing_steps(case: ProtectionCase, stages: Sequence[str]) -> list[StageStep]:
    """The required steps of these stages not done yet for the case, in their order (one query)."""
    return list(
        StageStep.objects.filter(stage__in=stages, required=True)
        .exclude(pk__in=CompletedStep.objects.filter(case=case).values("step_id"))
        .order_by("order", "id")
    )


def _step_names(steps: list[StageStep]) -> str:
    khmer = (translation.get_language() or "").startswith("km")
    return "; ".join(s.text_km if khmer and s.text_km else s.text_en for s in steps)


@transaction.atomic
def stage_advance(*, actor: User, case: ProtectionCase) -> ProtectionCase:
    """Move the case to the next lifecycle stage once the required steps of its stage are done (the message
    names those missing). Monitoring needs the return home recorded. Needs protection_follow_up. Audited."""
    case = _open_case(actor, case, C.FOLLOW_UP)
    index = STAGE_ORDER.index(Stage(case.stage))
    if index >= len(STAGE_ORDER) - 1:
        raise ValidationError(_("This case is at its last stage: ask for its closure."))
    missing = missing_steps(case, [case.stage])
    if missing:
        raise ValidationError(_("These steps are not done yet: %(steps)s.") % {"steps": _step_names(missing)})
    following = STAGE_ORDER[index + 1]
    if following == Stage.MONITORING and case.returned_on is None:
        raise ValidationError(_("Record the return home first: monitoring follows it."))
    previous = case.stage
    case.stage = following
    case.status = CaseStatus.FOLLOW_UP if following == Stage.MONITORING else case.status
    case.save(update_fields=["stage", "status", "updated_at"])
    _event(case, "stage", SECTION_FOLLOW_UPS, timezone.localdate(), actor, stage=following, previous=previous)
    audit.record(actor=actor, action="update", obj=case, fields="stage", stage=following)
    return case


def _next_visit(case: ProtectionCase) -> None:
    case.next_follow_up_on = (
        FollowUp.objects.filter(case=case, visited_on=None).order_by("due_on").values_list("due_on", flat=True).first()
    )
    case.save(update_fields=["next_follow_up_on", "updated_at"])


@transaction.atomic
def return_home(*, actor: User, case: ProtectionCase, returned_on: dt.date) -> list[FollowUp]:
    """Record the survivor's return home and schedule the follow-up visits at the configured months after it
    (PROTECTION_FOLLOW_UP_MONTHS: 1, 3, 6, 12 and 24 by default). Recorded once. Needs protection_follow_up.
    Audited."""
    case = _open_case(actor, case, C.FOLLOW_UP)
    errors: dict[str, str] = {}
    _not_future(returned_on, "returned_on", errors)
    if "returned_on" not in errors and returned_on < case.arrived_on:
        errors["returned_on"] = _("The date cannot be before the arrival.")
    if case.returned_on is not None:
        errors["returned_on"] = _("The return home is recorded already.")
    if errors:
        raise ValidationError(errors)
    case.returned_on = returned_on
    case.save(update_fields=["returned_on", "updated_at"])
    visits = FollowUp.objects.bulk_create(
        FollowUp(
            organisation_id=case.organisation_id,
            case=case,
            person_id=case.person_id,
            due_on=add_months(returned_on, months),
            months=months,
        )
        for months in follow_up_months()
    )
    _next_visit(case)
    _event(case, "returned", SECTION_FOLLOW_UPS, returned_on, actor, visits=len(visits))
    audit.record(actor=actor, action="update", obj=case, fields="returned_on", visits=len(visits))
    return visits


def sustainability_scores(answers: dict[str, int], indicators: list[SustainabilityIndicator]) -> dict[str, Decimal]:
    """Scores from 0 (worst) to 1 (best): per dimension the mean of its indicators' (answer − 1) / 4, and the
    composite the mean of the three dimensions (equal weights, to verify against IOM's scoring)."""
    by_domain: dict[str, list[Decimal]] = {d: [] for d in Domain.values}
    for indicator in indicators:
        by_domain[indicator.domain].append((Decimal(answers[indicator.code]) - 1) / 4)
    scores = {d: (sum(v, Decimal(0)) / len(v)).quantize(SCORE) for d, v in by_domain.items() if v}
    if len(scores) == len(Domain.values):
        scores["composite"] = (sum(scores.values(), Decimal(0)) / len(Domain.values)).quantize(SCORE)
    return scores


@dataclass
class VisitInput:
    visited_on: dt.date
    answers: dict[str, int]  # indicator code -> 1..5
    feels_safe: bool | None = None
    discrimination: bool | None = None
    in_school: bool | None = None
    monthly_income: Decimal | None = None
    note: str = ""


@transaction.atomic
def follow_up_record(*, actor: User, case: ProtectionCase, data: VisitInput) -> FollowUp:
    """Record a follow-up visit: the earliest scheduled visit not made yet (or an extra one when none is left),
    with the sustainability survey's answers and scores. A visit before the return home is refused. Needs
    protection_follow_up. Audited."""
    case = _open_case(actor, case, C.FOLLOW_UP)
    errors: dict[str, str] = {}
    if case.returned_on is None:
        raise ValidationError(_("Record the return home first: follow-up visits come after it."))
    _not_future(data.visited_on, "visited_on", errors)
    if "visited_on" not in errors and data.visited_on < case.returned_on:
        errors["visited_on"] = _("A follow-up visit cannot be before the return home (%(day)s).") % {
            "day": case.returned_on.strftime("%d/%m/%Y")
        }
    indicators = list(SustainabilityIndicator.objects.filter(active=True).order_by("order", "id"))
    missing = [i for i in indicators if data.answers.get(i.code) not in (1, 2, 3, 4, 5)]
    if missing:
        errors["answers"] = _("Answer every question of the survey (1 to 5): %(count)d left.") % {"count": len(missing)}
    if data.monthly_income is not None and data.monthly_income < 0:
        errors["monthly_income"] = _("The income cannot be negative.")
    if errors:
        raise ValidationError(errors)
    visit = FollowUp.objects.select_for_update().filter(case=case, visited_on=None).order_by("due_on", "id").first()
    if visit is None:
        visit = FollowUp(
            organisation_id=case.organisation_id, case=case, person_id=case.person_id, due_on=data.visited_on
        )
    scores = sustainability_scores(data.answers, indicators)
    visit.visited_on = data.visited_on
    visit.visited_by = actor
    visit.answers = {i.code: data.answers[i.code] for i in indicators}
    visit.economic, visit.social = scores["economic"], scores["social"]
    visit.psychosocial, visit.composite = scores["psychosocial"], scores["composite"]
    visit.feels_safe, visit.discrimination, visit.in_school = data.feels_safe, data.discrimination, data.in_school
    visit.monthly_income = data.monthly_income
    visit.note = data.note.strip()
    visit.full_clean()
    visit.save()
    _next_visit(case)
    _event(case, "visited", SECTION_FOLLOW_UPS, data.visited_on, actor, composite=str(visit.composite))
    audit.record(actor=actor, action="update", obj=visit, case=str(case.uuid), composite=str(visit.composite))
    return visit


@transaction.atomic
def closure_request(*, actor: User, case: ProtectionCase, reason: str, note: str = "") -> ProtectionCase:
    """Ask a case supervisor to close the case, with the reason. A case closed as reintegrated needs every
    required step of every stage; any closure needs the closure stage's steps. The refusal names the steps
    missing. Needs protection_follow_up. Audited."""
    case = _open_case(actor, case, C.FOLLOW_UP)
    if reason not in ClosureReason.values:
        raise ValidationError({"closure_reason": _("Choose the reason for closure.")})
    stages = list(STAGE_ORDER) if reason == ClosureReason.REINTEGRATED else [Stage.CLOSURE]
    missing = missing_steps(case, stages)
    if missing:
        raise ValidationError(
            {
                "closure_reason": _("The case cannot be closed: these steps are not done yet: %(steps)s.")
                % {"steps": _step_names(missing)}
            }
        )
    if (
        reason == ClosureReason.REINTEGRATED
        and not FollowUp.objects.filter(case=case).exclude(visited_on=None).exists()
    ):
        raise ValidationError(
            {"closure_reason": _("The case cannot be closed as reintegrated before a follow-up visit.")}
        )
    case.closure_reason = reason
    case.closure_note = note.strip()[:500]
    case.closure_requested_by = actor
    case.save(update_fields=["closure_reason", "closure_note", "closure_requested_by", "updated_at"])
    _event(case, "closure_requested", SECTION_SUMMARY, timezone.localdate(), actor, reason=reason)
    audit.record(actor=actor, action="update", obj=case, fields="closure_reason", reason=reason)
    return case


@transaction.atomic
def closure_decide(*, actor: User, case: ProtectionCase, approve: bool, note: str = "") -> ProtectionCase:
    """A case supervisor approves the closure asked for (the case is closed, and so is the person's record
    when no other protection case of theirs is open: core's people list shows them under "Closed"), or
    refuses it with a note. Needs protection_approve. Audited."""
    case = _open_case(actor, case, C.APPROVE)
    if not case.closure_reason:
        raise ValidationError(_("Nobody asked to close this case."))
    if not approve:
        if not note.strip():
            raise ValidationError({"note": _("Say why the case stays open.")})
        reason = case.closure_reason
        case.closure_reason, case.closure_requested_by = "", None
        case.save(update_fields=["closure_reason", "closure_requested_by", "updated_at"])
        _event(
            case,
            "closure_refused",
            SECTION_SUMMARY,
            timezone.localdate(),
            actor,
            reason=reason,
            note=note.strip()[:200],
        )
        audit.record(actor=actor, action="update", obj=case, fields="closure_reason", approved=False)
        return case
    referred = case.closure_reason == ClosureReason.REFERRED
    case.status = CaseStatus.CLOSED_REFERRED if referred else CaseStatus.CLOSED
    case.stage = Stage.CLOSURE
    case.closed_on = timezone.localdate()
    case.closure_approved_by = actor
    case.next_follow_up_on = None
    case.save(update_fields=["status", "stage", "closed_on", "closure_approved_by", "next_follow_up_on", "updated_at"])
    others_open = ProtectionCase.objects.filter(
        person_id=case.person_id, status__in=(CaseStatus.ACTIVE, CaseStatus.FOLLOW_UP)
    )
    person = Person.objects.select_for_update().get(pk=case.person_id)
    if not others_open.exists() and person.closed_at is None:
        person.closed_at = timezone.now()
        person.save(update_fields=["closed_at", "updated_at"])
        audit.record(actor=actor, action="update", obj=person, fields="closed_at", reason="protection_closure")
    _event(case, "closed", SECTION_SUMMARY, case.closed_on, actor, reason=case.closure_reason)
    audit.record(
        actor=actor, action="update", obj=case, fields="status", status=case.status, reason=case.closure_reason
    )
    return case


# ---------------------------------------------------------------- reminders of follow-up visits (item 6)
REMIND_DAYS_AHEAD = 7


def follow_up_reminders_send(*, today: dt.date | None = None) -> int:
    """The daily reminder of follow-up visits due within a week or overdue, to each caseworker: the home page's
    work lists are the in-app list; an e-mail goes to a caseworker with an address, naming case numbers only
    (never a name). Each visit is reminded once a day: its row is locked (rows another worker holds are
    skipped) and marked in the same transaction, and the mails leave after the commit, so two workers at once
    send nothing twice. Returns the number of visits reminded."""
    from django.core.mail import send_mail

    today = today or timezone.localdate()
    with transaction.atomic():
        due = list(
            FollowUp.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                visited_on=None,
                due_on__lte=today + dt.timedelta(days=REMIND_DAYS_AHEAD),
                case__status__in=(CaseStatus.ACTIVE, CaseStatus.FOLLOW_UP),
            )
            .exclude(reminded_on=today)
            .select_related("case", "case__assigned_to")
            .order_by("due_on", "id")
        )
        FollowUp.objects.filter(pk__in=[v.pk for v in due]).update(reminded_on=today)
        by_worker: dict[int, tuple[User, list[FollowUp]]] = {}
        for visit in due:
            worker = visit.case.assigned_to
            if worker is not None and worker.is_active and worker.email:
                by_worker.setdefault(worker.pk, (worker, []))[1].append(visit)

        def mail() -> None:
            for worker, visits in by_worker.values():
                with translation.override(worker.language or "km"):
                    lines = [
                        _("%(number)s: visit due on %(day)s")
                        % {"number": v.case.number, "day": v.due_on.strftime("%d/%m/%Y")}
                        for v in visits
                    ]
                    try:
                        send_mail(
                            _("Karpear: follow-up visits due"),
                            "\n".join([_("These follow-up visits are due this week or overdue:"), *lines]),
                            None,
                            [worker.email],
                        )
                    except Exception:  # one address that fails stops no other reminder; the next day tries again
                        logger.exception("follow-up reminder to user %s not sent", worker.pk)

        transaction.on_commit(mail)
    return len(due)


def case_file_downloaded(*, actor: User, case: ProtectionCase, sections: list[str]) -> None:
    """Write the printing of a case file to the audit log (who, which case, which sections)."""
    audit.record(actor=actor, action="download", obj=case, fields="case_file", sections=",".join(sections))


# ---------------------------------------------------------------- re-trafficking flag (item 7)
SAME_PERSON = "same_person"  # the evidence of an earlier case of the very same registered person


def _earlier_people(case: ProtectionCase, earlier: Any) -> Any:
    """People of the organisation with an earlier protection case (not this case's group): organisation-wide,
    whatever the registering user sees, for the supervisor the flag is for."""
    return Person.objects.filter(pk__in=earlier.values("person_id"))


def _flag_one(actor: User, case: ProtectionCase) -> RetraffickingFlag | None:
    if RetraffickingFlag.objects.filter(case=case).exists():
        return None
    person = Person.objects.select_related("identity", "village").get(pk=case.person_id)
    query = matching_selectors.record_of(person)
    found: dict[int, tuple[float, list[str]]] = {}
    earlier = ProtectionCase.objects.filter(organisation_id=case.organisation_id).exclude(pk=case.pk)
    if case.group_id:
        earlier = earlier.exclude(group_id=case.group_id)
    for own in earlier.filter(person_id=case.person_id).values_list("pk", flat=True):
        found[own] = (1.0, [SAME_PERSON])  # the person came back: their own earlier case
    if query.name_km or query.name_latin or query.phone or query.ids:
        likely = matching_selectors.likely_among(people=_earlier_people(case, earlier), query=query, exclude=person)
        scores = {m.person.pk: m for m in likely}
        for earlier_pk, person_pk in earlier.filter(person_id__in=list(scores)).values_list("pk", "person_id"):
            match = scores[person_pk]
            found.setdefault(earlier_pk, (round(match.score, 3), [e.level for e in match.evidence]))
        elsewhere_people = [pk for _org, pk, _s in matching_selectors.match_exists_elsewhere(user=actor, query=query)]
        elsewhere = ProtectionCase.objects.filter(person_id__in=elsewhere_people).exists()
    else:
        elsewhere = False
    audit.record(actor=actor, action="search", obj=case, kind="retrafficking", found=len(found), elsewhere=elsewhere)
    if not found and not elsewhere:
        return None
    flag = RetraffickingFlag.objects.create(
        organisation_id=case.organisation_id, case=case, person_id=case.person_id, elsewhere=elsewhere
    )
    FlagMatch.objects.bulk_create(
        FlagMatch(organisation_id=case.organisation_id, flag=flag, earlier_id=pk, score=score, evidence=evidence)
        for pk, (score, evidence) in found.items()
    )
    return flag


def retrafficking_check_ids(*, actor_id: int, case_ids: Sequence[int]) -> int:
    """The background task's entry: the cases by id, checked as the user who registered them. Returns the
    number of flags raised."""
    actor = User.objects.get(pk=actor_id)
    cases = list(ProtectionCase.objects.filter(pk__in=case_ids).order_by("id"))
    return len(retrafficking_check(actor=actor, cases=cases))


@transaction.atomic
def retrafficking_check(*, actor: User, cases: Sequence[ProtectionCase]) -> list[RetraffickingFlag]:
    """Raise a re-trafficking flag on each new case whose person is likely someone with an earlier protection
    case: of the organisation (the earlier cases are kept, for whoever may see them), or of another organisation
    (only that one exists). Called by the intake services (single arrival, in their transaction) and after a
    group arrival is saved (a background task, so the group screen stays fast). A case flagged before is left
    as it is. Audited as a search (what was compared and how many were found, never who)."""
    flags = []
    for case in cases:
        flag = _flag_one(actor, case)
        if flag is not None:
            flags.append(flag)
    return flags


def _flag_for_review(actor: User, case: ProtectionCase) -> RetraffickingFlag:
    access.require(actor, C.APPROVE)
    case = access.get_for_user(actor, ProtectionCase, case.uuid, write=True)
    flag = RetraffickingFlag.objects.select_for_update().filter(case=case).first()
    if flag is None:
        raise ValidationError(_("This case has no re-trafficking flag."))
    return flag


@transaction.atomic
def retrafficking_review(*, actor: User, case: ProtectionCase, status: str, note: str = "") -> RetraffickingFlag:
    """A case supervisor's review of the flag: the same person trafficked again, or not the same person. Needs
    protection_approve and the case in scope and organisation. Reviewed once. Audited."""
    flag = _flag_for_review(actor, case)
    if status not in (FlagStatus.CONFIRMED, FlagStatus.DIFFERENT):
        raise ValidationError({"status": _("Choose one of the answers.")})
    if flag.status != FlagStatus.OPEN:
        raise ValidationError(_("Someone has already reviewed this flag."))
    flag.status, flag.note = status, note.strip()[:300]
    flag.reviewed_by, flag.reviewed_at = actor, timezone.now()
    flag.save(update_fields=["status", "note", "reviewed_by", "reviewed_at", "updated_at"])
    # Its own section, which no referral shares: a partner never learns of the flag.
    _event(flag.case, "retrafficking_reviewed", "protection_retrafficking", timezone.localdate(), actor, status=status)
    audit.record(actor=actor, action="update", obj=flag.case, fields="retrafficking_flag", status=status)
    return flag


@transaction.atomic
def retrafficking_ask_elsewhere(*, actor: User, case: ProtectionCase) -> int:
    """Ask the other organisations holding a likely earlier case to refer the person (matching's inquiry: each
    learns which of its own people is meant and who asks; the asker learns nothing until a referral comes).
    Needs protection_approve and review_duplicates; the flag must say a match exists elsewhere. Returns how many
    inquiries were sent. Audited (by matching)."""
    flag = _flag_for_review(actor, case)
    access.require(actor, Capability.REVIEW_DUPLICATES)
    if not flag.elsewhere:
        raise ValidationError(_("No other organisation holds a likely earlier case of this person."))
    sent = matching_services.ask_elsewhere(actor=actor, person=flag.case.person)
    flag.asked_elsewhere_at = timezone.now()
    flag.save(update_fields=["asked_elsewhere_at", "updated_at"])
    return sent
