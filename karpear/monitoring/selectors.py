"""Reads of monitoring: who may count what (`reach`), the figures of an indicator with its disaggregations,
progress against the programme's targets, and the records behind a figure (drill-down).

Counting is not seeing. A programme manager (aggregates only) counts every organisation of the programmes their
organisation funds or manages, and sees no record; an M&E officer counts their own organisation's records and
may open those `core.access.visible` gives them. Figures of a viewer who cannot open them — aggregates-only
roles, and anyone looking at the whole consortium — are small-cell suppressed (`suppression`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connections, transaction
from django.db.models import Aggregate, Case, CharField, Count, DateField, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, TruncQuarter
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from karpear.core import access
from karpear.core import indicators as declared
from karpear.core.indicators import AGE_GROUPS, AGE_UNKNOWN, Dimension, Indicator, Scope, age_group
from karpear.core.models import Organisation, Person, Programme, Province, SubGrant, Target, User
from karpear.core.roles import Capability
from karpear.core.roles import Scope as RoleScope
from karpear.monitoring import suppression
from karpear.monitoring.models import ManualValue, Narrative, NarrativeSection, PeriodTarget, Summary


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
        return raw if isinstance(raw, str) else age_group(raw, on)
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


# ---------------------------------------------------------------- computed once per request
_MEMO: ContextVar[dict[Any, Any] | None] = ContextVar("monitoring_memo", default=None)


# What a request does with the figures kept (models.Summary): ANY reads one whatever its age (a dashboard, which
# says when it was counted and has the worker count it again), FRESH only one younger than the maximum age (a
# donor report); either way a figure counted in the request is kept.
ANY, FRESH = "any", "fresh"
_KEPT, _AS_OF, _STALE, _ROWS = "_kept", "_as_of", "_stale", "_rows"


@contextmanager
def request_memo(kept: str | None = None) -> Iterator[None]:
    """Within this block (one dashboard page, one report, one API answer) each figure is computed once: an
    indicator's total, its disaggregations and a computed indicator's value are kept by indicator and scope, and
    asked again they are read from here; what several computed indicators start from (an app's `shared` sums:
    livelihoods' SAVIX facts) is computed once for all of them (core's `indicators.computing`). Nothing of it
    outlives the block. With `kept` (ANY or FRESH) the counted figures are also read from and written to the
    figures kept between requests (models.Summary)."""
    if _MEMO.get() is not None:  # nested: the outer block's memo serves
        yield
        return
    memo: dict[Any, Any] = {_KEPT: kept, _STALE: set()}
    token = _MEMO.set(memo)
    try:
        with declared.computing():
            yield
    finally:
        _MEMO.reset(token)
        if memo[_STALE]:
            _ask_refresh(sorted(memo[_STALE]))


def as_of() -> dt.datetime | None:
    """When the oldest figure this request showed was counted (None: every one counted now, or no memo)."""
    memo = _MEMO.get()
    return None if memo is None else memo.get(_AS_OF)


def _memoised(key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    memo = _MEMO.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


@dataclass(frozen=True)
class Breakdown:
    """A counted indicator's total in a scope and its counts by each dimension asked for (age groups and quarters
    bucketed; each unit once per cell)."""

    total: int
    counts: dict[str, dict[str, int]]


def _age_case(path: str, on: dt.date) -> Case:
    """The age group of a birth year on `on`, in SQL (as `age_group` in Python)."""
    whens = [
        When(**{f"{path}__isnull": True}, then=Value(AGE_UNKNOWN)),
        When(**{f"{path}__gt": on.year}, then=Value(AGE_UNKNOWN)),
    ]
    for first, last, code in AGE_GROUPS:
        condition = Q(**{f"{path}__lte": on.year - first})
        if last is not None:
            condition &= Q(**{f"{path}__gte": on.year - last})
        whens.append(When(condition, then=Value(code)))
    return Case(*whens, default=Value(AGE_UNKNOWN), output_field=CharField())


def _group_by(indicator: Indicator, scope: Scope, dimensions: Iterable[str]) -> dict[str, Any]:
    """The SQL expression each dimension is grouped by (named `d_<dimension>`)."""
    spec = indicator.records
    assert spec is not None
    on = _reference_day(scope)
    expressions: dict[str, Any] = {}
    for dimension in dimensions:
        path = spec.path(dimension)
        assert path is not None
        if dimension == Dimension.AGE_GROUP:
            expressions[f"d_{dimension}"] = _age_case(path, on)
        elif dimension == Dimension.PERIOD:
            expressions[f"d_{dimension}"] = TruncQuarter(F(path), output_field=DateField())
        else:
            expressions[f"d_{dimension}"] = F(path)
    return expressions


def _compute_breakdown(indicator: Indicator, scope: Scope, dimensions: tuple[str, ...]) -> Breakdown:
    """One query, whatever the number of dimensions. Rows counted once each (`distinct="pk"`) or a summed field
    add up across cells, so one GROUP BY over every dimension at once gives each dimension's counts and the total
    by adding up. Units counted once each (a person in several groups) do not add up: on PostgreSQL one query
    with GROUPING SETS counts them per dimension; elsewhere (SQLite, a small deployment) one query per
    dimension."""
    spec = indicator.records
    assert spec is not None
    on = _reference_day(scope)
    qs = rows(indicator, scope)
    if not dimensions:
        return Breakdown(int(qs.aggregate(n=measure(indicator))["n"] or 0), {})
    expressions = _group_by(indicator, scope, dimensions)
    counts: dict[str, dict[str, int]] = {dimension: defaultdict(int) for dimension in dimensions}
    if spec.summed or spec.distinct == "pk":
        # The declared paths follow foreign keys forward, so a row is one row of the result: COUNT(*) is its units.
        amount: Aggregate | Coalesce = Coalesce(Sum(spec.summed), Value(0)) if spec.summed else Count("pk")
        whole = 0
        grouped = qs.annotate(**expressions).values(*expressions).annotate(n=amount).order_by()
        for row in grouped.values_list(*expressions, "n"):
            n = int(row[-1])
            whole += n
            for dimension, raw in zip(dimensions, row, strict=False):
                counts[dimension][_bucket(dimension, raw, on)] += n
        return Breakdown(whole, {dimension: dict(found) for dimension, found in counts.items()})
    connection = connections[qs.db]
    if connection.vendor == "postgresql":
        inner = qs.annotate(**expressions).values(*expressions, d_unit=F(spec.distinct)).order_by()
        sql, params = inner.query.sql_with_params()
        quote = connection.ops.quote_name
        columns = [quote(name) for name in expressions]
        sets = ", ".join(f"({column})" for column in columns)
        select = ", ".join([*columns, *(f"GROUPING({column})" for column in columns), "COUNT(DISTINCT d_unit)"])
        # Only our own column names and Django's compiled inner query (its values still parameters) go in.
        statement = f"SELECT {select} FROM ({sql}) grouped GROUP BY GROUPING SETS ({sets}, ())"  # noqa: S608
        whole = 0
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            for row in cursor.fetchall():
                values, grouping, n = row[: len(columns)], row[len(columns) : -1], int(row[-1])
                if all(grouping):
                    whole = n
                    continue
                index = list(grouping).index(0)
                counts[dimensions[index]][_bucket(dimensions[index], values[index], on)] += n
        return Breakdown(whole, {dimension: dict(found) for dimension, found in counts.items()})
    whole = int(qs.aggregate(n=measure(indicator))["n"] or 0)
    for dimension, (name, expression) in zip(dimensions, expressions.items(), strict=True):
        grouped = qs.annotate(**{name: expression}).values(name).annotate(n=measure(indicator)).order_by()
        for raw, n in grouped.values_list(name, "n"):
            counts[dimension][_bucket(dimension, raw, on)] += int(n)
    return Breakdown(whole, {dimension: dict(found) for dimension, found in counts.items()})


def breakdown(indicator: Indicator, scope: Scope, dimensions: Iterable[str] = ()) -> Breakdown:
    """The indicator's total in `scope` and its counts by each of `dimensions` it has, once per request (a
    breakdown already made in this request with more dimensions serves a narrower one), read from the figures
    kept when the request says so (`request_memo(kept=...)`)."""
    spec = indicator.records
    assert spec is not None
    wanted = tuple(d for d in dict.fromkeys(dimensions) if spec.path(d) is not None)
    memo = _MEMO.get()
    if memo is None:
        return _compute_breakdown(indicator, scope, wanted)
    for key, found in memo.items():
        if isinstance(key, tuple) and key[:3] == ("breakdown", indicator.code, scope) and set(wanted) <= set(key[3]):
            return found
    if memo[_KEPT]:
        dims, found = _kept_breakdown(indicator, scope, wanted, memo)
    else:
        dims, found = wanted, _compute_breakdown(indicator, scope, wanted)
    memo[("breakdown", indicator.code, scope, dims)] = found
    return found


# ---------------------------------------------------------------- figures kept between requests
def max_age() -> int:
    """Seconds a kept figure is current (`MONITORING_SUMMARY_MAX_AGE`, default ten minutes)."""
    return int(getattr(settings, "MONITORING_SUMMARY_MAX_AGE", 600))


def _scope_json(scope: Scope) -> dict[str, Any]:
    return {
        "organisations": None if scope.organisations is None else sorted(scope.organisations),
        "programmes": None if scope.programmes is None else sorted(scope.programmes),
        "start": scope.start.isoformat() if scope.start else None,
        "end": scope.end.isoformat() if scope.end else None,
    }


def _scope_from(data: dict[str, Any]) -> Scope:
    def ids(values: list[int] | None) -> frozenset[int] | None:
        return None if values is None else frozenset(values)

    def day(value: str | None) -> dt.date | None:
        return dt.date.fromisoformat(value) if value else None

    return Scope(ids(data["organisations"]), ids(data["programmes"]), day(data["start"]), day(data["end"]))


def _summary_key(indicator: Indicator, scope: Scope, viewer: int | None = None) -> str:
    """What a kept figure counts: the indicator, the scope and the year ages are counted in (and for a computed
    indicator, whose figure is of what the viewer may read, the viewer)."""
    what: list[Any] = [indicator.code, _scope_json(scope), _reference_day(scope).year]
    if viewer is not None:
        what.append(viewer)
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()


def _note_as_of(memo: dict[Any, Any], when: dt.datetime) -> None:
    memo[_AS_OF] = min(when, memo.get(_AS_OF) or when)


def _kept_row(memo: dict[Any, Any], key: str) -> Summary | None:
    rows = memo.setdefault(_ROWS, {})
    if key not in rows:
        rows[key] = Summary.objects.filter(key=key).first()
    return rows[key]


def _usable(memo: dict[Any, Any], row: Summary) -> bool:
    """A kept figure may be shown: whatever its age on a dashboard (the worker asked to count an old one again),
    only younger than the maximum age in a report."""
    age = (timezone.now() - row.computed_at).total_seconds()
    if memo[_KEPT] != ANY and age > max_age():
        return False
    _note_as_of(memo, row.computed_at)
    if age > max_age():
        memo[_STALE].add(row.pk)
    return True


def read_kept(user: User, reach_: Reach, period: Period) -> None:
    """Read in one query the figures kept of every declared indicator in the viewer's reach and period (what a
    dashboard shows), so the page asks the database once instead of once per indicator."""
    memo = _MEMO.get()
    if memo is None or not memo[_KEPT]:
        return
    scope = reach_.scope(period.start, period.end)
    keys = [
        _summary_key(indicator, scope) if indicator.records is not None else _summary_key(indicator, scope, user.pk)
        for indicator in declared.indicators()
        if not indicator.manual
    ]
    found = {row.key: row for row in Summary.objects.filter(key__in=keys)}
    rows = memo.setdefault(_ROWS, {})
    for key in keys:
        rows.setdefault(key, found.get(key))


def _kept_breakdown(
    indicator: Indicator, scope: Scope, wanted: tuple[str, ...], memo: dict[Any, Any]
) -> tuple[tuple[str, ...], Breakdown]:
    key = _summary_key(indicator, scope)
    row = _kept_row(memo, key)
    if row is not None and set(wanted) <= set(row.dimensions) and _usable(memo, row):
        return tuple(row.dimensions), Breakdown(int(row.total), row.counts)
    dims = tuple(dict.fromkeys([*(row.dimensions if row else []), *wanted]))
    now = timezone.now()
    found = _compute_breakdown(indicator, scope, dims)
    memo[_ROWS][key] = _keep(key, indicator, scope, now, dimensions=list(dims), total=found.total, counts=found.counts)
    _note_as_of(memo, now)
    return dims, found


def _kept_value(user: User, indicator: Indicator, scope: Scope, memo: dict[Any, Any]) -> Decimal | None:
    compute = indicator.compute
    assert compute is not None
    key = _summary_key(indicator, scope, user.pk)
    row = _kept_row(memo, key)
    if row is not None and _usable(memo, row):
        return row.value
    now = timezone.now()
    value = compute(user, scope)
    memo[_ROWS][key] = _keep(key, indicator, scope, now, viewer=user, value=value)
    _note_as_of(memo, now)
    return value


def _keep(key: str, indicator: Indicator, scope: Scope, now: dt.datetime, **figure: Any) -> Summary | None:
    values = {
        "indicator": indicator.code,
        "scope": _scope_json(scope),
        "computed_at": now,
        "refresh_asked_at": None,
        **figure,
    }
    try:
        with transaction.atomic():
            return Summary.objects.update_or_create(key=key, defaults=values)[0]
    except IntegrityError:  # another request kept it at the same moment: theirs is as good
        return None


def _ask_refresh(ids: list[int]) -> None:
    """Have the worker count these kept figures again, unless it was asked within the maximum age."""
    from karpear.monitoring.tasks import refresh_summaries_task

    now = timezone.now()
    due = Q(refresh_asked_at__isnull=True) | Q(refresh_asked_at__lt=now - dt.timedelta(seconds=max_age()))
    asked = list(Summary.objects.filter(due, pk__in=ids).values_list("pk", flat=True))
    if asked:
        Summary.objects.filter(pk__in=asked).update(refresh_asked_at=now)
        transaction.on_commit(lambda: refresh_summaries_task.enqueue(summary_ids=asked))


def refresh_summaries(ids: Iterable[int] | None = None) -> int:
    """Count kept figures again (these, or every one older than the maximum age): a counted indicator's over its
    scope, a computed one's as its viewer. A figure of an indicator no longer declared, or of a year gone by for an
    open period, is dropped (the next request counts it anew). Returns how many were counted."""
    now = timezone.now()
    qs = (
        Summary.objects.filter(pk__in=list(ids))
        if ids is not None
        else Summary.objects.filter(computed_at__lt=now - dt.timedelta(seconds=max_age()))
    )
    counted = 0
    with declared.computing():  # a viewer's SAVIX ratios of one scope from one set of facts
        for row in qs.select_related("viewer").iterator():
            counted += _refresh(row)
    return counted


def standing_scopes(today: dt.date | None = None) -> list[Scope]:
    """The scopes whose dashboards the worker keeps counted before anyone opens them (`keep_standing_figures`):
    each programme running or ended within a year, for its whole consortium (the lead's and the donor's
    dashboard) and for each organisation taking part alone (a sub-grantee's); and each active organisation's own
    records (its dashboard) — each over all periods (the page's default), the current year and the current
    quarter."""
    today = today or timezone.localdate()
    periods = [parse_period(""), parse_period(str(today.year)), parse_period(quarter_of(today))]
    groups: list[tuple[frozenset[int], frozenset[int] | None]] = []
    running = Programme.objects.filter(start_date__lte=today, end_date__gte=today - dt.timedelta(days=365))
    for programme in running.order_by("pk"):
        everyone = participants(programme)
        groups += [
            (organisations, frozenset({programme.pk})) for organisations in (everyone, *map(_alone, sorted(everyone)))
        ]
    for organisation in Organisation.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True):
        groups.append((_alone(organisation), None))
    return [Scope(organisations, programmes, p.start, p.end) for organisations, programmes in groups for p in periods]


def _alone(organisation: int) -> frozenset[int]:
    return frozenset({organisation})


def keep_standing_figures(*, budget: float | None = None, today: dt.date | None = None) -> int:
    """Count, ahead of any visit, every counted indicator with all its disaggregations in each standing scope
    (so that whichever breakdown a dashboard, its map, its targets or a report asks for is read from the figure
    kept): those never counted first, then the oldest; a figure younger than the maximum age is left alone. Stops
    starting new counts once `budget` seconds are spent (`MONITORING_KEEP_BUDGET`, default 20), so that the
    worker's other periodic jobs are not held up for long; the next round goes on where this one stopped.
    Returns how many figures were counted."""
    budget = float(getattr(settings, "MONITORING_KEEP_BUDGET", 20)) if budget is None else budget
    counted_indicators = [indicator for indicator in declared.indicators() if indicator.records is not None]
    wanted = {
        _summary_key(indicator, scope): (indicator, scope)
        for scope in standing_scopes(today)
        for indicator in counted_indicators
    }
    keys = list(wanted)
    kept: dict[str, tuple[dt.datetime, set[str]]] = {}
    for start in range(0, len(keys), 500):  # a consortium's thousands of keys, within SQLite's parameter limit
        rows = Summary.objects.filter(key__in=keys[start : start + 500]).values_list("key", "computed_at", "dimensions")
        kept.update({key: (computed_at, set(dimensions)) for key, computed_at, dimensions in rows})
    fresh_from = timezone.now() - dt.timedelta(seconds=max_age())
    due: list[tuple[float, str]] = []
    for key, (indicator, _scope) in wanted.items():
        when, has = kept.get(key, (None, set()))
        if when is not None and when >= fresh_from and set(indicator.disaggregations) <= has:
            continue
        due.append((when.timestamp() if when is not None else float("-inf"), key))
    started, counted = time.monotonic(), 0
    for _when, key in sorted(due):
        if time.monotonic() - started >= budget:
            break
        indicator, scope = wanted[key]
        dimensions = tuple(indicator.disaggregations)
        found = _compute_breakdown(indicator, scope, dimensions)
        _keep(
            key, indicator, scope, timezone.now(), dimensions=list(dimensions), total=found.total, counts=found.counts
        )
        counted += 1
    return counted


def _refresh(row: Summary) -> int:
    """Count one kept figure again (1), or drop it (0), as `refresh_summaries` says."""
    indicator = declared.indicator_for(row.indicator)
    scope = _scope_from(row.scope)
    viewer = row.viewer
    if (
        indicator is None
        or (indicator.records if viewer is None else indicator.compute) is None
        or _summary_key(indicator, scope, None if viewer is None else viewer.pk) != row.key
    ):
        row.delete()
        return 0
    if viewer is not None:
        assert indicator.compute is not None
        _keep(row.key, indicator, scope, timezone.now(), viewer=viewer, value=indicator.compute(viewer, scope))
    else:
        found = _compute_breakdown(indicator, scope, tuple(row.dimensions))
        _keep(row.key, indicator, scope, timezone.now(), total=found.total, counts=found.counts)
    return 1


def total(indicator: Indicator, scope: Scope) -> int:
    return breakdown(indicator, scope).total


def counts(indicator: Indicator, scope: Scope, dimension: str) -> dict[str, int]:
    """The count of each value of `dimension` (age groups and quarters bucketed; each unit once per cell)."""
    spec = indicator.records
    assert spec is not None
    if spec.path(dimension) is None:
        return {}
    found = breakdown(indicator, scope, (dimension,)).counts[dimension]
    return {key: found[key] for key in sorted(found)} if dimension == Dimension.PERIOD else dict(found)


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


def cell_label(dimension: str, key: str) -> str:
    """The name a cell's key stands for (a province's name, an organisation's, a quarter's), else the key."""
    return _labels(dimension, [key]).get(key, key) if dimension else ""


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


def table(
    indicator: Indicator,
    scope: Scope,
    dimension: str,
    *,
    suppress: bool,
    figure: int | None = None,
    values: dict[str, int] | None = None,
) -> Table:
    """A disaggregation of a counted indicator, with its cells hidden as `suppression` says when `suppress`.
    `values` (the dimension's counts) and `figure` (the total) when the caller has them already."""
    values = counts(indicator, scope, dimension) if values is None else values
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
    """The indicator's value in `scope`, once per request (see `request_memo`)."""
    if indicator.records is not None:
        return total(indicator, scope)
    if indicator.manual:
        return _memoised(
            ("manual", indicator.code, scope),
            lambda: manual_values(indicator, scope).aggregate(v=Sum("value"))["v"],
        )
    compute = indicator.compute
    assert compute is not None
    # Computed as the viewer (the app reads what they may read), so kept per viewer.
    memo = _MEMO.get()
    if memo is not None and memo[_KEPT]:
        kept: dict[Any, Any] = memo
        return _memoised(
            ("computed", indicator.code, scope, user.pk), lambda: _kept_value(user, indicator, scope, kept)
        )
    return _memoised(("computed", indicator.code, scope, user.pk), lambda: compute(user, scope))


def figure(
    user: User, indicator: Indicator, reach_: Reach, period: Period, *, dimensions: Iterable[str] | None = None
) -> Figure:
    """The indicator's figure for the viewer's reach and period, with the disaggregations asked for (all it has
    by default): the total and every disaggregation from one breakdown (`breakdown`)."""
    scope = reach_.scope(period.start, period.end)
    if indicator.records is None:
        return Figure(indicator, value_of(user, indicator, scope))
    wanted = (
        indicator.disaggregations if dimensions is None else [d for d in dimensions if d in indicator.disaggregations]
    )
    found = breakdown(indicator, scope, wanted)
    result = Figure(indicator, found.total)
    if reach_.suppressed and suppression.small(found.total):
        result.mark = suppression.PRIMARY
    result.tables = [
        table(indicator, scope, d, suppress=reach_.suppressed, figure=found.total, values=found.counts[d])
        for d in wanted
    ]
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
        whole = reach_.scope(period.start, period.end)
        achieved: Decimal | int | None
        if indicator.records is not None and target.province_id and indicator.records.province:
            by_province = breakdown(indicator, scope, (Dimension.PROVINCE,)).counts[Dimension.PROVINCE]
            achieved = by_province.get(str(target.province_id), 0)
        elif (
            indicator.records is not None and len(organisations) == 1 and organisations < (whole.organisations or set())
        ):
            # A sub-grantee's target: its cell of the reach's breakdown by organisation, one query for every
            # sub-grant's target of this indicator (and none when the dashboard has broken it down already).
            [organisation] = organisations
            by_organisation = breakdown(indicator, whole, (Dimension.ORGANISATION,)).counts[Dimension.ORGANISATION]
            achieved = by_organisation.get(str(organisation), 0)
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
