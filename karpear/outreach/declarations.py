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


C = OutreachCapability


def _waiting(user: User) -> int:
    from karpear.outreach import selectors

    return selectors.help_requests(user=user, waiting=True).count()


def _load_demo(context: registry.DemoContext) -> None:
    from karpear.outreach import demo

    demo.load(context)


def declare() -> None:
    from karpear.outreach.models import HelpContact, HelpDesk, HelpRequest, PassportFee, PassportOffice, Topic

    roles.define_capabilities(
        "outreach",
        list(C),
        labels={
            C.VIEW_HELP_REQUEST: _("See the help requests sent from the public portal"),
            C.TRIAGE_HELP_REQUEST: _("Triage help requests from the public portal"),
        },
        identifying=[C.VIEW_HELP_REQUEST],
    )
    # The organisation's help desk is one queue: every hotline officer of the receiving organisation sees and
    # triages all of its requests, not only the ones they triaged. Case supervisors read them (oversight), and
    # their home page gains no work list (its query budget, test_modules).
    organisation_wide = Scope.ORGANISATION
    roles.grant(Role.HOTLINE_OFFICER, list(C), scope=organisation_wide)
    roles.grant(Role.CASE_SUPERVISOR, [C.VIEW_HELP_REQUEST], scope=organisation_wide)

    access.register(HelpRequest, view=C.VIEW_HELP_REQUEST, change=C.TRIAGE_HELP_REQUEST, owners=("triaged_by",))
    # Published reference data: what the public portal shows anyway.
    access.register_public(Topic, PassportFee, PassportOffice, HelpContact, HelpDesk)

    registry.urls("outreach", prefix="safe-migration/", module="karpear.outreach.urls")
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
    registry.demo_loader("outreach", "outreach", _load_demo, after=["core"])
