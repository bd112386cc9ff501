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


def test_the_rest_of_a_case_is_read_through_the_api_and_evidence_only_through_the_audited_download(users, orgs):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from karpear.core.models import AuditEvent
    from karpear.core.tests.factories import person_input
    from karpear.justice import services

    lawyer = users["legal_officer"]
    case = f.case(lawyer, opened=40)
    services.step_add(actor=lawyer, case=case, done_on=f.days_ago(30), action="Interviewed the client")
    evidence = services.evidence_add(
        actor=lawyer, case=case, data=f.evidence_input(), upload=SimpleUploadedFile("contract.pdf", f.PDF)
    )
    services.witness_add(actor=lawyer, case=case, person=person_input(name_latin="Sok Dara"), description="Crew")
    services.escalation_raise(actor=lawyer, case=case, raised_on=f.days_ago(3), reason="Police refuse")
    client = api(lawyer)

    steps = client.get(f"/api/v1/justice/steps/?case={case.uuid}").json()
    assert [row["action"] for row in steps["results"]] == ["Interviewed the client"]
    item = client.get(f"/api/v1/justice/evidence/{evidence.uuid}/").json()
    assert item["sha256"] == evidence.sha256 and item["size"] == len(f.PDF)
    witnesses = client.get("/api/v1/justice/witnesses/").json()["results"]
    assert "Sok Dara" not in str(witnesses)  # a witness is a pseudonymous person in the API
    assert client.get("/api/v1/justice/escalations/").json()["results"][0]["reason"] == "Police refuse"

    downloaded = client.get(item["file_url"])
    assert downloaded.status_code == 200 and b"".join(downloaded.streaming_content) == f.PDF
    assert AuditEvent.objects.filter(action="download", object_id=str(evidence.uuid)).count() == 1

    other = api(make_user(orgs["other"], Role.LEGAL_OFFICER))
    assert other.get(f"/api/v1/justice/evidence/{evidence.uuid}/").status_code == 404
    assert other.get("/api/v1/justice/steps/").json()["count"] == 0
    assert other.get(item["file_url"]).status_code == 404


# ---------------------------------------------------------------- the newer writes
def _post(client: Client, path: str, body: dict, **headers) -> object:
    return client.post(path, body, content_type="application/json", **headers)


def test_an_escalation_is_raised_and_answered_by_the_supervisor_through_the_api(users):
    lawyer, supervisor = users["legal_officer"], users["case_supervisor"]
    case = f.case(lawyer, opened=20)
    raised = _post(
        api(lawyer),
        "/api/v1/justice/escalations/",
        {"case": str(case.uuid), "raised_on": str(f.days_ago(3)), "reason": "Police refuse"},
    )
    assert raised.status_code == 201, raised.content
    escalation = raised.json()
    refused = _post(
        api(lawyer),
        f"/api/v1/justice/escalations/{escalation['uuid']}/response/",
        {"responded_on": str(f.days_ago(1)), "response": "Written to the commissioner"},
    )
    assert refused.status_code == 403  # only the central office (a case supervisor) responds
    answered = _post(
        api(supervisor),
        f"/api/v1/justice/escalations/{escalation['uuid']}/response/",
        {"responded_on": str(f.days_ago(1)), "response": "Written to the commissioner"},
    )
    assert answered.status_code == 200 and answered.json()["response"] == "Written to the commissioner"
    again = _post(
        api(lawyer),
        "/api/v1/justice/escalations/",
        {"case": str(case.uuid), "raised_on": str(f.days_ago(4)), "reason": "x"},
    )
    assert again.status_code == 201  # the last one was answered: a new one may be raised


def test_advocacy_and_a_case_study_with_its_consent_through_the_api(users):
    lawyer = users["legal_officer"]
    case = f.case(lawyer, opened=20, name_latin="Sok Dara")
    client = api(lawyer)
    action = _post(
        client,
        "/api/v1/justice/advocacy/",
        {
            "case": str(case.uuid),
            "done_on": str(f.days_ago(2)),
            "body_kind": "police",
            "body": "Provincial police",
            "action": "Met the chief",
        },
    )
    assert action.status_code == 201 and client.get(f"/api/v1/justice/advocacy/?case={case.uuid}").json()["count"] == 1
    named = _post(
        client, "/api/v1/justice/case-studies/", {"case": str(case.uuid), "title": "A", "text": "Sok Dara was deceived"}
    )
    assert named.status_code == 400 and "text" in named.json()["fields"]  # not anonymised: refused
    study = _post(
        client,
        "/api/v1/justice/case-studies/",
        {"case": str(case.uuid), "title": "A", "text": "A young man was deceived"},
    )
    assert study.status_code == 201 and study.json()["for_donor_reports"] is False
    consented = _post(
        client,
        f"/api/v1/justice/case-studies/{study.json()['uuid']}/consent/",
        {"given": True, "on": str(f.days_ago(1))},
    )
    assert consented.status_code == 200 and consented.json()["for_donor_reports"] is True


def test_the_supervisor_gives_a_case_to_another_lawyer_through_the_api(users, orgs):
    lawyer, supervisor = users["legal_officer"], users["case_supervisor"]
    case = f.case(lawyer)
    second = make_user(orgs["own"], Role.LEGAL_OFFICER, username="second-lawyer")
    assert (
        _post(api(lawyer), f"/api/v1/justice/cases/{case.uuid}/lawyer/", {"lawyer": str(second.uuid)}).status_code
        == 403
    )
    given = _post(
        api(supervisor), f"/api/v1/justice/cases/{case.uuid}/lawyer/", {"lawyer": str(second.uuid), "reason": "Load"}
    )
    assert given.status_code == 200 and given.json()["lawyer"] == str(second.uuid)
    stranger = make_user(orgs["other"], Role.LEGAL_OFFICER, username="stranger")
    wrong = _post(api(supervisor), f"/api/v1/justice/cases/{case.uuid}/lawyer/", {"lawyer": str(stranger.uuid)})
    assert wrong.status_code == 400 and "lawyer" in wrong.json()["fields"]
    assert LegalCase.objects.get().lawyer == second


def test_a_repatriation_is_requested_its_arrival_recorded_and_the_client_handed_over_once_per_key(users, orgs):
    from karpear.core.models import Referral

    lawyer = users["legal_officer"]
    case = f.case(lawyer, opened=30)
    client = api(lawyer)
    asked = _post(
        client,
        "/api/v1/justice/repatriations/",
        {
            "case": str(case.uuid),
            "country": "MY",
            "persons": 1,
            "authority": "Embassy",
            "requested_on": str(f.days_ago(20)),
        },
    )
    assert asked.status_code == 201, asked.content
    uuid = asked.json()["uuid"]
    early = _post(client, f"/api/v1/justice/repatriations/{uuid}/status/", {"status": "arrived"})
    assert early.status_code == 400 and "arrived_on" in early.json()["fields"]
    arrived = _post(
        client, f"/api/v1/justice/repatriations/{uuid}/status/", {"status": "arrived", "arrived_on": str(f.days_ago(2))}
    )
    assert arrived.status_code == 200 and arrived.json()["status"] == "arrived"
    body = {"receiver": str(orgs["other"].uuid), "people": [str(case.client.uuid)], "consent_given_by": "The person"}
    first = _post(client, f"/api/v1/justice/repatriations/{uuid}/handover/", body, HTTP_IDEMPOTENCY_KEY="handover-0001")
    again = _post(client, f"/api/v1/justice/repatriations/{uuid}/handover/", body, HTTP_IDEMPOTENCY_KEY="handover-0001")
    assert first.status_code == 201 and len(first.json()) == 1
    assert again["Idempotent-Replayed"] == "true"
    assert Referral.objects.filter(receiver=orgs["other"]).count() == 1  # sent once, whatever the network did


def test_a_write_repeated_with_its_idempotency_key_is_not_repeated(users):
    from karpear.justice.models import Escalation

    lawyer = users["legal_officer"]
    case = f.case(lawyer, opened=20)
    body = {"case": str(case.uuid), "raised_on": str(f.days_ago(3)), "reason": "Police refuse"}
    first = _post(api(lawyer), "/api/v1/justice/escalations/", body, HTTP_IDEMPOTENCY_KEY="esc-key-0001")
    again = _post(api(lawyer), "/api/v1/justice/escalations/", body, HTTP_IDEMPOTENCY_KEY="esc-key-0001")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["uuid"] == first.json()["uuid"] and Escalation.objects.count() == 1
