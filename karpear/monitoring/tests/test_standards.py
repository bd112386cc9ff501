"""The standard exports (issue 15 item 7): HTCDS v2.0, CTDC with k = 11 verified by pycanon, Primero. Golden tests on a
small consortium: the cases are protection's rows (made through Django's app registry: monitoring's code imports no
module but through its indicators and selectors)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pandas as pd
import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from pycanon import anonymity

from conftest import login
from karpear.core.models import AuditEvent, Consent, ExportJob, User
from karpear.core.tests.factories import register
from karpear.monitoring import services, standards
from karpear.monitoring.tests.factories import Consortium, consortium

pytestmark = pytest.mark.django_db

YEAR = 2026


def case(
    actor: User,
    *,
    sex: str = "female",
    birth_year: int = 1998,
    origin: str = "TH",
    industry: str = "F",
    identification: str = "presumed",
    consent: bool | None = True,
    arrived: dt.date = dt.date(YEAR, 3, 2),
) -> Any:
    person = register(actor, sex=sex, birth_year=birth_year, name_latin=f"Returnee {sex} {birth_year} {origin}")
    if consent is not None:
        Consent.objects.create(
            organisation=person.organisation,
            person=person,
            purpose=Consent.Purpose.STATISTICS,
            given=consent,
            given_by="the person",
            recorded_by=actor,
        )
    model = apps.get_model("protection", "ProtectionCase")
    return model.objects.create(
        organisation=person.organisation,
        person=person,
        number=f"C-{person.pk}",
        created_by=actor,
        transit_centre="svay_rieng",
        arrived_on=arrived,
        origin_country=origin,
        industry=industry,
        return_type="deported",
        handed_over_by="foreign_immigration",
        identification=identification,
    )


@pytest.fixture
def c() -> Consortium:
    made = consortium()
    for _ in range(12):
        case(made.caseworker)  # one class of 12: women of 24-26 back from Thailand, construction
    for _ in range(3):
        case(made.caseworker, sex="male", birth_year=1990, origin="MY", industry="A")  # a class of 3
    case(made.caseworker, consent=False)
    case(made.caseworker, consent=None)
    case(made.partner_caseworker)  # another organisation's
    return made


def run(actor: User, kind: str, fmt: str, capture: Any, **more: Any) -> ExportJob:
    with capture(execute=True):
        job = services.standard_export_request(actor=actor, kind=kind, fmt=fmt, period=str(YEAR), **more)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.error
    return job


def csv_rows(job: ExportJob) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(bytes(job.content).decode("utf-8-sig"))))


def test_htcds_json_uses_the_standards_field_and_value_names(
    c: Consortium, django_capture_on_commit_callbacks: Any
) -> None:
    job = run(c.me, standards.HTCDS, "json", django_capture_on_commit_callbacks)
    rows = json.loads(bytes(job.content))
    assert len(rows) == 15  # the organisation's cases with consent: not the refused, unanswered or partner's
    fields = standards.htcds_fields()
    for row in rows:
        for name, value in row.items():
            assert name in fields
            allowed = standards.htcds_values(name)
            for item in value if isinstance(value, list) else [value]:
                assert item is None or not allowed or item in allowed, (name, item)
    woman = next(row for row in rows if row["prs_Gender"] == "Feminine")
    assert woman == {
        "prs_Gender": "Feminine",
        "prs_Citizenship": ["KHM"],
        "vic_TraffickingStatus": "PossibleVictimOfTrafficking",
        "vic_AgeWhenTrafficked": None,
        "vic_MethodOfRecruitment": [],
        "vic_RelationshipToTrafficker": None,
        "vic_MethodsOfControl": [],
        "vic_TypeOfExploitation": ["ForcedLabour"],
        "vic_ForcedLabourIndustry": "F_Construction",
        "cas_Status": "Active",
        "hte_Type": "Exploitation",
        "hte_Country": "THA",
        "hte_State": None,
    }
    assert AuditEvent.objects.filter(action="export", actor=c.me, details__kind=standards.HTCDS).exists()
    built = AuditEvent.objects.get(action="export", details__built=True)
    assert built.details["exported"] == 15 and built.details["without_consent"] == 2


def test_htcds_csv_joins_multiselects_with_semicolons(c: Consortium, django_capture_on_commit_callbacks: Any) -> None:
    job = run(c.me, standards.HTCDS, "csv", django_capture_on_commit_callbacks)
    rows = csv_rows(job)
    assert list(rows[0]) == list(standards.HTCDS_COLUMNS)
    men = [row for row in rows if row["prs_Gender"] == "Masculine"]
    assert len(men) == 3 and {row["vic_ForcedLabourIndustry"] for row in men} == {"A_AgricultureForestryAndFishing"}
    assert {row["hte_Country"] for row in men} == {"MYS"}


def test_htcds_fills_the_victim_context_from_protections_record(
    c: Consortium, django_capture_on_commit_callbacks: Any
) -> None:
    """What the caseworker recorded of what happened (protection's victim context and trafficking steps, read
    through protection's indicators module) fills recruitment, control, exploitation, the age when trafficked and
    the exploitation event; a typed place or an exact date never leaves."""
    victim = case(c.caseworker, birth_year=2001, origin="TH", industry="")
    context = apps.get_model("protection", "VictimContext")
    event = apps.get_model("protection", "TraffickingEvent")
    context.objects.create(
        organisation=victim.organisation,
        case=victim,
        person=victim.person,
        recruitment_methods=["ThroughOnlineSocialNetworks"],
        relationship_to_trafficker="Unaquainted",
        control_methods=["DebtBondage", "WithholdsDocuments"],
        exploitation_types=["ForcedLabour", "Other"],
        industry="J",
        destination_country="KH",
        recorded_by=c.caseworker,
    )
    for kind, day, destination in (
        ("Recruitment", dt.date(2024, 6, 1), "TH"),
        ("Exploitation", dt.date(2024, 7, 9), "MM"),
    ):
        event.objects.create(
            organisation=victim.organisation,
            case=victim,
            person=victim.person,
            kind=kind,
            happened_on=day,
            origin_country="KH",
            destination_country=destination,
            destination_place="Shwe Kokko",
            recorded_by=c.caseworker,
        )
    job = run(c.me, standards.HTCDS, "json", django_capture_on_commit_callbacks)
    rows = json.loads(bytes(job.content))
    row = next(row for row in rows if row["vic_MethodOfRecruitment"])
    assert {name: row[name] for name in list(row)[3:]} == {
        "vic_AgeWhenTrafficked": 23,
        "vic_MethodOfRecruitment": ["ThroughOnlineSocialNetworks"],
        "vic_RelationshipToTrafficker": "Unaquainted",
        "vic_MethodsOfControl": ["DebtBondage", "WithholdsDocuments"],
        "vic_TypeOfExploitation": ["ForcedLabour", "Other"],
        "vic_ForcedLabourIndustry": "J_InformationAndCommunication",
        "cas_Status": "Active",
        "hte_Type": "Exploitation",
        "hte_Country": "MMR",  # not BUR, the code CLDR also aliases to Myanmar
        "hte_State": None,
    }
    for name, value in row.items():
        allowed = standards.htcds_values(name)
        for item in value if isinstance(value, list) else [value]:
            assert item is None or not allowed or item in allowed, (name, item)
    assert "Shwe Kokko" not in bytes(job.content).decode() and "2024-07-09" not in bytes(job.content).decode()
    flat = csv_rows(run(c.me, standards.HTCDS, "csv", django_capture_on_commit_callbacks))
    assert any(r["vic_MethodsOfControl"] == "DebtBondage;WithholdsDocuments" for r in flat)


def test_ctdc_has_the_27_variables_and_is_k_anonymous_by_pycanon(
    c: Consortium, django_capture_on_commit_callbacks: Any
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.standard_export_request(actor=c.me, kind=standards.CTDC, fmt="json", period=str(YEAR))
    assert "3 of 15 cases would be left out" in str(refused.value)
    assert not ExportJob.objects.exists()

    job = run(c.me, standards.CTDC, "json", django_capture_on_commit_callbacks, accept_suppression=True)
    document = json.loads(bytes(job.content))
    assert document["k"] == 11 and document["records"] == 15 and document["suppressed"] == 3
    assert document["exported"] == 12 and document["without_consent"] == 2
    assert document["values_generalised"] == {"citizenship": 0, "CountryOfExploitation": 3}
    assert document["quasi_identifiers"] == list(standards.QUASI_IDENTIFIERS)
    rows = document["rows"]
    assert len(standards.ctdc_columns()) == 27 and all(list(row) == standards.ctdc_columns() for row in rows)
    assert rows[0]["gender"] == "Woman" and rows[0]["ageBroad"] == "27-29" and rows[0]["citizenship"] == "KHM"
    assert rows[0]["typeOfLabourConstruction"] == 1 and rows[0]["typeOfLabourAgriculture"] is None
    frame = pd.DataFrame(rows).fillna("NULL")
    assert anonymity.k_anonymity(frame, list(standards.QUASI_IDENTIFIERS)) >= standards.K

    csv_job = run(c.me, standards.CTDC, "csv", django_capture_on_commit_callbacks, accept_suppression=True)
    frame = pd.DataFrame(csv_rows(csv_job))
    assert list(frame.columns) == standards.ctdc_columns() and len(frame) == 12
    assert anonymity.k_anonymity(frame, list(standards.QUASI_IDENTIFIERS)) >= standards.K


def test_anonymise_generalises_rare_countries_before_suppressing() -> None:
    base = dict.fromkeys(standards.ctdc_columns())
    rows = [{**base, "yearOfRegistration": 2026, "gender": "Woman", "ageBroad": "18-20", "citizenship": "KHM"}] * 11
    rows = [{**row, "CountryOfExploitation": "THA" if n < 6 else "MYS"} for n, row in enumerate(rows)]
    result = standards.anonymise(rows, 11)
    # Both countries are rare: both become NULL and the eleven form one class, nobody suppressed.
    assert result.suppressed == 0 and {row["CountryOfExploitation"] for row in result.rows} == {None}
    assert result.generalised["CountryOfExploitation"] == 11
    frame = pd.DataFrame(result.rows).fillna("NULL")
    assert anonymity.k_anonymity(frame, list(standards.QUASI_IDENTIFIERS)) == 11


def test_a_k_that_cannot_be_met_is_refused_with_the_count(django_capture_on_commit_callbacks: Any) -> None:
    made = consortium()
    for _ in range(4):
        case(made.caseworker)
    preview = services.ctdc_preview(actor=made.me, period=str(YEAR))
    assert (preview.records, preview.suppressed, preview.exported) == (4, 4, 0)
    with pytest.raises(ValidationError) as refused:
        services.standard_export_request(
            actor=made.me, kind=standards.CTDC, fmt="csv", period=str(YEAR), accept_suppression=True
        )
    assert "all 4 cases would be suppressed" in str(refused.value)


def test_primero_json_is_one_data_object_per_case(c: Consortium, django_capture_on_commit_callbacks: Any) -> None:
    job = run(c.me, standards.PRIMERO, "json", django_capture_on_commit_callbacks)
    records = json.loads(bytes(job.content))
    assert len(records) == 15
    assert records[0] == {
        "data": {
            "sex": "female",
            "age": 28,
            "registration_date": f"{YEAR}-03-01",
            "status": "open",
            "nationality": ["kh"],
            "protection_concerns": ["trafficked"],
            "location_current": records[0]["data"]["location_current"],
        }
    }
    assert records[0]["data"]["location_current"]


def test_without_consent_or_capability_nothing_is_exported(c: Consortium) -> None:
    with pytest.raises(PermissionDenied):
        services.standard_export_request(actor=c.manager, kind=standards.HTCDS, fmt="json", period="")
    with pytest.raises(PermissionDenied):
        services.standard_export_request(actor=c.caseworker, kind=standards.HTCDS, fmt="json", period="")
    with pytest.raises(ValidationError) as refused:  # the partner's one case has no statistics consent
        Consent.objects.filter(organisation=c.partner).delete()
        services.standard_export_request(actor=c.partner_me, kind=standards.HTCDS, fmt="json", period="")
    assert "consent for data sharing for statistics (1 without it)" in str(refused.value)
    assert not ExportJob.objects.exists()


def test_the_exports_page_shows_the_ctdc_preview_and_queues_an_export(client: Client, c: Consortium) -> None:
    login(client, c.me)
    page = client.get(reverse("monitoring:exports"), {"period": str(YEAR)})
    assert page.status_code == 200
    assert "3" in page.content.decode() and "HTCDS" in page.content.decode()
    refused = client.post(reverse("monitoring:exports"), {"kind": standards.CTDC, "format": "csv", "period": str(YEAR)})
    assert refused.status_code == 200 and "would be left out" in refused.content.decode()
    answer = client.post(
        reverse("monitoring:exports"),
        {"kind": standards.CTDC, "format": "csv", "period": str(YEAR), "accept_suppression": "on"},
    )
    job = ExportJob.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse("job_detail", args=[job.uuid])
    login(client, c.manager)
    assert client.get(reverse("monitoring:exports")).status_code == 403
