"""Exports of any kind (issue 9, item 8): a kind registered by an app, its formats, the generic runner with
progress, the audited download with the format's content type, and retention of the files."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from conftest import login, make_org, make_user
from karpear.core import services
from karpear.core.models import AuditEvent, ExportJob
from karpear.core.roles import Role
from karpear.core.tests.factories import register
from karpear.core.tests.sample_module.models import Visit


@pytest.fixture
def org(db: Any) -> Any:
    return make_org("alpha")


def test_an_apps_export_kind_runs_through_the_generic_runner_and_downloads_with_its_type(
    org: Any, django_capture_on_commit_callbacks: Any
) -> None:
    caseworker = make_user(org, Role.CASEWORKER, username="cw")
    person = register(caseworker, name_latin="Sok Dara")
    Visit.objects.create(organisation=org, person=person, made_by=caseworker, note="=HYPERLINK(1)")
    with django_capture_on_commit_callbacks(execute=True):  # the task runs at once in tests
        job = services.export_request(actor=caseworker, kind="sample_visits_csv", fmt="csv")
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.total_rows == 1 and job.done_rows == 1
    assert job.filename.startswith("visits-alpha-") and job.filename.endswith(".csv")
    client = Client()
    login(client, caseworker)
    response = client.get(f"/jobs/{job.uuid}/download/")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert AuditEvent.objects.filter(action="download", object_id=str(job.uuid)).count() == 1


def test_a_kind_refuses_a_format_it_does_not_make_and_a_role_without_its_capability(org: Any) -> None:
    caseworker = make_user(org, Role.CASEWORKER, username="cw")
    officer = make_user(org, Role.PROGRAMME_OFFICER, username="po")
    with pytest.raises(ValidationError) as error:
        services.export_request(actor=caseworker, kind="sample_visits_csv", fmt="pdf")
    assert "cannot be made in this format" in str(error.value)
    with pytest.raises(PermissionDenied):
        services.export_request(actor=officer, kind="sample_visits_csv", fmt="csv")
    with pytest.raises(ValidationError, match="does not exist"):
        services.export_request(actor=caseworker, kind="nobody_declared_this", fmt="csv")
    assert ExportJob.objects.count() == 0


def test_the_people_export_as_csv_is_excel_readable_khmer_and_never_a_formula(
    org: Any, django_capture_on_commit_callbacks: Any
) -> None:
    caseworker = make_user(org, Role.CASEWORKER, username="cw")
    person = register(caseworker, name_km="សុខ ចន្ថា", name_latin="Sok Chantha", case_number="=CMD()")
    services.consent_record(actor=caseworker, person=person, purpose="case_management", given=True, given_by="self")
    with django_capture_on_commit_callbacks(execute=True):
        job = services.export_people_request(actor=caseworker, fmt="csv")
    job.refresh_from_db()
    text = bytes(job.content).decode("utf-8")
    assert text.startswith("\ufeff")  # Excel then reads the UTF-8 Khmer correctly
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["case_number", "sex", "birth_year"]
    assert rows[1][0] == "'=CMD()" and "សុខ ចន្ថា" in rows[1]
    assert job.filename.endswith(".csv") and job.format == "csv"


def test_try_again_asks_the_kind_for_the_same_export_with_the_same_format(org: Any) -> None:
    caseworker = make_user(org, Role.CASEWORKER, username="cw")
    failed = ExportJob.objects.create(
        organisation=org,
        requested_by=caseworker,
        kind="people",
        format="csv",
        status=ExportJob.Status.FAILED,
        params={"q": "", "filters": {}},
    )
    again = services.export_retry(actor=caseworker, job=failed)
    assert (again.kind, again.format) == ("people", "csv") and again.pk != failed.pk
    event = AuditEvent.objects.get(action="export", object_id=str(again.uuid))
    assert event.details["retry_of"] == str(failed.uuid)


def test_old_files_are_deleted_after_the_retention_period_and_each_deletion_is_audited(org: Any, settings: Any) -> None:
    settings.EXPORT_RETENTION_DAYS = 7
    caseworker = make_user(org, Role.CASEWORKER, username="cw")
    now = timezone.now()
    old = ExportJob.objects.create(
        organisation=org,
        requested_by=caseworker,
        status=ExportJob.Status.DONE,
        content=b"old",
        filename="people-old.xlsx",
        finished_at=now - dt.timedelta(days=8),
    )
    recent = ExportJob.objects.create(
        organisation=org,
        requested_by=caseworker,
        status=ExportJob.Status.DONE,
        content=b"new",
        finished_at=now - dt.timedelta(days=2),
    )
    assert services.export_retention(now=now) == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.status == ExportJob.Status.DELETED and old.content is None
    assert recent.status == ExportJob.Status.DONE and bytes(recent.content) == b"new"
    event = AuditEvent.objects.get(action="delete", object_id=str(old.uuid))
    assert event.details == {"reason": "retention", "filename": "people-old.xlsx"}
    assert services.export_retention(now=now) == 0  # nothing twice
    client = Client()
    login(client, caseworker)
    page = client.get(f"/jobs/{old.uuid}/").content.decode()
    assert "deleted at the end of its retention period" in page
    assert client.get(f"/jobs/{old.uuid}/download/").status_code == 404


def test_the_export_page_offers_the_formats_and_the_job_page_names_the_kind(org: Any) -> None:
    caseworker = make_user(org, Role.CASEWORKER, username="cw")
    client = Client()
    login(client, caseworker)
    page = client.get("/people/export/").content.decode()
    assert 'value="csv"' in page and 'value="xlsx"' in page
    response = client.post("/people/export/", {"format": "csv"})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and job.format == "csv"
    assert "Export: People" in client.get(f"/jobs/{job.uuid}/").content.decode()
