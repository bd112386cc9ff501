"""Investigation through the services: steps, evidence files (type by content, size limit, checksum streamed,
names with a path refused), the chain of custody, witnesses whose identity core protects, statements."""

from __future__ import annotations

import hashlib
import os

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile

from conftest import make_user
from karpear.core.models import AuditEvent, Identity, Person
from karpear.core.roles import Role
from karpear.core.storage import private_storage
from karpear.core.tests.factories import person_input
from karpear.justice import selectors, services
from karpear.justice.models import CustodyEntry, Evidence, InvestigationStep, Statement, Witness
from karpear.justice.tests import factories as f

pytestmark = pytest.mark.django_db


def stored_files() -> list[str]:
    root = private_storage().path("evidence")
    return [os.path.join(d, n) for d, _, names in os.walk(root) for n in names] if os.path.isdir(root) else []


def evidence_state() -> tuple[int, int, int, list[str]]:
    return Evidence.objects.count(), CustodyEntry.objects.count(), AuditEvent.objects.count(), stored_files()


def test_a_step_is_dated_by_whom_with_its_finding(users):
    lawyer = users["legal_officer"]
    case = f.case(lawyer)

    step = services.step_add(
        actor=lawyer, case=case, done_on=f.days_ago(3), action="Visited the port", finding="Boat left in March"
    )

    assert (step.done_by, step.finding, step.recorded_by) == (lawyer, "Boat left in March", lawyer)
    with pytest.raises(ValidationError) as error:
        services.step_add(actor=lawyer, case=case, done_on=f.days_ago(-2), action="")
    assert set(error.value.message_dict) == {"done_on", "action"}
    assert InvestigationStep.objects.count() == 1


def test_an_evidence_file_is_stored_privately_with_its_checksum_size_and_first_custody_link(users):
    lawyer = users["legal_officer"]
    case = f.case(lawyer)
    upload = SimpleUploadedFile("contract ខ្មែរ.pdf", f.PDF, content_type="application/octet-stream")

    evidence = services.evidence_add(
        actor=lawyer, case=case, data=f.evidence_input(holder="ADHOC office"), upload=upload
    )

    assert evidence.sha256 == hashlib.sha256(f.PDF).hexdigest()
    assert (evidence.size, evidence.content_type, evidence.file_name) == (
        len(f.PDF),
        "application/pdf",
        "contract ខ្មែរ.pdf",
    )
    assert "contract" not in evidence.file.name  # stored under a random name
    with private_storage().open(evidence.file.name, "rb") as stored:
        assert stored.read() == f.PDF
    with pytest.raises(ValueError):
        private_storage().url(evidence.file.name)  # never given a URL
    chain = list(CustodyEntry.objects.filter(evidence=evidence).values_list("action", "holder"))
    assert chain == [("received", "ADHOC office")]
    event = AuditEvent.objects.get(action="create", object_id=str(evidence.uuid))
    assert event.details["sha256"] == evidence.sha256


def test_the_checksum_is_computed_in_chunks_while_streaming(users, monkeypatch):
    lawyer = users["legal_officer"]
    case = f.case(lawyer)
    content = f.PDF + b"0" * (services.CHUNK * 3 + 17)
    monkeypatch.setattr(services, "CHUNK", 1024)
    seen: list[int] = []
    # Past FILE_UPLOAD_MAX_MEMORY_SIZE Django spools an upload to a temporary file, read here chunk by chunk.
    upload = TemporaryUploadedFile("big.pdf", "application/pdf", len(content), None)
    upload.write(content)
    upload.seek(0)
    original = upload.chunks

    def chunks(size=None):
        for chunk in original(size):
            seen.append(len(chunk))
            yield chunk

    upload.chunks = chunks  # type: ignore[method-assign]
    evidence = services.evidence_add(actor=lawyer, case=case, data=f.evidence_input(), upload=upload)

    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    assert max(seen) == 1024 and len(seen) == -(-len(content) // 1024)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("tool.pdf", f.EXE, "not accepted"),  # a program named .pdf: the content decides
        ("notes.txt", b"just some text", "not accepted"),
        ("..\\..\\etc\\evil.pdf", f.PDF, "folder path"),
        ("a\x00b.pdf", f.PDF, "not allowed"),
    ],
)
def test_a_forbidden_file_or_name_is_refused_and_nothing_is_saved(users, name, content, message):
    lawyer = users["legal_officer"]
    case = f.case(lawyer)
    upload = SimpleUploadedFile("x.pdf", content)
    upload._name = name  # as a client could send it (Django strips "/" paths itself)
    before = evidence_state()

    with pytest.raises(ValidationError) as error:
        services.evidence_add(actor=lawyer, case=case, data=f.evidence_input(), upload=upload)

    assert message in error.value.message_dict["file"][0]
    assert evidence_state() == before


def test_a_file_over_the_size_limit_is_refused_and_nothing_is_kept(users, settings):
    settings.KARPEAR_EVIDENCE_MAX_BYTES = 1024 * 1024
    lawyer = users["legal_officer"]
    case = f.case(lawyer)
    before = evidence_state()

    with pytest.raises(ValidationError) as error:
        services.evidence_add(
            actor=lawyer,
            case=case,
            data=f.evidence_input(),
            upload=SimpleUploadedFile("big.pdf", f.PDF + b"0" * (1024 * 1024)),
        )

    assert error.value.message_dict["file"] == ["The file is larger than 1 MB."]
    assert evidence_state() == before


def test_a_failure_after_the_file_is_written_removes_the_file(users, monkeypatch):
    lawyer = users["legal_officer"]
    case = f.case(lawyer)
    before = evidence_state()

    def broken(**kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(services.audit, "record", broken)
    with pytest.raises(RuntimeError):
        services.evidence_add(
            actor=lawyer, case=case, data=f.evidence_input(), upload=SimpleUploadedFile("a.pdf", f.PDF)
        )
    assert evidence_state() == before


def test_the_chain_of_custody_goes_forward_in_time(users):
    lawyer = users["legal_officer"]
    case = f.case(lawyer)
    evidence = services.evidence_add(actor=lawyer, case=case, data=f.evidence_input(), upload=None)

    services.custody_add(actor=lawyer, evidence=evidence, at=f.days_ago(5), action="submitted", holder="Court clerk")
    with pytest.raises(ValidationError) as error:
        services.custody_add(actor=lawyer, evidence=evidence, at=f.days_ago(9), action="returned", holder="Client")

    assert "before the previous entry" in error.value.message_dict["at"][0]
    assert list(CustodyEntry.objects.filter(evidence=evidence).values_list("action", flat=True)) == [
        "received",
        "submitted",
    ]


def test_a_witness_is_a_person_whose_identity_core_protects(orgs, users):
    lawyer = users["legal_officer"]
    case = f.case(lawyer)

    witness = services.witness_add(
        actor=lawyer, case=case, person=person_input(name_latin="Heng Vanna"), description="Co-worker on the boat"
    )
    services.statement_add(actor=lawyer, witness=witness, taken_on=f.days_ago(2), summary="We worked 20 hours a day")

    assert Identity.objects.get(person=witness.person).name_latin == "Heng Vanna"
    read = selectors.witnesses(user=lawyer, case=case)
    assert read[0].identity.name_latin == "Heng Vanna"
    assert [s.summary for s in read[0].statement_list] == ["We worked 20 hours a day"]
    assert AuditEvent.objects.filter(action="view", object_id=str(witness.person.uuid)).count() == 1
    # A role without view_identity sees the witness and the statement, never the name.
    supervisor_without = make_user(orgs["own"], Role.ME_OFFICER, username="me")
    assert selectors.witnesses(user=supervisor_without, case=case) == []


def test_a_witness_needs_a_description_and_nothing_is_registered(users):
    lawyer = users["legal_officer"]
    case = f.case(lawyer)
    before = (Person.objects.count(), Witness.objects.count(), Statement.objects.count())
    with pytest.raises(ValidationError):
        services.witness_add(actor=lawyer, case=case, person=person_input(), description=" ")
    assert (Person.objects.count(), Witness.objects.count(), Statement.objects.count()) == before


def test_a_caseworker_cannot_add_evidence(orgs, users):
    case = f.case(users["legal_officer"])
    before = evidence_state()
    with pytest.raises(PermissionDenied):
        services.evidence_add(
            actor=users["caseworker"], case=case, data=f.evidence_input(), upload=SimpleUploadedFile("a.pdf", f.PDF)
        )
    assert evidence_state() == before
