"""The donor report of a programme for a period, as XLSX (openpyxl), built by core's export worker (an export
kind): a summary sheet, the targets with progress, then a sheet per module with each indicator's figure and its
disaggregations. Built as the user who asked, so their reach and small-cell suppression hold in the file."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook

from karpear.core import access
from karpear.core import indicators as declared
from karpear.core.exports import text_cells
from karpear.core.models import ExportJob
from karpear.core.registry import ExportOutput
from karpear.monitoring import selectors, suppression

KIND = "monitoring_donor_report"


def _module_title(app_label: str) -> str:
    from django.apps import apps

    return str(apps.get_app_config(app_label).verbose_name)[:31]


def donor_report(job: ExportJob, progress: Callable[[int, int], None]) -> ExportOutput:
    user = job.requested_by
    with translation.override(user.language or "km"):
        programme = access.get_programme_for_user(user, job.params["programme"])
        period = selectors.parse_period(job.params.get("period"))
        reach = selectors.reach(user, programme)
        book = Workbook(write_only=True)

        summary = book.create_sheet(_("Summary")[:31])
        rows: list[list[Any]] = [
            [
                _("Programme"),
                programme.name_km if translation.get_language() == "km" and programme.name_km else programme.name,
            ],
            [_("Period"), period.label],
            [_("Made on"), timezone.localdate()],
            [
                _("Organisations"),
                _("Every organisation in the programme")
                if reach.consortium
                else _("Your organisation's work in this programme"),
            ],
        ]
        if reach.suppressed:
            rows.append(
                [
                    _("Small figures"),
                    _(
                        "Figures under 5 are shown as %(primary)s; %(complementary)s is a figure hidden so that one under 5 cannot be worked out from the total."
                    )
                    % {"primary": suppression.PRIMARY, "complementary": suppression.COMPLEMENTARY},
                ]
            )
        for row in rows:
            summary.append(text_cells(summary, row))

        targets = book.create_sheet(_("Targets")[:31])
        targets.append(
            text_cells(
                targets,
                [
                    _("Indicator"),
                    _("Target"),
                    _("Sub-grant"),
                    _("Target value"),
                    _("Unit"),
                    _("Achieved"),
                    _("Percent achieved"),
                ],
            )
        )
        lines = selectors.progress(user, reach, period)
        for line in lines:
            targets.append(
                text_cells(
                    targets,
                    [
                        line.target.indicator,
                        line.target.description,
                        line.target.subgrant.reference if line.target.subgrant else "",
                        line.target.value,
                        line.target.unit_label,
                        line.mark or line.achieved,
                        line.percent,
                    ],
                )
            )

        indicators = declared.indicators()
        by_app: dict[str, list[declared.Indicator]] = {}
        for indicator in indicators:
            by_app.setdefault(indicator.app_label, []).append(indicator)
        done = 0
        for app_label, items in by_app.items():
            sheet = book.create_sheet(_module_title(app_label))
            sheet.append(
                text_cells(sheet, [_("Indicator"), _("How it is counted"), _("Breakdown"), _("Category"), _("Figure")])
            )
            for indicator in items:
                figure = selectors.figure(user, indicator, reach, period)
                name = str(indicator.name) + (f" ({_('entered by hand')})" if indicator.manual else "")
                sheet.append(
                    text_cells(sheet, [name, str(indicator.definition), _("Total"), "", figure.mark or figure.value])
                )
                for table in figure.tables:
                    for cell in table.cells:
                        sheet.append(text_cells(sheet, ["", "", table.label, cell.label, cell.mark or cell.value]))
                done += 1
                progress(done, len(indicators))
        buffer = io.BytesIO()
        book.save(buffer)
    suffix = period.key or "all"
    return ExportOutput(buffer.getvalue(), f"report-{programme.code}-{suffix}.xlsx", rows=len(lines) + len(indicators))
