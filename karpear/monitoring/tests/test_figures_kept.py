"""Figures at scale: a breakdown in one query whatever its dimensions, each figure counted once per request, the
sub-grants' targets read from one breakdown, and the figures kept between requests (shown with the time they were
counted, counted again by the worker when older than the maximum age, never shared beyond the scope they count)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import login, make_org
from karpear.core import indicators as declared
from karpear.core.indicators import Dimension, Indicator, Records, Scope
from karpear.core.models import SubGrant
from karpear.core.tests.factories import this_year
from karpear.monitoring import selectors
from karpear.monitoring.models import Summary
from karpear.monitoring.tests.factories import OTHER_COMMUNE, Consortium, consortium, people, target

pytestmark = pytest.mark.django_db

PEOPLE = declared.indicator_for("people_registered")
assert PEOPLE is not None


@pytest.fixture
def c() -> Consortium:
    made = consortium()
    year = this_year()
    people(made.caseworker, [("female", year - 10), ("female", year - 30), ("male", year - 30)])
    people(made.caseworker, [("male", year - 70)], commune=OTHER_COMMUNE)
    people(made.partner_caseworker, [("female", year - 30)] * 6)
    return made


def _year() -> selectors.Period:
    return selectors.parse_period(str(this_year()))


def _queries(action: Callable[[], Any]) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as captured:
        result = action()
    return len(captured), result


def test_a_breakdown_by_every_dimension_is_one_query_with_the_same_figures(c: Consortium) -> None:
    assert PEOPLE is not None
    scope = _scope(c)
    n, found = _queries(lambda: selectors.breakdown(PEOPLE, scope, PEOPLE.disaggregations))
    assert n == 1
    assert found.total == 10
    assert found.counts[Dimension.SEX] == {"female": 8, "male": 2}
    assert found.counts[Dimension.AGE_GROUP] == {"0-17": 1, "25-59": 8, "60+": 1}
    assert found.counts[Dimension.ORGANISATION] == {str(c.prime.pk): 4, str(c.partner.pk): 6}
    assert found.counts[Dimension.PERIOD] == {selectors.quarter_of(timezone.localdate()): 10}
    # Each dimension alone gives the same cells.
    for dimension in PEOPLE.disaggregations:
        assert selectors.breakdown(PEOPLE, scope, (dimension,)).counts[dimension] == found.counts[dimension]


def _bounds() -> tuple[dt.date, dt.date]:
    period = _year()
    assert period.start and period.end
    return period.start, period.end


def test_units_counted_once_are_counted_once_per_cell_and_once_in_the_total(c: Consortium) -> None:
    """A unit with rows in two cells (one programme, sub-grants of two organisations): once in each organisation's
    cell, once in the total, which is then less than the cells added up."""
    SubGrant.objects.create(
        organisation=c.prime,
        programme=c.programme,
        reference="CTP-SG-02",
        start_date=c.programme.start_date,
        end_date=c.programme.end_date,
    )
    indicator = Indicator(
        code="test_programmes_with_subgrants",
        name="Programmes with sub-grants",
        definition="Programmes with a sub-grant starting in the period.",
        unit="count",
        app_label="tests",
        records=Records(
            queryset=lambda: SubGrant.objects.all(), date="start_date", distinct="programme", programme="programme"
        ),
    )
    scope = Scope(None, None, None, None)
    found = selectors.breakdown(indicator, scope, indicator.disaggregations)
    assert found.total == 1
    assert found.counts[Dimension.ORGANISATION] == {str(c.prime.pk): 1, str(c.partner.pk): 1}
    assert found.counts[Dimension.PROGRAMME] == {str(c.programme.pk): 1}
    assert found.counts[Dimension.PERIOD] == {"2024-Q1": 1}


def test_within_a_request_each_figure_is_counted_once(c: Consortium) -> None:
    assert PEOPLE is not None
    reach, period = selectors.reach(c.manager, c.programme), _year()
    calls: list[Scope] = []

    def compute(user: Any, scope: Scope) -> Decimal:
        calls.append(scope)
        return Decimal(7)

    computed = declared.declare(
        Indicator(
            code="test_computed", name="Computed", definition="-", unit="count", app_label="tests", compute=compute
        )
    )
    try:
        with selectors.request_memo():
            first = selectors.figure(c.manager, PEOPLE, reach, period)
            again, shown = _queries(lambda: selectors.figure(c.manager, PEOPLE, reach, period, dimensions=()))
            headline, _none = _queries(lambda: selectors.total(PEOPLE, reach.scope(period.start, period.end)))
            values = [selectors.figure(c.manager, computed, reach, period).value for _ in range(3)]
        assert (again, headline) == (0, 0) and shown.value == first.value == 10
        assert values == [Decimal(7)] * 3 and len(calls) == 1
        # Outside a request's block nothing is kept: counted again.
        assert _queries(lambda: selectors.total(PEOPLE, reach.scope(period.start, period.end)))[0] == 1
    finally:
        declared.forget("test_computed")


def test_the_sub_grants_targets_of_an_indicator_read_one_breakdown(c: Consortium) -> None:
    other = make_org("third")
    second = SubGrant.objects.create(
        organisation=other,
        programme=c.programme,
        reference="CTP-SG-03",
        start_date=c.programme.start_date,
        end_date=c.programme.end_date,
    )
    target(c, "people_registered", 12, subgrant=c.subgrant)
    target(c, "people_registered", 10, subgrant=second)
    target(c, "people_registered", 40)
    reach = selectors.reach(c.manager, c.programme)
    with selectors.request_memo():
        n, rows = _queries(lambda: selectors.progress(c.manager, reach, _year()))
    achieved = {
        (row.target.subgrant.reference if row.target.subgrant else ""): (row.achieved, row.percent) for row in rows
    }
    assert achieved == {"CTP-SG-01": (6, Decimal(50)), "CTP-SG-03": (0, Decimal(0)), "": (10, Decimal(25))}
    # The targets, the period targets, then one breakdown by organisation that also gives the total.
    assert n <= 4


def test_the_dashboard_keeps_its_figures_says_when_they_were_counted_and_the_worker_counts_them_again(
    client: Client, c: Consortium, django_capture_on_commit_callbacks: Any
) -> None:
    login(client, c.manager)
    url = reverse("monitoring:programme", args=[c.programme.uuid])
    target(c, "people_registered", 40)
    first = client.get(url, {"period": str(this_year())}).content.decode()
    assert "25%" in first and 'class="muted as-of"' in first  # 10 of 40
    assert first.count('<td class="num" data-label=') == 2  # the progress table stacks on a phone
    kept = Summary.objects.get(key=selectors._summary_key(PEOPLE, _scope(c)))  # type: ignore[arg-type]
    assert kept.total == 10
    # A record added after: the figure kept (younger than the maximum age) is shown, and not counted again.
    people(c.caseworker, [("female", 1990)] * 10)
    assert "25%" in client.get(url, {"period": str(this_year())}).content.decode()
    # Older than the maximum age: still shown, and the worker is asked to count it again.
    Summary.objects.update(computed_at=timezone.now() - dt.timedelta(seconds=selectors.max_age() + 60))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        stale = client.get(url, {"period": str(this_year())}).content.decode()
    assert "25%" in stale and callbacks
    kept.refresh_from_db()
    assert kept.total == 20 and kept.refresh_asked_at is None
    assert "50%" in client.get(url, {"period": str(this_year())}).content.decode()


def _scope(c: Consortium) -> Scope:
    return Scope(frozenset({c.prime.pk, c.partner.pk}), frozenset({c.programme.pk}), *_bounds())


def test_a_figure_kept_serves_only_its_own_scope_and_a_report_counts_a_stale_one_again(c: Consortium) -> None:
    assert PEOPLE is not None
    period = _year()
    consortium_reach = selectors.reach(c.manager, c.programme)
    with selectors.request_memo(kept=selectors.ANY):
        assert selectors.figure(c.manager, PEOPLE, consortium_reach, period).value == 10
    # The sub-grantee counts its own records: not the consortium's figure kept.
    with selectors.request_memo(kept=selectors.ANY):
        partner = selectors.figure(c.partner_me, PEOPLE, selectors.reach(c.partner_me, c.programme), period)
    assert partner.value == 6
    people(c.partner_caseworker, [("male", 1990)])
    Summary.objects.update(computed_at=timezone.now() - dt.timedelta(seconds=selectors.max_age() + 60))
    with selectors.request_memo(kept=selectors.ANY):  # a dashboard shows the stale figure
        assert selectors.figure(c.manager, PEOPLE, consortium_reach, period, dimensions=()).value == 10
        assert selectors.as_of() is not None and selectors.as_of() < timezone.now() - dt.timedelta(minutes=10)  # type: ignore[operator]
    with selectors.request_memo(kept=selectors.FRESH):  # a donor report counts it again
        assert selectors.figure(c.manager, PEOPLE, consortium_reach, period, dimensions=()).value == 11


def test_refreshing_drops_a_figure_of_an_indicator_no_longer_declared(c: Consortium) -> None:
    assert PEOPLE is not None
    with selectors.request_memo(kept=selectors.ANY):
        selectors.figure(c.manager, PEOPLE, selectors.reach(c.manager, c.programme), _year(), dimensions=())
    Summary.objects.create(
        key="x" * 64,
        indicator="gone_away",
        scope={"organisations": None, "programmes": None, "start": None, "end": None},
        total=3,
        computed_at=timezone.now() - dt.timedelta(days=1),
    )
    Summary.objects.update(computed_at=timezone.now() - dt.timedelta(days=1))
    assert selectors.refresh_summaries() == 1
    assert list(Summary.objects.values_list("indicator", flat=True)) == ["people_registered"]


def test_a_computed_figure_is_kept_for_its_viewer_only(c: Consortium) -> None:
    period = _year()
    calls: list[int] = []

    def compute(user: Any, scope: Scope) -> Decimal:
        calls.append(user.pk)
        return Decimal("12.5")

    computed = declared.declare(
        Indicator(code="test_ratio", name="Ratio", definition="-", unit="percent", app_label="tests", compute=compute)
    )
    try:
        for viewer in (c.manager, c.manager, c.me):
            with selectors.request_memo(kept=selectors.ANY):
                shown = selectors.figure(viewer, computed, selectors.reach(viewer, c.programme), period)
            assert shown.value == Decimal("12.5") and shown.shown == "12.5"
        # Counted once for the programme manager (the second visit read it), once for the M&E officer.
        assert calls == [c.manager.pk, c.me.pk]
        assert set(Summary.objects.filter(indicator="test_ratio").values_list("viewer", flat=True)) == {
            c.manager.pk,
            c.me.pk,
        }
        Summary.objects.update(computed_at=timezone.now() - dt.timedelta(days=1))
        assert selectors.refresh_summaries() == Summary.objects.count()
        assert sorted(calls) == sorted([c.manager.pk, c.me.pk] * 2)
    finally:
        declared.forget("test_ratio")


def test_the_worker_counts_the_standing_dashboards_before_anyone_opens_them(
    client: Client, c: Consortium, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lead's and a sub-grantee's programme dashboard and an organisation's own, over all periods, the year and
    the quarter, read every counted figure from what the worker kept: the first visit counts nothing."""
    target(c, "people_registered", 40)
    assert selectors.keep_standing_figures(budget=0) == 0  # the budget spent before the first count
    counted = selectors.keep_standing_figures(budget=600)
    scopes = selectors.standing_scopes()
    # The programme's consortium and each of its three organisations alone, then each of the four active
    # organisations' own records, each over three periods.
    assert len(scopes) == (1 + 2 + 4) * 3
    counting = [i for i in declared.indicators() if i.records is not None]
    assert counted == len(scopes) * len(counting)
    assert selectors.keep_standing_figures(budget=600) == 0  # all fresh: nothing to count again
    kept = Summary.objects.get(key=selectors._summary_key(PEOPLE, _scope(c)))  # type: ignore[arg-type]
    assert kept.total == 10 and set(kept.dimensions) == set(PEOPLE.disaggregations)  # type: ignore[union-attr]

    def no_counting(*args: Any) -> None:
        raise AssertionError("a dashboard counted a figure the worker keeps")

    monkeypatch.setattr(selectors, "_compute_breakdown", no_counting)
    programme = reverse("monitoring:programme", args=[c.programme.uuid])
    quarter = selectors.quarter_of(timezone.localdate())
    for user, url in [(c.manager, programme), (c.partner_me, programme), (c.me, reverse("monitoring:organisation"))]:
        login(client, user)
        for period in ["", str(this_year()), quarter]:
            assert client.get(url, {"period": period}).status_code == 200
    login(client, c.manager)
    assert "25%" in client.get(programme, {"period": str(this_year())}).content.decode()  # 10 of 40
    monkeypatch.undo()
    # Older than the maximum age: the next round counts them again, the figures never counted before first.
    Summary.objects.update(computed_at=timezone.now() - dt.timedelta(seconds=selectors.max_age() + 60))
    people(c.caseworker, [("female", 1990)] * 10)
    assert selectors.keep_standing_figures(budget=600) == counted
    kept.refresh_from_db()
    assert kept.total == 20
