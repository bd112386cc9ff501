"""Core declares itself through the registries every module app uses (docs/writing-a-module.md): its
capabilities and grants (core.roles), its models' scoping (core.access), its menu, home work lists, demo data,
export kinds, referral sections and periodic jobs (core.registry).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from karpear.core import access, registry, roles
from karpear.core.models import ExportJob, User
from karpear.core.roles import Capability

C = Capability


def _waiting_referrals(user: User) -> int:
    from karpear.core import referrals

    return referrals.referrals_waiting_count(user=user)


def _expire_referrals() -> int:
    from karpear.core import referrals

    return referrals.referral_expire_due()


def _people_export(job: ExportJob, progress: Callable[[int, int], None]) -> registry.ExportOutput:
    from karpear.core import services

    output: registry.ExportOutput = services.export_people_build(job, progress)
    return output


def _people_export_again(actor: User, job: ExportJob) -> ExportJob:
    from karpear.core import services

    return services.export_people_again(actor, job)


def _export_retention() -> int:
    from karpear.core import services

    return services.export_retention()


def _seal_audit() -> int:
    from karpear.core import audit

    return audit.seal_all().sealed


def _load_demo(context: registry.DemoContext) -> None:
    from karpear.core import demo

    demo.load_core(context)


def declare() -> None:
    roles.declare_core()
    access.declare_core()

    registry.menu_item("core", "home", _("Home"), order=0)
    registry.menu_item("core", "person_list", _("People"), capability=C.VIEW_PERSON, order=10)
    registry.menu_item("core", "person_create", _("Register"), capability=C.ADD_PERSON, order=20)
    registry.menu_item("core", "referral_list", _("Referrals"), capability=C.VIEW_PERSON, order=30)
    registry.menu_item("core", "programme_list", _("Programmes"), capability=C.VIEW_PROGRAMMES, order=80)
    registry.menu_item("core", "member_list", _("Members"), capability=C.MANAGE_MEMBERS, order=85)
    registry.menu_item("core", "organisation_list", _("Organisations"), order=90)
    registry.menu_item("core", "place_search", _("Places"), order=95)

    registry.work_list(
        "core",
        "referrals_waiting",
        _("Referrals waiting for your answer"),
        capability=C.RECEIVE_REFERRALS,
        count=_waiting_referrals,
        url=lambda user: reverse("referral_list") + "?box=incoming&status=waiting",
        empty=_("No referral is waiting. Referrals other organisations send to yours will appear here."),
        order=10,
    )

    registry.referral_section(
        "core",
        "identity",
        _("Identifying details"),
        description=_("Names, date of birth, phone, ID and passport numbers, mother's name, address."),
        order=0,
    )
    registry.export_kind(
        "core",
        "people",
        _("People"),
        capability=C.EXPORT_PEOPLE,
        formats=["xlsx", "csv"],
        run=_people_export,
        again=_people_export_again,
    )
    registry.demo_loader("core", "core", _load_demo)
    registry.periodic("core", "referral_expiry", every=dt.timedelta(minutes=30), run=_expire_referrals)
    # Events are sealed into the audit chain within seconds of being written (core.audit).
    registry.periodic("core", "export_retention", every=dt.timedelta(hours=1), run=_export_retention)
    registry.periodic("core", "audit_seal", every=dt.timedelta(seconds=2), run=_seal_audit)
