"""Where a group member lies for a place-limited officer: where the group meets, not where the member lives.
Mutation testing (issue 19, docs/testing.md) runs this file with core's access tests: group members are the one
declaration with both a person and places of its own, so this is the test that tells core's two place rules
apart (a record's own places first; its person's only when it has none).
"""

from __future__ import annotations

import datetime as dt

import pytest

from karpear.core import access
from karpear.core.models import User
from karpear.core.tests.factories import COMMUNE, OTHER_COMMUNE, limit_to_commune, place, register
from karpear.livelihoods import market_services, services
from karpear.livelihoods.models import Buyer, GroupMember
from karpear.livelihoods.tests import factories as f

pytestmark = pytest.mark.django_db


def test_a_place_limited_officer_sees_the_members_of_groups_in_their_commune_wherever_the_members_live() -> None:
    officer = f.officer()
    here = f.group(officer, name="Group meeting in the officer's commune", place=place(COMMUNE))
    there = f.group(officer, name="Group meeting elsewhere", place=place(OTHER_COMMUNE))
    joined = dt.date(2025, 12, 1)
    lives_elsewhere = services.member_add(
        actor=officer,
        group=here,
        person=register(officer, name_latin="Sok Dara", place=place(OTHER_COMMUNE)),
        joined_on=joined,
    )
    services.member_add(
        actor=officer,
        group=there,
        person=register(officer, name_latin="Keo Nary", place=place(COMMUNE)),
        joined_on=joined,
    )
    limit_to_commune(officer, COMMUNE)

    seen = access.visible(User.objects.get(pk=officer.pk), GroupMember.objects.all())
    assert list(seen) == [lives_elsewhere]


def test_a_place_limited_officer_sees_no_buyer_since_buyers_are_declared_without_places() -> None:
    """A model declared with neither places nor a person is closed to a place-limited member (core's deny by
    default). (Kills `places is None or no places` → `and` in `_place_filter`, which went on to unpack the
    missing place fields.)"""
    officer = f.officer()
    market_services.buyer_add(actor=officer, name="Svay Rieng rice mill", kind=Buyer.Kind.RICE_MILL)
    assert access.visible(User.objects.get(pk=officer.pk), Buyer.objects.all()).count() == 1
    limit_to_commune(officer, COMMUNE)

    assert not access.visible(User.objects.get(pk=officer.pk), Buyer.objects.all()).exists()
