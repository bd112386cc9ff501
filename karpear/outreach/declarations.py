"""What the outreach app tells core (docs/writing-a-module.md): capabilities and the roles holding them, how
each model is scoped, URLs, menu, home work list and demo data."""

from __future__ import annotations

from enum import StrEnum

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from karpear.core import access, registry, roles
from karpear.core.models import User
from karpear.core.roles import Role, Scope


class OutreachCapability(StrEnum):
    # Help requests hold what a visitor typed about themselves or a relative: names, phones, where they are.
    VIEW_HELP_REQUEST = "outreach_view_help_request"
    TRIAGE_HELP_REQUEST = "outreach_triage_help_request"
    # Grievances name the complainant and their phone: identifying.
    VIEW_GRIEVANCE = "outreach_view_grievance"
    CHANGE_GRIEVANCE = "outreach_change_grievance"
    # Sessions, workshops, events and home visits: counts by sex and age group, no person named.
    VIEW_ACTIVITY = "outreach_view_activity"
    RECORD_ACTIVITY = "outreach_record_activity"
    MANAGE_VOLUNTEERS = "outreach_manage_volunteers"


C = OutreachCapability


def _waiting(user: User) -> int:
    from karpear.outreach import selectors

    return selectors.help_requests(user=user, waiting=True).count()


def _open_grievances(user: User) -> int:
    from karpear.outreach import selectors

    return selectors.grievances(user=user, open_only=True).count()


def _load_demo(context: registry.DemoContext) -> None:
    from karpear.outreach import demo

    demo.load(context)


def declare() -> None:
    from karpear.outreach.models import (
        Activity,
        Grievance,
        GrievanceStep,
        HelpContact,
        HelpDesk,
        HelpRequest,
        PassportFee,
        PassportOffice,
        Topic,
        Volunteer,
    )

    roles.define_capabilities(
        "outreach",
        list(C),
        labels={
            C.VIEW_HELP_REQUEST: _("See the help requests sent from the public portal"),
            C.TRIAGE_HELP_REQUEST: _("Triage help requests from the public portal"),
            C.VIEW_GRIEVANCE: _("See migrant workers' grievances and who made them"),
            C.CHANGE_GRIEVANCE: _("Record grievances, raise them with the authorities and resolve them"),
            C.VIEW_ACTIVITY: _("See awareness sessions, workshops, events and home visits"),
            C.RECORD_ACTIVITY: _("Record awareness sessions, workshops, events and home visits"),
            C.MANAGE_VOLUNTEERS: _("Recruit community volunteers and assign them to communes"),
        },
        identifying=[C.VIEW_HELP_REQUEST, C.VIEW_GRIEVANCE],
    )
    # The organisation's help desk is one queue: every hotline officer of the receiving organisation sees and
    # triages all of its requests, not only the ones they triaged. Case supervisors read them (oversight), and
    # their home page gains no work list (its query budget, test_modules).
    organisation_wide = Scope.ORGANISATION
    roles.grant(Role.HOTLINE_OFFICER, [C.VIEW_HELP_REQUEST, C.TRIAGE_HELP_REQUEST], scope=organisation_wide)
    roles.grant(Role.CASE_SUPERVISOR, [C.VIEW_HELP_REQUEST], scope=organisation_wide)

    access.register(HelpRequest, view=C.VIEW_HELP_REQUEST, change=C.TRIAGE_HELP_REQUEST, owners=("triaged_by",))
    # A grievance is the help desk's shared queue, as help requests are: organisation-wide for those who hold it.
    roles.grant(Role.HOTLINE_OFFICER, [C.VIEW_GRIEVANCE, C.CHANGE_GRIEVANCE], scope=organisation_wide)
    roles.grant(Role.CASE_SUPERVISOR, [C.VIEW_GRIEVANCE], scope=organisation_wide)
    access.register(Grievance, view=C.VIEW_GRIEVANCE, change=C.CHANGE_GRIEVANCE, places=("province", "commune"))
    access.register(
        GrievanceStep,
        view=C.VIEW_GRIEVANCE,
        change=C.CHANGE_GRIEVANCE,
        places=("grievance__province", "grievance__commune"),
    )
    # A volunteer sees and records their own activities; field and programme officers the organisation's;
    # M&E officers read them.
    roles.grant(Role.VOLUNTEER, [C.VIEW_ACTIVITY, C.RECORD_ACTIVITY])
    roles.grant(Role.FIELD_OFFICER, [C.VIEW_ACTIVITY, C.RECORD_ACTIVITY, C.MANAGE_VOLUNTEERS], scope=organisation_wide)
    roles.grant(Role.PROGRAMME_OFFICER, [C.VIEW_ACTIVITY, C.RECORD_ACTIVITY, C.MANAGE_VOLUNTEERS])
    roles.grant(Role.ME_OFFICER, [C.VIEW_ACTIVITY])
    access.register(
        Activity,
        view=C.VIEW_ACTIVITY,
        change=C.RECORD_ACTIVITY,
        owners=("recorded_by", "volunteer__user"),
        places=("province", "commune"),
    )
    access.register(Volunteer, view=C.VIEW_ACTIVITY, change=C.MANAGE_VOLUNTEERS, owners=("user",))
    # Published reference data: what the public portal shows anyway.
    access.register_public(Topic, PassportFee, PassportOffice, HelpContact, HelpDesk)

    registry.urls(
        "outreach", prefix="safe-migration/", module="karpear.outreach.urls", api_module="karpear.outreach.api"
    )
    registry.menu_item(
        "outreach", "outreach:help_request_list", _("Help requests"), capability=C.VIEW_HELP_REQUEST, order=45
    )
    registry.work_list(
        "outreach",
        "outreach_help_requests_waiting",
        _("Help requests waiting for triage"),
        capability=C.TRIAGE_HELP_REQUEST,
        count=_waiting,
        url=lambda user: reverse("outreach:help_request_list") + "?waiting=1",
        empty=_("No help request is waiting."),
        order=45,
    )
    registry.menu_item("outreach", "outreach:grievance_list", _("Grievances"), capability=C.VIEW_GRIEVANCE, order=46)
    registry.menu_item(
        "outreach", "outreach:activity_list", _("Outreach activities"), capability=C.VIEW_ACTIVITY, order=47
    )
    registry.work_list(
        "outreach",
        "outreach_grievances_open",
        _("Grievances open"),
        capability=C.CHANGE_GRIEVANCE,
        count=_open_grievances,
        url=lambda user: reverse("outreach:grievance_list") + "?open=1",
        empty=_("No grievance is open."),
        order=46,
    )
    registry.demo_loader("outreach", "outreach", _load_demo, after=["core"])
