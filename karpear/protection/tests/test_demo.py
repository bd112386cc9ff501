"""The protection part of the demo consortium: a group of deportees received at CCPCR's Svay Rieng transit
centre, loaded through the services, once."""

from __future__ import annotations

import pytest

from karpear.core.demo import load_demo
from karpear.protection.models import FollowUp, GroupArrival, ProtectionCase, ServiceDelivery

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("indicators", "catalogue", "lifecycle")]


def test_the_demo_has_a_group_of_deportees_at_svay_rieng_loaded_once():
    load_demo()
    load_demo()  # refreshing the demo adds nobody twice

    group = GroupArrival.objects.get()
    cases = list(ProtectionCase.objects.filter(group=group).select_related("person", "organisation").order_by("id"))
    assert (group.transit_centre, group.size, len(cases)) == ("svay_rieng", 8, 8)
    assert {c.organisation.short_name for c in cases} == {"ccpcr"}
    assert {c.return_type for c in cases} == {"deported"} and {c.origin_country for c in cases} == {"TH"}
    assert {c.person.province_id for c in cases} == {"20"}  # home villages in Svay Rieng
    assert sum(1 for c in cases if c.rights_acknowledged_on) == 1
    assert [c.identification for c in cases].count("presumed") == 1  # the first one screened and concluded

    first = cases[0]
    assert first.plan.status == "approved"
    assert ServiceDelivery.objects.filter(case=first).count() == 2


def test_the_demo_has_a_survivor_followed_up_for_a_year_with_rising_scores():
    load_demo()
    load_demo()

    followed = ProtectionCase.objects.get(transit_centre="koh_kong", group=None)
    assert (followed.stage, followed.status) == ("monitoring", "follow_up")
    visits = list(FollowUp.objects.filter(case=followed).exclude(visited_on=None).order_by("visited_on"))
    assert [v.months for v in visits] == [1, 3, 6, 12]
    assert visits[0].composite < visits[-1].composite
    assert ServiceDelivery.objects.get(case=followed, kind__code="business_grant").business_type == "Motorbike repair"


def test_the_demo_refers_some_of_the_group_to_adhoc_and_to_a_livelihood_partner():
    from karpear.core.models import Referral

    load_demo()
    load_demo()

    group = GroupArrival.objects.get()
    people = ProtectionCase.objects.filter(group=group).values("person_id")
    referred = Referral.objects.filter(person_id__in=people).select_related("receiver", "assigned_to")
    assert sorted((r.receiver.short_name, r.status, r.assigned_to.username) for r in referred) == [
        ("adhoc", "accepted", "lawyer"),
        ("adhoc", "accepted", "lawyer"),
        ("sovann", "accepted", "fieldofficer"),
    ]
    partner = ServiceDelivery.objects.get(recorded_by_organisation__short_name="sovann")
    assert (partner.kind.code, partner.case.organisation.short_name) == ("financial_literacy", "ccpcr")
