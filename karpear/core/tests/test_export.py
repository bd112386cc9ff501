"""The background export: queued by a user, run by the task worker as that user, downloaded and audited."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from conftest import login, make_user
from karpear.core import services
from karpear.core.models import AuditEvent, Consent, ExportJob, Person
from karpear.core.roles import Role


def _register(user: Any, name: str, consent: bool | None = True) -> Person:
    """A person, with the answer for case-management consent (None: nothing recorded)."""
    person = services.person_create(
        actor=user, data=services.PersonInput(sex="female", birth_year=1990, name_latin=name)
    )
    if consent is not None:
        services.consent_record(
            actor=user, person=person, purpose=Consent.Purpose.CASE_MANAGEMENT, given=consent, given_by="herself"
        )
    return person


def _export(client: Any, capture: Any, **form: str) -> tuple[ExportJob, list[tuple[Any, ...]]]:
    with capture(execute=True):
        response = client.post("/people/export/", form)
    assert response.status_code == 302, response.content.decode()[:500]
    job = ExportJob.objects.latest("created_at")
    sheet = load_workbook(io.BytesIO(client.get(f"/jobs/{job.uuid}/download/").content)).active
    return job, list(sheet.iter_rows(values_only=True))


def test_export_runs_in_the_background_and_downloads_only_what_the_user_may_see(
    orgs: dict[str, Any], client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    worker = make_user(orgs["own"], Role.CASEWORKER, username="worker")
    colleague = make_user(orgs["own"], Role.CASEWORKER, username="colleague")
    stranger = make_user(orgs["other"], Role.CASEWORKER, username="stranger")
    mine = [_register(worker, f"Sok Dara {i}") for i in range(3)]
    _register(colleague, "Chan Thida")  # another caseworker's person: outside "own" scope
    _register(stranger, "Heng Vanna")  # another organisation's person
    login(client, worker)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/people/export/")
    job = ExportJob.objects.get(requested_by=worker)
    assert response.status_code == 302
    assert response["Location"] == f"/jobs/{job.uuid}/"

    progress = client.get(f"/jobs/{job.uuid}/")
    assert progress.status_code == 200
    assert "Download" in progress.content.decode()

    download = client.get(f"/jobs/{job.uuid}/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith('attachment; filename="people-alpha-')
    sheet = load_workbook(io.BytesIO(download.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Case number", "Sex", "Birth year")  # the Excel header in the user's language
    assert "Name in Latin letters" in rows[0]  # a caseworker may read identities, so the file carries them
    assert sorted(r[0] for r in rows[1:]) == sorted(p.case_number for p in mine)
    actions = list(AuditEvent.objects.filter(object_id=str(job.uuid)).order_by("id").values_list("action", flat=True))
    assert actions == ["export", "view", "download"]


def test_a_programme_officers_export_has_no_identity_columns(
    orgs: dict[str, Any], client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    officer = make_user(orgs["own"], Role.ME_OFFICER, username="me")
    caseworker = make_user(orgs["own"], Role.CASEWORKER, username="cw")
    _register(caseworker, "Sok Dara")
    login(client, officer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/people/export/")
    job = ExportJob.objects.get(requested_by=officer)
    sheet = load_workbook(io.BytesIO(client.get(f"/jobs/{job.uuid}/download/").content)).active
    header = next(sheet.iter_rows(values_only=True))
    assert "Name in Latin letters" not in header and "Phone" not in header
    assert sheet.max_row == 2


def test_someone_elses_export_is_not_found(
    orgs: dict[str, Any], client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    owner = make_user(orgs["own"], Role.CASEWORKER, username="owner")
    other = make_user(orgs["own"], Role.CASE_SUPERVISOR, username="boss")
    login(client, owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/people/export/")
    job = ExportJob.objects.get(requested_by=owner)
    before = AuditEvent.objects.count()
    login(client, other)
    assert client.get(f"/jobs/{job.uuid}/download/").status_code == 404
    assert AuditEvent.objects.count() == before  # nothing was handed out, nothing to record


def test_a_queued_export_is_not_downloadable_yet(orgs: dict[str, Any], client: Any) -> None:
    owner = make_user(orgs["own"], Role.CASEWORKER, username="owner")
    login(client, owner)
    client.post("/people/export/")  # no on-commit execution: the task has not run
    job = ExportJob.objects.get(requested_by=owner)
    assert job.status == ExportJob.Status.QUEUED
    page = client.get(f"/jobs/{job.uuid}/").content.decode()
    assert (
        'hx-trigger="every 2s"' in page and 'http-equiv="refresh"' in page
    )  # htmx polling, or a refresh without script
    assert client.get(f"/jobs/{job.uuid}/download/").status_code == 404


def test_identifying_details_go_out_only_with_consent(
    orgs: dict[str, Any], client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    worker = make_user(orgs["own"], Role.CASEWORKER, username="worker")
    given = _register(worker, "Sok Dara", consent=True)
    refused = _register(worker, "Chan Thida", consent=False)
    unknown = _register(worker, "Heng Vanna", consent=None)
    withdrawn = _register(worker, "Keo Sophal", consent=True)
    services.consent_record(
        actor=worker, person=withdrawn, purpose=Consent.Purpose.CASE_MANAGEMENT, given=False, given_by="herself"
    )
    login(client, worker)
    page = client.get("/people/export/").content.decode()
    assert "consent for case management" in page
    assert 'name="override"' not in page  # a caseworker cannot override consent

    job, rows = _export(client, django_capture_on_commit_callbacks)
    header = rows[0]
    by_case = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert by_case[given.case_number]["Name in Latin letters"] == "Sok Dara"
    assert by_case[given.case_number]["Consent for case management"] == "given"
    for person, state in ((refused, "refused"), (unknown, "not_recorded"), (withdrawn, "refused")):
        assert by_case[person.case_number]["Consent for case management"] == state
        assert by_case[person.case_number]["Name in Latin letters"] in ("", None)
        assert by_case[person.case_number]["Phone"] in ("", None)
    view = AuditEvent.objects.get(object_id=str(job.uuid), action="view")
    assert view.details["identity_rows"] == 1 and view.details["without_consent"] == 0


def test_a_caseworker_cannot_override_consent_by_posting_it(
    orgs: dict[str, Any], client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    worker = make_user(orgs["own"], Role.CASEWORKER, username="worker")
    refused = _register(worker, "Chan Thida", consent=False)
    login(client, worker)
    job, rows = _export(client, django_capture_on_commit_callbacks, override="on", reason="I want to")
    assert job.params["consent_override"] is False  # the field does not exist for this role: ignored
    assert rows[1][0] == refused.case_number and rows[1][rows[0].index("Name in Latin letters")] in ("", None)
    assert not AuditEvent.objects.filter(action="consent_override").exists()


def test_a_supervisor_overrides_consent_with_a_reason_and_it_is_audited(
    orgs: dict[str, Any], client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    supervisor = make_user(orgs["own"], Role.CASE_SUPERVISOR, username="boss")
    refused = _register(supervisor, "Chan Thida", consent=False)
    _register(supervisor, "Sok Dara", consent=True)
    login(client, supervisor)
    assert 'name="override"' in client.get("/people/export/").content.decode()

    response = client.post("/people/export/", {"override": "on", "reason": "  ", "q": "Chan"})
    assert response.status_code == 200  # no reason: the form comes back with the message and the input kept
    page = response.content.decode()
    assert "Say why the details of people without consent must be exported." in page
    assert 'value="Chan"' in page and "checked" in page
    assert not ExportJob.objects.exists()

    job, rows = _export(
        client, django_capture_on_commit_callbacks, override="on", reason="Court order 12/2026", q="Chan"
    )
    assert [row[0] for row in rows[1:]] == [refused.case_number]
    assert rows[1][rows[0].index("Name in Latin letters")] == "Chan Thida"
    override = AuditEvent.objects.get(object_id=str(job.uuid), action="consent_override")
    assert override.actor == supervisor and override.details["reason"] == "Court order 12/2026"
    view = AuditEvent.objects.get(object_id=str(job.uuid), action="view")
    assert view.details == {"identity_rows": 1, "without_consent": 1, "reason": "export"}


def test_the_override_service_refuses_a_role_without_the_capability(orgs: dict[str, Any]) -> None:
    from django.core.exceptions import PermissionDenied

    worker = make_user(orgs["own"], Role.CASEWORKER, username="worker")
    with pytest.raises(PermissionDenied):
        services.export_people_request(actor=worker, override_reason="because")
    assert not ExportJob.objects.exists() and not AuditEvent.objects.filter(action="export").exists()


def test_the_export_carries_nationality_for_everyone_and_other_names_only_with_the_identity(
    orgs: dict[str, Any], client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    worker = make_user(orgs["own"], Role.CASEWORKER, username="worker")
    person = services.person_create(
        actor=worker,
        data=services.PersonInput(
            sex="female", birth_year=1990, name_latin="Sok Dara", nationality="VN", other_names="Dara\nNang Dara"
        ),
    )
    services.consent_record(
        actor=worker, person=person, purpose=Consent.Purpose.CASE_MANAGEMENT, given=True, given_by="herself"
    )
    login(client, worker)
    _job, rows = _export(client, django_capture_on_commit_callbacks)
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Nationality"] == "VN"
    assert row["Other names"] == "Dara; Nang Dara"

    monitoring = make_user(orgs["own"], Role.ME_OFFICER, username="monitoring")
    login(client, monitoring)
    _job, rows = _export(client, django_capture_on_commit_callbacks)
    assert "Nationality" in rows[0] and "Other names" not in rows[0]  # no identity role, no names at all
