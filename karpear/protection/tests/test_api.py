"""The protection API (issue 11, item 9): cases, screenings, services delivered, follow-up visits and core's
referrals, over the same selectors and services as the pages; names only for roles that read identities, and
every read of a case audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from conftest import login, make_user
from karpear.core.models import AuditEvent
from karpear.core.roles import Role
from karpear.protection import services
from karpear.protection.models import ProtectionCase, ServiceDelivery
from karpear.protection.tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalogue")]

API = "/api/v1/protection"


def test_a_caseworker_lists_their_cases_with_names_and_each_read_is_audited(client, users):
    case = f.case(users["caseworker"], name_latin="Keo Sokha")
    login(client, users["caseworker"])
    before = AuditEvent.objects.filter(action="view").count()

    answer = client.get(f"{API}/cases/").json()

    [row] = answer["results"]
    assert (row["uuid"], row["number"], row["identity"]) == (
        str(case.uuid),
        case.number,
        {"name_km": "", "name_latin": "Keo Sokha"},
    )
    assert row["person"] == str(case.person.uuid) and row["transit_centre"] == "svay_rieng"
    views = AuditEvent.objects.filter(action="view").order_by("id")[before:]
    assert {(e.object_id, e.details.get("channel")) for e in views if e.details.get("channel") == "api"} == {
        (str(case.uuid), "api")
    }
    assert [e.details["people"] for e in views if "people" in e.details] == [[str(case.person.uuid)]]  # the names


def test_a_field_officer_reads_no_names(client, users):
    officer = users["field_officer"]
    case = f.case(users["caseworker"])
    ProtectionCase.objects.filter(pk=case.pk).update(assigned_to=officer)
    login(client, officer)

    row = client.get(f"{API}/cases/{case.uuid}/").json()

    assert row["number"] == case.number
    assert row["identity"] is None
    assert "Chan" not in str(row)


def test_another_organisations_case_is_not_found(client, users, orgs):
    theirs = f.case(make_user(orgs["other"], Role.CASEWORKER))
    login(client, users["case_supervisor"])

    assert client.get(f"{API}/cases/{theirs.uuid}/").status_code == 404
    assert client.get(f"{API}/services/?case={theirs.uuid}").status_code == 404
    assert client.get(f"{API}/cases/").json()["count"] == 0


def test_a_case_opened_through_the_api_is_the_intake_of_the_pages(client, users):
    login(client, users["caseworker"])
    body = {
        "transit_centre": "koh_kong",
        "arrived_on": str(timezone.localdate() - dt.timedelta(days=1)),
        "origin_country": "TH",
        "return_type": "deported",
        "handed_over_by": "foreign_immigration",
        "sex": "male",
        "birth_year": 2001,
        "name_latin": "Sok Dara",
    }

    created = client.post(f"{API}/cases/", body, content_type="application/json")
    future = client.post(f"{API}/cases/", {**body, "arrived_on": "2999-01-01"}, content_type="application/json")

    assert created.status_code == 201
    case = ProtectionCase.objects.get(uuid=created.json()["uuid"])
    assert (case.transit_centre, case.assigned_to, case.person.identity.name_latin) == (
        "koh_kong",
        users["caseworker"],
        "Sok Dara",
    )
    assert future.status_code == 400 and "arrived_on" in str(future.json())
    assert ProtectionCase.objects.count() == 1


def test_services_are_recorded_and_listed_per_case(client, users):
    case = f.case(users["caseworker"])
    login(client, users["caseworker"])
    day = str(timezone.localdate())

    created = client.post(
        f"{API}/services/",
        {
            "case": str(case.uuid),
            "kind": "meals",
            "delivered_on": day,
            "provider_name": "CCPCR",
            "cost": "3.50",
            "currency": "USD",
        },
        content_type="application/json",
    )
    unknown = client.post(
        f"{API}/services/",
        {"case": str(case.uuid), "kind": "nothing", "delivered_on": day, "provider_name": "CCPCR"},
        content_type="application/json",
    )
    listed = client.get(f"{API}/services/?case={case.uuid}").json()

    assert created.status_code == 201
    assert unknown.status_code == 400 and "kind" in unknown.json()["fields"]
    assert ServiceDelivery.objects.count() == 1
    assert [(r["kind"], r["cost"], r["currency"]) for r in listed["results"]] == [("meals", "3.50", "USD")]


def test_follow_ups_screenings_and_referrals_are_read_per_case(client, users, indicators):
    worker = users["caseworker"]
    case = f.case(worker)
    ProtectionCase.objects.filter(pk=case.pk).update(arrived_on=timezone.localdate() - dt.timedelta(days=60))
    case.refresh_from_db()
    services.return_home(actor=worker, case=case, returned_on=timezone.localdate() - dt.timedelta(days=40))
    login(client, worker)

    visits = client.get(f"{API}/follow-ups/?case={case.uuid}&due=open").json()["results"]
    overdue = client.get(f"{API}/follow-ups/?due=overdue").json()["results"]
    one = client.get(f"{API}/follow-ups/{visits[0]['uuid']}/").json()

    assert [v["months"] for v in visits] == [1, 3, 6, 12, 24]
    assert [v["months"] for v in overdue] == [1]
    assert one["case"] == str(case.uuid)
    assert client.get(f"{API}/follow-ups/?due=soon").status_code == 400
    assert client.get(f"{API}/screenings/?case={case.uuid}").json()["count"] == 0
    assert client.get(f"{API}/referrals/?case={case.uuid}").json()["count"] == 0


def test_roles_without_protection_get_nothing(client, users):
    case = f.case(users["caseworker"])
    login(client, users["me_officer"])

    assert client.get(f"{API}/cases/").status_code == 403
    assert client.get(f"{API}/cases/{case.uuid}/").status_code == 404
