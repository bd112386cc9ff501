"""The assessment and service plan page in the browser: assess, plan, send, approve, record services."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from conftest import login
from karpear.protection.models import NeedsAssessment, PlannedService, ProtectionCase, ServiceDelivery, ServicePlan
from karpear.protection.tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalogue")]

TODAY = timezone.localdate().strftime("%d/%m/%Y")


def test_a_caseworker_assesses_plans_and_a_supervisor_approves_in_the_browser(users):
    case = f.case(users["caseworker"])
    worker = login(Client(), users["caseworker"])
    url = f"/protection/cases/{case.uuid}/plan/"

    assert "Not assessed yet." in worker.get(url).content.decode()
    needs = dict.fromkeys(["safety", "health", "psychosocial", "shelter", "family", "education", "livelihood"], "some")
    response = worker.post(url + "assessment/", {**needs, "legal": "urgent"}, follow=True)
    assert "The needs assessment is saved." in response.content.decode()
    assert NeedsAssessment.objects.get().legal == "urgent"

    response = worker.post(url + "add/", {"kind": "financial_literacy", "provider_name": "CCPCR"}, follow=True)
    page = response.content.decode()
    assert "Financial literacy course" in page and "2 days" in page
    worker.post(url + "submit/")
    assert ServicePlan.objects.get().status == "submitted"
    assert "Save the decision" not in worker.get(url).content.decode()  # caseworkers do not approve

    supervisor = login(Client(), users["case_supervisor"])
    response = supervisor.post(url + "decision/", {"decision": "return"})
    assert response.status_code == 400
    assert "Say what should change in the plan." in response.content.decode()
    supervisor.post(url + "decision/", {"decision": "approve"})
    plan = ServicePlan.objects.get()
    assert (plan.status, plan.approved_by) == ("approved", users["case_supervisor"])
    assert "Approved" in supervisor.get(url).content.decode()


def test_the_page_is_in_khmer_with_the_catalogues_khmer_names(users):
    case = f.case(users["caseworker"])
    users["caseworker"].language = "km"
    users["caseworker"].save()
    browser = login(Client(), users["caseworker"])
    browser.cookies["karpear_language"] = "km"
    browser.post(f"/protection/cases/{case.uuid}/plan/add/", {"kind": "vocational_training", "provider_name": "X"})
    page = browser.get(f"/protection/cases/{case.uuid}/plan/").content.decode()
    assert "វគ្គបណ្ដុះបណ្ដាលវិជ្ជាជីវៈ" in page
    assert "Vocational training" not in page


def test_a_service_delivered_with_a_bad_cost_is_shown_next_to_the_field_and_nothing_is_saved(users):
    case = f.case(users["caseworker"])
    browser = login(Client(), users["caseworker"])
    response = browser.post(
        f"/protection/cases/{case.uuid}/services/",
        {"kind": "business_grant", "delivered_on": TODAY, "provider_name": "CCPCR", "cost": "300"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Say what business the grant starts." in page and "Choose the currency of the cost." in page
    assert not ServiceDelivery.objects.exists()

    response = browser.post(
        f"/protection/cases/{case.uuid}/services/",
        {
            "kind": "business_grant",
            "delivered_on": TODAY,
            "provider_name": "CCPCR",
            "cost": "300",
            "currency": "USD",
            "business_type": "Grocery stall",
        },
        follow=True,
    )
    assert "The service delivered is recorded." in response.content.decode()
    assert ServiceDelivery.objects.get().business_type == "Grocery stall"


def test_a_closed_case_offers_no_plan_change_and_refuses_one(users):
    case = f.case(users["caseworker"])
    ProtectionCase.objects.filter(pk=case.pk).update(status="closed")
    browser = login(Client(), users["caseworker"])
    page = browser.get(f"/protection/cases/{case.uuid}/plan/").content.decode()
    assert "This case is closed: its plan can no longer be changed." in page and "Add to the plan" not in page
    response = browser.post(f"/protection/cases/{case.uuid}/plan/add/", {"kind": "meals", "provider_name": "X"})
    assert response.status_code == 400
    assert "This case is closed: nothing can be changed in it any more." in response.content.decode()
    assert not PlannedService.objects.exists()
