"""What the monitoring app tells core (docs/writing-a-module.md): its one capability, how its rows are scoped,
URLs and menu, that it counts achievements against targets, and the indicators every app declares."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import StrEnum

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from karpear.core import access, indicators, registry, roles
from karpear.core.models import ExportJob
from karpear.core.roles import Capability, Role


class MonitoringCapability(StrEnum):
    # Figures no record holds (people at an event): entered by hand, shown marked as such.
    ENTER_FIGURES = "monitoring_enter_figures"
    # The standard exports of protection cases (HTCDS, CTDC, Primero): statistics files, no identity in them.
    EXPORT_CASES = "monitoring_export_cases"
    # The written sections of a programme's donor report (summary, achievements, ...), by the managing organisation.
    WRITE_NARRATIVE = "monitoring_write_narrative"


C = MonitoringCapability


def _load_demo(context: registry.DemoContext) -> None:
    from karpear.monitoring import demo

    demo.load(context)


def _keep_standing_figures() -> None:
    from karpear.monitoring import selectors

    selectors.keep_standing_figures()


def _donor_report(job: ExportJob, progress: Callable[[int, int], None]) -> registry.ExportOutput:
    from karpear.monitoring import reports

    return reports.donor_report(job, progress)


def _standard(kind: str) -> Callable[[ExportJob, Callable[[int, int], None]], registry.ExportOutput]:
    def run(job: ExportJob, progress: Callable[[int, int], None]) -> registry.ExportOutput:
        from karpear.monitoring import standards as runners

        return runners.RUNNERS[kind](job, progress)

    return run


def declare() -> None:
    from karpear.monitoring import standards
    from karpear.monitoring.models import ManualValue, Narrative, PeriodTarget, Summary

    roles.define_capabilities(
        "monitoring",
        list(C),
        labels={
            C.ENTER_FIGURES: _("Enter the figures of manual indicators"),
            C.EXPORT_CASES: _("Export cases in the standard formats (HTCDS, CTDC, Primero)"),
            C.WRITE_NARRATIVE: _("Write the narrative sections of donor reports"),
        },
    )
    roles.grant(Role.ME_OFFICER, [C.ENTER_FIGURES, C.EXPORT_CASES, C.WRITE_NARRATIVE])
    # Programme officers set the targets per period (manage_programmes) and write the donor report's narrative:
    # they follow the progress and the figures of their programmes (dashboards, targets page, report) with
    # core's view_aggregates. Their records stay those of their scope (the organisation's, pseudonymous).
    roles.grant(Role.PROGRAMME_OFFICER, [Capability.VIEW_AGGREGATES, C.WRITE_NARRATIVE])
    # Dashboards are read with core's view_aggregates; the figures entered by hand are the organisation's.
    access.register(ManualValue, view=Capability.VIEW_AGGREGATES, change=C.ENTER_FIGURES)
    # A target's values per period belong to the organisation that manages the programme (selectors read them
    # with the targets the viewer follows).
    access.register(
        PeriodTarget,
        view=Capability.VIEW_PROGRAMMES,
        change=Capability.MANAGE_PROGRAMMES,
        organisation="target__programme__organisation",
        lookup="pk",
    )

    # The written sections of a donor report belong to the organisation that manages the programme; whoever may
    # see the programme's aggregates reads them in the report (selectors.narrative, after core.access has given
    # the programme).
    access.register(
        Narrative,
        view=Capability.VIEW_AGGREGATES,
        change=C.WRITE_NARRATIVE,
        organisation="programme__organisation",
        lookup="pk",
    )

    # The figures kept (aggregates of a scope, no record) are read only by monitoring's selectors, keyed by the
    # scope `selectors.reach` gives the viewer; through core.access nobody reads a row.
    access.register(Summary, view=None, organisation=None, rows=lambda context: Q(pk__in=[]), lookup="pk")

    registry.urls(
        "monitoring", prefix="monitoring/", module="karpear.monitoring.urls", api_module="karpear.monitoring.api"
    )
    registry.menu_item(
        "monitoring", "monitoring:index", _("Monitoring"), capability=Capability.VIEW_AGGREGATES, order=80
    )
    registry.target_counter("monitoring")
    # The dashboards' figures counted ahead of the first visit (a count takes seconds at a million records).
    registry.periodic(
        "monitoring", "monitoring_keep_standing_figures", every=dt.timedelta(minutes=1), run=_keep_standing_figures
    )
    registry.export_kind(
        "monitoring",
        "monitoring_donor_report",
        _("Donor report"),
        capability=Capability.VIEW_AGGREGATES,
        formats=["xlsx", "pdf"],
        run=_donor_report,
    )
    for kind, label, formats in (
        (standards.HTCDS, _("Cases in HTCDS v2.0"), ["json", "csv"]),
        (standards.CTDC, _("Anonymised cases, CTDC shape (k = 11)"), ["csv", "json"]),
        (standards.PRIMERO, _("Cases for Primero"), ["json", "csv"]),
    ):
        registry.export_kind("monitoring", kind, label, capability=C.EXPORT_CASES, formats=formats, run=_standard(kind))
    registry.demo_loader("monitoring", "monitoring", _load_demo, after=["core", "livelihoods", "outreach"])
    # Every installed app's indicators.py (this app's own included) declares what it counts.
    indicators.discover()
