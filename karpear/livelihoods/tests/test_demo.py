"""The demo consortium's livelihoods (issue 12, item 10): CEDAC's cascade counted from its attendance, its
advisor and markets, and CCPCR's small grants at each stage."""

from __future__ import annotations

import pytest

from karpear.core.demo import load_demo
from karpear.core.models import User
from karpear.livelihoods import grant_selectors, market_selectors, training_selectors
from karpear.livelihoods.models import Grant

pytestmark = pytest.mark.django_db


def test_the_demo_has_cedacs_cascade_from_attendance_and_ccpcrs_grants_at_each_stage() -> None:
    load_demo()
    cedac = User.objects.get(username="cedacfield")
    counts = training_selectors.cascade_counts(user=cedac)
    assert counts["model_farmers_trained"] == 2
    assert counts["households_reached"] == 12  # 7 vegetable growers and 5 of the mill's members
    assert (counts["advisors"], counts["households_followed"], counts["advisor_visits"]) == (1, 4, 2)
    markets = market_selectors.market_counts(user=cedac)
    assert markets["groups_linked"] == 1 and markets["members_placed"] == 1
    manager = User.objects.get(username="ccpcrprogramme")
    grants = grant_selectors.grant_counts(user=manager)
    assert {s: grants[s] for s in Grant.Status.values} == {
        "applied": 2,
        "approved": 1,
        "refused": 1,
        "disbursed": 1,
        "cancelled": 0,
    }
    assert grants["follow_ups_done"] == 1
