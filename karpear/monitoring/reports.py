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


def _no_case_study() -> str:
    """The line a report without case studies carries (translated when the report is built)."""
    return _("No case study with the client's consent to donor reports.")


def _module_title(app_label: str) -> str:
    from django.apps import apps

    return str(apps.get_app_config(app_label).verbose_name)[:31]


def _figures(
    user: Any, reach: selectors.Reach, period: selectors.Period, progress: Callable[[int, int], None], steps: int
) -> tuple[list[selectors.Figure], list[selectors.Progress]]:
    """Every indicator's figure with all its disaggregations, then the progress against the targets, computed
    once for the report (inside the caller's `selectors.request_memo`): each counted indicator is one breakdown
    query, and the targets read their figures from those breakdowns. Figures kept younger than the maximum age
    are read instead of counted (`selectors.FRESH`)."""
    figures = []
    indicators = declared.indicators()
    selectors.read_kept(user, reach, period)
    for done, indicator in enumerate(indicators, start=1):
        figures.append(selectors.figure(user, indicator, reach, period))
        progress(done, steps)
    return figures, selectors.progress(user, reach, period)


def donor_report(job: ExportJob, progress: Callable[[int, int], None]) -> ExportOutput:
    if job.format == "pdf":
        return donor_report_pdf(job, progress)
    user = job.requested_by
    with translation.override(user.language or "km"), selectors.request_memo(kept=selectors.FRESH):
        programme = access.get_programme_for_user(user, job.params["programme"])
        period = selectors.parse_period(job.params.get("period"))
        reach = selectors.reach(user, programme)
        indicators = declared.indicators()
        figures, lines = _figures(user, reach, period, progress, len(indicators))
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

        sections = selectors.narrative(user, programme, period)
        written = book.create_sheet(_("Narrative")[:31])
        written.append(text_cells(written, [_("Section"), _("Text"), _("Version"), _("Written by"), _("Written on")]))
        for section in sections:
            current = section.current
            written.append(
                text_cells(
                    written,
                    [
                        section.label,
                        section.text or _("Not written yet."),
                        current.version if current else "",
                        current.written_by.get_username() if current else "",
                        timezone.localtime(current.written_at).date() if current else "",
                    ],
                )
            )

        studies = selectors.case_studies(user, reach, period)
        stories = book.create_sheet(_("Case studies")[:31])
        stories.append(text_cells(stories, [_("Title"), _("Organisation"), _("Client's consent given on"), _("Text")]))
        for study in studies:
            stories.append(
                text_cells(stories, [study.title, study.organisation.short_name.upper(), study.consent_on, study.text])
            )
        if not studies:
            stories.append(text_cells(stories, [_no_case_study()]))

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
        for line in lines:
            targets.append(
                text_cells(
                    targets,
                    [
                        line.target.indicator,
                        line.target.description,
                        line.target.subgrant.reference if line.target.subgrant else "",
                        line.goal,
                        line.target.unit_label,
                        line.mark or line.achieved,
                        line.percent,
                    ],
                )
            )

        by_app: dict[str, list[selectors.Figure]] = {}
        for figure in figures:
            by_app.setdefault(figure.indicator.app_label, []).append(figure)
        for app_label, items in by_app.items():
            sheet = book.create_sheet(_module_title(app_label))
            sheet.append(
                text_cells(sheet, [_("Indicator"), _("How it is counted"), _("Breakdown"), _("Category"), _("Figure")])
            )
            for figure in items:
                indicator = figure.indicator
                name = str(indicator.name) + (f" ({_('entered by hand')})" if indicator.manual else "")
                sheet.append(
                    text_cells(sheet, [name, str(indicator.definition), _("Total"), "", figure.mark or figure.value])
                )
                for table in figure.tables:
                    for cell in table.cells:
                        sheet.append(text_cells(sheet, ["", "", table.label, cell.label, cell.mark or cell.value]))
        buffer = io.BytesIO()
        book.save(buffer)
    suffix = period.key or "all"
    return ExportOutput(buffer.getvalue(), f"report-{programme.code}-{suffix}.xlsx", rows=len(lines) + len(indicators))


def donor_report_pdf(job: ExportJob, progress: Callable[[int, int], None]) -> ExportOutput:
    """The same report as a PDF (WeasyPrint): the targets with progress bars, then each module's indicators with
    their breakdowns and, as on the dashboard, their trend by quarter and province map. Khmer is shaped by Pango/HarfBuzz with the TrueType Khmer fonts installed on the machine
    (fonts-khmeros, fonts-noto-core: `make system-deps`); WeasyPrint cannot read the woff2 fonts the web pages use."""
    from django.template.loader import render_to_string
    from weasyprint import HTML  # imported here: WeasyPrint loads Pango when imported

    from karpear.monitoring import charts

    user = job.requested_by
    with translation.override(user.language or "km"), selectors.request_memo(kept=selectors.FRESH):
        programme = access.get_programme_for_user(user, job.params["programme"])
        period = selectors.parse_period(job.params.get("period"))
        reach = selectors.reach(user, programme)
        indicators = declared.indicators()
        figures, lines = _figures(user, reach, period, progress, len(indicators) + 1)
        sections = selectors.narrative(user, programme, period)
        studies = selectors.case_studies(user, reach, period)
        modules: dict[str, list[tuple[selectors.Figure, list[Any]]]] = {}
        names = selectors.province_names()
        for figure in figures:
            modules.setdefault(_module_title(figure.indicator.app_label), []).append((figure, _charts(figure, names)))
        html = render_to_string(
            "monitoring/report_pdf.html",
            {
                "programme": programme,
                "period": period,
                "reach": reach,
                "made_on": timezone.localdate(),
                "progress": [(line, charts.progress_bar(line.percent, line.target.description)) for line in lines],
                "modules": list(modules.items()),
                "sections": [section for section in sections if section.current and section.text],
                "studies": studies,
                "no_case_study": _no_case_study(),
                "primary": suppression.PRIMARY,
                "complementary": suppression.COMPLEMENTARY,
                "LANG": translation.get_language(),
            },
        )
        content: bytes = HTML(string=html, url_fetcher=_nothing_fetched).write_pdf()
        progress(len(indicators) + 1, len(indicators) + 1)
    suffix = period.key or "all"
    return ExportOutput(content, f"report-{programme.code}-{suffix}.pdf", rows=len(lines) + len(indicators))


def _charts(figure: selectors.Figure, names: dict[str, str]) -> list[Any]:
    """A figure's charts in the PDF, as on the dashboard: its trend by quarter and its province map (when
    anything was counted there); small cells stay hidden as in the tables. No links: paper."""
    from karpear.core.indicators import Dimension
    from karpear.monitoring import charts

    if not figure.value or figure.mark:
        return []
    shown = []
    by = {table.dimension: table for table in figure.tables if table.cells}
    if Dimension.PERIOD in by:
        shown.append(charts.trend(by[Dimension.PERIOD], lambda cell: None))
    if Dimension.PROVINCE in by:
        title = _("%(name)s by province") % {"name": figure.indicator.name}
        shown.append(charts.province_map(by[Dimension.PROVINCE], lambda cell: None, title, names))
    return shown


def _nothing_fetched(url: str, *args: Any, **kwargs: Any) -> Any:
    raise ValueError(f"the donor report fetches nothing ({url})")
