"""Indicators: what each app tells monitoring it may count (DESIGN §3, issue 15).

An app declares its indicators in its own `indicators.py`, at import, with `declare(Indicator(...))`; the
monitoring app collects them (`discover()` imports every installed app's `indicators` module) and computes
them. Core only holds the declaration type and the table, so an app needs nothing of monitoring to declare,
and core names no app.

An indicator is one of three kinds:

- **counted** (`records=Records(...)`): the engine counts rows — the queryset of every row that counts, and the
  field paths of the date it counts on, its organisation, programme, province and person. The disaggregations
  follow from the paths given (sex and age group from the person, province, organisation, programme, period).
  With `summed="field"` it adds up a whole-number field of the rows instead (people at events recorded as a
  head count per event), with the same disaggregations.
- **computed** (`compute=`): a figure the engine cannot count row by row (a ratio, an amount), computed by the
  app from the records as `compute(user, scope)`; not disaggregated. Several computed indicators that start from
  the same sums (the SAVIX ratios of a ledger) get them through `shared(key, ...)`: the engine opens
  `computing()` around one page, report or API answer, and within it each key is computed once.
- **manual** (`manual=True`): what no record holds (people at an event); a person enters the figure, and it is
  shown marked as entered by hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from karpear.core.models import User

type Label = str | Promise


class Dimension(StrEnum):
    """What a counted figure may be broken down by."""

    SEX = "sex"
    AGE_GROUP = "age_group"
    PROVINCE = "province"
    ORGANISATION = "organisation"
    PROGRAMME = "programme"
    PERIOD = "period"


DIMENSION_LABELS: dict[str, Label] = {
    Dimension.SEX: _("Sex"),
    Dimension.AGE_GROUP: _("Age group"),
    Dimension.PROVINCE: _("Province"),
    Dimension.ORGANISATION: _("Organisation"),
    Dimension.PROGRAMME: _("Programme"),
    Dimension.PERIOD: _("Quarter"),
}

# Completed years (from the birth year) on the last day counted: (first age, last age or None, code).
AGE_GROUPS: tuple[tuple[int, int | None, str], ...] = (
    (0, 17, "0-17"),
    (18, 24, "18-24"),
    (25, 59, "25-59"),
    (60, None, "60+"),
)
AGE_UNKNOWN = "unknown"


def age_group(birth_year: int | None, on: dt.date) -> str:
    """The age group of someone born in `birth_year`, on `on` (to a year: the age reached that year)."""
    if birth_year is None or birth_year > on.year:
        return AGE_UNKNOWN
    age = on.year - birth_year
    for first, last, code in AGE_GROUPS:
        if age >= first and (last is None or age <= last):
            return code
    return AGE_UNKNOWN  # pragma: no cover (the last group is open)


SELF = "self"  # Records.person when the rows counted are core.Person rows themselves


@dataclass(frozen=True)
class Records:
    """How a counted indicator finds its rows. `queryset()` returns every row that counts, of every
    organisation (monitoring narrows it to what the viewer may count); the rest are field paths on those rows.
    `distinct` is what one unit is (e.g. "person" to count people once however many rows they have); `summed`, a
    whole-number field whose values are added up instead of counting units (e.g. "participants")."""

    queryset: Callable[[], QuerySet[Any]]
    date: str
    distinct: str = "pk"
    organisation: str = "organisation"
    programme: str | None = None
    province: str | None = None
    person: str | None = None  # the path to core.Person (SELF: the rows are people): sex and age group
    summed: str | None = None  # a whole-number field added up (SUM) instead of counting units

    def path(self, dimension: str) -> str | None:
        """The field path the engine groups by for `dimension` (None: this indicator cannot say)."""
        person = None if self.person is None else "" if self.person == SELF else f"{self.person}__"
        return {
            Dimension.SEX: f"{person}sex" if person is not None else None,
            Dimension.AGE_GROUP: f"{person}birth_year" if person is not None else None,
            Dimension.PROVINCE: self.province,
            Dimension.ORGANISATION: self.organisation,
            Dimension.PROGRAMME: self.programme,
            Dimension.PERIOD: self.date,
        }[Dimension(dimension)]


@dataclass(frozen=True)
class Scope:
    """What a computed indicator is asked about: rows of these organisations (None: any) and programmes (None:
    any), dated from `start` to `end` (inclusive; None: open)."""

    organisations: frozenset[int] | None
    programmes: frozenset[int] | None
    start: dt.date | None
    end: dt.date | None


@dataclass(frozen=True)
class Indicator:
    code: str  # a slug; a programme target names it in `Target.indicator`
    name: Label
    definition: Label  # how it is counted, shown beside every figure
    unit: str  # one of core.models.Target.Unit, or free text
    app_label: str
    records: Records | None = None
    compute: Callable[[User, Scope], Decimal | None] | None = None
    manual: bool = False
    # The URL name of the page of one counted row (taking `uuid`), for the drill-down list; None: no page.
    drilldown: str | None = None

    def __post_init__(self) -> None:
        kinds = [self.records is not None, self.compute is not None, self.manual]
        if sum(kinds) != 1:
            raise ImproperlyConfigured(
                f"indicator {self.code!r}: give exactly one of records=, compute= or manual=True"
            )

    @property
    def kind(self) -> str:
        return "counted" if self.records else "computed" if self.compute else "manual"

    @property
    def disaggregations(self) -> tuple[Dimension, ...]:
        if self.records is None:
            return ()
        return tuple(d for d in Dimension if self.records.path(d) is not None)


_INDICATORS: dict[str, Indicator] = {}


def declare(indicator: Indicator) -> Indicator:
    """Declare an indicator (from the app's indicators.py). A code may be declared once."""
    known = _INDICATORS.get(indicator.code)
    if known is not None and known is not indicator:
        raise ImproperlyConfigured(f"indicator {indicator.code!r} is declared twice")
    _INDICATORS[indicator.code] = indicator
    return indicator


def indicators() -> list[Indicator]:
    return sorted(_INDICATORS.values(), key=lambda indicator: (indicator.app_label, indicator.code))


def indicator_for(code: str) -> Indicator | None:
    return _INDICATORS.get(code)


def discover() -> None:
    """Import every installed app's `indicators` module (what monitoring's ready() calls)."""
    autodiscover_modules("indicators")


# ---------------------------------------------------------------- what computed indicators share
_SHARED: ContextVar[dict[Hashable, Any] | None] = ContextVar("indicators_shared", default=None)


@contextmanager
def computing() -> Iterator[None]:
    """One computation of figures (the engine opens it around a dashboard page, a report, an API answer, a run of
    the worker): within it `shared` computes each key once. Nothing outlives the block, so no figure is read
    stale from it; a nested block uses the outer one's."""
    if _SHARED.get() is not None:
        yield
        return
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def shared[T](key: Hashable, compute: Callable[[], T]) -> T:
    """What several computed indicators start from (the sums a set of ratios divide), computed once within the
    engine's `computing()` block and kept under `key` — which must name everything the result depends on: the
    app's name for it, the viewer and the scope. Outside a block, computed at each call."""
    memo = _SHARED.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return cast(T, memo[key])  # stored by the call that computed it under this key


def forget(code: str) -> None:  # pragma: no cover (tests that declare throw-away indicators)
    _INDICATORS.pop(code, None)
