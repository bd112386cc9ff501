"""Checking a list of people against the organisation (issue 16, item 4): reading the uploaded file, the
background job and its report, the page, and what is kept of the list (nothing, once the report is made)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from conftest import login, make_org, make_user
from karpear.core import services as core_services
from karpear.core.models import AuditEvent, ExportJob
from karpear.core.roles import Role
from karpear.core.tests.factories import register
from karpear.matching import lists, services


def _csv(rows: list[list[str]], *, bom: bool = True) -> bytes:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return (("\ufeff" if bom else "") + text.getvalue()).encode()


HEADER = ["Reference", "Name_KM", "name latin", "Sex", "Birth year", "Commune", "Phone"]


def test_a_csv_list_is_read_by_its_column_names_in_any_case_and_order():
    rows = lists.read(
        "returnees.csv",
        _csv(
            [
                HEADER,
                ["TH-1", "សុខ ចាន់ធា", "", "ស្រី", "១៩៩៨", "200103", "012 345 678"],
                ["TH-2", "", "Keo Dara", "M", "born 1990", "20103", ""],  # a spreadsheet dropped the 0
                ["", "", "", "", "", "", ""],  # an empty line
                ["TH-4", "\u200b\u200c", "", "f", "1880", "abc", ""],  # nothing to match on
            ]
        ),
    )
    assert [row.number for row in rows] == [2, 3, 5]
    first, second, empty = (row.record for row in rows)
    assert first is not None and first.name_km == "សុខ ចាន់ធា" and first.sex == "female"
    assert first.birth_year == 1998 and first.commune == "200103" and first.phone == "012 345 678"
    assert second is not None and second.name_latin == "Keo Dara" and second.sex == "male"
    assert second.birth_year == 1990 and second.commune == "020103"
    assert empty is None and rows[2].reference == "TH-4"


def test_an_xlsx_list_and_a_name_column_in_either_script_are_read():
    book = Workbook()
    sheet = book.active
    sheet.append(["Name", "Date of birth", "Passport"])
    sheet.append(["Chanthea Sok", "1997-03-02", "N1234567"])
    sheet.append(["ស្រី ពៅ", None, None])
    content = io.BytesIO()
    book.save(content)
    rows = lists.read("list.XLSX", content.getvalue())
    first, second = (row.record for row in rows)
    assert first is not None and first.name_latin == "Chanthea Sok" and first.birth_year == 1997
    assert first.ids == ("N1234567",)
    assert second is not None and second.name_km == "ស្រី ពៅ" and not second.name_latin


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("list.pdf", b"%PDF", "Choose a CSV or Excel (XLSX) file."),
        ("list.csv", b"", "The file is empty."),
        ("list.csv", _csv([["sex", "phone"], ["f", "012"]]), "No column of names was found."),
        ("list.csv", _csv([["name_latin"]]), "The file has no one to check below its first row."),
        ("list.xlsx", b"not a workbook", "The file could not be read as an Excel (XLSX) workbook."),
        ("list.csv", b"\xff\xfe\x00\xd8", "The file could not be read as text."),
        ("list.csv", b"x" * (lists.MAX_BYTES + 1), "The file is larger than 5 MB."),
    ],
)
def test_a_file_that_is_not_a_list_of_people_is_refused_with_a_message(name, content, message):
    with pytest.raises(ValidationError) as refused:
        lists.read(name, content)
    assert message in " ".join(refused.value.messages)


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    content = io.BytesIO()
    book.save(content)
    return content.getvalue()


def test_a_workbook_carrying_an_xml_bomb_is_refused_not_expanded():
    import zipfile

    # "billion laughs": nine levels of ten references each, a billion "lol"s once expanded
    entities = '<!ENTITY lol0 "lol">' + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    source = zipfile.ZipFile(io.BytesIO(_xlsx([["name_latin"], ["Sok Dara"]])))
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                sheet = data.decode().replace("Sok Dara", "&lol9;")
                data = f"<!DOCTYPE worksheet [{entities}]>{sheet}".encode()
            target.writestr(item, data)
    with pytest.raises(ValidationError, match="could not be read as an Excel"):
        lists.read("bomb.xlsx", bomb.getvalue())


def test_a_sheet_of_empty_rows_is_refused_once_past_the_limit(monkeypatch):
    monkeypatch.setattr(lists, "MAX_LINES", 50)
    with pytest.raises(ValidationError, match="more than"):
        lists.read("wide.xlsx", _xlsx([["name_latin"], *([None] for _ in range(60)), ["Sok Dara"]]))
    rows = lists.read("wide.xlsx", _xlsx([["name_latin", *[f"c{i}" for i in range(100)]], ["Sok Dara", *range(100)]]))
    assert rows[0].record is not None and rows[0].record.name_latin == "Sok Dara"


def test_a_list_over_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(lists, "MAX_ROWS", 3)
    with pytest.raises(ValidationError, match="more than 3"):
        lists.read("list.csv", _csv([["name_latin"], *([f"Person {i}"] for i in range(4))]))


@given(st.lists(st.lists(st.text(max_size=30), min_size=1, max_size=8), max_size=6))
def test_no_text_in_a_csv_crashes_the_reading(cells):
    """Any cells under a header with a name column: the rows are read or the file refused with a message."""
    try:
        rows = lists.read("list.csv", _csv([["name", "birth_year", "sex", "commune", "phone"], *cells]))
    except ValidationError:
        return
    assert all(row.number >= 2 for row in rows)


@pytest.mark.django_db
def test_the_check_reports_each_rows_matches_and_keeps_nothing_of_the_list(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    ccpcr, other = make_org("ccpcr"), make_org("other")
    supervisor = make_user(ccpcr, Role.CASE_SUPERVISOR, username="sup")
    known = register(supervisor, name_km="សុខ ចាន់ធា", name_latin="", birth_year=1996, phone="+85512345678")
    elsewhere = register(make_user(other, Role.CASE_SUPERVISOR), name_latin="Keo Sophal", birth_year=1980)
    content = _csv(
        [
            ["reference", "name_latin", "sex", "birth_year", "commune"],
            ["TH-1", "Chanthea Sok", "female", "1998", "200103"],  # registered before, in Khmer
            ["TH-2", "Keo Sophal", "female", "1980", "200103"],  # registered by another organisation only
            ["TH-3", "Mao Sreyneang", "female", "2001", "200103"],  # listed twice
            ["TH-4", "Mao Sreyneang", "female", "2001", "200103"],
            ["TH-5", "", "", "", ""],
        ]
    )

    job = services.list_check_request(actor=supervisor, name="returnees.csv", content=content, fmt="json")
    core_services.export_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE
    report = json.loads(bytes(job.content).decode())
    by_row: dict[int, list[str]] = {}
    for line in report:
        by_row.setdefault(line["list_row"], []).append(str(line["match"]))
    assert by_row[2] == [known.case_number]
    assert 3 not in by_row  # another organisation's person is not named, nor found
    assert elsewhere.case_number not in json.dumps(report)
    assert by_row[4] == ["row 5 (TH-4)"] or by_row.get(5) == ["row 4 (TH-3)"]
    assert by_row[6] == ["not checked: no name, phone or ID number"]
    assert "Chanthea" not in json.dumps(report)  # the list's names are not written back
    assert job.params == {"rows": 5}  # the rows left the job with the report
    request, check = (
        AuditEvent.objects.filter(object_id=str(job.uuid)).order_by("id").values_list("action", "details")
    )[:2]
    assert request[0] == "export" and request[1]["rows"] == 5
    assert check[0] == "search" and check[1]["kind"] == "match_list" and check[1]["pairs"] == 2
    assert "Chanthea" not in str(AuditEvent.objects.values_list("details", flat=True))


@pytest.mark.django_db
def test_the_page_starts_the_check_or_says_what_is_wrong_with_the_file():
    ccpcr = make_org("ccpcr")
    supervisor = make_user(ccpcr, Role.CASE_SUPERVISOR, username="sup")
    client = login(Client(), supervisor)
    page = client.get(reverse("matching:review_list")).content.decode()
    assert 'enctype="multipart/form-data"' in page and reverse("matching:list_template") in page

    template = client.get(reverse("matching:list_template"))
    assert template["Content-Type"].startswith("text/csv") and b"name_km" in template.content
    assert lists.read("template.csv", template.content)[0].record is not None

    refused = client.post(reverse("matching:list_start"), {"list": _file("list.csv", b"sex\nf\n"), "format": "csv"})
    assert refused.status_code == 400 and "No column of names was found." in refused.content.decode()
    assert '<option value="csv" selected>' in refused.content.decode()  # the format chosen stays chosen
    assert not ExportJob.objects.exists()

    started = client.post(
        reverse("matching:list_start"),
        {"list": _file("list.csv", _csv([["name_latin"], ["Sok Dara"]])), "format": "csv"},
    )
    assert started.status_code == 302 and "/jobs/" in started["Location"]
    assert ExportJob.objects.get().kind == "matching_list"


@pytest.mark.django_db
def test_a_caseworker_cannot_check_a_list():
    caseworker = make_user(make_org("ccpcr"), Role.CASEWORKER, username="cw")
    client = login(Client(), caseworker)
    response = client.post(reverse("matching:list_start"), {"list": _file("l.csv", _csv([["name"], ["A"]]))})
    assert response.status_code == 403 and not ExportJob.objects.exists()


@pytest.mark.django_db
def test_the_parameters_of_a_failed_export_go_with_the_retention_period():
    import datetime as dt

    from django.utils import timezone

    supervisor = make_user(make_org("ccpcr"), Role.CASE_SUPERVISOR, username="sup")
    old = timezone.now() - dt.timedelta(days=30)
    failed = ExportJob.objects.create(
        organisation=supervisor.memberships.get().organisation,
        requested_by=supervisor,
        kind="matching_list",
        params={"rows": [{"number": 2}]},
        status=ExportJob.Status.FAILED,
        finished_at=old,
    )
    recent = ExportJob.objects.create(
        organisation=failed.organisation,
        requested_by=supervisor,
        kind="matching_list",
        params={"rows": [{"number": 2}]},
        status=ExportJob.Status.FAILED,
        finished_at=timezone.now(),
    )
    core_services.export_retention()
    failed.refresh_from_db()
    recent.refresh_from_db()
    assert failed.params == {} and recent.params["rows"]


def _file(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/csv")
