"""What the livelihoods app tells core (docs/writing-a-module.md): capabilities and the roles holding them,
how each model is scoped, the referral section, URLs, menu, home work lists and demo data."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from karpear.core import access, registry, roles
from karpear.core.models import User
from karpear.core.roles import Role, Scope


class LivelihoodsCapability(StrEnum):
    VIEW_GROUP = "livelihoods_view_group"  # groups, members, meetings, the ledger, loans, share-outs, banks
    CHANGE_GROUP = "livelihoods_change_group"  # form groups, add members, committee, stages, cycles, dissolve
    RECORD_MEETING = "livelihoods_record_meeting"  # the meeting screen, corrections, bank movements and animals
    SHARE_OUT = "livelihoods_share_out"  # close a cycle with its share-out
    VIEW_INDICATORS = "livelihoods_view_indicators"  # SAVIX-style indicators of groups and programmes
    RECORD_TRAINING = "livelihoods_record_training"  # trainings, attendance, model farmers, advisors, visits
    VIEW_GRANT = "livelihoods_view_grant"  # small grants (of group members and of referred survivors)
    MANAGE_GRANT = "livelihoods_manage_grant"  # apply, disburse, follow up; take a referral into a grant
    APPROVE_GRANT = "livelihoods_approve_grant"  # approve or refuse a grant, set the eligibility conditions


C = LivelihoodsCapability
SECTION = "livelihoods"


def _my_groups(user: User) -> int:
    from karpear.livelihoods import selectors

    return selectors.group_list(user=user, mine=True).count()


def _share_out_due(user: User) -> int:
    from karpear.livelihoods import selectors

    return selectors.cycles_due_for_share_out(user=user).count()


def _referrals_for_grant(user: User) -> int:
    from karpear.livelihoods import grant_selectors

    return grant_selectors.referrals_for_grant(user=user).count()


def _grant_follow_ups_due(user: User) -> int:
    from karpear.livelihoods import grant_selectors

    return grant_selectors.follow_ups_due(user=user).count()


def _load_demo(context: registry.DemoContext) -> None:
    from karpear.livelihoods import demo

    demo.load(context)


def _group_places(prefix: str) -> tuple[str, str]:
    return (f"{prefix}province", f"{prefix}commune")


def _recount() -> None:
    from karpear.livelihoods import figures

    figures.recount_recent_people()


def declare() -> None:
    from karpear.livelihoods.models import (
        AdvisorHousehold,
        AdvisorVisit,
        Animal,
        AnimalEvent,
        Attendance,
        Bank,
        BankLoan,
        BusinessPlan,
        BusinessPlanYear,
        Buyer,
        CommitteeRole,
        Cycle,
        CycleTotal,
        Employer,
        FarmerRole,
        Grant,
        GrantFollowUp,
        GrantGate,
        Group,
        GroupMember,
        GroupStage,
        JobPlacement,
        LedgerEntry,
        Loan,
        LoanInstalment,
        MarketLink,
        Meeting,
        Milling,
        Production,
        Sale,
        ShareOut,
        ShareOutLine,
        StockMovement,
        Training,
        TrainingAttendance,
    )

    roles.define_capabilities(
        "livelihoods",
        list(C),
        labels={
            C.VIEW_GROUP: _("See groups, their meetings, savings and loans"),
            C.CHANGE_GROUP: _("Form groups and add their members"),
            C.RECORD_MEETING: _("Record group meetings and correct them"),
            C.SHARE_OUT: _("Close a savings cycle with its share-out"),
            C.VIEW_INDICATORS: _("See group indicators"),
            C.RECORD_TRAINING: _("Record trainings, model farmers and advisors' visits"),
            C.VIEW_GRANT: _("See small grants"),
            C.MANAGE_GRANT: _("Apply for, disburse and follow up small grants"),
            C.APPROVE_GRANT: _("Approve or refuse small grants"),
        },
    )
    # Field officers run the groups of their organisation (every group, whoever formed it), though in core they
    # see only the people they registered (core.roles), and report their groups' indicators. Programme officers do the same and see indicators;
    # M&E officers read everything and count it.
    organisation_wide = Scope.ORGANISATION
    roles.grant(
        Role.FIELD_OFFICER,
        [C.VIEW_GROUP, C.CHANGE_GROUP, C.RECORD_MEETING, C.SHARE_OUT, C.VIEW_INDICATORS, C.RECORD_TRAINING],
        scope=organisation_wide,
    )
    # Small grants may be a referred survivor's: a field officer sees and handles the grants they took in
    # (their role's own scope); a programme officer approves them and sees all of the organisation's.
    roles.grant(Role.FIELD_OFFICER, [C.VIEW_GRANT, C.MANAGE_GRANT])
    roles.grant(Role.PROGRAMME_OFFICER, list(C))
    roles.grant(Role.ME_OFFICER, [C.VIEW_GROUP, C.VIEW_INDICATORS, C.VIEW_GRANT])

    access.register(
        Group,
        view=C.VIEW_GROUP,
        change=C.CHANGE_GROUP,
        owners=("facilitator", "created_by"),
        places=_group_places(""),
    )
    for model, change in (
        (GroupStage, C.CHANGE_GROUP),
        (CommitteeRole, C.CHANGE_GROUP),
        (Cycle, C.CHANGE_GROUP),
        (Meeting, C.RECORD_MEETING),
        (Attendance, C.RECORD_MEETING),
        (LedgerEntry, C.RECORD_MEETING),
        (CycleTotal, C.RECORD_MEETING),
        (Loan, C.RECORD_MEETING),
        (ShareOut, C.SHARE_OUT),
        # in-kind banks: opened by who forms groups, their movements recorded by who records meetings
        (Bank, C.CHANGE_GROUP),
        (BankLoan, C.RECORD_MEETING),
        (StockMovement, C.RECORD_MEETING),
        (Animal, C.RECORD_MEETING),
        (AnimalEvent, C.RECORD_MEETING),
    ):
        prefix = "meeting__group__" if model is Attendance else "group__"
        access.register(model, view=C.VIEW_GROUP, change=change, places=_group_places(prefix))
    access.register(BusinessPlan, view=C.VIEW_GROUP, change=C.CHANGE_GROUP, places=_group_places("group__"))
    access.register(BusinessPlanYear, view=C.VIEW_GROUP, change=C.CHANGE_GROUP, places=_group_places("plan__group__"))
    # cascade training and advisors (item 6): scoped by the group they come from or are held with
    access.register(Training, view=C.VIEW_GROUP, change=C.RECORD_TRAINING, places=_group_places("group__"))
    access.register(FarmerRole, view=C.VIEW_GROUP, change=C.RECORD_TRAINING, places=_group_places("group__"))
    access.register(
        TrainingAttendance, view=C.VIEW_GROUP, change=C.RECORD_TRAINING, places=_group_places("training__group__")
    )
    access.register(
        AdvisorHousehold, view=C.VIEW_GROUP, change=C.RECORD_TRAINING, places=_group_places("advisor__group__")
    )
    access.register(AdvisorVisit, view=C.VIEW_GROUP, change=C.RECORD_TRAINING, places=_group_places("advisor__group__"))
    # producer groups and markets (item 7): buyers and employers are the organisation's, the rest its groups'
    access.register(Buyer, view=C.VIEW_GROUP, change=C.CHANGE_GROUP)
    access.register(Employer, view=C.VIEW_GROUP, change=C.CHANGE_GROUP)
    access.register(MarketLink, view=C.VIEW_GROUP, change=C.CHANGE_GROUP, places=_group_places("group__"))
    for recorded in (Production, Sale, Milling):
        access.register(recorded, view=C.VIEW_GROUP, change=C.RECORD_MEETING, places=_group_places("group__"))
    access.register(JobPlacement, view=C.VIEW_GROUP, change=C.CHANGE_GROUP, places=_group_places("member__group__"))
    # small grants (item 8): the applicant's scope and place; the officer who took the grant in owns it
    access.register(Grant, view=C.VIEW_GRANT, change=C.MANAGE_GRANT, person="person", owners=("created_by",))
    access.register(
        GrantFollowUp,
        view=C.VIEW_GRANT,
        change=C.MANAGE_GRANT,
        person="grant__person",
        owners=("grant__created_by",),
    )
    access.register(GrantGate, view=C.VIEW_GRANT, change=C.APPROVE_GRANT)
    access.register(LoanInstalment, view=C.VIEW_GROUP, change=C.RECORD_MEETING, places=_group_places("loan__group__"))
    access.register(ShareOutLine, view=C.VIEW_GROUP, change=C.SHARE_OUT, places=_group_places("share_out__group__"))
    access.register(
        GroupMember,
        view=C.VIEW_GROUP,
        change=C.CHANGE_GROUP,
        person="person",
        owners=("created_by",),
        places=_group_places("group__"),
        section=SECTION,
    )
    registry.referral_section(
        "livelihoods",
        SECTION,
        _("Livelihoods"),
        description=_("The groups the person belongs to, their savings, loans and trainings."),
        order=50,
    )
    registry.urls(
        "livelihoods", prefix="livelihoods/", module="karpear.livelihoods.urls", api_module="karpear.livelihoods.api"
    )
    registry.menu_item("livelihoods", "livelihoods:group_list", _("Groups"), capability=C.VIEW_GROUP, order=40)
    registry.menu_item("livelihoods", "livelihoods:grant_list", _("Small grants"), capability=C.VIEW_GRANT, order=42)
    registry.work_list(
        "livelihoods",
        "livelihoods_referrals_for_grant",
        _("Referred people to take in for a grant"),
        capability=C.MANAGE_GRANT,
        count=_referrals_for_grant,
        url=lambda user: reverse("livelihoods:grant_list"),
        empty=_("No accepted referral is waiting to be taken in for a grant."),
        order=42,
    )
    registry.work_list(
        "livelihoods",
        "livelihoods_grant_follow_ups_due",
        _("Grant follow-ups due"),
        capability=C.MANAGE_GRANT,
        count=_grant_follow_ups_due,
        url=lambda user: reverse("livelihoods:grant_list"),
        empty=_("No grant follow-up is due."),
        order=43,
    )
    registry.work_list(
        "livelihoods",
        "livelihoods_my_groups",
        _("Groups you follow"),
        capability=C.RECORD_MEETING,
        count=_my_groups,
        url=lambda user: reverse("livelihoods:group_list") + "?mine=1",
        empty=_("No group yet. Groups you form or follow as field officer will appear here."),
        order=40,
    )
    registry.work_list(
        "livelihoods",
        "livelihoods_share_out_due",
        _("Savings cycles due for share-out"),
        capability=C.SHARE_OUT,
        count=_share_out_due,
        url=lambda user: reverse("livelihoods:group_list") + "?due=1",
        empty=_("No cycle is due for share-out."),
        order=41,
    )
    registry.demo_loader("livelihoods", "livelihoods", _load_demo, after=["core"])
    # A person's sex corrected in core (which knows nothing of groups) reaches the women counted on their groups.
    registry.periodic("livelihoods", "livelihoods_recount_members", every=dt.timedelta(hours=1), run=_recount)
