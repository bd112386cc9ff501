"""Screening, identification, the return home and follow-up visits recorded through the API (issue 11, item 9),
over the same services as the pages: the engine's suggestion and what led to it (or the indicators missing), the
human determination that departs from it only with a note, the visits scheduled at the return home and recorded
with their sustainability scores; the same refusals, and a visit sent again with its Idempotency-Key saved once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from conftest import login
from karpear.protection import services
from karpear.protection.models import FollowUp, ProtectionCase, Screening, SustainabilityIndicator
from karpear.protection.tests import factories as f
from karpear.protection.tests.test_services_screening import FISHING_BOAT

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("indicators", "lifecycle")]

API = "/api/v1/protection"


def _post(client: Client, path: str, body: dict[str, Any], **headers: Any) -> Any:
    return client.post(f"{API}/{path}/", body, content_type="application/json", **headers)


def _days_ago(days: int) -> str:
    return str(timezone.localdate() - dt.timedelta(days=days))


def _case(worker: Any) -> ProtectionCase:
    case = f.case(worker)
    ProtectionCase.objects.filter(pk=case.pk).update(arrived_on=timezone.localdate() - dt.timedelta(days=60))
    case.refresh_from_db()
    return case


def _answers(present: set[tuple[str, str]]) -> dict[str, bool]:
    return {i.code: (i.dimension, i.text_en) in present for i in services.indicators_for("adult_labour")}


def _survey(value: int) -> dict[str, int]:
    return dict.fromkeys(SustainabilityIndicator.objects.filter(active=True).values_list("code", flat=True), value)


def test_a_caseworker_screens_decides_and_follows_a_case_up_through_the_api(users: Any) -> None:
    worker, supervisor = users["caseworker"], users["case_supervisor"]
    case = _case(worker)
    client = login(Client(), worker)
    first = next(iter(_answers(FISHING_BOAT)))
    partial = _post(
        client,
        "screenings",
        {"case": str(case.uuid), "list": "adult_labour", "answers": {first: True}, "screened_on": _days_ago(59)},
    )
    assert partial.status_code == 201, partial.content
    assert partial.json()["suggestion"] == "" and partial.json()["evidence"]["missing"]  # names what is unanswered
    whole = _post(
        client,
        "screenings",
        {
            "case": str(case.uuid),
            "list": "adult_labour",
            "answers": _answers(FISHING_BOAT),
            "screened_on": _days_ago(59),
        },
    )
    assert whole.status_code == 201, whole.content
    suggested = whole.json()["suggestion"]
    assert suggested == "presumed" and whole.json()["evidence"]["positive"]  # DOMAIN §1's worked case
    assert Screening.objects.filter(case=case).count() == 2

    # The supervisor decides otherwise than the suggestion: a note is needed.
    boss = login(Client(), supervisor)
    other = "possible"
    body = {"status": other, "deciding_body": "ngo", "decided_on": _days_ago(58)}
    refused = _post(boss, f"cases/{case.uuid}/determination", body)
    assert refused.status_code == 400 and "note" in refused.json()["fields"], refused.content
    decided = _post(boss, f"cases/{case.uuid}/determination", {**body, "note": "Interviewed again with a lawyer."})
    assert decided.status_code == 200 and decided.json()["identification"] == other, decided.content

    # A visit before the return home is refused; the return home schedules the visits; a visit is recorded.
    early = {"case": str(case.uuid), "visited_on": _days_ago(10), "answers": _survey(4)}
    assert _post(client, "follow-ups", early).status_code == 400
    home = _post(client, f"cases/{case.uuid}/return-home", {"returned_on": _days_ago(45)})
    assert home.status_code == 200 and home.json()["returned_on"] == _days_ago(45), home.content
    assert _post(client, f"cases/{case.uuid}/return-home", {"returned_on": _days_ago(44)}).status_code == 400
    visit = _post(client, "follow-ups", {**early, "feels_safe": True, "monthly_income": "600000"})
    assert visit.status_code == 201, visit.content
    answer = visit.json()
    assert (answer["months"], answer["visited_on"], answer["feels_safe"]) == (1, _days_ago(10), True)
    assert answer["composite"] is not None and float(answer["composite"]) > 0
    assert FollowUp.objects.filter(case=case, visited_on__isnull=False).count() == 1


def test_a_visit_without_every_answer_or_a_screening_of_an_unknown_indicator_is_refused(users: Any) -> None:
    worker = users["caseworker"]
    case = _case(worker)
    services.return_home(actor=worker, case=case, returned_on=timezone.localdate() - dt.timedelta(days=40))
    client = login(Client(), worker)
    survey = _survey(3)
    survey.pop(next(iter(survey)))
    incomplete = _post(client, "follow-ups", {"case": str(case.uuid), "visited_on": _days_ago(5), "answers": survey})
    assert incomplete.status_code == 400
    unknown = _post(client, "screenings", {"case": str(case.uuid), "list": "adult_labour", "answers": {"nope": True}})
    assert unknown.status_code == 400
    assert not Screening.objects.exists() and not FollowUp.objects.filter(visited_on__isnull=False).exists()


def test_roles_without_the_capability_and_another_organisation_are_refused(users: Any, orgs: Any) -> None:
    from conftest import make_user
    from karpear.core.roles import Role

    case = _case(users["caseworker"])
    body = {"case": str(case.uuid), "list": "adult_labour", "answers": {}}
    assert _post(login(Client(), users["me_officer"]), "screenings", body).status_code == 403
    stranger = login(Client(), make_user(orgs["other"], Role.CASEWORKER, username="other-cw"))
    assert _post(stranger, "screenings", body).status_code == 400  # not a case they may see
    assert _post(stranger, f"cases/{case.uuid}/return-home", {"returned_on": _days_ago(5)}).status_code == 404
    assert ProtectionCase.objects.get(pk=case.pk).returned_on is None


def test_a_visit_sent_again_with_its_idempotency_key_is_recorded_once(users: Any) -> None:
    worker = users["caseworker"]
    case = _case(worker)
    services.return_home(actor=worker, case=case, returned_on=timezone.localdate() - dt.timedelta(days=40))
    client = login(Client(), worker)
    body = {"case": str(case.uuid), "visited_on": _days_ago(5), "answers": _survey(4)}
    first = _post(client, "follow-ups", body, HTTP_IDEMPOTENCY_KEY="visit-key-0001")
    again = _post(client, "follow-ups", body, HTTP_IDEMPOTENCY_KEY="visit-key-0001")
    assert (first.status_code, again.status_code) == (201, 201), (first.content, again.content)
    assert again.json()["uuid"] == first.json()["uuid"]
    assert FollowUp.objects.filter(case=case, visited_on__isnull=False).count() == 1


def test_a_caseworker_refers_the_case_through_the_api_with_the_persons_consent(users: Any, orgs: Any) -> None:
    from karpear.core import services as core_services
    from karpear.core.models import Consent, Referral

    worker = users["caseworker"]
    case = _case(worker)
    partner = orgs["other"]
    client = login(Client(), worker)
    body = {
        "case": str(case.uuid),
        "receiver": str(partner.uuid),
        "sections": ["protection_case_summary", "protection_service_plan"],
        "reason": "Legal aid against the broker.",
    }
    no_consent = _post(client, "referrals", body)
    assert no_consent.status_code == 400 and not Referral.objects.exists(), no_consent.content
    own = _post(client, "referrals", {**body, "receiver": str(case.organisation.uuid)})
    assert own.status_code == 400 and "receiver" in own.json()["fields"]
    core_services.consent_record(
        actor=worker,
        person=case.person,
        purpose=Consent.Purpose.REFERRAL,
        given=True,
        given_by="self",
        recipient=partner,
    )
    sent = _post(client, "referrals", body)
    assert sent.status_code == 201, sent.content
    assert sent.json()["receiver"] == partner.short_name
    assert sorted(sent.json()["sections"]) == ["protection_case_summary", "protection_service_plan"]
    assert Referral.objects.get().status == Referral.Status.PENDING
    # The M&E officer, who may not refer, is refused.
    assert _post(login(Client(), users["me_officer"]), "referrals", body).status_code == 403
