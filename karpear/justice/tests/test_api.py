"""The justice API: cases opened and read, hearings and submissions recorded through the same services, the same
refusals (a hearing before the opening), and another organisation's cases never shown."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import login, make_user
from karpear.core.roles import Role
from karpear.justice.models import Hearing, LegalCase
from karpear.justice.tests import factories as f

pytestmark = pytest.mark.django_db


def api(user) -> Client:
    return login(Client(), user)


def test_a_legal_officer_opens_a_case_and_records_a_hearing_and_a_submission(users):
    client = api(users["legal_officer"])
    created = client.post(
        "/api/v1/justice/cases/",
        {
            "title": "Fishing boat",
            "client_sex": "male",
            "client_name_latin": "Sok Dara",
            "opened_on": str(f.days_ago(10)),
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    case = created.json()
    assert case["number"].startswith("ALPHA-L-") and case["status"] == "investigation"

    hearing = client.post(
        "/api/v1/justice/hearings/",
        {"case": case["uuid"], "level": "provincial", "held_on": str(f.days_ago(2))},
        content_type="application/json",
    )
    submission = client.post(
        "/api/v1/justice/submissions/",
        {
            "case": case["uuid"],
            "addressee_kind": "embassy",
            "addressee": "Embassy in Bangkok",
            "subject": "Passport",
            "sent_on": str(f.days_ago(5)),
        },
        content_type="application/json",
    )
    assert (hearing.status_code, submission.status_code) == (201, 201)
    listed = client.get(f"/api/v1/justice/hearings/?case={case['uuid']}").json()
    assert [h["level"] for h in listed["results"]] == ["provincial"]
    assert client.get(f"/api/v1/justice/cases/{case['uuid']}/").json()["status"] == "court"


def test_a_hearing_before_the_opening_is_refused_with_the_field_named(users):
    lawyer = users["legal_officer"]
    case = f.case(lawyer, opened=3)
    answer = api(lawyer).post(
        "/api/v1/justice/hearings/",
        {"case": str(case.uuid), "level": "appeal", "held_on": str(f.days_ago(4))},
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert "held_on" in answer.json()["fields"]
    assert Hearing.objects.count() == 0


def test_another_organisations_cases_are_not_listed_nor_found(orgs, users):
    case = f.case(users["legal_officer"])
    stranger = make_user(orgs["other"], Role.LEGAL_OFFICER, username="stranger")
    client = api(stranger)
    assert client.get("/api/v1/justice/cases/").json()["results"] == []
    assert client.get(f"/api/v1/justice/cases/{case.uuid}/").status_code == 404
    answer = client.post(
        "/api/v1/justice/hearings/",
        {"case": str(case.uuid), "level": "appeal", "held_on": str(f.days_ago(1))},
        content_type="application/json",
    )
    # A key in the body that names nothing the caller may change is wrong input (400), as in livelihoods.
    assert answer.status_code == 400 and "case" in answer.json()["fields"]
    assert LegalCase.objects.count() == 1 and Hearing.objects.count() == 0
