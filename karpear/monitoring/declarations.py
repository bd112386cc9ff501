"""What the monitoring app tells core (docs/writing-a-module.md): its one capability, how its rows are scoped,
URLs and menu, that it counts achievements against targets, and the indicators every app declares."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from karpear.core import access, indicators, registry, roles
from karpear.core.models import ExportJob
from karpear.core.roles import Capability, Role


class MonitoringCapability(StrEnum):
    # Figures no record holds (people at an event): entered by hand, shown marked as such.
    ENTER_FIGURES = "monitoring_enter_figures"


C = MonitoringCapability


def _load_demo(context: registry.DemoContext) -> None:
    from karpear.monitoring import demo

    demo.load(context)


def _donor_report(job: ExportJob, progress: Callable[[int, int], None]) -> registry.ExportOutput:
    from karpear.monitoring import reports

    return reports.donor_report(job, progress)


def declare() -> None:
    from karpear.monitoring.models import ManualValue

    roles.define_capabilities(
        "monitoring", list(C), labels={C.ENTER_FIGURES: _("Enter the figures of manual indicators")}
    )
    roles.grant(Role.ME_OFFICER, [C.ENTER_FIGURES])
    # Dashboards are read with core's view_aggregates; the figures entered by hand are the organisation's.
    access.register(ManualValue, view=Capability.VIEW_AGGREGATES, change=C.ENTER_FIGURES)

    registry.urls(
        "monitoring", prefix="monitoring/", module="karpear.monitoring.urls", api_module="karpear.monitoring.api"
    )
    registry.menu_item(
        "monitoring", "monitoring:index", _("Monitoring"), capability=Capability.VIEW_AGGREGATES, order=80
    )
    registry.target_counter("monitoring")
    registry.export_kind(
        "monitoring",
        "monitoring_donor_report",
        _("Donor report"),
        capability=Capability.VIEW_AGGREGATES,
        formats=["xlsx"],
        run=_donor_report,
    )
    registry.demo_loader("monitoring", "monitoring", _load_demo, after=["core", "livelihoods", "outreach"])
    # Every installed app's indicators.py (this app's own included) declares what it counts.
    indicators.discover()
