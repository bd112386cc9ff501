"""What livelihoods declares to monitoring (indicators.py), counted golden: savings groups and their members by
sex and period, each person once; the households of the members, each once; the groups supported (that met) in a
period; and the SAVIX ratios computed from the totals, from one set of facts within one computation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import make_user
from karpear.core import indicators as declared
from karpear.core.indicators import Dimension, Scope
from karpear.core.models import User
from karpear.core.roles import Role
from karpear.core.tests.factories import register
from karpear.livelihoods.models import Group, GroupMember
from karpear.livelihoods.tests import factories as f

pytestmark = pytest.mark.django_db

YEAR = Scope(None, None, dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def _count(code: str, scope: Scope, dimension: str) -> dict[str, int]:
    indicator = declared.indicator_for(code)
    assert indicator is not None and indicator.records is not None
    qs = indicator.records.queryset().filter(**{f"{indicator.records.date}__gte": scope.start})
    qs = qs.filter(**{f"{indicator.records.date}__lte": scope.end})
    path = indicator.records.path(dimension)
    counts: dict[str, int] = {}
    from django.db.models import Count

    for key, n in qs.values_list(path).annotate(n=Count(indicator.records.distinct, distinct=True)).order_by():
        counts[str(key)] = n
    return counts


def test_savings_groups_and_their_members_are_counted_each_person_once() -> None:
    officer = f.officer()
    first = f.group(officer)
    f.group(officer, name="Rice producers", kind=Group.Kind.RICE_PRODUCERS)  # not a savings group
    members = f.members(officer, first, 6)  # two men (index 0 and 3), four women
    second = f.group(officer, name="Second savings group")
    from karpear.livelihoods import services

    services.member_add(actor=officer, group=second, person=members[1].person, joined_on=dt.date(2025, 12, 1))
    assert _count("savings_groups_formed", YEAR, Dimension.ORGANISATION) == {
        str(officer.memberships.get().organisation_id): 2
    }
    assert _count("savings_group_members", YEAR, Dimension.SEX) == {"female": 4, "male": 2}


def test_a_savix_ratio_is_computed_from_the_totals_the_viewer_may_read() -> None:
    officer = f.officer()
    group = f.group(officer)
    f.members(officer, group, 6)
    f.cycle(officer, group)
    me = make_user(officer.memberships.get().organisation, Role.ME_OFFICER, username="me")
    women = declared.indicator_for("savix_women_pct")
    assert women is not None and women.compute is not None and women.kind == "computed"
    assert women.compute(me, Scope(None, None, None, None)) == Decimal("66.7")


def _member(officer: User, group: Group, joined_on: dt.date = dt.date(2025, 12, 1), **person: Any) -> GroupMember:
    from karpear.livelihoods import services

    made = register(officer, **person)
    return services.member_add(actor=officer, group=group, person=made, joined_on=joined_on)


def test_households_in_savings_groups_are_counted_once_each() -> None:
    officer = f.officer()
    first, second = f.group(officer), f.group(officer, name="Second savings group")
    rice = f.group(officer, name="Rice producers", kind=Group.Kind.RICE_PRODUCERS)
    head = _member(officer, first, name_latin="Head A", new_household_code="H-A", relationship_to_head="head")
    household = head.person.household
    assert household is not None
    _member(officer, first, name_latin="Spouse A", household=household, relationship_to_head="spouse")
    _member(officer, second, name_latin="Son A", household=household, relationship_to_head="child")  # A again
    _member(officer, second, name_latin="Head B", new_household_code="H-B", relationship_to_head="head")
    _member(officer, first, name_latin="No household recorded")  # no household: not counted
    _member(officer, rice, name_latin="Head C", new_household_code="H-C", relationship_to_head="head")  # not savings
    _member(  # joined in another year
        officer,
        second,
        dt.date(2026, 2, 1),
        name_latin="Head D",
        new_household_code="H-D",
        relationship_to_head="head",
    )
    organisation = str(officer.memberships.get().organisation_id)
    assert _count("savings_group_households", YEAR, Dimension.ORGANISATION) == {organisation: 2}  # A and B
    assert _count("savings_group_households", YEAR, Dimension.PROVINCE) == {first.province_id: 2}


def test_savings_groups_supported_are_those_that_met_in_the_period() -> None:
    officer = f.officer()
    formed = dt.date(2023, 12, 1)
    met_twice, met_last_year, never_met = (
        f.group(officer, name=f"Savings group {n}", formed_on=formed) for n in (1, 2, 3)
    )
    for group in (met_twice, met_last_year, never_met):
        f.members(officer, group, 3, joined_on=formed)
    this_cycle = f.cycle(officer, met_twice, started_on=dt.date(2025, 1, 6), planned_end_on=dt.date(2025, 12, 29))
    f.meet(officer, this_cycle, 1, dt.date(2025, 1, 6), [1, 2, 3], shares={1: 1})
    f.meet(officer, this_cycle, 2, dt.date(2025, 2, 3), [1, 2, 3], shares={2: 1})
    old_cycle = f.cycle(officer, met_last_year, started_on=dt.date(2024, 1, 8), planned_end_on=dt.date(2024, 12, 30))
    f.meet(officer, old_cycle, 1, dt.date(2024, 1, 8), [1, 2, 3], shares={1: 1})
    f.cycle(officer, never_met, started_on=dt.date(2025, 3, 3), planned_end_on=dt.date(2025, 12, 29))
    organisation = str(officer.memberships.get().organisation_id)
    assert _count("savings_groups_supported", YEAR, Dimension.ORGANISATION) == {organisation: 1}
    assert _count("savings_groups_supported", YEAR, Dimension.PERIOD) == {"2025-01-06": 1, "2025-02-03": 1}


@pytest.fixture
def savix_case() -> User:
    """Two savings groups of one organisation, each with a cycle under way, and its M&E officer. The first: six
    members (two men), a meeting all attended and one member 6 missed; a loan of 20,000 to member 1 at the first,
    2,000 repaid at the second. The second: three members (one man), one of whom left after the cycle began; a
    meeting all three attended."""
    officer = f.officer()
    first = f.group(officer)
    f.members(officer, first, 6)
    cycle = f.cycle(officer, first)
    everyone = [1, 2, 3, 4, 5, 6]
    social, five = dict.fromkeys(everyone, 500), dict.fromkeys(everyone[:5], 500)
    f.meet(officer, cycle, 1, f.START, everyone, shares=dict.fromkeys(everyone, 2), social=social, loan={1: 20_000})
    f.meet(
        officer,
        cycle,
        2,
        f.weeks(1),
        everyone,
        attendance={6: "absent"},
        shares=dict.fromkeys(everyone[:5], 1),
        social=five,
        repayment={1: 2_000},
    )
    second = f.group(officer, name="Second savings group")
    leaving = f.members(officer, second, 3)[2]
    other = f.cycle(officer, second)
    f.meet(officer, other, 1, f.START, [1, 2, 3], shares={1: 1, 2: 1, 3: 1}, social=dict.fromkeys([1, 2, 3], 500))
    from karpear.livelihoods import services

    services.member_leave(actor=officer, member=leaving, on=f.weeks(2), reason=GroupMember.Exit.values[0])
    return make_user(officer.memberships.get().organisation, Role.ME_OFFICER, username="me")


SAVIX_CODES = ("women_pct", "attendance_pct", "dropout_pct", "members_with_loans_pct", "portfolio_at_risk_pct")


def _ratios(user: User, scope: Scope) -> dict[str, Decimal | None]:
    found = {}
    for code in SAVIX_CODES:
        indicator = declared.indicator_for(f"savix_{code}")
        assert indicator is not None and indicator.compute is not None
        found[code] = indicator.compute(user, scope)
    return found


def test_the_savix_ratios_of_a_programme_come_from_its_totals(savix_case: User) -> None:
    # Members now: 6 + 2 = 8, women 4 + 1 = 5; attendance 6 + 5 + 3 of 6 + 6 + 3; one of 9 left; one borrower of
    # 8; on 1 March the loan's first instalment (due 5 February: a third of 20,000) is more than the principal of
    # the 2,000 repaid, so all it still owes is at risk.
    on_1_march = Scope(None, None, None, dt.date(2026, 3, 1))
    assert _ratios(savix_case, on_1_march) == {
        "women_pct": Decimal("62.5"),
        "attendance_pct": Decimal("93.3"),
        "dropout_pct": Decimal("11.1"),
        "members_with_loans_pct": Decimal("12.5"),
        "portfolio_at_risk_pct": Decimal("100.0"),
    }
    # Today (every instalment long due) the same, read from the figures kept beside the records.
    assert _ratios(savix_case, Scope(None, None, None, None)) == _ratios(savix_case, on_1_march)


def test_the_savix_ratios_of_one_computation_share_one_set_of_facts(
    savix_case: User, django_assert_max_num_queries: Any
) -> None:
    scope = Scope(None, None, None, None)
    women = declared.indicator_for("savix_women_pct")
    assert women is not None and women.compute is not None
    expected = _ratios(savix_case, scope)  # outside one computation (and the viewer's membership read once)
    with declared.computing(), CaptureQueriesContext(connection) as one:
        women.compute(savix_case, scope)
    # The cycles with their groups' figures, who left, the loans owed: three queries for one ratio or all of them.
    assert len(one) == 3
    with declared.computing(), django_assert_max_num_queries(len(one)):
        assert _ratios(savix_case, scope) == _ratios(savix_case, scope) == expected
    with CaptureQueriesContext(connection) as apart:  # outside a computation each ratio reads its own facts
        _ratios(savix_case, scope)
    assert len(apart) == len(one) * len(SAVIX_CODES)
