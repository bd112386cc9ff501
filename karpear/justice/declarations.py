"""What the justice app tells core (docs/writing-a-module.md): capabilities and the roles holding them, how
each model is scoped, the referral section, URLs, menu, home work lists and demo data.

Who: legal officers (their team's cases: ADHOC's lawyers and human-rights monitors) open and run legal cases and
record their costs; case supervisors (the organisation's cases) oversee, change them and record costs. Nobody else reads them: organisation
administrators, M&E officers and donors never see a case (monitoring will count them through indicators).
Another organisation reads a legal case only while an accepted referral of its client shares the section.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from karpear.core import access, registry, roles
from karpear.core.models import User
from karpear.core.roles import Role


class JusticeCapability(StrEnum):
    VIEW_CASE = "justice_view_case"  # legal cases and all their records, evidence files included (audited)
    OPEN_CASE = "justice_open_case"  # open a legal case: directly, or from an accepted referral
    CHANGE_CASE = "justice_change_case"  # parties, offences, investigation, evidence, submissions, court
    RECORD_COST = "justice_record_cost"  # costs charged to a budget line
    RESPOND_ESCALATION = "justice_respond_escalation"  # the central office's response to an escalated case
    ASSIGN_LAWYER = "justice_assign_lawyer"  # give a case to another legal officer


C = JusticeCapability
SECTION_CASE = "justice_case"


def _count(name: str) -> Callable[[User], int]:
    """One of the four work-list counts; the four come from one query (selectors.work_counts), run once per
    request for the first list shown."""

    def count(user: User) -> int:
        from karpear.justice import selectors

        return selectors.work_counts(user=user)[name]

    return count


def _list_url(query: str) -> Callable[[User], str]:
    """The case list filtered by `query` (a work list's "see all")."""
    return lambda user: reverse("justice:case_list") + "?" + query


def _load_demo(context: registry.DemoContext) -> None:
    from karpear.justice import demo

    demo.load(context)


def _nobody(ctx: access.Context) -> Q:
    return Q(pk__in=[])


def declare() -> None:
    from karpear.justice.models import (
        AdvocacyAction,
        Article,
        CaseClient,
        CaseSequence,
        CaseStudy,
        Cost,
        CustodyEntry,
        Escalation,
        Evidence,
        Handover,
        Hearing,
        InvestigationStep,
        LegalCase,
        Offence,
        Party,
        Repatriation,
        Statement,
        Submission,
        Verdict,
        Witness,
    )

    roles.define_capabilities(
        "justice",
        list(C),
        labels={
            C.VIEW_CASE: _("See legal cases and their evidence"),
            C.OPEN_CASE: _("Open legal cases"),
            C.CHANGE_CASE: _("Run legal cases: investigation, evidence, submissions, court"),
            C.RECORD_COST: _("Record the costs of legal cases"),
            C.RESPOND_ESCALATION: _("Respond to legal cases escalated to the central office"),
            C.ASSIGN_LAWYER: _("Give a legal case to another lawyer"),
        },
    )
    roles.grant(Role.LEGAL_OFFICER, [C.VIEW_CASE, C.OPEN_CASE, C.CHANGE_CASE, C.RECORD_COST])
    # Supervisors accept referrals and assign them to a lawyer, who opens the legal case; they oversee, correct
    # and pay. The home work lists follow opening (the lawyers'): the supervisor's home page keeps its budget.
    roles.grant(
        Role.CASE_SUPERVISOR, [C.VIEW_CASE, C.CHANGE_CASE, C.RECORD_COST, C.RESPOND_ESCALATION, C.ASSIGN_LAWYER]
    )

    access.register(
        LegalCase,
        view=C.VIEW_CASE,
        change=C.CHANGE_CASE,
        person="client",
        owners=("lawyer", "created_by"),
        team="team",
        section=SECTION_CASE,
    )
    # Every record of a case reaches as far as the case does (its lawyer, creator, team; the client's referral).
    for model in (
        CaseClient,
        Party,
        Offence,
        InvestigationStep,
        Evidence,
        CustodyEntry,
        Witness,
        Statement,
        Submission,
        Hearing,
        Verdict,
        Repatriation,
        Handover,
        Escalation,
        AdvocacyAction,
        CaseStudy,
    ):
        access.register(
            model,
            view=C.VIEW_CASE,
            change=C.CHANGE_CASE,
            person="case__client",
            owners=("case__lawyer", "case__created_by"),
            team="case__team",
            section=SECTION_CASE,
        )
    # Costs are the organisation's money: never shared by a referral.
    access.register(
        Cost,
        view=C.VIEW_CASE,
        change=C.RECORD_COST,
        person="case__client",
        owners=("case__lawyer", "case__created_by"),
        team="case__team",
    )
    # The articles of the law are reference data; case numbers are handed out under a lock, read by no page.
    access.register_public(Article)
    access.register(CaseSequence, view=None, organisation="organisation", rows=_nobody, lookup="pk")
    registry.referral_section(
        "justice",
        SECTION_CASE,
        _("Legal case"),
        description=_("The legal case: offences, parties, investigation, evidence, submissions and court."),
        order=30,
    )
    registry.urls("justice", prefix="justice/", module="karpear.justice.urls", api_module="karpear.justice.api")
    registry.menu_item("justice", "justice:case_list", _("Legal cases"), capability=C.VIEW_CASE, order=36)
    # The four home work lists: (key, count, title, the case list's filter, empty message).
    lists = [
        ("justice_my_cases", "mine", _("Your legal cases"), "mine=1", _("No open legal case is assigned to you.")),
        (
            "justice_hearings_week",
            "hearings",
            _("Hearings this week"),
            "due=hearings",
            _("No hearing in the next seven days."),
        ),
        (
            "justice_awaiting_reply",
            "awaiting",
            _("Submissions awaiting a reply"),
            "due=awaiting",
            _("Every letter sent has had its reply."),
        ),
        ("justice_overdue", "overdue", _("Replies past their deadline"), "due=overdue", _("No reply is overdue.")),
    ]
    for order, (key, count, title, query, empty) in enumerate(lists, start=16):
        registry.work_list(
            "justice",
            key,
            title,
            capability=C.OPEN_CASE,
            count=_count(count),
            url=_list_url(query),
            empty=empty,
            order=order,
        )
    registry.demo_loader("justice", "justice", _load_demo, after=["core"])
