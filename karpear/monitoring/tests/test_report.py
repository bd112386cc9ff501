"""The donor report (XLSX) through core's export mechanism: built as the user who asked, with their reach and
small-cell suppression, a sheet per module; asked for only with view_aggregates, audited."""

from __future__ import annotations

import io
import re
import zlib
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from conftest import login
from karpear.core.models import AuditEvent, ExportJob
from karpear.core.tests.factories import this_year
from karpear.monitoring import services
from karpear.monitoring.tests.factories import Consortium, consortium, people, target

pytestmark = pytest.mark.django_db


@pytest.fixture
def c() -> Consortium:
    made = consortium()
    people(made.caseworker, [("female", 1990)] * 6 + [("male", 1990)] * 2)
    target(made, "people_registered", 40)
    return made


def test_the_report_has_targets_and_a_sheet_per_module_with_small_cells_hidden(
    c: Consortium, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job = services.report_request(actor=c.manager, programme=c.programme, period=str(this_year()))
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.error
    assert AuditEvent.objects.filter(action="export", actor=c.manager, details__kind="monitoring_donor_report").exists()
    book = load_workbook(io.BytesIO(bytes(job.content)))
    assert {"Summary", "Targets", "Monitoring", "Livelihoods", "Protection", "Outreach"} <= set(book.sheetnames)
    targets = list(book["Targets"].iter_rows(values_only=True))
    assert targets[1][0] == "people_registered" and targets[1][5] == 8 and targets[1][6] == 20
    rows = list(book["Monitoring"].iter_rows(values_only=True))
    people_rows = [row for row in rows if row[2] == "Sex"]
    assert {(row[3], row[4]) for row in people_rows} == {("Female", "x"), ("Male", "<5")}


def test_a_role_without_view_aggregates_asks_for_no_report(c: Consortium) -> None:
    with pytest.raises(PermissionDenied):
        services.report_request(actor=c.caseworker, programme=c.programme, period="")
    assert not ExportJob.objects.exists()


def test_the_dashboard_button_queues_the_report_and_shows_its_job(client: Client, c: Consortium) -> None:
    login(client, c.manager)
    answer = client.post(reverse("monitoring:report", args=[c.programme.uuid]), {"period": "2026-Q1"})
    job = ExportJob.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse("job_detail", args=[job.uuid])
    assert job.params == {"programme": str(c.programme.uuid), "period": "2026-Q1"}


def test_the_report_as_pdf_in_khmer(c: Consortium, django_capture_on_commit_callbacks: Any) -> None:
    c.manager.language = "km"
    c.manager.save()
    with django_capture_on_commit_callbacks(execute=True):
        job = services.report_request(actor=c.manager, programme=c.programme, period=str(this_year()), fmt="pdf")
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.error
    content = bytes(job.content)
    assert content.startswith(b"%PDF") and job.format == "pdf"
    # The fonts embedded are TrueType Khmer fonts (Pango found them; nothing fell back to a font without Khmer).
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, re.DOTALL)
    unpacked = b"".join(zlib.decompress(stream) for stream in streams if stream[:1] == b"x")
    assert b"Khmer" in unpacked
    assert AuditEvent.objects.filter(action="export", actor=c.manager, details__format="pdf").exists()


def test_the_pdf_draws_each_figures_trend_and_province_map_as_the_dashboard_does(
    c: Consortium, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The HTML WeasyPrint lays out: the people registered (8, in one province and one quarter) with their bars by
    quarter and their map, without links (paper); a figure that counted nothing has no chart."""
    import weasyprint

    from karpear.monitoring import reports

    laid_out: list[str] = []
    real = weasyprint.HTML

    def capture(*args: Any, string: str, **kwargs: Any) -> Any:
        laid_out.append(string)
        return real(*args, string=string, **kwargs)

    monkeypatch.setattr(weasyprint, "HTML", capture)
    job = ExportJob.objects.create(
        organisation=c.manager.memberships.get().organisation,
        requested_by=c.manager,
        kind=reports.KIND,
        format="pdf",
        params={"programme": str(c.programme.uuid), "period": str(this_year())},
    )
    output = reports.donor_report(job, lambda done, steps: None)
    assert output.content.startswith(b"%PDF")
    [html] = laid_out
    from karpear.core import indicators as declared

    people_registered = declared.indicator_for("people_registered")
    assert people_registered is not None
    sections = html.split("<h3>")[1:]
    [people_section] = [part for part in sections if part.startswith(str(people_registered.name))]
    assert 'class="chart"' in people_section and 'class="map"' in people_section
    charts = re.findall(r'<div class="charts">(.*?)</div>', html, re.DOTALL)
    assert "<a href" not in "".join(charts)  # paper: no links
    # A figure that counted nothing has no chart: fewer chart blocks than figures (most count nothing here).
    assert 1 <= len(charts) < len(sections)
