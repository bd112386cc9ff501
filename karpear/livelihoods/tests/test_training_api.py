"""The API over trainings, the cascade, grants and sales: the same services as the pages, so the same refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from conftest import make_user
from karpear.core.roles import Role
from karpear.livelihoods import grant_services, training_services
from karpear.livelihoods.models import FarmerRole, Grant, Sale, Training
from karpear.livelihoods.tests import factories as f

pytestmark = pytest.mark.django_db


def _client(user):  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_training_is_recorded_its_attendance_set_and_the_cascade_counted_through_the_api() -> None:
    officer = f.officer()
    group = f.group(officer)
    members = f.members(officer, group, 3)
    farmer = training_services.farmer_role_name(
        actor=officer, member=members[0], kind=FarmerRole.Kind.MODEL_FARMER, since=dt.date(2026, 1, 5)
    )
    api = _client(officer)
    answer = api.post(
        "/api/v1/livelihoods/trainings/",
        {
            "group": str(group.uuid),
            "topic": "chicken_raising",
            "held_on": "2026-02-02",
            "hours": "3",
            "trainer_farmer": str(farmer.uuid),
        },
        format="json",
    )
    assert answer.status_code == 201, answer.content
    training_services.attendance_set(
        actor=officer, training=Training.objects.get(uuid=answer.json()["uuid"]), people=[m.person for m in members[1:]]
    )
    assert api.get(f"/api/v1/livelihoods/trainings/{answer.json()['uuid']}/").json()["attended"] == 2
    answer = api.get("/api/v1/livelihoods/trainings/cascade/")
    assert answer.json()["households_reached"] == 2 and answer.json()["model_farmers_trained"] == 0
    assert api.get("/api/v1/livelihoods/farmers/").json()["results"][0]["kind"] == "model_farmer"


def test_a_grant_applied_for_through_the_api_is_read_back_with_its_follow_ups() -> None:
    officer = f.officer()
    manager = make_user(officer.memberships.first().organisation, Role.PROGRAMME_OFFICER, username="po")
    member = f.members(officer, f.group(officer), 1)[0]
    field, office = _client(officer), _client(manager)
    answer = field.post(
        "/api/v1/livelihoods/grants/",
        {"member": str(member.uuid), "purpose": "Ducks", "amount_requested": "120", "applied_on": "2026-02-02"},
        format="json",
    )
    assert answer.status_code == 201, answer.content
    grant = Grant.objects.get(uuid=answer.json()["uuid"])
    assert field.get(f"/api/v1/livelihoods/grants/{grant.uuid}/").json()["status"] == "applied"
    grant_services.grant_decide(actor=manager, grant=grant, approve=True, on=dt.date(2026, 2, 3))
    grant_services.grant_disburse(
        actor=officer, grant=grant, amount=Decimal(120), currency="USD", on=dt.date(2026, 2, 5)
    )
    answer = office.get("/api/v1/livelihoods/grants/?status=disbursed").json()["results"]
    assert [g["amount_disbursed"] for g in answer] == ["120.00"]
    follow_ups = field.get("/api/v1/livelihoods/grant-follow-ups/").json()["results"]
    assert [u["month"] for u in follow_ups] == [3, 6, 12]


def test_a_group_sale_through_the_api() -> None:
    officer = f.officer()
    group = f.group(officer)
    answer = _client(officer).post(
        "/api/v1/livelihoods/sales/",
        {
            "group": str(group.uuid),
            "product": "eggs",
            "on": "2026-02-02",
            "quantity": "30",
            "unit": "piece",
            "unit_price": "600",
        },
        format="json",
    )
    assert answer.status_code == 201, answer.content
    assert Sale.objects.get().amount == Decimal(18000)
