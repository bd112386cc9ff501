"""Pages of monitoring: dashboards per programme and per organisation, an indicator with its disaggregations, the
records behind a figure, and the form for figures entered by hand. Views parse, call selectors, render."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from karpear.core import access, audit
from karpear.core import indicators as declared
from karpear.core.indicators import Dimension, Indicator
from karpear.core.models import Programme, User
from karpear.core.roles import Capability
from karpear.core.web import form_errors, redirect_after_post, render_page, user_of
from karpear.monitoring import charts, selectors, services, standards, suppression
from karpear.monitoring.declarations import MonitoringCapability
from karpear.monitoring.forms import ManualValueForm, NarrativeForm, PeriodTargetForm, StandardExportForm
from karpear.monitoring.selectors import Cell, Period, Reach


def _indicator(code: str) -> Indicator:
    indicator = declared.indicator_for(code)
    if indicator is None:
        raise Http404
    return indicator


def _reach(request: HttpRequest, user: User) -> tuple[Reach, Programme | None]:
    """The viewer's reach for `?programme=` (a programme they may see) or, without it, their organisation."""
    access.require(user, Capability.VIEW_AGGREGATES)
    uuid = request.GET.get("programme", "")
    programme = None
    if uuid:
        try:
            programme = access.get_programme_for_user(user, UUID(uuid))
        except ValueError as exc:
            raise Http404 from exc
    return selectors.reach(user, programme), programme


def _manages(user: User, programme: Programme | None) -> bool:
    """The viewer sets the programme's targets: its managing organisation's officer with manage_programmes."""
    membership = access.membership_for(user)
    return (
        programme is not None
        and membership is not None
        and programme.organisation_id == membership.organisation_id
        and access.has_capability(user, Capability.MANAGE_PROGRAMMES)
    )


def _query(programme: Programme | None, period: Period, **more: str) -> str:
    params = {"programme": str(programme.uuid) if programme else "", "period": period.key, **more}
    return urlencode({key: value for key, value in params.items() if value})


def _cell_url(indicator: Indicator, reach: Reach, programme: Programme | None, period: Period, dimension: str) -> Any:
    """The drill-down link of a cell: only for a viewer who may open records, never for a hidden cell."""

    def url(cell: Cell) -> str | None:
        if not reach.records or cell.mark:
            return None
        return (
            reverse("monitoring:records", args=[indicator.code])
            + "?"
            + _query(programme, period, dimension=dimension, key=cell.key)
        )

    return url


def _periods(reach: Reach) -> list[Period]:
    """The periods offered: the programme's years and quarters (else the last two years')."""
    from django.utils import timezone

    today = timezone.localdate()
    first = reach.programme.start_date.year if reach.programme else today.year - 1
    last = min(reach.programme.end_date.year, today.year) if reach.programme else today.year
    periods = [selectors.parse_period("")]
    for year in range(last, first - 1, -1):
        periods.append(selectors.parse_period(str(year)))
        periods += [selectors.parse_period(f"{year}-Q{q}") for q in range(4, 0, -1) if dt_before(year, q, today)]
    return periods


def _local(when: Any) -> Any:
    """A moment in the deployment's time zone (the date filters take it as given)."""
    from django.utils import timezone

    return timezone.localtime(when) if when else None


def dt_before(year: int, quarter: int, today: Any) -> bool:
    return (year, quarter) <= (today.year, (today.month - 1) // 3 + 1)


def _dashboard(request: HttpRequest, reach: Reach, programme: Programme | None) -> HttpResponse:
    # Each figure computed once for the page (headlines, map, progress), read from the figures kept when there
    # are (the page says when they were counted; the worker counts stale ones again).
    with selectors.request_memo(kept=selectors.ANY):
        return _dashboard_page(request, reach, programme)


def _dashboard_page(request: HttpRequest, reach: Reach, programme: Programme | None) -> HttpResponse:
    user = user_of(request)
    period = selectors.parse_period(request.GET.get("period"))
    selectors.read_kept(user, reach, period)  # every figure kept for the page, in one query
    # Progress first: the sub-grants' targets break their indicators down by organisation, and the headline
    # figures below are then read from those breakdowns instead of being counted again.
    progress = selectors.progress(user, reach, period) if programme else []
    figures = selectors.dashboard_figures(user, reach, period)
    mappable = [f.indicator for f in figures if Dimension.PROVINCE in f.indicator.disaggregations]
    # The indicator asked for, else the first that counted anything in the period.
    counted = [f.indicator for f in figures if f.indicator in mappable and f.value]
    chosen = declared.indicator_for(request.GET.get("indicator", ""))
    if chosen not in mappable:
        chosen = (counted or mappable)[0] if mappable else None
    map_svg = trend_svg = None
    if chosen is not None:
        shown = selectors.figure(user, chosen, reach, period, dimensions=[Dimension.PROVINCE, Dimension.PERIOD])
        by = {table.dimension: table for table in shown.tables}
        map_svg = charts.province_map(
            by[Dimension.PROVINCE],
            _cell_url(chosen, reach, programme, period, Dimension.PROVINCE),
            _("%(name)s by province") % {"name": chosen.name},
            selectors.province_names(),
        )
        trend_svg = charts.trend(by[Dimension.PERIOD], _cell_url(chosen, reach, programme, period, Dimension.PERIOD))
    return render_page(
        request,
        "monitoring/dashboard.html",
        {
            "programme": programme,
            "reach": reach,
            "period": period,
            "periods": _periods(reach),
            "figures": figures,
            "progress": [(row, charts.progress_bar(row.percent, row.target.description)) for row in progress],
            "can_set_targets": _manages(user, programme),
            "can_write": programme is not None and selectors.may_write_narrative(user, programme),
            "mappable": mappable,
            "chosen": chosen,
            "map_svg": map_svg,
            "trend_svg": trend_svg,
            "query": _query(programme, period),
            "primary": suppression.PRIMARY,
            "complementary": suppression.COMPLEMENTARY,
            "as_of": _local(selectors.as_of()),
        },
        partial="figures",
    )


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    access.require(user, Capability.VIEW_AGGREGATES)
    membership = access.membership_for(user)
    return render_page(
        request,
        "monitoring/index.html",
        {
            "programmes": selectors.programmes(user=user),
            "indicators": declared.indicators(),
            "can_enter": access.has_capability(user, MonitoringCapability.ENTER_FIGURES),
            "can_export": access.has_capability(user, MonitoringCapability.EXPORT_CASES),
            # The programmes the viewer's organisation manages link to their targets and the report's text.
            "organisation_id": membership.organisation_id if membership else None,
            "can_set_targets": access.has_capability(user, Capability.MANAGE_PROGRAMMES),
            "can_write": access.has_capability(user, MonitoringCapability.WRITE_NARRATIVE),
        },
    )


@login_required
@require_GET
def organisation_dashboard(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    return _dashboard(request, selectors.reach(user), None)


@login_required
@require_GET
def programme_dashboard(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    access.require(user, Capability.VIEW_AGGREGATES)
    programme = access.get_programme_for_user(user, uuid)
    return _dashboard(request, selectors.reach(user, programme), programme)


@login_required
@require_GET
def indicator_detail(request: HttpRequest, code: str) -> HttpResponse:
    user = user_of(request)
    reach, programme = _reach(request, user)
    indicator = _indicator(code)
    period = selectors.parse_period(request.GET.get("period"))
    with selectors.request_memo(kept=selectors.ANY):  # the figure the dashboard showed, counted at the same time
        selectors.read_kept(user, reach, period)
        figure = selectors.figure(user, indicator, reach, period)
        as_of = selectors.as_of()
    tables = [(table, _cell_url(indicator, reach, programme, period, table.dimension)) for table in figure.tables]
    return render_page(
        request,
        "monitoring/indicator.html",
        {
            "indicator": indicator,
            "figure": figure,
            "tables": [(table, [(cell, url(cell)) for cell in table.cells]) for table, url in tables],
            "programme": programme,
            "reach": reach,
            "period": period,
            "query": _query(programme, period),
            "records_url": reverse("monitoring:records", args=[indicator.code]) + "?" + _query(programme, period)
            if reach.records and not figure.mark
            else None,
            "as_of": _local(as_of),
            "primary": suppression.PRIMARY,
            "complementary": suppression.COMPLEMENTARY,
        },
    )


@login_required
@require_GET
def records(request: HttpRequest, code: str) -> HttpResponse:
    """The records behind a figure, within the viewer's access. Reading the list is audited."""
    user = user_of(request)
    reach, programme = _reach(request, user)
    indicator = _indicator(code)
    period = selectors.parse_period(request.GET.get("period"))
    dimension = request.GET.get("dimension", "")
    if dimension and dimension not in indicator.disaggregations:
        dimension = ""
    key = request.GET.get("key", "")[:40] if dimension else ""
    found = selectors.drilldown(user, indicator, reach, period, dimension, key)
    if found.allowed:
        audit.record(
            actor=user,
            action="view",
            indicator=indicator.code,
            dimension=dimension,
            key=key,
            period=period.key,
            listed=len(found.rows),
        )
    rows = []
    for row in found.rows:
        url = None
        if indicator.drilldown and hasattr(row, "uuid"):
            try:
                url = reverse(indicator.drilldown, args=[row.uuid])
            except NoReverseMatch:
                url = None
        rows.append((row, selectors.row_date(indicator, row), url))
    return render_page(
        request,
        "monitoring/records.html",
        {
            "indicator": indicator,
            "found": found,
            "rows": rows,
            "programme": programme,
            "period": period,
            "dimension_label": declared.DIMENSION_LABELS.get(dimension, ""),
            "key": key,
            "key_label": selectors.cell_label(dimension, key),
            "back": reverse("monitoring:indicator", args=[indicator.code]) + "?" + _query(programme, period),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def manual_value_add(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    access.require(user, MonitoringCapability.ENTER_FIGURES)
    programmes, subgrants = selectors.entry_choices(user=user)
    form = ManualValueForm(request.POST or None, programmes=programmes, subgrants=subgrants)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.manual_value_record(
                actor=user,
                indicator=data["indicator"],
                programme=data["programme"],
                subgrant=data["subgrant"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                value=data["value"],
                source=data["source"],
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("The figure is saved, marked as entered by hand."))
            return redirect_after_post(request, reverse("monitoring:index"))
    return render_page(request, "monitoring/manual_value_form.html", {"form": form})


@login_required
@require_POST
def report(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """Ask for the programme's donor report (XLSX) for the period shown; the job page follows its progress."""
    user = user_of(request)
    access.require(user, Capability.VIEW_AGGREGATES)
    programme = access.get_programme_for_user(user, uuid)
    fmt = "pdf" if request.POST.get("format") == "pdf" else "xlsx"
    job = services.report_request(actor=user, programme=programme, period=request.POST.get("period", ""), fmt=fmt)
    return redirect_after_post(request, reverse("job_detail", args=[job.uuid]))


@login_required
@require_http_methods(["GET", "POST"])
def exports(request: HttpRequest) -> HttpResponse:
    """The standard exports of the organisation's cases (HTCDS, CTDC with k = 11, Primero): what the CTDC file would
    suppress for the period, and the form that queues an export (the job page follows it)."""
    user = user_of(request)
    access.require(user, MonitoringCapability.EXPORT_CASES)
    period = request.POST.get("period") if request.method == "POST" else request.GET.get("period")
    form = StandardExportForm(request.POST or None, initial={"period": period or ""})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = services.standard_export_request(
                actor=user,
                kind=data["kind"],
                fmt=data["format"],
                period=data["period"],
                accept_suppression=data["accept_suppression"],
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            return redirect_after_post(request, reverse("job_detail", args=[job.uuid]))
    chosen = selectors.parse_period(period)
    try:
        preview = services.ctdc_preview(actor=user, period=chosen.key)
    except ValidationError:
        preview = None
    return render_page(
        request,
        "monitoring/exports.html",
        {"form": form, "preview": preview, "period": chosen, "k": standards.K, "qis": standards.QUASI_IDENTIFIERS},
    )


@login_required
@require_http_methods(["GET", "POST"])
def period_targets(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """The programme's targets per year or quarter, set by the organisation that manages it."""
    user = user_of(request)
    access.require(user, Capability.MANAGE_PROGRAMMES)
    programme = access.get_programme_for_user(user, uuid)
    targets, values = selectors.period_targets(user, programme)
    form = PeriodTargetForm(request.POST or None, targets=selectors.programme_targets(user, programme))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.period_target_set(actor=user, target=data["target"], period=data["period"], value=data["value"])
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("The target for the period is saved."))
            return redirect_after_post(request, reverse("monitoring:period_targets", args=[programme.uuid]))
    rows = [(target, sorted(values.get(target.pk, {}).items())) for target in targets]
    return render_page(request, "monitoring/period_targets.html", {"programme": programme, "rows": rows, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def narrative(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """The donor report's written sections for a period (summary, achievements, challenges, lessons, next steps),
    written by the organisation that manages the programme; each save keeps the earlier versions."""
    user = user_of(request)
    access.require(user, MonitoringCapability.WRITE_NARRATIVE)
    programme = access.get_programme_for_user(user, uuid)
    period = selectors.parse_period(
        request.POST.get("period") if request.method == "POST" else request.GET.get("period")
    )
    sections = selectors.narrative(user, programme, period, history=True)
    may_write = selectors.may_write_narrative(user, programme)
    form = NarrativeForm(request.POST or None, sections=sections)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.narrative_save(
                actor=user, programme=programme, period=period.key, texts=form.texts(), seen=form.seen()
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            if saved:
                messages.success(request, _("The report's text is saved."))
            else:
                messages.info(request, _("Nothing was changed."))
            url = reverse("monitoring:narrative", args=[programme.uuid])
            return redirect_after_post(request, url + ("?" + urlencode({"period": period.key}) if period.key else ""))
    return render_page(
        request,
        "monitoring/narrative.html",
        {
            "programme": programme,
            "period": period,
            "periods": _periods(selectors.reach(user, programme)),
            "rows": [(section, form[section.key], form[f"seen_{section.key}"]) for section in sections],
            "form": form,
            "may_write": may_write,
            "dashboard": reverse("monitoring:programme", args=[programme.uuid]) + "?" + _query(programme, period),
        },
    )
