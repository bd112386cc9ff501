"""Reads of the protection records: every function takes the acting user and starts from core.access."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext

from karpear.core import access, audit
from karpear.core import selectors as core_selectors
from karpear.core.models import Consent, Identity, Organisation, Referral, User
from karpear.core.roles import Capability
from karpear.matching import selectors as matching_selectors
from karpear.protection.declarations import ProtectionCapability as C
from karpear.protection.models import (
    STAGE_ORDER,
    CaseEvent,
    CaseStatus,
    CompletedStep,
    Determination,
    FlagMatch,
    FlagStatus,
    FollowUp,
    GroupArrival,
    IdentificationStatus,
    IndicatorList,
    NeedsAssessment,
    Placement,
    PlanEvent,
    PlannedService,
    PlanStatus,
    ProtectionCase,
    RetraffickingFlag,
    Screening,
    ScreeningAnswer,
    ServiceDelivery,
    ServiceKind,
    ServicePlan,
    Stage,
    StageStep,
    SustainabilityIndicator,
    TraffickingEvent,
    VictimContext,
)

OPEN = (CaseStatus.ACTIVE, CaseStatus.FOLLOW_UP)


def _work_conditions(user: User) -> dict[str, Q]:
    """The home page's work lists as conditions on the cases the user sees (services.py keeps
    `next_follow_up_on`, so none needs a join but the plan's and the referral's)."""
    today = timezone.localdate()
    mine = Q(assigned_to_id=user.pk, status__in=OPEN)
    membership = access.membership_for(user)
    waiting = Referral.objects.filter(
        person_id=OuterRef("person_id"),
        organisation_id=membership.organisation_id if membership else 0,
        status=Referral.Status.PENDING,
        expires_at__gt=timezone.now(),
    )
    return {
        "mine": mine,
        "overdue": mine & Q(next_follow_up_on__lt=today),
        "week": mine & Q(next_follow_up_on__gte=today, next_follow_up_on__lte=today + dt.timedelta(days=7)),
        "unscreened": mine & Q(identification=IdentificationStatus.NOT_SCREENED),
        "plans": Q(status__in=OPEN, plan__status=PlanStatus.SUBMITTED),
        "referred": mine & Q(Exists(waiting)),
        "flags": Q(retrafficking_flag__status=FlagStatus.OPEN),
    }


WORK_LISTS = ("mine", "overdue", "week", "unscreened", "plans", "referred", "flags")


def work_counts(*, user: User) -> dict[str, int]:
    """Every protection work list's count for the home page, in one query."""
    conditions = _work_conditions(user)
    counts = access.visible(user, ProtectionCase.objects.all()).aggregate(
        **{name: Count("pk", filter=conditions[name]) for name in WORK_LISTS}
    )
    return {name: int(counts[name] or 0) for name in WORK_LISTS}


def case_list(
    *,
    user: User,
    mine: bool = False,
    open_only: bool = False,
    query: str = "",
    group: str = "",
    work: str = "",
) -> QuerySet[ProtectionCase]:
    """The cases the user may see, newest first; `mine`: assigned to the user; `query`: a case number's start;
    `group`: the public id of a group arrival (an id that is not one shows nothing); `work`: one of the home
    page's work lists (WORK_LISTS)."""
    cases = access.visible(user, ProtectionCase.objects.all())
    if work in WORK_LISTS:
        cases = cases.filter(_work_conditions(user)[work])
    if group:
        try:
            cases = cases.filter(group__uuid=UUID(group))
        except ValueError:
            return cases.none()
    if mine:
        cases = cases.filter(assigned_to_id=user.pk)
    if open_only:
        cases = cases.filter(status__in=OPEN)
    query = query.strip().upper()
    if query:
        cases = cases.filter(number__startswith=query)
    return cases.select_related("person", "assigned_to").order_by("-created_at", "-id")


def case_for_user(*, user: User, uuid: UUID | str, write: bool = False) -> ProtectionCase:
    """The case, if the user may see it (else 404); with `write`, 403 when it is read-only to them."""
    return access.get_for_user(
        user,
        ProtectionCase,
        uuid,
        write=write,
        queryset=ProtectionCase.objects.select_related(
            "person",
            "person__province",
            "person__commune",
            "person__village",
            "assigned_to",
            "group",
            "retrafficking_flag",
            "retrafficking_flag__reviewed_by",
        ),
    )


def case_identity(*, user: User, case: ProtectionCase) -> Identity | None:
    """The person's identifying details, for a role that reads them (view_identity, in the person's scope);
    each read is written to the audit log as core's reads are (`core.selectors.person_identity`). None for
    everyone else. Two queries: the identity (scoped by core.access) and the audit event."""
    if not access.has_capability(user, Capability.VIEW_IDENTITY):
        return None
    identity = access.visible(user, Identity.objects.filter(person_id=case.person_id)).first()
    if identity is not None:
        audit.record(actor=user, action="view", obj=case.person, fields="identity", reason="protection")
    return identity


def case_consents(*, user: User, case: ProtectionCase, reads_identity: bool) -> QuerySet[Consent]:
    """The person's consents. Who gave them is often a relative's name: shown (`given_by_shown`) only to a
    user who reads the person's identity (`reads_identity`, from `case_identity`), as core's list does."""
    consents = access.visible(user, Consent.objects.filter(person_id=case.person_id)).select_related("recipient")
    if reads_identity:
        return consents.annotate(given_by_shown=F("given_by"))
    return consents.defer("given_by").annotate(given_by_shown=Value(""))


def group_cases(*, user: User, group: GroupArrival) -> QuerySet[ProtectionCase]:
    return case_list(user=user).filter(group=group).order_by("id")


def list_names(*, user: User, cases: list[ProtectionCase]) -> list[ProtectionCase]:
    """Names beside listed cases for roles that read identities (one audit event for the list, by core)."""
    core_selectors.list_identities(user=user, people=[case.person for case in cases])
    return cases


def may_change(user: User, case: ProtectionCase) -> bool:
    """May the user change this (visible) case: the capability, and the case belongs to their organisation
    (what a referral shares is read-only). No query."""
    membership = access.membership_for(user)
    return (
        membership is not None
        and membership.organisation_id == case.organisation_id
        and access.has_capability(user, C.CHANGE_CASE)
    )


def context_flags(user: User, case: ProtectionCase) -> dict[str, Any]:
    """What the case page offers the user (no query)."""
    changeable = may_change(user, case)
    open_ = case.is_open
    return {
        "can_change": changeable,
        "can_screen": changeable and access.has_capability(user, C.SCREEN),
        "can_plan": changeable and open_ and access.has_capability(user, C.PLAN),
        "can_approve": changeable and open_ and access.has_capability(user, C.APPROVE),
        "can_deliver": changeable and open_ and access.has_capability(user, C.RECORD_SERVICE),
        "can_follow_up": changeable and open_ and access.has_capability(user, C.FOLLOW_UP),
        "can_refer": changeable and open_ and access.has_capability(user, Capability.REFER_PERSON),
    }


# ---------------------------------------------------------------- screening and identification
def latest_screening(*, user: User, case: ProtectionCase) -> Screening | None:
    """The case's newest screening the user may see, with its answers (indicator code -> present)."""
    screening = access.visible(user, Screening.objects.filter(case=case)).order_by("-screened_on", "-id").first()
    if screening is not None:
        answers = access.visible(user, ScreeningAnswer.objects.filter(screening=screening))
        screening.answer_map = dict(answers.values_list("indicator__code", "present"))  # type: ignore[attr-defined]
    return screening


def determinations(*, user: User, case: ProtectionCase) -> QuerySet[Determination]:
    """The history of the case's identification status, newest first."""
    return (
        access.visible(user, Determination.objects.filter(case=case))
        .select_related("recorded_by")
        .order_by("-decided_on", "-id")
    )


def victim_context(*, user: User, case: ProtectionCase) -> VictimContext | None:
    """The case's victim context (HTCDS), if recorded and the user sees the screening section."""
    return access.visible(user, VictimContext.objects.filter(case=case)).select_related("recorded_by").first()


def trafficking_events(*, user: User, case: ProtectionCase) -> list[TraffickingEvent]:
    """The case's trafficking steps the user sees, in the order they happened (one query, places joined)."""
    return list(
        access.visible(user, TraffickingEvent.objects.filter(case=case, removed=False))
        .select_related(
            "origin_province",
            "origin_district",
            "origin_commune",
            "origin_village",
            "destination_province",
            "destination_district",
            "destination_commune",
            "destination_village",
        )
        .order_by("happened_on", "id")
    )


def default_list(case: ProtectionCase) -> str:
    """Children's lists for someone under 18 when they arrived (by birth year, so to a year), else adults'."""
    age = case.person.age_on(case.arrived_on)
    return IndicatorList.CHILD_LABOUR if age is not None and age.years < 18 else IndicatorList.ADULT_LABOUR


# ---------------------------------------------------------------- assessment and service plan
def latest_assessment(*, user: User, case: ProtectionCase) -> NeedsAssessment | None:
    return (
        access.visible(user, NeedsAssessment.objects.filter(case=case))
        .select_related("assessed_by")
        .order_by("-assessed_on", "-id")
        .first()
    )


def service_plan(*, user: User, case: ProtectionCase) -> ServicePlan | None:
    return access.visible(user, ServicePlan.objects.filter(case=case)).select_related("approved_by").first()


def planned_services(*, user: User, case: ProtectionCase) -> QuerySet[PlannedService]:
    """The services on the case's plan (not those taken off), in the order they were added."""
    return (
        access.visible(user, PlannedService.objects.filter(case=case, removed=False))
        .select_related("kind", "provider")
        .order_by("id")
    )


def plan_events(*, user: User, case: ProtectionCase) -> QuerySet[PlanEvent]:
    """The plan's history, newest first."""
    return access.visible(user, PlanEvent.objects.filter(case=case)).select_related("by").order_by("-created_at", "-id")


def deliveries(*, user: User, case: ProtectionCase) -> QuerySet[ServiceDelivery]:
    """The services delivered to the survivor of the case, newest first (those partners recorded too)."""
    return (
        access.visible(user, ServiceDelivery.objects.filter(case=case))
        .select_related("kind", "provider", "recorded_by", "recorded_by_organisation")
        .order_by("-delivered_on", "-id")
    )


def catalogue() -> QuerySet[ServiceKind]:
    """The services of the catalogue in use (reference data)."""
    return ServiceKind.objects.filter(active=True).order_by("order", "id")


def provider_choices(*, user: User) -> QuerySet[Organisation]:
    """Organisations a service may be planned with or delivered by: those active in Karpear (reference)."""
    return access.visible(user, Organisation.objects.filter(is_active=True)).order_by("short_name")


REINTEGRATION_CHAIN = 4  # vocational training → financial literacy → business grant → business follow-up


def reintegration_chain(delivered: list[ServiceDelivery], kinds: list[ServiceKind]) -> list[dict[str, Any]]:
    """The steps of the reintegration chain, each with the first delivery of its service (or None): drawn from
    the services delivered, so a business grant recorded shows where the survivor stands. No query."""
    steps = sorted((k for k in kinds if k.chain), key=lambda k: k.chain or 0)
    first: dict[int, ServiceDelivery] = {}
    for delivery in sorted(delivered, key=lambda d: (d.delivered_on, d.pk)):
        first.setdefault(delivery.kind_id, delivery)
    return [{"kind": kind, "delivery": first.get(kind.pk)} for kind in steps]


# ---------------------------------------------------------------- placements and reintegration
def placements(*, user: User, case: ProtectionCase) -> QuerySet[Placement]:
    return access.visible(user, Placement.objects.filter(case=case)).order_by("-started_on", "-id")


def stage_steps(*, user: User, case: ProtectionCase) -> list[dict[str, Any]]:
    """The lifecycle's stages in order, each with its steps and whether (and when) each is done. Two queries."""
    done = {
        c.step_id: c for c in access.visible(user, CompletedStep.objects.filter(case=case)).select_related("done_by")
    }
    steps = list(StageStep.objects.order_by("order", "id"))
    return [
        {
            "stage": stage,
            "label": Stage(stage).label,
            "current": case.stage == stage,
            "steps": [(s, done.get(s.pk)) for s in steps if s.stage == stage],
        }
        for stage in STAGE_ORDER
    ]


def follow_ups(*, user: User, case: ProtectionCase) -> list[FollowUp]:
    return list(
        access.visible(user, FollowUp.objects.filter(case=case)).select_related("visited_by").order_by("due_on", "id")
    )


def sustainability_indicators() -> QuerySet[SustainabilityIndicator]:
    return SustainabilityIndicator.objects.filter(active=True).order_by("order", "id")


CHART_W, CHART_H, CHART_PAD = 320, 140, 24


def score_chart(visits: list[FollowUp]) -> dict[str, Any] | None:
    """The sustainability scores over the visits made, as SVG polylines (x by visit, y from 0 to 1): one per
    dimension and the composite. None before two visits. No query."""
    made = [v for v in visits if v.visited_on and v.composite is not None]
    if len(made) < 2:
        return None
    step = (CHART_W - 2 * CHART_PAD) / (len(made) - 1)

    def y(value: Any) -> float:
        return round(CHART_H - CHART_PAD - float(value) * (CHART_H - 2 * CHART_PAD), 1)

    xs = [round(CHART_PAD + n * step, 1) for n in range(len(made))]
    lines = []
    for name in ("economic", "social", "psychosocial", "composite"):
        points = " ".join(f"{x},{y(getattr(v, name))}" for x, v in zip(xs, made, strict=True))
        lines.append({"name": name, "points": points})
    return {
        "width": CHART_W,
        "height": CHART_H,
        "lines": lines,
        "labels": [{"x": x, "day": v.visited_on} for x, v in zip(xs, made, strict=True)],
        "top": CHART_PAD,
        "bottom": CHART_H - CHART_PAD,
    }


# ---------------------------------------------------------------- what a referral shares
def shared_sections(*, user: User, case: ProtectionCase) -> set[str] | None:
    """The protection sections the reader sees of this case: None (everything in their scope) for the case's
    own organisation; for a partner, the sections its accepted referrals of this person share (one query)."""
    membership = access.membership_for(user)
    if membership is not None and membership.organisation_id == case.organisation_id:
        return None
    if membership is None:
        return set()
    names = Referral.objects.filter(
        person_id=case.person_id,
        organisation_id=case.organisation_id,
        receiver_id=membership.organisation_id,
        status=Referral.Status.ACCEPTED,
    ).values_list("sections__name", flat=True)
    return {name for name in names if name}


# ---------------------------------------------------------------- the case timeline
TIMELINE_LENGTH = 30


def timeline(*, user: User, case: ProtectionCase, shared: set[str] | None) -> list[CaseEvent]:
    """The case's newest events, newest first: one query however long the history (CaseEvent is written by
    the services). A partner (`shared` not None) reads the events of the sections shared with it alone."""
    events = access.visible(user, CaseEvent.objects.filter(case=case))
    if shared is not None:
        events = events.filter(section__in=sorted(shared))
    return list(events.select_related("by", "by_organisation").order_by("-happened_on", "-id")[:TIMELINE_LENGTH])


def case_file(*, user: User, case: ProtectionCase) -> dict[str, Any]:
    """What the printable case file holds for this reader: the identity for a role that reads it (audited by
    `case_identity`), and each section only when the reader sees it (their own organisation's case, or a
    section a referral shares with them)."""
    shared = shared_sections(user=user, case=case)

    def shows(section: str) -> bool:
        return shared is None or section in shared

    from karpear.protection.declarations import SECTION_FOLLOW_UPS, SECTION_PLAN, SECTION_SCREENING

    sections = [s for s in (SECTION_SCREENING, SECTION_PLAN, SECTION_FOLLOW_UPS) if shows(s)]
    return {
        "case": case,
        "identity": case_identity(user=user, case=case),
        "show_screening": SECTION_SCREENING in sections,
        "show_plan": SECTION_PLAN in sections,
        "show_follow_ups": SECTION_FOLLOW_UPS in sections,
        "deliveries": list(deliveries(user=user, case=case)) if SECTION_PLAN in sections else [],
        "visits": follow_ups(user=user, case=case) if SECTION_FOLLOW_UPS in sections else [],
        # What happened (HTCDS victim context) and the steps of the trafficking belong to the screening section.
        "victim_context": victim_context(user=user, case=case) if SECTION_SCREENING in sections else None,
        "trafficking_events": trafficking_events(user=user, case=case) if SECTION_SCREENING in sections else [],
        "sections": sections,
    }


# ---------------------------------------------------------------- re-trafficking flag (item 7)
def retrafficking_flag(*, user: User, case: ProtectionCase) -> dict[str, Any] | None:
    """The case's re-trafficking flag for its page, if the user may see it (never through a referral): the
    earlier cases of the organisation the user may see (case numbers, score, evidence as phrases: no identity),
    how many more exist beyond the user's scope, and whether a likely earlier case exists at another
    organisation (the fact alone). No query without a flag (it comes with the case), two with one."""
    # Loaded with the case (case_for_user): the flag reaches as far as the case does within its organisation,
    # and never through a referral, so no query is needed to know whether the reader sees it.
    flag: RetraffickingFlag | None = getattr(case, "retrafficking_flag", None)
    membership = access.membership_for(user)
    if flag is None or membership is None or membership.organisation_id != case.organisation_id:
        return None
    if not access.has_capability(user, C.VIEW_CASE):
        return None
    matches = list(
        access.visible(user, FlagMatch.objects.filter(flag=flag)).select_related("earlier").order_by("-score", "id")
    )
    return {
        "flag": flag,
        "matches": [(m, _phrases(m.evidence)) for m in matches],
        "hidden": max(0, FlagMatch.objects.filter(flag=flag).count() - len(matches)),
    }


def _phrases(levels: list[str]) -> tuple[str, ...]:
    if "same_person" in levels:  # services.SAME_PERSON: the person's own earlier case
        return (gettext("the same registered person"),)
    return matching_selectors.evidence_phrases([("", level) for level in levels])


# ---------------------------------------------------------------- the API's lists (item 9)
def _of_case(user: User, queryset: QuerySet[Any], case: ProtectionCase | None) -> QuerySet[Any]:
    rows = access.visible(user, queryset)
    return rows.filter(case=case) if case is not None else rows


def screening_list(*, user: User, case: ProtectionCase | None = None) -> QuerySet[Screening]:
    """Screenings the user may see (of one case, or all), newest first."""
    return _of_case(user, Screening.objects.all(), case).select_related("case").order_by("-screened_on", "-id")


def screening_for_user(*, user: User, uuid: UUID | str) -> Screening:
    return access.get_for_user(user, Screening, uuid, queryset=Screening.objects.select_related("case"))


def delivery_list(*, user: User, case: ProtectionCase | None = None) -> QuerySet[ServiceDelivery]:
    """Services delivered the user may see (of one case, or all), newest first."""
    return (
        _of_case(user, ServiceDelivery.objects.all(), case)
        .select_related("case", "kind", "provider", "recorded_by_organisation")
        .order_by("-delivered_on", "-id")
    )


def delivery_for_user(*, user: User, uuid: UUID | str) -> ServiceDelivery:
    return access.get_for_user(
        user,
        ServiceDelivery,
        uuid,
        queryset=ServiceDelivery.objects.select_related("case", "kind", "provider", "recorded_by_organisation"),
    )


def follow_up_list(*, user: User, case: ProtectionCase | None = None, due: str = "") -> QuerySet[FollowUp]:
    """Follow-up visits the user may see (of one case, or all), by due date; `due`: "overdue" (not made, due
    before today) or "open" (not made yet)."""
    visits = _of_case(user, FollowUp.objects.all(), case).select_related("case")
    if due == "overdue":
        visits = visits.filter(visited_on__isnull=True, due_on__lt=timezone.localdate())
    elif due == "open":
        visits = visits.filter(visited_on__isnull=True)
    return visits.order_by("due_on", "id")


def follow_up_for_user(*, user: User, uuid: UUID | str) -> FollowUp:
    return access.get_for_user(user, FollowUp, uuid, queryset=FollowUp.objects.select_related("case"))


def case_referrals(*, user: User, case: ProtectionCase | None = None) -> QuerySet[Referral]:
    """Core's referrals of the people whose protection cases the user sees (of one case's person, or all),
    newest first: sent by the user's organisation or received by it."""
    from karpear.core import referrals

    people = access.visible(user, ProtectionCase.objects.all()).values("person_id")
    if case is not None:
        people = people.filter(pk=case.pk)
    return referrals.referral_list(user=user).filter(person_id__in=people).order_by("-created_at", "-id")


def case_referral_for_user(*, user: User, uuid: UUID | str) -> Referral:
    """One of `case_referrals` (404 for any other referral, even a visible one)."""
    from django.http import Http404

    found = case_referrals(user=user).filter(uuid=uuid).first()
    if found is None:
        raise Http404
    return found


def api_case_read(*, user: User, cases: list[ProtectionCase]) -> None:
    """Write the API's reading of cases to the audit log: one event per case shown (its access log finds it)."""
    if cases:
        audit.record_many(actor=user, action="view", objects=cases, channel="api")
