"""The screening page in the browser: the questionnaire by dimension, the suggestion with what led to it (or the
questions still unanswered), and the decisions with their history."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from conftest import login
from karpear.protection import services
from karpear.protection.models import Determination, ProtectionCase, Screening
from karpear.protection.tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("indicators")]


def _post(answers: dict[str, str], **extra: str) -> dict[str, str]:
    return {"list": "adult_labour", **{f"ind-{code}": value for code, value in answers.items()}, **extra}


def test_the_questionnaire_shows_the_indicators_by_dimension_in_the_readers_language(users):
    case = f.case(users["caseworker"])
    browser = login(Client(), users["caseworker"])

    english = browser.get(f"/protection/cases/{case.uuid}/screening/").content.decode()
    browser.cookies["karpear_language"] = "km"
    users["caseworker"].language = "km"
    users["caseworker"].save()
    khmer = browser.get(f"/protection/cases/{case.uuid}/screening/").content.decode()

    assert "Deceptive recruitment" in english and "Deceived about wages/earnings" in english
    assert english.count('name="ind-adult-labour-') == 67 * 2  # yes and no for each indicator
    assert "ត្រូវបានបោកបញ្ឆោតអំពីប្រាក់ឈ្នួល/ប្រាក់ចំណូល" in khmer


def test_saving_a_partial_screening_names_the_questions_left(users):
    case = f.case(users["caseworker"])
    browser = login(Client(), users["caseworker"])
    codes = [i.code for i in services.indicators_for("adult_labour")]
    answers = dict.fromkeys(codes[:-2], "no")

    response = browser.post(f"/protection/cases/{case.uuid}/screening/", _post(answers), follow=True)

    page = response.content.decode()
    assert "The screening is saved, without a suggestion: some answers are missing." in page
    assert "No suggestion: some questions are not answered yet." in page
    assert "Difficulties in the past" in page and "Personal characteristics" in page  # the two left unanswered
    assert Screening.objects.get().suggestion == ""


def test_a_complete_screening_shows_its_suggestion_and_a_decision_is_recorded_with_its_history(users):
    case = f.case(users["caseworker"])
    browser = login(Client(), users["caseworker"])
    answers = {i.code: "no" for i in services.indicators_for("adult_labour")}

    browser.post(f"/protection/cases/{case.uuid}/screening/", _post(answers))
    decided = browser.post(
        f"/protection/cases/{case.uuid}/determination/",
        {"status": "not_identified", "deciding_body": "ngo", "decided_on": timezone.localdate().strftime("%d/%m/%Y")},
        follow=True,
    )

    page = decided.content.decode()
    assert "Not identified as a victim" in page and "(before: Not screened yet)" in page
    assert Determination.objects.get().status == "not_identified"


def test_a_decision_against_the_suggestion_without_a_note_is_refused_next_to_the_note(users):
    case = f.case(users["caseworker"])
    browser = login(Client(), users["caseworker"])
    browser.post(
        f"/protection/cases/{case.uuid}/screening/",
        _post({i.code: "no" for i in services.indicators_for("adult_labour")}),
    )

    response = browser.post(
        f"/protection/cases/{case.uuid}/determination/",
        {"status": "presumed", "deciding_body": "ngo", "decided_on": timezone.localdate().strftime("%d/%m/%Y")},
    )

    assert response.status_code == 400
    assert "Say why the decision differs from the screening&#x27;s suggestion." in response.content.decode()
    assert Determination.objects.count() == 0


def test_a_role_that_reads_cases_but_does_not_screen_sees_no_form(users):
    case = f.case(users["caseworker"])
    ProtectionCase.objects.filter(pk=case.pk).update(assigned_to=users["legal_officer"])
    browser = login(Client(), users["legal_officer"])

    page = browser.get(f"/protection/cases/{case.uuid}/screening/").content.decode()
    refused = browser.post(f"/protection/cases/{case.uuid}/screening/", _post({}))

    assert "Save the screening" not in page and "Record a decision" not in page
    assert refused.status_code == 403
    assert Screening.objects.count() == 0
