"""What the protection app tells core (docs/writing-a-module.md): capabilities and the roles holding them, how
each model is scoped, the referral sections, URLs, menu, home work lists and demo data.

Who: caseworkers (their own cases) and case supervisors (the organisation's) receive, register, screen and
follow survivors; shelter staff, legal officers and field officers (the livelihood partners) only read the
cases assigned to them, or that an accepted referral shares with them. Volunteers, programme officers and M&E
officers get nothing of protection (M&E counts cases through monitoring, never reads them).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from django.apps import apps as django_apps
from django.db.models import Model, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from karpear.core import access, registry, roles
from karpear.core.models import User
from karpear.core.roles import Role


class ProtectionCapability(StrEnum):
    VIEW_CASE = "protection_view_case"  # protection cases, their screening and status history
    ADD_CASE = "protection_add_case"  # receive returnees: one, or a group arriving together
    CHANGE_CASE = "protection_change_case"  # intake details, rights notice, consent
    SCREEN = "protection_screen"  # the indicator questionnaire and the determination
    PLAN = "protection_plan"  # needs assessment and the service plan
    APPROVE = "protection_approve"  # approve service plans and case closures (supervisors)
    RECORD_SERVICE = "protection_record_service"  # record a service delivered (partners too, by referral)
    FOLLOW_UP = "protection_follow_up"  # placements, lifecycle steps, return home, follow-up visits, closure


C = ProtectionCapability
SECTION_SUMMARY = "protection_case_summary"
SECTION_SCREENING = "protection_screening"
SECTION_PLAN = "protection_service_plan"
SECTION_FOLLOW_UPS = "protection_follow_ups"


def _counts(user: User) -> dict[str, int]:
    """The protection work lists' counts, one query for all of them, once per request (cached on the user
    object, which is the request's): the home page stays within its query budget."""
    cached: dict[str, int] | None = user.__dict__.get("_protection_work_counts")
    if cached is None:
        from karpear.protection import selectors

        cached = selectors.work_counts(user=user)
        user.__dict__["_protection_work_counts"] = cached
    return cached


def _work_list(key: str, name: str, title: Any, empty: Any, order: int, capability: str) -> None:
    registry.work_list(
        "protection",
        key,
        title,
        capability=capability,
        count=lambda user: _counts(user)[name],
        url=lambda user: reverse("protection:case_list") + f"?work={name}",
        empty=empty,
        order=order,
    )


def _remind() -> None:
    from karpear.protection import services

    services.follow_up_reminders_send()


def _load_demo(context: registry.DemoContext) -> None:
    from karpear.protection import demo

    demo.load(context)


def _nobody(ctx: access.Context) -> Q:
    return Q(pk__in=[])


def declare() -> None:
    from karpear.protection.models import (
        CaseEvent,
        CaseSequence,
        CompletedStep,
        Determination,
        FlagMatch,
        FollowUp,
        GroupArrival,
        Indicator,
        NeedsAssessment,
        Placement,
        PlanEvent,
        PlannedService,
        ProtectionCase,
        RetraffickingFlag,
        Screening,
        ScreeningAnswer,
        ScreeningRule,
        ServiceDelivery,
        ServiceKind,
        ServicePlan,
        StageStep,
        SustainabilityIndicator,
        TraffickingEvent,
        VictimContext,
    )

    roles.define_capabilities(
        "protection",
        list(C),
        labels={
            C.VIEW_CASE: _("See protection cases"),
            C.ADD_CASE: _("Receive returnees and open protection cases"),
            C.CHANGE_CASE: _("Change protection cases, their rights notice and consent"),
            C.SCREEN: _("Screen for trafficking and record the identification"),
            C.PLAN: _("Assess needs and plan services"),
            C.APPROVE: _("Approve service plans and case closures"),
            C.RECORD_SERVICE: _("Record services delivered to a survivor"),
            C.FOLLOW_UP: _("Record placements, reintegration steps and follow-up visits, and ask to close cases"),
        },
    )
    roles.grant(Role.CASEWORKER, [c for c in C if c != C.APPROVE])
    roles.grant(Role.CASE_SUPERVISOR, list(C))
    # Partners read what is assigned to them or what an accepted referral shares (their own scope), and record
    # the services they deliver to a case referred to them.
    roles.grant(Role.SHELTER_STAFF, [C.VIEW_CASE, C.RECORD_SERVICE])
    roles.grant(Role.LEGAL_OFFICER, [C.VIEW_CASE, C.RECORD_SERVICE])
    roles.grant(Role.FIELD_OFFICER, [C.VIEW_CASE, C.RECORD_SERVICE])

    access.register(
        ProtectionCase,
        view=C.VIEW_CASE,
        change=C.CHANGE_CASE,
        person="person",
        owners=("assigned_to", "created_by"),
        team="team",
        section=SECTION_SUMMARY,
    )
    access.register(GroupArrival, view=C.VIEW_CASE, change=C.ADD_CASE, owners=("created_by",))
    # The screening and the decisions on a case reach as far as the case does (its caseworker, creator, team).
    # The victim context (HTCDS) and the trafficking events are part of the screening, shared with it.
    screened: list[tuple[type[Model], str]] = [
        (Screening, "case__"),
        (Determination, "case__"),
        (ScreeningAnswer, "screening__case__"),
        (VictimContext, "case__"),
        (TraffickingEvent, "case__"),
    ]
    for model, prefix in screened:
        access.register(
            model,
            view=C.VIEW_CASE,
            change=C.SCREEN,
            person="person",
            owners=(f"{prefix}assigned_to", f"{prefix}created_by"),
            team=f"{prefix}team",
            section=SECTION_SCREENING,
            lookup="pk" if model is ScreeningAnswer else "uuid",
        )
    # The assessment, the plan and the services delivered: as far as the case reaches, and shared by a referral
    # under "Service plan". A partner's member who recorded a delivery keeps seeing it while the case is shared.
    planned: list[tuple[type[Model], str]] = [
        (NeedsAssessment, C.PLAN),
        (ServicePlan, C.PLAN),
        (PlannedService, C.PLAN),
        (PlanEvent, C.PLAN),
        (ServiceDelivery, C.RECORD_SERVICE),
    ]
    for plan_model, change in planned:
        access.register(
            plan_model,
            view=C.VIEW_CASE,
            change=change,
            person="person",
            owners=("case__assigned_to", "case__created_by"),
            team="case__team",
            section=SECTION_PLAN,
        )
    # Placements, lifecycle steps and follow-up visits: shared by a referral under "Placements and follow-up".
    followed: list[type[Model]] = [Placement, CompletedStep, FollowUp]
    for follow_model in followed:
        access.register(
            follow_model,
            view=C.VIEW_CASE,
            change=C.FOLLOW_UP,
            person="person",
            owners=("case__assigned_to", "case__created_by"),
            team="case__team",
            section=SECTION_FOLLOW_UPS,
        )
    # The timeline reaches as far as the case; a partner reads the lines of the sections shared (selectors).
    access.register(
        CaseEvent,
        view=C.VIEW_CASE,
        person="person",
        owners=("case__assigned_to", "case__created_by"),
        team="case__team",
        section=SECTION_SUMMARY,
        lookup="pk",
    )
    # The re-trafficking flag reaches as far as its case, and is never shared by a referral (it speaks of other
    # cases). Each earlier case it names reaches as far as that earlier case: a reader sees those they may see.
    access.register(
        RetraffickingFlag,
        view=C.VIEW_CASE,
        change=C.APPROVE,
        person="person",
        owners=("case__assigned_to", "case__created_by"),
        team="case__team",
    )
    access.register(
        FlagMatch,
        view=C.VIEW_CASE,
        person="earlier__person",
        owners=("earlier__assigned_to", "earlier__created_by"),
        team="earlier__team",
        lookup="pk",
    )
    # The indicators and rules are reference data (what is asked, and how answers count), not anyone's record.
    access.register_public(Indicator, ScreeningRule, ServiceKind, StageStep, SustainabilityIndicator)
    # Case numbers are handed out by services.py under a lock; no page reads the counter.
    access.register(CaseSequence, view=None, organisation="organisation", rows=_nobody, lookup="pk")
    registry.referral_section(
        "protection",
        SECTION_SUMMARY,
        _("Protection case summary"),
        description=_("The protection case: arrival, where the person came from, how they returned, status."),
        order=20,
    )
    registry.referral_section(
        "protection",
        SECTION_SCREENING,
        _("Screening"),
        description=_(
            "The trafficking screening: the indicators answered, the suggestion and the decisions, and what "
            "happened (recruitment, control, exploitation, the trafficking's places and dates)."
        ),
        order=21,
    )
    registry.referral_section(
        "protection",
        SECTION_PLAN,
        _("Service plan"),
        description=_("The needs assessment, the service plan and the services delivered."),
        order=22,
    )
    registry.referral_section(
        "protection",
        SECTION_FOLLOW_UPS,
        _("Placements and follow-up"),
        description=_("Placements, reintegration stages, return home, follow-up visits and their scores."),
        order=23,
    )
    registry.urls(
        "protection", prefix="protection/", module="karpear.protection.urls", api_module="karpear.protection.api"
    )
    registry.menu_item("protection", "protection:case_list", _("Protection cases"), capability=C.VIEW_CASE, order=35)
    _work_list(
        "protection_my_cases",
        "mine",
        _("Your protection cases"),
        _("No open case is assigned to you. Returnees you receive at a transit centre will appear here."),
        15,
        C.ADD_CASE,
    )
    _work_list(
        "protection_follow_ups_overdue",
        "overdue",
        _("Follow-up visits overdue"),
        _("No follow-up visit is overdue."),
        16,
        C.FOLLOW_UP,
    )
    _work_list(
        "protection_follow_ups_week",
        "week",
        _("Follow-up visits due this week"),
        _("No follow-up visit is due this week."),
        17,
        C.FOLLOW_UP,
    )
    _work_list(
        "protection_unscreened",
        "unscreened",
        _("Cases not screened yet"),
        _("Every case of yours has a screening decision."),
        18,
        C.SCREEN,
    )
    _work_list(
        "protection_referrals_waiting",
        "referred",
        _("Your cases referred and waiting for an answer"),
        _("No referral of your cases is waiting for an answer."),
        19,
        C.ADD_CASE,
    )
    _work_list(
        "protection_plans_waiting",
        "plans",
        _("Service plans waiting for your approval"),
        _("No service plan is waiting for approval."),
        20,
        C.APPROVE,
    )
    _work_list(
        "protection_retrafficking",
        "flags",
        _("Arrivals who may have been trafficked before"),
        _("No re-trafficking flag is waiting for review."),
        21,
        C.APPROVE,
    )
    registry.periodic("protection", "protection_follow_up_reminders", every=dt.timedelta(hours=1), run=_remind)
    registry.demo_loader("protection", "protection", _load_demo, after=["core"])
    _declare_referred_arrivals()


def _declare_referred_arrivals() -> None:
    """People a partner refers to protection (arrivals.py): a home work list of those waiting for their intake,
    what the sender is told of the intake (core.referrals.records_from), and the demo's intake of the people
    ADHOC brought home (after the justice demo, when justice is installed)."""

    def count(user: User) -> int:
        from karpear.protection import arrivals

        return arrivals.referrals_awaiting_intake(user=user).count()

    def records(**kwargs: Any) -> list[registry.ReferralRecord]:
        from karpear.protection import arrivals

        return arrivals.referral_records(**kwargs)

    def load(context: registry.DemoContext) -> None:
        from karpear.protection import demo_arrivals

        demo_arrivals.load(context)

    registry.work_list(
        "protection",
        "protection_referred_intakes",
        _("Referred people waiting for an intake"),
        capability=C.ADD_CASE,
        count=count,
        url=lambda user: reverse("protection:referred_list"),
        empty=_("Nobody referred to your organisation is waiting for an intake."),
        order=22,
    )
    registry.referral_records("protection", records)
    after = ["core", "protection"] + (["justice"] if django_apps.is_installed("karpear.justice") else [])
    registry.demo_loader("protection", "protection_referred_intakes", load, after=after)
