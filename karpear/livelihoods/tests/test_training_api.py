"""The API over trainings, the cascade, grants and sales: the same services as the pages, so the same refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from conftest import make_user
from karpear.core.models import AuditEvent
from karpear.core.roles import Role
from karpear.livelihoods import grant_services, training_services
from karpear.livelihoods.models import FarmerRole, Grant, GrantGate, Sale, Training, TrainingAttendance
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
    key = answer.json()["uuid"]
    people = [str(m.person.uuid) for m in members[1:]]
    for _ in range(2):  # the whole list each time: sent twice, it changes nothing
        answer = api.post(f"/api/v1/livelihoods/trainings/{key}/attendance/", {"people": people}, format="json")
        assert answer.status_code == 200 and answer.json()["attended"] == 2, answer.content
    assert TrainingAttendance.objects.count() == 2
    assert api.get(f"/api/v1/livelihoods/trainings/{key}/").json()["attended"] == 2
    answer = api.get("/api/v1/livelihoods/trainings/cascade/")
    assert answer.json()["households_reached"] == 2 and answer.json()["model_farmers_trained"] == 0
    assert api.get("/api/v1/livelihoods/farmers/").json()["results"][0]["kind"] == "model_farmer"


def test_attendance_through_the_api_names_only_people_the_screen_offers() -> None:
    officer = f.officer()
    group = f.group(officer)
    members = f.members(officer, group, 2)
    stranger = f.members(officer, f.group(officer, name="Another group"), 1)[0]
    training = training_services.training_record(
        actor=officer,
        group=group,
        data=training_services.TrainingInput(topic="chicken_raising", held_on=dt.date(2026, 2, 2), hours=Decimal(2)),
    )
    api = _client(officer)
    url = f"/api/v1/livelihoods/trainings/{training.uuid}/attendance/"
    people = [str(members[0].person.uuid), str(stranger.person.uuid)]
    answer = api.post(url, {"people": people}, format="json")
    assert answer.status_code == 400 and "people" in answer.json()["fields"]
    assert TrainingAttendance.objects.count() == 0  # nothing of the list is saved
    answer = api.post(url, {"people": [str(members[1].person.uuid)]}, format="json")
    assert answer.json()["attended"] == 1
    assert api.post(url, {"people": []}, format="json").json()["attended"] == 0  # an untick is a removal


def _apply(field: APIClient, member_uuid: str) -> str:
    answer = field.post(
        "/api/v1/livelihoods/grants/",
        {"member": member_uuid, "purpose": "Ducks", "amount_requested": "120", "applied_on": "2026-02-02"},
        format="json",
    )
    assert answer.status_code == 201, answer.content
    return str(answer.json()["uuid"])


def test_a_grant_through_the_api_is_approved_with_an_override_reason_disbursed_once_and_followed_up() -> None:
    officer = f.officer()
    manager = make_user(officer.memberships.first().organisation, Role.PROGRAMME_OFFICER, username="po")
    grant_services.gate_add(actor=manager, kind=GrantGate.Kind.TRAINING, topic=Training.Topic.FINANCIAL_LITERACY)
    member = f.members(officer, f.group(officer), 1)[0]
    field, office = _client(officer), _client(manager)
    key = _apply(field, str(member.uuid))
    assert field.get(f"/api/v1/livelihoods/grants/{key}/").json()["status"] == "applied"
    pay = {"amount": "120", "currency": "USD", "on": "2026-02-05"}
    answer = field.post(f"/api/v1/livelihoods/grants/{key}/disburse/", pay, format="json")
    assert answer.status_code == 400 and "Only an approved grant" in answer.content.decode()
    # a field officer does not approve
    assert field.post(f"/api/v1/livelihoods/grants/{key}/decide/", {"approve": True}, format="json").status_code == 403
    decide = f"/api/v1/livelihoods/grants/{key}/decide/"
    answer = office.post(decide, {"approve": True, "on": "2026-02-03"}, format="json")
    assert answer.status_code == 400 and "override_reason" in answer.json()["fields"]  # not trained yet
    assert Grant.objects.get().status == Grant.Status.APPLIED
    answer = office.post(
        decide, {"approve": True, "on": "2026-02-03", "override_reason": "Trained by another NGO"}, format="json"
    )
    assert answer.status_code == 200 and answer.json()["status"] == "approved", answer.content
    assert answer.json()["override_reason"] == "Trained by another NGO"
    assert answer.json()["eligibility"][0]["met"] is False
    assert office.post(decide, {"approve": False, "note": "No"}, format="json").status_code == 400  # decided once
    assert field.post(f"/api/v1/livelihoods/grants/{key}/disburse/", pay, format="json").status_code == 200
    answer = field.post(f"/api/v1/livelihoods/grants/{key}/disburse/", pay, format="json")
    assert answer.status_code == 400 and "disbursed already" in answer.content.decode()
    assert Grant.objects.get().amount_disbursed == Decimal(120)
    follow_ups = field.get("/api/v1/livelihoods/grant-follow-ups/").json()["results"]
    assert [u["month"] for u in follow_ups] == [3, 6, 12]
    record = f"/api/v1/livelihoods/grant-follow-ups/{follow_ups[0]['uuid']}/record/"
    answer = field.post(record, {"done_on": "2026-05-05", "business": "steady", "monthly_income": "-1"}, format="json")
    assert answer.status_code == 400 and "monthly_income" in answer.json()["fields"]
    answer = field.post(record, {"done_on": "2026-05-05", "business": "steady"}, format="json")
    assert answer.status_code == 200 and answer.json()["business"] == "steady"
    assert field.post(record, {"done_on": "2026-05-06", "business": "steady"}, format="json").status_code == 400


def test_a_refusal_through_the_api_needs_a_note_and_a_resent_decision_is_answered_as_the_first() -> None:
    officer = f.officer()
    manager = make_user(officer.memberships.first().organisation, Role.PROGRAMME_OFFICER, username="po")
    member = f.members(officer, f.group(officer), 1)[0]
    office = _client(manager)
    key = _apply(_client(officer), str(member.uuid))
    decide = f"/api/v1/livelihoods/grants/{key}/decide/"
    answer = office.post(decide, {"approve": False}, format="json")
    assert answer.status_code == 400 and "note" in answer.json()["fields"]
    body = {"approve": False, "note": "The business already has a loan"}
    for _ in range(2):  # a resent request (same Idempotency-Key, same body) is answered as the first was
        answer = office.post(decide, body, format="json", HTTP_IDEMPOTENCY_KEY="decide-0001")
        assert answer.status_code == 200 and answer.json()["status"] == "refused"
    assert answer["Idempotent-Replayed"] == "true"
    decisions = AuditEvent.objects.filter(object_type="livelihoods.grant", action="update")
    assert decisions.count() == 1
    answer = office.post(decide, {"approve": True}, format="json", HTTP_IDEMPOTENCY_KEY="decide-0001")
    assert answer.status_code == 409  # the same key with another body


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
