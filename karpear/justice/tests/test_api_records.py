"""The rest of a legal case written through the API (issue 13, item 10), over the same services as the pages: the
parties and offences, an investigation step, evidence uploaded as multipart/form-data (checked by content,
hashed, downloaded only through the audited route) and its chain of custody, a witness and their statement, a
cost charged to a budget line, a judgment and the compensation received later, a submission's reply; the same
refusals as the pages, nothing saved when one is refused, and a repeated upload with its Idempotency-Key saved
once."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from conftest import login, make_user
from karpear.core.models import AuditEvent, BudgetLine, Identity
from karpear.core.roles import Role
from karpear.justice import services
from karpear.justice.models import (
    CaseStatus,
    CustodyEntry,
    Evidence,
    LegalCase,
    Offence,
    Party,
    Statement,
    Submission,
    Verdict,
    Witness,
)
from karpear.justice.tests import factories as f

pytestmark = pytest.mark.django_db

API = "/api/v1/justice"


def api(user: Any) -> Client:
    return login(Client(), user)


def _json(client: Client, path: str, body: dict[str, Any], **headers: Any) -> Any:
    return client.post(f"{API}/{path}/", body, content_type="application/json", **headers)


def _upload(client: Client, case: LegalCase, content: bytes, name: str, **headers: Any) -> Any:
    body = {
        "case": str(case.uuid),
        "kind": "document",
        "description": "Employment contract",
        "source": "The client",
        "obtained_on": str(f.days_ago(5)),
        "holder": "ADHOC Phnom Penh office",
        "file": SimpleUploadedFile(name, content),
    }
    return client.post(f"{API}/evidence/", body, **headers)  # multipart/form-data


def test_a_lawyer_records_a_whole_case_through_the_api(users: Any, articles: None, budget_line: BudgetLine) -> None:
    lawyer = users["legal_officer"]
    case = f.case(lawyer, opened=60)
    client = api(lawyer)
    key = str(case.uuid)

    party = _json(client, "parties", {"case": key, "kind": "company", "name": "Sea Star Fishing Co."})
    offence = _json(client, "offences", {"case": key, "article": 15, "note": "Recruitment for forced labour"})
    step = _json(client, "steps", {"case": key, "done_on": str(f.days_ago(50)), "action": "Interviewed the crew"})
    assert (party.status_code, offence.status_code, step.status_code) == (201, 201, 201), (
        party.content,
        offence.content,
        step.content,
    )
    assert offence.json()["article"] == 15 and step.json()["done_by"] == str(lawyer.uuid)

    uploaded = _upload(client, case, f.PDF, "contract.pdf")
    assert uploaded.status_code == 201, uploaded.content
    item = uploaded.json()
    stored = Evidence.objects.get(uuid=item["uuid"])
    assert (item["size"], item["content_type"], item["sha256"]) == (len(f.PDF), "application/pdf", stored.sha256)
    downloaded = client.get(item["file_url"])
    assert b"".join(downloaded.streaming_content) == f.PDF  # type: ignore[attr-defined]
    assert AuditEvent.objects.filter(action="download", object_id=item["uuid"]).count() == 1
    custody = _json(
        client,
        "custody",
        {"evidence": item["uuid"], "at": str(f.days_ago(2)), "action": "submitted", "holder": "Provincial court"},
    )
    assert custody.status_code == 201, custody.content
    # The holder given with the upload is the first link; the transfer the second.
    listed = client.get(f"{API}/custody/?case={key}").json()["results"]
    assert sorted(row["holder"] for row in listed) == ["ADHOC Phnom Penh office", "Provincial court"]

    witness = _json(
        client,
        "witnesses",
        {
            "case": key,
            "description": "Co-worker on the boat",
            "sex": "male",
            "name_latin": "Chea Sokha",
            "phone": "012345678",
        },
    )
    assert witness.status_code == 201, witness.content
    assert "Chea Sokha" not in witness.content.decode() and "012345678" not in witness.content.decode()
    assert Identity.objects.get(person__uuid=witness.json()["person"]).name_latin == "Chea Sokha"
    statement = _json(
        client,
        "statements",
        {
            "witness": witness.json()["uuid"],
            "taken_on": str(f.days_ago(10)),
            "summary": "Saw the captain lock the hold.",
        },
    )
    assert statement.status_code == 201, statement.content

    cost = _json(
        client,
        "costs",
        {
            "case": key,
            "kind": "travel",
            "spent_on": str(f.days_ago(3)),
            "amount": "45.50",
            "currency": "USD",
            "subgrant": "CTIP-SG-02",
            "budget_line": "1",
        },
    )
    assert cost.status_code == 201, cost.content
    assert (cost.json()["subgrant"], cost.json()["budget_line"], cost.json()["amount"]) == ("CTIP-SG-02", "1", "45.50")

    submission = services.submission_add(
        actor=lawyer,
        case=case,
        data=services.SubmissionInput(
            addressee_kind="court", addressee="Koh Kong court", subject="Complaint", sent_on=f.days_ago(20)
        ),
    )
    reply = _json(
        client, f"submissions/{submission.uuid}/reply", {"reply_on": str(f.days_ago(4)), "reply": "Hearing set."}
    )
    assert reply.status_code == 200 and reply.json()["reply"] == "Hearing set.", reply.content

    judgment = _json(
        client,
        "judgments",
        {
            "case": key,
            "level": "provincial",
            "decided_on": str(f.days_ago(1)),
            "outcome": "convicted",
            "sentence": "7 years",
            "currency": "USD",
            "compensation_ordered": "5000",
            "compensation_received": "1000",
        },
    )
    assert judgment.status_code == 201, judgment.content
    later = _json(client, f"judgments/{judgment.json()['uuid']}/compensation", {"received": "3000"})
    assert later.status_code == 200 and later.json()["compensation_received"] == "3000.00", later.content

    case.refresh_from_db()
    assert case.status == CaseStatus.JUDGMENT
    counts = [
        m.objects.filter(case=case).count()
        for m in (Party, Offence, Evidence, CustodyEntry, Witness, Statement, Verdict)
    ]
    assert counts == [1, 1, 1, 2, 1, 1, 1]
    assert Submission.objects.get(pk=submission.pk).reply == "Hearing set."


def test_the_api_refuses_what_the_pages_refuse_and_saves_nothing(
    users: Any, articles: None, budget_line: BudgetLine
) -> None:
    lawyer = users["legal_officer"]
    case = f.case(lawyer, opened=30)
    client = api(lawyer)
    key = str(case.uuid)

    # A program disguised as a PDF: refused by its content, no file kept, no record.
    disguised = _upload(client, case, f.EXE, "contract.pdf")
    assert disguised.status_code == 400 and "file" in disguised.json()["fields"], disguised.content
    assert Evidence.objects.count() == 0
    # An article not in the law's list, a step before the case was opened, a cost on a budget line of no
    # sub-grant of the organisation, more compensation received than ordered without the confirmation.
    assert _json(client, "offences", {"case": key, "article": 999}).status_code == 400
    early = _json(client, "steps", {"case": key, "done_on": str(f.days_ago(45)), "action": "Interview"})
    assert early.status_code == 400 and "done_on" in early.json()["fields"], early.content
    cost = {"case": key, "kind": "travel", "spent_on": str(f.days_ago(1)), "amount": "10", "currency": "USD"}
    assert _json(client, "costs", {**cost, "subgrant": "CTIP-SG-02", "budget_line": "NOPE"}).status_code == 400
    riel = _json(
        client, "costs", {**cost, "currency": "KHR", "amount": "10.5", "subgrant": "CTIP-SG-02", "budget_line": "1"}
    )
    assert riel.status_code == 400 and "amount" in riel.json()["fields"]
    verdict = {"case": key, "level": "provincial", "decided_on": str(f.days_ago(1)), "outcome": "convicted"}
    excess = _json(client, "judgments", {**verdict, "compensation_ordered": "100", "compensation_received": "150"})
    assert excess.status_code == 400 and "compensation_received" in excess.json()["fields"]
    confirmed = {**verdict, "compensation_ordered": "100", "compensation_received": "150", "excess_confirmed": True}
    assert _json(client, "judgments", confirmed).status_code == 201
    # A witness with no name in either script.
    assert _json(client, "witnesses", {"case": key, "description": "Neighbour", "sex": "female"}).status_code == 400
    assert (Offence.objects.count(), Witness.objects.count(), Verdict.objects.count()) == (0, 0, 1)


def test_another_organisations_case_and_a_read_only_role_are_refused(users: Any, orgs: dict[str, Any]) -> None:
    other_lawyer = make_user(orgs["other"], Role.LEGAL_OFFICER, username="other-lawyer")
    theirs = f.case(other_lawyer, opened=20)
    mine = f.case(users["legal_officer"], opened=20)
    step = {"done_on": str(f.days_ago(2)), "action": "Interview"}
    refused = _json(api(users["legal_officer"]), "steps", {"case": str(theirs.uuid), **step})
    assert refused.status_code == 400 and "case" in refused.json()["fields"]
    # The M&E officer counts cases and changes none.
    assert _json(api(users["me_officer"]), "steps", {"case": str(mine.uuid), **step}).status_code == 403
    evidence = services.evidence_add(
        actor=other_lawyer, case=theirs, data=f.evidence_input(), upload=SimpleUploadedFile("c.pdf", f.PDF)
    )
    custody = {"evidence": str(evidence.uuid), "at": str(f.days_ago(1)), "action": "submitted", "holder": "Court"}
    assert _json(api(users["legal_officer"]), "custody", custody).status_code == 400
    assert CustodyEntry.objects.filter(evidence=evidence).count() == 1  # only the first link, from the upload


def test_an_upload_sent_again_with_its_idempotency_key_is_saved_once(users: Any) -> None:
    lawyer = users["legal_officer"]
    case = f.case(lawyer, opened=20)
    client = api(lawyer)
    first = _upload(client, case, f.PDF, "contract.pdf", HTTP_IDEMPOTENCY_KEY="upload-key-0001")
    again = _upload(client, case, f.PDF, "contract.pdf", HTTP_IDEMPOTENCY_KEY="upload-key-0001")
    assert (first.status_code, again.status_code) == (201, 201), (first.content, again.content)
    assert again["Idempotent-Replayed"] == "true" and again.json()["uuid"] == first.json()["uuid"]
    # Another file under the same key is another body: refused.
    other = _upload(client, case, f.PNG, "photo.png", HTTP_IDEMPOTENCY_KEY="upload-key-0001")
    assert other.status_code == 409
    assert Evidence.objects.filter(case=case).count() == 1


def test_a_step_or_a_statement_dated_before_the_case_was_opened_is_refused(users: Any) -> None:
    lawyer = users["legal_officer"]
    case = f.case(lawyer, opened=30)
    with pytest.raises(services.ValidationError) as step:
        services.step_add(actor=lawyer, case=case, done_on=f.days_ago(31), action="Interview")
    assert set(step.value.message_dict) == {"done_on"}
    witness = services.witness_add(
        actor=lawyer,
        case=case,
        person=services.core_services.PersonInput(sex="male", name_latin="Chea"),
        description="Crew",
    )
    with pytest.raises(services.ValidationError) as statement:
        services.statement_add(actor=lawyer, witness=witness, taken_on=f.days_ago(31), summary="Saw it")
    assert set(statement.value.message_dict) == {"taken_on"}
    assert not Statement.objects.exists()
