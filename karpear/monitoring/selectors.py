"""Reads of monitoring: who may count what (`reach`), the figures of an indicator with its disaggregations,
progress against the programme's targets, and the records behind a figure (drill-down).

Counting is not seeing. A programme manager (aggregates only) counts every organisation of the programmes their
organisation funds or manages, and sees no record; an M&E officer counts their own organisation's records and
may open those `core.access.visible` gives them. Figures of a viewer who cannot open them — aggregates-only
roles, and anyone looking at the whole consortium — are small-cell suppressed (`suppression`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Aggregate, Count, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from karpear.core import access
from karpear.core import indicators as declared
from karpear.core.indicators import AGE_GROUPS, AGE_UNKNOWN, Dimension, Indicator, Scope, age_group
from karpear.core.models import Organisation, Person, Programme, Province, SubGrant, Target, User
from karpear.core.roles import Capability
from karpear.core.roles import Scope as RoleScope
from karpear.monitoring import suppression
from karpear.monitoring.models import ManualValue, Narrative, NarrativeSection, PeriodTarget


# ---------------------------------------------------------------- who counts what
@dataclass(frozen=True)
class Reach:
    """What a viewer counts: `organisations` (None: every organisation of `programme`) of `programme` (None:
    all the organisation's records); `records`: may open the rows behind a figure (within access.visible);
    `consortium`: the figures are of several organisations."""

    programme: Programme | None
    organisations: frozenset[int]
    records: bool
    consortium: bool

    @property
    def suppressed(self) -> bool:
        """Small cells hidden: for aggregates-only viewers, and for everyone looking beyond their organisation."""
        return self.consortium or not self.records

    def scope(self, start: dt.date | None = None, end: dt.date | None = None) -> Scope:
        programmes = frozenset({self.programme.pk}) if self.programme else None
        return Scope(self.organisations, programmes, start, end)


def may_open_records(user: User) -> bool:
    spec = access.role_spec(user)
    return (
        spec is not None
        and Capability.VIEW_PERSON in spec.capabilities
        and spec.scope_for(Capability.VIEW_PERSON) != RoleScope.NONE
    )


def participants(programme: Programme) -> frozenset[int]:
    """The organisations taking part in a programme: the prime partner and every sub-grantee."""
    subgrantees = SubGrant.objects.filter(programme=programme).values_list("organisation_id", flat=True)
    return frozenset({programme.organisation_id, *subgrantees})


def reach(user: User, programme: Programme | None = None) -> Reach:
    """The viewer's reach for a programme's dashboard (the programme fetched through core.access), or for their
    organisation's (programme None). The organisation that funds or manages a programme counts the whole
    consortium; a sub-grantee counts its own records."""
    access.require(user, Capability.VIEW_AGGREGATES)
    membership = access.membership_for(user)
    assert membership is not None  # require() passed
    own = membership.organisation_id
    records = may_open_records(user)
    if programme is None:
        return Reach(None, frozenset({own}), records, consortium=False)
    leads = own in (programme.organisation_id, programme.donor_id) or access.has_capability(
        user, Capability.MANAGE_ORGANISATIONS
    )
    if leads:
        return Reach(programme, participants(programme), records, consortium=True)
    return Reach(programme, frozenset({own}), records, consortium=False)


def programmes(*, user: User) -> QuerySet[Programme]:
    access.require(user, Capability.VIEW_AGGREGATES)
    return access.visible(user, Programme.objects.select_related("donor", "organisation")).order_by("name")


def entry_choices(*, user: User) -> tuple[QuerySet[Programme], QuerySet[SubGrant]]:
    """The programmes and the organisation's own sub-grants a figure entered by hand may be for."""
    membership = access.membership_for(user)
    assert membership is not None
    programmes = access.visible(user, Programme.objects.all()).order_by("name")
    subgrants = access.visible(user, SubGrant.objects.filter(organisation_id=membership.organisation_id))
    return programmes, subgrants.order_by("reference")


# ---------------------------------------------------------------- periods
@dataclass(frozen=True)
class Period:
    start: dt.date | None
    end: dt.date | None
    key: str  # "" (all), "2026" or "2026-Q3"

    @property
    def label(self) -> str:
        return period_label(self.key) if self.key else _("All periods")


def quarter_of(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarter_bounds(key: str) -> tuple[dt.date, dt.date]:
    year, quarter = int(key[:4]), int(key[-1])
    start = dt.date(year, 3 * quarter - 2, 1)
    end = dt.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


def period_label(key: str) -> str:
    if "-Q" in key:
        return _("%(year)s quarter %(quarter)s") % {"year": key[:4], "quarter": key[-1]}
    return key


def parse_period(value: str | None) -> Period:
    """'2026-Q3', '2026' or nothing (all periods). Anything else is read as all periods."""
    value = (value or "").strip().upper()
    if len(value) == 7 and value[:4].isdigit() and value[4:6] == "-Q" and value[6] in "1234":
        start, end = quarter_bounds(value)
        return Period(start, end, value)
    if len(value) == 4 and value.isdigit() and 2000 <= int(value) <= 2100:
        return Period(dt.date(int(value), 1, 1), dt.date(int(value), 12, 31), value)
    return Period(None, None, "")


# ---------------------------------------------------------------- counting
def rows(indicator: Indicator, scope: Scope) -> QuerySet[Any]:
    """Every row a counted indicator counts in `scope`: not narrowed to what anyone may open."""
    spec = indicator.records
    assert spec is not None
    qs = spec.queryset()
    if scope.organisations is not None:
        qs = qs.filter(**{f"{spec.organisation}__in": scope.organisations})
    if scope.programmes is not None and spec.programme:
        qs = qs.filter(**{f"{spec.programme}__in": scope.programmes})
    if scope.start:
        qs = qs.filter(**{f"{spec.date}__gte": scope.start})
    if scope.end:
        qs = qs.filter(**{f"{spec.date}__lte": scope.end})
    return qs


def _reference_day(scope: Scope) -> dt.date:
    """Ages are counted on the last day of the period (today for an open one)."""
    return scope.end or timezone.localdate()


def _bucket(dimension: str, raw: Any, on: dt.date) -> str:
    if dimension == Dimension.AGE_GROUP:
        return age_group(raw, on)
    if dimension == Dimension.PERIOD:
        return quarter_of(raw) if raw else ""
    return "" if raw is None else str(raw)


def measure(indicator: Indicator) -> Aggregate | Coalesce:
    """What a counted indicator adds up: its units once each, or the sum of its `summed` field."""
    spec = indicator.records
    assert spec is not None
    if spec.summed:
        return Coalesce(Sum(spec.summed), Value(0))
    return Count(spec.distinct, distinct=True)


def total(indicator: Indicator, scope: Scope) -> int:
    return int(rows(indicator, scope).aggregate(n=measure(indicator))["n"] or 0)


def counts(indicator: Indicator, scope: Scope, dimension: str) -> dict[str, int]:
    """The count of each value of `dimension` (age groups and quarters bucketed; each unit once per cell)."""
    spec = indicator.records
    assert spec is not None
    path = spec.path(dimension)
    if path is None:
        return {}
    qs = rows(indicator, scope)
    on = _reference_day(scope)
    result: dict[str, int] = defaultdict(int)
    if dimension == Dimension.PERIOD and spec.distinct != "pk" and not spec.summed:
        # A unit counts once a quarter even with several rows in it: bucket the distinct (day, unit) pairs.
        seen: dict[str, set[Any]] = defaultdict(set)
        for day, unit in qs.values_list(path, spec.distinct).distinct().order_by():
            seen[_bucket(dimension, day, on)].add(unit)
        return {key: len(units) for key, units in sorted(seen.items())}
    for raw, n in qs.values_list(path).annotate(n=measure(indicator)).order_by():
        result[_bucket(dimension, raw, on)] += int(n)
    return dict(result)


@dataclass
class Cell:
    key: str
    label: str
    value: int
    mark: str | None = None  # suppression.PRIMARY / COMPLEMENTARY when hidden

    @property
    def shown(self) -> str:
        return suppression.shown(self.value, self.mark)


@dataclass
class Table:
    """One disaggregation of a figure: its cells (in a stable order) and the figure's total."""

    dimension: str
    label: str
    cells: list[Cell]
    total: int
    total_mark: str | None = None

    @property
    def total_shown(self) -> str:
        return suppression.shown(self.total, self.total_mark)

    @property
    def peak(self) -> int:
        return max((cell.value for cell in self.cells if not cell.mark), default=0)


def _labels(dimension: str, keys: Iterable[str]) -> dict[str, str]:
    keys = [key for key in keys if key]
    if dimension == Dimension.SEX:
        return {key: str(Person.Sex(key).label) if key in Person.Sex.values else key for key in keys}
    if dimension == Dimension.AGE_GROUP:
        return {AGE_UNKNOWN: _("Age unknown")}
    if dimension == Dimension.PROVINCE:
        km = (translation.get_language() or "").startswith("km")
        return {
            code: (name_km if km else name_en)
            for code, name_km, name_en in Province.objects.filter(code__in=keys).values_list(
                "code", "name_km", "name_en"
            )
        }
    if dimension == Dimension.ORGANISATION:
        return {
            str(pk): short.upper()
            for pk, short in Organisation.objects.filter(pk__in=keys).values_list("pk", "short_name")
        }
    if dimension == Dimension.PROGRAMME:
        return {str(pk): name for pk, name in Programme.objects.filter(pk__in=keys).values_list("pk", "name")}
    if dimension == Dimension.PERIOD:
        return {key: period_label(key) for key in keys}
    return {}


def province_names() -> dict[str, str]:
    """Every province's name in the reader's script (for the map's provinces with nothing counted)."""
    return _labels(Dimension.PROVINCE, Province.objects.values_list("code", flat=True))


def _order(dimension: str, keys: Iterable[str]) -> list[str]:
    keys = list(keys)
    if dimension == Dimension.AGE_GROUP:
        order = [code for _first, _last, code in AGE_GROUPS] + [AGE_UNKNOWN]
        return [key for key in order if key in keys]
    if dimension == Dimension.SEX:
        order = list(Person.Sex.values)
        return sorted(keys, key=lambda key: order.index(key) if key in order else len(order))
    return sorted(keys)


def table(indicator: Indicator, scope: Scope, dimension: str, *, suppress: bool, figure: int | None = None) -> Table:
    """A disaggregation of a counted indicator, with its cells hidden as `suppression` says when `suppress`."""
    values = counts(indicator, scope, dimension)
    keys = _order(dimension, values)
    labels = _labels(dimension, keys)
    whole = total(indicator, scope) if figure is None else figure
    cells = [Cell(key, labels.get(key) or (key or _("Not recorded")), values[key]) for key in keys]
    result = Table(dimension, str(declared.DIMENSION_LABELS[dimension]), cells, whole)
    if suppress:
        marks = suppression.suppress([cell.value for cell in cells], whole)
        for cell, mark in zip(cells, marks.cells, strict=True):
            cell.mark = mark
        result.total_mark = marks.total
    return result


# ---------------------------------------------------------------- figures
@dataclass
class Figure:
    """An indicator's value in a scope: counted (with its disaggregations), computed or entered by hand."""

    indicator: Indicator
    value: Decimal | int | None
    mark: str | None = None
    tables: list[Table] = field(default_factory=list)

    @property
    def shown(self) -> str:
        if self.value is None:
            return "—"
        if self.mark:
            return self.mark
        return str(self.value.normalize() if isinstance(self.value, Decimal) else self.value)


def manual_values(indicator: Indicator, scope: Scope) -> QuerySet[ManualValue]:
    qs = ManualValue.objects.filter(indicator=indicator.code)
    if scope.organisations is not None:
        qs = qs.filter(organisation_id__in=scope.organisations)
    if scope.programmes is not None:
        qs = qs.filter(programme_id__in=scope.programmes)
    if scope.start:
        qs = qs.filter(period_end__gte=scope.start)
    if scope.end:
        qs = qs.filter(period_end__lte=scope.end)
    return qs


def value_of(user: User, indicator: Indicator, scope: Scope) -> Decimal | int | None:
    if indicator.records is not None:
        return total(indicator, scope)
    if indicator.manual:
        summed = manual_values(indicator, scope).aggregate(v=Sum("value"))["v"]
        return summed
    assert indicator.compute is not None
    return indicator.compute(user, scope)


def figure(
    user: User, indicator: Indicator, reach_: Reach, period: Period, *, dimensions: Iterable[str] | None = None
) -> Figure:
    """The indicator's figure for the viewer's reach and period, with the disaggregations asked for (all it has
    by default)."""
    scope = reach_.scope(period.start, period.end)
    value = value_of(user, indicator, scope)
    result = Figure(indicator, value)
    if indicator.records is None:
        return result
    assert isinstance(value, int)
    if reach_.suppressed and suppression.small(value):
        result.mark = suppression.PRIMARY
    wanted = (
        indicator.disaggregations if dimensions is None else [d for d in dimensions if d in indicator.disaggregations]
    )
    result.tables = [table(indicator, scope, d, suppress=reach_.suppressed, figure=value) for d in wanted]
    return result


def dashboard_figures(user: User, reach_: Reach, period: Period) -> list[Figure]:
    """Every declared indicator's headline figure (no disaggregation)."""
    return [figure(user, indicator, reach_, period, dimensions=()) for indicator in declared.indicators()]


# ---------------------------------------------------------------- targets and progress
@dataclass
class Progress:
    target: Target
    indicator: Indicator | None  # None: no app declares the target's indicator yet
    achieved: Decimal | int | None
    mark: str | None
    period_value: Decimal | None = None  # the target for the period shown, when one is set (PeriodTarget)

    @property
    def goal(self) -> Decimal:
        """What the achievement is measured against: the period's target, else the life-of-programme target."""
        return self.target.value if self.period_value is None else self.period_value

    @property
    def percent(self) -> Decimal | None:
        """Achieved ÷ target × 100 (None: no figure, a hidden one, or a target of zero)."""
        if self.achieved is None or self.mark or not self.goal:
            return None
        return (Decimal(self.achieved) * 100 / self.goal).quantize(Decimal(1), rounding=ROUND_HALF_UP)

    @property
    def achieved_shown(self) -> str:
        if self.achieved is None:
            return "—"
        if self.mark:
            return self.mark
        return str(Decimal(self.achieved).normalize() if isinstance(self.achieved, Decimal) else self.achieved)


def targets(user: User, reach_: Reach) -> QuerySet[Target]:
    """The programme's targets the viewer follows: all of them for the consortium's leads, else those of their
    organisation's sub-grants."""
    assert reach_.programme is not None
    qs = access.visible(user, Target.objects.filter(programme=reach_.programme)).select_related(
        "subgrant__organisation", "province"
    )
    if not reach_.consortium:
        qs = qs.filter(subgrant__organisation_id__in=reach_.organisations)
    return qs.order_by("subgrant__reference", "indicator", "pk")


def progress(user: User, reach_: Reach, period: Period) -> list[Progress]:
    """Each target with what the records (or the figures entered by hand) say was achieved in the period."""
    assert reach_.programme is not None
    result = []
    followed = list(targets(user, reach_))
    per_period = (
        dict(PeriodTarget.objects.filter(target__in=followed, period=period.key).values_list("target_id", "value"))
        if period.key
        else {}
    )
    for target in followed:
        indicator = declared.indicator_for(target.indicator)
        if indicator is None:
            result.append(Progress(target, None, None, None, per_period.get(target.pk)))
            continue
        organisations = (
            frozenset({target.subgrant.organisation_id}) if target.subgrant_id else reach_.organisations  # type: ignore[union-attr]
        )
        scope = Scope(organisations, frozenset({reach_.programme.pk}), period.start, period.end)
        if indicator.records is not None and target.province_id and indicator.records.province:
            rows_in_province = rows(indicator, scope).filter(**{indicator.records.province: target.province_id})
            achieved: Decimal | int | None = rows_in_province.aggregate(n=measure(indicator))["n"]
        else:
            achieved = value_of(user, indicator, scope)
        mark = None
        if (
            indicator.kind != "computed"
            and reach_.suppressed
            and achieved is not None
            and 0 < achieved < suppression.SMALL
        ):
            mark = suppression.PRIMARY
        result.append(Progress(target, indicator, achieved, mark, per_period.get(target.pk)))
    return result


def programme_targets(user: User, programme: Programme) -> QuerySet[Target]:
    """The programme's targets as far as core.access lets the viewer see them (for the period-target form)."""
    return access.visible(user, Target.objects.filter(programme=programme))


def period_targets(user: User, programme: Programme) -> tuple[list[Target], dict[int, dict[str, Decimal]]]:
    """The programme's targets (for its managing organisation's officers) and the values set for each period."""
    access.require(user, Capability.MANAGE_PROGRAMMES)
    found = list(
        access.visible(user, Target.objects.filter(programme=programme))
        .select_related("subgrant")
        .order_by("subgrant__reference", "indicator", "pk")
    )
    values: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for target_id, key, value in PeriodTarget.objects.filter(target__in=found).values_list(
        "target_id", "period", "value"
    ):
        values[target_id][key] = value
    return found, dict(values)


# ---------------------------------------------------------------- drill-down
def cell_filter(indicator: Indicator, dimension: str, key: str, scope: Scope) -> Q:
    """The rows of one cell of a disaggregation."""
    spec = indicator.records
    assert spec is not None
    path = spec.path(dimension)
    if path is None:
        return Q(pk__in=[])
    if dimension == Dimension.AGE_GROUP:
        on = _reference_day(scope)
        if key == AGE_UNKNOWN:
            return Q(**{f"{path}__isnull": True}) | Q(**{f"{path}__gt": on.year})
        for first, last, code in AGE_GROUPS:
            if code == key:
                condition = Q(**{f"{path}__lte": on.year - first})
                if last is not None:
                    condition &= Q(**{f"{path}__gte": on.year - last})
                return condition
        return Q(pk__in=[])
    if dimension == Dimension.PERIOD:
        try:
            start, end = quarter_bounds(key)
        except (ValueError, IndexError):
            return Q(pk__in=[])
        return Q(**{f"{path}__gte": start, f"{path}__lte": end})
    if key == "":
        return Q(**{f"{path}__isnull": True})
    return Q(**{path: key})


@dataclass
class Drilldown:
    """The rows behind a figure that the viewer may open, and how many the figure counted."""

    rows: list[Any]
    counted: int
    allowed: bool  # False: the viewer sees aggregates only (no row is listed)


def drilldown(
    user: User, indicator: Indicator, reach_: Reach, period: Period, dimension: str = "", key: str = ""
) -> Drilldown:
    """The records behind a figure (or one cell of it), as far as core.access lets the viewer open them. A viewer
    who sees aggregates only — or a hidden small cell — gets no row: a list of a handful of records would say
    who they are."""
    scope = reach_.scope(period.start, period.end)
    if indicator.manual:
        qs: QuerySet[Any] = manual_values(indicator, scope).select_related("organisation", "subgrant")
        counted = qs.count()
        if not reach_.records:
            return Drilldown([], counted, allowed=False)
        return Drilldown(list(access.visible(user, qs)[:200]), counted, allowed=True)
    if indicator.records is None:
        return Drilldown([], 0, allowed=False)
    qs = rows(indicator, scope)
    if dimension:
        qs = qs.filter(cell_filter(indicator, dimension, key, scope))
    counted = qs.aggregate(n=measure(indicator))["n"] or 0
    if not reach_.records or (reach_.suppressed and suppression.small(counted)):
        return Drilldown([], counted, allowed=False)
    visible = access.visible(user, qs.order_by("-pk"))
    return Drilldown(list(visible[:200]), counted, allowed=True)


def row_date(indicator: Indicator, row: Any) -> Any:
    """The day a drill-down row counts on (following the declared path)."""
    if indicator.records is None:
        return getattr(row, "period_end", None)
    value: Any = row
    for part in indicator.records.date.split("__"):
        if part == "date" and isinstance(value, dt.datetime):
            value = timezone.localtime(value).date()
            continue
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


# ---------------------------------------------------------------- the donor report's narrative and case studies
@dataclass(frozen=True)
class Section:
    """A written section of the donor report: its latest version (None: not written yet) and the earlier ones."""

    key: str
    label: str
    current: Narrative | None
    earlier: list[Narrative]

    @property
    def text(self) -> str:
        return self.current.text if self.current else ""

    @property
    def version(self) -> int:
        return self.current.version if self.current else 0


def narrative(user: User, programme: Programme, period: Period, *, history: bool = False) -> list[Section]:
    """The donor report's written sections of the programme for the period, in report order. Read by whoever may
    see the programme's aggregates (the programme itself fetched through core.access by the caller): the text is
    written for the donor. `history` adds every earlier version (for the writers' page)."""
    access.require(user, Capability.VIEW_AGGREGATES)
    versions: dict[str, list[Narrative]] = defaultdict(list)
    # A handful of sections with a few versions each: read them all, the latest first.
    qs = Narrative.objects.filter(programme=programme, period=period.key).select_related("written_by")
    for row in qs.order_by("section", "-version"):
        versions[row.section].append(row)
    sections = []
    for key, label in NarrativeSection.choices:
        found = versions.get(key, [])
        sections.append(Section(key, str(label), found[0] if found else None, found[1:] if history else []))
    return sections


def may_write_narrative(user: User, programme: Programme) -> bool:
    """The viewer writes the programme's report narrative: an officer of the organisation that manages it."""
    from karpear.monitoring.declarations import MonitoringCapability

    membership = access.membership_for(user)
    return (
        membership is not None
        and programme.organisation_id == membership.organisation_id
        and access.has_capability(user, MonitoringCapability.WRITE_NARRATIVE)
    )


def case_studies(user: User, reach_: Reach, period: Period) -> list[Any]:
    """The case studies a donor report carries: justice's anonymised write-ups whose client's consent to donor
    reports is recorded and not withdrawn (justice's selectors decide which), of the organisations the report
    counts, consented to by the end of the period."""
    from karpear.justice import selectors as justice

    rows = justice.case_studies_for_programme_report(user=user, organisations=reach_.organisations)
    if period.end is not None:
        rows = rows.filter(consent_on__lte=period.end)
    return list(rows[:50])
