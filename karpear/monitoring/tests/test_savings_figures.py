"""Livelihoods' savings figures on a programme's dashboard: the households of savings-group members and the groups
supported (that met) against the programme's targets, counted golden, and the first visit's queries with several
groups and cycles — the SAVIX ratios read one set of facts for the page, not one each. The groups are made through
Django's app registry: monitoring imports no module but through its indicators and selectors."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import login
from karpear.core.models import Commune, User
from karpear.core.tests.factories import COMMUNE, register, this_year
from karpear.monitoring import selectors
from karpear.monitoring.models import Summary
from karpear.monitoring.tests.factories import Consortium, consortium, target

pytestmark = pytest.mark.django_db

YEAR = this_year()


def savings_group(
    c: Consortium, actor: User, name: str, joined: dt.date, meetings: list[dt.date], households: list[str]
) -> Any:
    """A savings group of the actor's organisation in the programme, a member for each household code given
    (the same code twice: two people of one household), a cycle under way and its meetings."""
    organisation = actor.memberships.get().organisation
    commune = Commune.objects.get(code=COMMUNE)
    group = apps.get_model("livelihoods", "Group").objects.create(
        organisation=organisation,
        name=name,
        name_key=name.lower(),
        kind="savings",
        province_id=commune.province_id,
        district_id=commune.district_id,
        commune=commune,
        formed_on=dt.date(YEAR - 2, 1, 1),
        programme=c.programme,
        created_by=actor,
    )
    made: dict[str, Any] = {}
    for number, code in enumerate(households, start=1):
        person = register(
            actor,
            name_latin=f"{name} member {number}",
            **(
                {"household": made[code], "relationship_to_head": "spouse"}
                if code in made
                else {"new_household_code": code, "relationship_to_head": "head"}
            ),
        )
        made.setdefault(code, person.household)
        apps.get_model("livelihoods", "GroupMember").objects.create(
            organisation=organisation, group=group, person=person, number=number, joined_on=joined, created_by=actor
        )
    cycle = apps.get_model("livelihoods", "Cycle").objects.create(
        organisation=organisation,
        group=group,
        number=1,
        started_on=dt.date(YEAR - 1, 6, 1),
        planned_end_on=dt.date(YEAR + 1, 5, 1),
        share_price=5000,
        charge_rate=5,
        created_by=actor,
    )
    for number, held_on in enumerate(meetings, start=1):
        apps.get_model("livelihoods", "Meeting").objects.create(
            organisation=organisation, group=group, cycle=cycle, number=number, held_on=held_on, recorded_by=actor
        )
    return group


@pytest.fixture
def c() -> Consortium:
    made = consortium()
    this, last = dt.date(YEAR, 1, 1), dt.date(YEAR - 1, 1, 1)
    # The prime's: households H1 (two members), H2 this year, meeting twice; H3 last year, meeting last year.
    savings_group(
        made, made.caseworker, "Prime one", this, [dt.date(YEAR, 1, 10), dt.date(YEAR, 2, 10)], ["H1", "H1", "H2"]
    )
    savings_group(made, made.caseworker, "Prime two", last, [dt.date(YEAR - 1, 7, 1)], ["H3"])
    # The partner's: households Q1 and Q2 this year, meeting in March.
    savings_group(made, made.partner_caseworker, "Partner one", this, [dt.date(YEAR, 3, 10)], ["Q1", "Q2"])
    target(made, "savings_group_households", 10)
    target(made, "savings_groups_supported", 4)
    return made


def _achieved(c: Consortium, period: str) -> dict[str, Any]:
    rows = selectors.progress(c.me, selectors.reach(c.me, c.programme), selectors.parse_period(period))
    return {row.target.indicator: row.achieved for row in rows}


def test_the_savings_targets_count_households_and_the_groups_that_met(c: Consortium) -> None:
    # This year: households H1, H2, Q1, Q2 (H1's two members once); groups Prime one and Partner one met.
    assert _achieved(c, str(YEAR)) == {"savings_group_households": 4, "savings_groups_supported": 2}
    # All periods: H3 and the group that met last year too.
    assert _achieved(c, "") == {"savings_group_households": 5, "savings_groups_supported": 3}


def test_the_first_visit_computes_the_savix_facts_once(
    client: Client, c: Consortium, django_assert_max_num_queries: Any
) -> None:
    login(client, c.me)
    url = reverse("monitoring:programme", args=[c.programme.uuid])
    assert not Summary.objects.exists()  # a first visit: every figure counted in the request
    with CaptureQueriesContext(connection) as seen, django_assert_max_num_queries(QUERIES):
        answer = client.get(url)
    assert answer.status_code == 200
    # The loans still owed are read once for the five SAVIX ratios (they were read once per ratio).
    assert sum('"livelihoods_loan"' in query["sql"] for query in seen.captured_queries) == 1
    assert "Households in savings groups" in answer.content.decode()


# The first visit of this dashboard (every figure counted and kept): the SAVIX facts read once. Read once per
# ratio, they were twelve more.
QUERIES = 238
