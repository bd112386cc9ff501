"""The reintegration page in the browser: placements, steps and stages, return home, visits and their chart,
closure asked for and approved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from conftest import login
from karpear.core.models import Person
from karpear.protection import services
from karpear.protection.models import FollowUp, ProtectionCase, StageStep, SustainabilityIndicator
from karpear.protection.tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lifecycle")]


def _d(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def _case(user):
    case = f.case(user)
    ProtectionCase.objects.filter(pk=case.pk).update(arrived_on=timezone.localdate() - dt.timedelta(days=400))
    case.refresh_from_db()
    return case


def _survey(value: int) -> dict[str, str]:
    return {f"rs-{code}": str(value) for code in SustainabilityIndicator.objects.values_list("code", flat=True)}


def test_a_caseworker_follows_a_survivor_home_and_a_supervisor_approves_the_closure(users):
    worker = users["caseworker"]
    case = _case(worker)
    browser = login(Client(), worker)
    url = f"/protection/cases/{case.uuid}/reintegration/"
    today = timezone.localdate()

    page = browser.get(url).content.decode()
    assert "Pre-integration" in page and "Family traced and assessed" in page
    browser.post(url + "placement/", {"kind": "shelter", "started_on": _d(today - dt.timedelta(days=390))})
    back = today - dt.timedelta(days=200)
    response = browser.post(url + "return/", {"returned_on": _d(back)}, follow=True)
    assert "The return home is recorded and the follow-up visits are scheduled." in response.content.decode()
    assert FollowUp.objects.filter(case=case).count() == 5

    response = browser.post(url + "visit/", {"visited_on": _d(back - dt.timedelta(days=1)), **_survey(3)})
    assert response.status_code == 400
    assert "A follow-up visit cannot be before the return home" in response.content.decode()
    browser.post(url + "visit/", {"visited_on": _d(back + dt.timedelta(days=31)), **_survey(2)})
    browser.post(url + "visit/", {"visited_on": _d(back + dt.timedelta(days=92)), **_survey(4)})
    page = browser.get(url).content.decode()
    assert "<svg" in page and 'class="score-composite"' in page

    response = browser.post(f"/protection/cases/{case.uuid}/closure/", {"closure_reason": "reintegrated"})
    assert response.status_code == 400
    assert "The case cannot be closed: these steps are not done yet:" in response.content.decode()
    for code in StageStep.objects.values_list("code", flat=True):
        browser.post(url + "step/", {"step": code})
    browser.post(f"/protection/cases/{case.uuid}/closure/", {"closure_reason": "reintegrated"})
    assert ProtectionCase.objects.get(pk=case.pk).closure_reason == "reintegrated"

    supervisor = login(Client(), users["case_supervisor"])
    supervisor.post(f"/protection/cases/{case.uuid}/closure/decision/", {"decision": "approve"})
    case.refresh_from_db()
    assert case.status == "closed"
    assert Person.objects.get(pk=case.person_id).closed_at is not None
    assert "Closed on" in supervisor.get(url).content.decode()


def test_the_page_speaks_khmer(users):
    worker = users["caseworker"]
    case = _case(worker)
    services.return_home(actor=worker, case=case, returned_on=timezone.localdate() - dt.timedelta(days=40))
    worker.language = "km"
    worker.save()
    browser = login(Client(), worker)
    browser.cookies["karpear_language"] = "km"
    page = browser.get(f"/protection/cases/{case.uuid}/reintegration/").content.decode()
    assert "មានប្រភពចំណូលទៀងទាត់" in page  # a survey question in Khmer
    assert "Has a regular source of income" not in page
