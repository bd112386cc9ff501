"""The engine: golden numbers of counted indicators and their disaggregations, who counts what, suppression for
aggregates-only viewers, targets and progress, and the drill-down within core.access."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from conftest import make_user
from karpear.core import indicators as declared
from karpear.core.indicators import Dimension, Indicator, Records, Scope, age_group
from karpear.core.models import AuditEvent, SubGrant
from karpear.core.roles import Role
from karpear.core.tests.factories import this_year
from karpear.monitoring import selectors, services
from karpear.monitoring.models import ManualValue
from karpear.monitoring.tests.factories import OTHER_COMMUNE, Consortium, consortium, people, target

pytestmark = pytest.mark.django_db

PEOPLE = declared.indicator_for("people_registered")


@pytest.fixture
def c() -> Consortium:
    return consortium()


def _year() -> selectors.Period:
    return selectors.parse_period(str(this_year()))


def _cells(table: selectors.Table) -> dict[str, str]:
    return {cell.key: cell.shown for cell in table.cells}


def test_age_groups_are_counted_to_a_year_on_the_last_day() -> None:
    on = dt.date(2026, 6, 30)
    assert [age_group(year, on) for year in (2009, 2008, 2002, 2001, 1967, 1966, None, 2027)] == [
        "0-17",
        "18-24",
        "18-24",
        "25-59",
        "25-59",
        "60+",
        "unknown",
        "unknown",
    ]


def test_periods_parse_and_bound_quarters() -> None:
    q = selectors.parse_period("2026-q4")
    assert (q.start, q.end, q.key) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31), "2026-Q4")
    assert selectors.quarter_bounds("2026-Q1") == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert selectors.parse_period("last week").key == ""  # anything else: all periods


def test_people_registered_golden_numbers_by_sex_age_and_province(c: Consortium) -> None:
    year = this_year()
    people(c.caseworker, [("female", year - 10), ("female", year - 20), ("female", year - 30), ("male", year - 30)])
    people(c.caseworker, [("male", year - 70), ("female", year - 40)], commune=OTHER_COMMUNE)
    people(c.partner_caseworker, [("female", year - 30)] * 7)
    reach = selectors.reach(c.me)  # the prime's own records
    figure = selectors.figure(c.me, PEOPLE, reach, _year())
    tables = {table.dimension: table for table in figure.tables}
    assert figure.value == 6 and not reach.suppressed
    assert _cells(tables[Dimension.SEX]) == {"female": "4", "male": "2"}
    assert _cells(tables[Dimension.AGE_GROUP]) == {"0-17": "1", "18-24": "1", "25-59": "3", "60+": "1"}
    assert _cells(tables[Dimension.PROVINCE]) == {"20": "6"}  # both communes are in Svay Rieng
    assert _cells(tables[Dimension.ORGANISATION]) == {str(c.prime.pk): "6"}
    assert _cells(tables[Dimension.PERIOD]) == {selectors.quarter_of(timezone.localdate()): "6"}
    # A period with nothing recorded: zero, not an error.
    assert selectors.figure(c.me, PEOPLE, reach, selectors.parse_period("2001")).value == 0


def test_the_programme_manager_counts_the_consortium_with_small_cells_hidden(c: Consortium) -> None:
    year = this_year()
    people(c.caseworker, [("female", year - 30)] * 6 + [("male", year - 30)] * 2)
    people(c.partner_caseworker, [("female", year - 30)] * 7)
    outsider = make_user(c.outsider, Role.CASEWORKER)  # takes no part: its records never count
    people(outsider, [("male", year - 30)] * 9)
    reach = selectors.reach(c.manager, c.programme)
    assert reach.consortium and reach.suppressed and not reach.records
    figure = selectors.figure(c.manager, PEOPLE, reach, _year())
    assert figure.value == 15
    sex = {table.dimension: table for table in figure.tables}[Dimension.SEX]
    # 2 men: "<5"; the 13 women must then be hidden too, or 15 - 13 would give the men away.
    assert _cells(sex) == {"female": "x", "male": "<5"} and sex.total_shown == "15"
    by_org = {table.dimension: table for table in figure.tables}[Dimension.ORGANISATION]
    assert _cells(by_org) == {str(c.prime.pk): "8", str(c.partner.pk): "7"}


def test_a_sub_grantee_counts_its_own_records_only(c: Consortium) -> None:
    people(c.caseworker, [("female", 1990)] * 3)
    people(c.partner_caseworker, [("female", 1990)] * 2)
    reach = selectors.reach(c.partner_me, c.programme)
    assert reach.organisations == frozenset({c.partner.pk}) and not reach.consortium
    assert selectors.figure(c.partner_me, PEOPLE, reach, _year()).value == 2


def test_reach_needs_view_aggregates_and_says_nothing_to_a_caseworker(c: Consortium) -> None:
    with pytest.raises(PermissionDenied):
        selectors.reach(c.caseworker)


def test_progress_against_targets_with_percent_achieved(c: Consortium) -> None:
    people(c.partner_caseworker, [("female", 1990)] * 6)
    target(c, "people_registered", 24, subgrant=c.subgrant)
    target(c, "research_and_case_studies_published", 1500)
    target(c, "not_declared_anywhere", 10)
    target(c, "households_registered", 0)
    services.manual_value_record(
        actor=c.me,
        indicator="research_and_case_studies_published",
        programme=c.programme,
        subgrant=None,
        period_start=dt.date(this_year(), 1, 1),
        period_end=dt.date(this_year(), 3, 31),
        value=Decimal(600),
        source="Head count",
    )
    rows = {
        row.target.indicator: row
        for row in selectors.progress(c.manager, selectors.reach(c.manager, c.programme), _year())
    }
    assert (rows["people_registered"].achieved, rows["people_registered"].percent) == (6, Decimal(25))
    assert (
        rows["research_and_case_studies_published"].achieved,
        rows["research_and_case_studies_published"].percent,
    ) == (Decimal(600), Decimal(40))
    assert rows["not_declared_anywhere"].indicator is None and rows["not_declared_anywhere"].achieved_shown == "—"
    assert rows["households_registered"].percent is None  # a target of zero: no percent, no error
    # The partner follows its own sub-grant's targets only.
    partner_rows = selectors.progress(c.partner_me, selectors.reach(c.partner_me, c.programme), _year())
    assert [row.target.indicator for row in partner_rows] == ["people_registered"]


def test_a_small_achievement_is_hidden_from_the_programme_manager(c: Consortium) -> None:
    people(c.partner_caseworker, [("female", 1990)] * 3)
    target(c, "people_registered", 24, subgrant=c.subgrant)
    [row] = selectors.progress(c.manager, selectors.reach(c.manager, c.programme), _year())
    assert row.achieved_shown == "<5" and row.percent is None
    [own] = selectors.progress(c.partner_me, selectors.reach(c.partner_me, c.programme), _year())
    assert own.achieved_shown == "3" and own.percent == Decimal(13)


def test_drilldown_lists_only_what_access_lets_the_viewer_open(c: Consortium) -> None:
    people(c.caseworker, [("female", 1990)] * 3 + [("male", 1990)] * 6)
    me_reach = selectors.reach(c.me)
    found = selectors.drilldown(c.me, PEOPLE, me_reach, _year(), Dimension.SEX, "male")
    assert found.allowed and found.counted == 6 and {p.sex for p in found.rows} == {"male"} and len(found.rows) == 6
    # The programme manager counts them but opens none.
    pm = selectors.drilldown(c.manager, PEOPLE, selectors.reach(c.manager, c.programme), _year(), Dimension.SEX, "male")
    assert not pm.allowed and pm.rows == [] and pm.counted == 6
    # The M&E officer looking at the consortium cannot open a small cell either.
    small = selectors.drilldown(c.me, PEOPLE, selectors.reach(c.me, c.programme), _year(), Dimension.SEX, "female")
    assert not small.allowed and small.rows == []


def test_a_counted_indicator_can_be_declared_with_a_programme_path(c: Consortium) -> None:
    """The sample declaration core documents: sub-grants counted by programme and period."""
    indicator = Indicator(
        code="test_subgrants",
        name="Sub-grants",
        definition="Sub-grants starting in the period.",
        unit="count",
        app_label="tests",
        records=Records(queryset=lambda: SubGrant.objects.all(), date="start_date", programme="programme"),
    )
    scope = Scope(None, frozenset({c.programme.pk}), dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert selectors.total(indicator, scope) == 1
    assert selectors.counts(indicator, scope, Dimension.PROGRAMME) == {str(c.programme.pk): 1}
    assert selectors.counts(indicator, scope, Dimension.PERIOD) == {"2024-Q1": 1}
    assert selectors.counts(indicator, scope, Dimension.SEX) == {}


# ---------------------------------------------------------------- figures entered by hand
def _enter(c: Consortium, actor: Any, **fields: Any) -> ManualValue:
    data: dict[str, Any] = {
        "indicator": "research_and_case_studies_published",
        "programme": c.programme,
        "subgrant": None,
        "period_start": dt.date(2026, 1, 1),
        "period_end": dt.date(2026, 3, 31),
        "value": Decimal(120),
        "source": "Head count",
    }
    data.update(fields)
    return services.manual_value_record(actor=actor, **data)


def test_a_manual_figure_is_saved_audited_and_counted_as_entered_by_hand(c: Consortium) -> None:
    entry = _enter(c, c.partner_me, subgrant=c.subgrant)
    assert entry.organisation == c.partner and entry.entered_by == c.partner_me
    assert AuditEvent.objects.filter(action="create", actor=c.partner_me).count() == 1
    indicator = declared.indicator_for("research_and_case_studies_published")
    figure = selectors.figure(
        c.manager, indicator, selectors.reach(c.manager, c.programme), selectors.parse_period("2026")
    )
    assert figure.value == Decimal(120) and indicator.manual


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"indicator": "people_registered"}, "indicator"),  # counted from the records: never typed in
        ({"period_end": dt.date(2025, 12, 31)}, "period_end"),
        ({"source": "  "}, "source"),
    ],
)
def test_bad_manual_figures_are_refused_next_to_the_field(c: Consortium, fields: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        _enter(c, c.me, **fields)
    assert field in excinfo.value.message_dict
    assert not ManualValue.objects.exists()


def test_overlapping_periods_and_outsiders_are_refused(c: Consortium) -> None:
    _enter(c, c.me)
    with pytest.raises(ValidationError) as excinfo:
        _enter(c, c.me, period_start=dt.date(2026, 3, 1), period_end=dt.date(2026, 4, 30))
    assert "period_start" in excinfo.value.message_dict
    outsider_me = make_user(c.outsider, Role.ME_OFFICER)
    with pytest.raises(ValidationError):
        _enter(c, outsider_me, period_start=dt.date(2026, 7, 1), period_end=dt.date(2026, 9, 30))
    assert ManualValue.objects.count() == 1


def test_a_role_without_the_capability_enters_nothing(c: Consortium) -> None:
    with pytest.raises(PermissionDenied):
        _enter(c, c.manager)
    assert not ManualValue.objects.exists()
