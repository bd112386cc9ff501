"""What livelihoods declares to monitoring (indicators.py), counted golden: savings groups and their members by
sex and period, each person once, and a SAVIX ratio computed from the ledger's totals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from conftest import make_user
from karpear.core import indicators as declared
from karpear.core.indicators import Dimension, Scope
from karpear.core.roles import Role
from karpear.livelihoods.models import Group
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
