"""The background export: queued by a user, run by the task worker as that user, downloaded and audited."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook

from conftest import login, make_user
from karpear.core import services
from karpear.core.models import AuditEvent, ExportJob, Person
from karpear.core.roles import Role


def _register(user: Any, name: str) -> Person:
    return services.person_create(actor=user, data=services.PersonInput(sex="female", birth_year=1990, name_latin=name))


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
    assert rows[0][:3] == ("case_number", "sex", "birth_year")
    assert "name_latin" in rows[0]  # a caseworker may read identities, so the file carries them
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
    assert "name_latin" not in header and "phone" not in header
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
