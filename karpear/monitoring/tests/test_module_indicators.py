"""Outreach's figures counted from its records with the engine's summed count (people at events: the head counts
added up, not the events counted), and justice's indicators. The modules' rows are made through Django's app
registry: monitoring imports no module but through its indicators and selectors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps

from karpear.core import indicators as declared
from karpear.core.indicators import Dimension
from karpear.core.models import Province, User
from karpear.core.tests.factories import register
from karpear.monitoring import selectors
from karpear.monitoring.tests.factories import Consortium, consortium, target

pytestmark = pytest.mark.django_db

YEAR = 2026


def activity(actor: User, kind: str, participants: int, province: str, held_on: dt.date) -> Any:
    membership = actor.memberships.get()
    return apps.get_model("outreach", "Activity").objects.create(
        organisation=membership.organisation,
        kind=kind,
        held_on=held_on,
        province=Province.objects.get(code=province),
        participants=participants,
        recorded_by=actor,
    )


@pytest.fixture
def c() -> Consortium:
    return consortium()


def test_people_at_events_are_the_head_counts_added_up(c: Consortium) -> None:
    activity(c.caseworker, "event", 120, "14", dt.date(YEAR, 12, 12))
    activity(c.caseworker, "event", 30, "03", dt.date(YEAR, 2, 1))
    activity(c.caseworker, "session", 50, "14", dt.date(YEAR, 3, 1))  # a session is no event
    activity(c.partner_caseworker, "event", 900, "14", dt.date(YEAR, 12, 10))
    activity(c.caseworker, "event", 70, "14", dt.date(YEAR - 1, 12, 10))  # another year
    indicator = declared.indicator_for("event_participants")
    assert indicator is not None and indicator.kind == "counted" and indicator.records is not None
    period = selectors.parse_period(str(YEAR))
    mine = selectors.figure(c.me, indicator, selectors.reach(c.me), period)
    assert mine.value == 150
    tables = {table.dimension: {cell.key: cell.value for cell in table.cells} for table in mine.tables}
    assert tables[Dimension.PROVINCE] == {"03": 30, "14": 120}
    assert tables[Dimension.PERIOD] == {f"{YEAR}-Q1": 30, f"{YEAR}-Q4": 120}
    # Against a target of the programme: the consortium's head counts, percent achieved.
    target(c, "event_participants", 1500)
    [row] = selectors.progress(c.manager, selectors.reach(c.manager, c.programme), period)
    assert (row.achieved, row.percent) == (1050, Decimal(70))
    # The drill-down counts what the figure counts (people), and lists the events behind it.
    found = selectors.drilldown(c.me, indicator, selectors.reach(c.me), period, Dimension.PROVINCE, "14")
    assert found.counted == 120


def test_volunteers_trained_are_counted_from_their_records(c: Consortium) -> None:
    model = apps.get_model("outreach", "Volunteer")
    organisation = c.caseworker.memberships.get().organisation
    for n, trained in enumerate([dt.date(YEAR, 1, 10), dt.date(YEAR, 5, 1), None]):
        model.objects.create(
            organisation=organisation,
            name=f"Volunteer {n}",
            sex="f",
            recruited_on=dt.date(YEAR, 1, 1),
            trained_on=trained,
        )
    indicator = declared.indicator_for("community_volunteers_trained")
    assert indicator is not None and not indicator.manual
    assert selectors.figure(c.me, indicator, selectors.reach(c.me), selectors.parse_period(str(YEAR))).value == 2


def test_justice_counts_cases_convictions_and_compensation(c: Consortium) -> None:
    organisation = c.caseworker.memberships.get().organisation
    cases = apps.get_model("justice", "LegalCase")
    verdicts = apps.get_model("justice", "Verdict")
    opened = []
    for n, sex in enumerate(["female", "female", "male"]):
        client = register(c.caseworker, sex=sex, name_latin=f"Client {n}")
        opened.append(
            cases.objects.create(
                organisation=organisation,
                number=f"L-{n}",
                client=client,
                title="Labour trafficking",
                opened_on=dt.date(YEAR, 2, 1),
                created_by=c.caseworker,
            )
        )
    for case, level, outcome, ordered, received in [
        (opened[0], "provincial", "convicted", 12000, 4000),
        (opened[0], "appeal", "convicted", 12000, 0),  # the same case convicted again: one case with a conviction
        (opened[1], "provincial", "acquitted", 0, 0),
    ]:
        verdicts.objects.create(
            organisation=organisation,
            case=case,
            recorded_by=c.caseworker,
            level=level,
            decided_on=dt.date(YEAR, 6, 1),
            outcome=outcome,
            compensation_ordered=Decimal(ordered),
            compensation_received=Decimal(received),
        )
    reach, period = selectors.reach(c.me), selectors.parse_period(str(YEAR))

    def value(code: str) -> Any:
        indicator = declared.indicator_for(code)
        assert indicator is not None
        return selectors.figure(c.me, indicator, reach, period).value

    assert value("legal_cases_opened") == 3
    assert value("judgments_delivered") == 3
    assert value("legal_cases_convicted") == 1
    assert value("compensation_ordered_usd") == Decimal(24000)
    assert value("compensation_received_usd") == Decimal(4000)
    assert value("research_and_case_studies_published") is None  # entered by hand, nothing entered
    sexes = selectors.counts(
        declared.indicator_for("legal_cases_opened"),  # type: ignore[arg-type]
        reach.scope(period.start, period.end),
        Dimension.SEX,
    )
    assert sexes == {"female": 2, "male": 1}
