"""The victim context in HTCDS v2.0's terms (issue 11 item 2): recruitment, control, exploitation, destination,
duration and the trafficking's steps with their two places (two place pickers on one page) — saved, audited,
kept, read-only once the case is closed, shared by a referral with the screening, refused with a clear message
when the input is wrong."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from conftest import login, make_org, make_user
from karpear.core import access, referrals
from karpear.core import services as core_services
from karpear.core.models import AuditEvent, Consent
from karpear.core.roles import Role
from karpear.core.tests.factories import COMMUNE, DISTRICT, PROVINCE, first_village, place
from karpear.protection import indicators, selectors, services
from karpear.protection.models import (
    CaseEvent,
    ControlMethod,
    ExploitationType,
    ProtectionCase,
    RecruitmentMethod,
    TraffickerRelationship,
    TraffickingEvent,
    TraffickingEventType,
    VictimContext,
)
from karpear.protection.tests import factories as f

pytestmark = pytest.mark.django_db

HTCDS = Path(__file__).resolve().parents[3] / "karpear" / "monitoring" / "data" / "htcds_fields_v2.0.json"


def _day(days_ago: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days_ago)


def _context(**fields: object) -> services.VictimContextInput:
    values: dict[str, object] = {
        "recruitment_methods": ["ThroughFriendsOrSocialEvents"],
        "relationship_to_trafficker": "Acquainted",
        "control_methods": ["DebtBondage", "WithholdsDocuments"],
        "exploitation_types": ["ForcedLabour"],
        "industry": "A",
        "destination_country": "TH",
        "destination_place": "Rayong",
        "duration_months": 14,
    }
    values.update(fields)
    return services.VictimContextInput(**values)  # type: ignore[arg-type]


def _event(**fields: object) -> services.TraffickingEventInput:
    values: dict[str, object] = {
        "kind": "Recruitment",
        "happened_on": _day(400),
        "origin": services.TraffickingPlace("KH", place()),
        "destination": services.TraffickingPlace("TH", place="Rayong"),
    }
    values.update(fields)
    return services.TraffickingEventInput(**values)  # type: ignore[arg-type]


def _errors(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def test_the_choices_are_htcds_v2_value_names():
    fields = {field["api_name"]: field for field in json.loads(HTCDS.read_text())["fields"] if "api_name" in field}

    def names(api_name: str) -> set[str]:
        return {value["name"] for value in fields[api_name]["values"]}

    assert set(RecruitmentMethod.values) == names("vic_MethodOfRecruitment")
    assert set(ControlMethod.values) == names("vic_MethodsOfControl")
    assert set(ExploitationType.values) == names("vic_TypeOfExploitation")
    assert set(TraffickerRelationship.values) == names("vic_RelationshipToTrafficker")
    assert set(TraffickingEventType.values) == names("hte_Type")


def test_saving_the_context_keeps_every_version_audits_the_fields_changed_and_adds_a_timeline_line(users):
    worker = users["caseworker"]
    case = f.case(worker)

    services.victim_context_save(actor=worker, case=case, data=_context())
    services.victim_context_save(actor=worker, case=case, data=_context(duration_months=18))

    saved = VictimContext.objects.get(case=case)
    assert saved.duration_months == 18 and saved.control_methods == ["DebtBondage", "WithholdsDocuments"]
    assert [h.duration_months for h in saved.history.order_by("history_id")] == [14, 18]
    audited = AuditEvent.objects.filter(object_type__icontains="victimcontext").order_by("at", "id")
    assert [(e.action, e.details["fields"]) for e in audited][-1] == ("update", "duration_months")
    assert audited.first().action == "create"  # type: ignore[union-attr]
    assert CaseEvent.objects.filter(case=case, kind="context_saved", section="protection_screening").count() == 2


def test_multi_selects_keep_the_lists_order_once_each(users):
    worker = users["caseworker"]
    case = f.case(worker)
    data = _context(control_methods=["WithholdsDocuments", "DebtBondage", "DebtBondage"])
    saved = services.victim_context_save(actor=worker, case=case, data=data)
    assert saved.control_methods == ["DebtBondage", "WithholdsDocuments"]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"destination_country": "", "destination_place": "Rayong"}, "destination_country", "country of this place"),
        ({"destination_country": "XX"}, "destination_country", "Choose a country from the list."),
        ({"control_methods": ["Beatings"]}, "control_methods", "Choose among the answers of the list."),
        ({"exploitation_types": ["ScamWork"]}, "exploitation_types", "Choose among the answers of the list."),
        ({"relationship_to_trafficker": "Friend"}, "relationship_to_trafficker", "Choose one of the answers."),
        ({"duration_months": 601}, "duration_months", "from 0 to 600"),
    ],
)
def test_bad_context_input_is_refused_with_a_message_on_its_field_and_nothing_saved(users, fields, field, message):
    worker = users["caseworker"]
    case = f.case(worker)
    with pytest.raises(ValidationError) as exc:
        services.victim_context_save(actor=worker, case=case, data=_context(**fields))
    assert message in " ".join(_errors(exc)[field])
    assert not VictimContext.objects.exists()


def test_an_event_keeps_its_cambodian_origin_from_the_gazetteer_and_its_place_abroad_as_typed(users):
    worker = users["caseworker"]
    case = f.case(worker)
    event = services.trafficking_event_add(actor=worker, case=case, data=_event())
    assert (event.origin_country, event.origin_commune_id, event.origin_village_id) == (
        "KH",
        COMMUNE,
        first_village().pk,
    )
    assert (event.destination_country, event.destination_province, event.destination_place) == ("TH", None, "Rayong")
    line = CaseEvent.objects.get(case=case, kind="trafficking_event")
    assert line.detail == {"event": "Recruitment", "origin": "KH", "destination": "TH"}


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"happened_on": timezone.localdate() + dt.timedelta(days=1)}, "happened_on", "cannot be in the future"),
        ({"happened_on": timezone.localdate()}, "happened_on", "before the arrival at the transit centre"),
        ({"destination": services.TraffickingPlace("", place="Rayong")}, "destination_country", "country of this"),
        ({"origin": services.TraffickingPlace("")}, "origin_country", "Choose the country."),
        ({"destination": lambda: services.TraffickingPlace("TH", place())}, "destination_country", "a place abroad"),
        ({"kind": "Kidnap"}, "kind", "Choose one of the answers."),
    ],
)
def test_bad_event_input_is_refused_with_a_message_on_its_field_and_nothing_saved(users, fields, field, message):
    worker = users["caseworker"]
    case = f.case(worker)
    fields = {name: value() if callable(value) else value for name, value in fields.items()}  # places need the db
    with pytest.raises(ValidationError) as exc:
        services.trafficking_event_add(actor=worker, case=case, data=_event(**fields))
    assert message in " ".join(_errors(exc)[field])
    assert not TraffickingEvent.objects.exists()


def test_nothing_changes_on_a_closed_case(users):
    worker = users["caseworker"]
    case = f.case(worker)
    services.trafficking_event_add(actor=worker, case=case, data=_event())
    ProtectionCase.objects.filter(pk=case.pk).update(status="closed")
    with pytest.raises(ValidationError, match="This case is closed"):
        services.victim_context_save(actor=worker, case=case, data=_context())
    with pytest.raises(ValidationError, match="This case is closed"):
        services.trafficking_event_add(actor=worker, case=case, data=_event())
    page = login(Client(), worker).get(f"/protection/cases/{case.uuid}/context/").content.decode()
    assert "This case is closed: nothing can be changed in it any more." in page
    assert "Add the step" not in page and "Recruitment" in page


def test_a_role_without_screening_cannot_change_the_context(users):
    case = f.case(users["caseworker"])
    with pytest.raises(PermissionDenied):
        services.victim_context_save(actor=users["volunteer"], case=case, data=_context())


def test_the_page_saves_the_context_and_an_event_with_two_place_pickers(users):
    worker = users["caseworker"]
    case = f.case(worker)
    browser = login(Client(), worker)

    page = browser.get(f"/protection/cases/{case.uuid}/context/").content.decode()
    assert 'name="origin-province"' in page and 'name="destination-province"' in page  # two pickers, one page
    saved = browser.post(
        f"/protection/cases/{case.uuid}/context/",
        {"control_methods": ["DebtBondage", "PhysicalThreats"], "destination_country": "TH", "duration_months": "៦"},
        follow=True,
    )
    assert "Threats of violence, Debt bondage" in saved.content.decode()
    assert VictimContext.objects.get(case=case).duration_months == 6

    added = browser.post(
        f"/protection/cases/{case.uuid}/context/event/",
        {
            "kind": "Transit",
            "happened_on": _day(300).strftime("%d/%m/%Y"),
            "origin_country": "KH",
            "origin-province": PROVINCE,
            "origin-district": DISTRICT,
            "origin-commune": COMMUNE,
            "destination_country": "KH",
            "destination-province": "09",
            "destination_place": "",
        },
        follow=True,
    )
    assert "The step is recorded." in added.content.decode()
    event = TraffickingEvent.objects.get(case=case)
    assert (event.origin_commune_id, event.destination_province_id) == (COMMUNE, "09")

    removed = browser.post(
        f"/protection/cases/{case.uuid}/context/event/remove/", {"event": str(event.uuid)}, follow=True
    )
    assert "The step is taken off." in removed.content.decode()
    assert selectors.trafficking_events(user=worker, case=case) == []


def test_the_page_shows_a_future_event_refused_and_keeps_what_was_typed(users):
    worker = users["caseworker"]
    case = f.case(worker)
    response = login(Client(), worker).post(
        f"/protection/cases/{case.uuid}/context/event/",
        {
            "kind": "Exploitation",
            "happened_on": (timezone.localdate() + dt.timedelta(days=3)).strftime("%d/%m/%Y"),
            "origin_country": "KH",
            "destination_country": "TH",
            "destination_place": "Samut Sakhon",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The date cannot be in the future." in page and 'value="Samut Sakhon"' in page
    assert not TraffickingEvent.objects.exists()


def test_the_page_reads_in_khmer(users):
    worker = users["caseworker"]
    case = f.case(worker)
    services.victim_context_save(actor=worker, case=case, data=_context())
    worker.language = "km"
    worker.save()
    browser = login(Client(), worker)
    browser.cookies["karpear_language"] = "km"
    page = browser.get(f"/protection/cases/{case.uuid}/context/").content.decode()
    assert "ការជាប់បំណុល" in page  # debt bondage
    assert "How they were controlled" not in page


@pytest.fixture
def referred(users):
    """A case with its context, referred to ADHOC with or without the screening section."""

    def make(sections: list[str]) -> tuple[ProtectionCase, object]:
        worker = users["caseworker"]
        adhoc = make_org(f"adhoc{len(sections)}")
        lawyer = make_user(adhoc, Role.LEGAL_OFFICER, username=f"lawyer{len(sections)}")
        receiver = make_user(adhoc, Role.CASE_SUPERVISOR, username=f"adhoc-sup{len(sections)}")
        case = f.case(worker)
        services.victim_context_save(actor=worker, case=case, data=_context())
        services.trafficking_event_add(actor=worker, case=case, data=_event())
        core_services.consent_record(
            actor=worker,
            person=case.person,
            purpose=Consent.Purpose.REFERRAL,
            given=True,
            given_by="self",
            recipient=adhoc,
        )
        referral = referrals.referral_create(
            actor=worker, person=case.person, receiver=adhoc, sections=sections, reason="Legal aid."
        )
        referrals.referral_accept(actor=receiver, referral=referral, assign_to=lawyer)
        return case, lawyer

    return make


def test_a_partner_reads_the_context_only_when_the_screening_is_shared_and_never_changes_it(referred):
    case, lawyer = referred(["protection_case_summary", "protection_screening"])
    assert selectors.victim_context(user=lawyer, case=case) is not None
    assert len(selectors.trafficking_events(user=lawyer, case=case)) == 1
    browser = login(Client(), lawyer)
    page = browser.get(f"/protection/cases/{case.uuid}/context/").content.decode()
    assert "Debt bondage" in page and f'action="/protection/cases/{case.uuid}/context/"' not in page
    assert browser.post(f"/protection/cases/{case.uuid}/context/", {"industry": "C"}).status_code == 403

    other, other_lawyer = referred(["protection_case_summary"])
    assert selectors.victim_context(user=other_lawyer, case=other) is None
    assert not access.visible(other_lawyer, TraffickingEvent.objects.filter(case=other)).exists()
    page = login(Client(), other_lawyer).get(f"/protection/cases/{other.uuid}/context/").content.decode()
    assert "This part of the case is not shared with your organisation." in page


def test_the_statistics_rows_give_codes_and_the_exploitation_country_never_a_typed_place(users):
    worker = users["caseworker"]
    case = f.case(worker)
    services.victim_context_save(actor=worker, case=case, data=_context())
    services.trafficking_event_add(actor=worker, case=case, data=_event())
    services.trafficking_event_add(
        actor=worker,
        case=case,
        data=_event(
            kind="Exploitation",
            happened_on=_day(200),
            origin=services.TraffickingPlace("TH", place="Rayong"),
            destination=services.TraffickingPlace("MY", place="Johor"),
        ),
    )
    row = indicators.victim_context_rows([case.pk])[case.pk]
    assert row.control_methods == ["DebtBondage", "WithholdsDocuments"]
    assert (row.exploitation_country, row.exploitation_province, row.first_event_year) == ("MY", "", _day(400).year)
    assert "Johor" not in repr(row) and "Rayong" not in repr(row)


# ---------------------------------------------------------------- the API and the printable case file
API = "/api/v1/protection/cases"


def test_the_api_reads_the_context_and_its_steps_in_htcds_values_and_audits_the_reading(users):
    worker = users["caseworker"]
    case = f.case(worker)
    services.victim_context_save(actor=worker, case=case, data=_context())
    services.trafficking_event_add(actor=worker, case=case, data=_event())
    browser = login(Client(), users["case_supervisor"])

    answer = browser.get(f"{API}/{case.uuid}/context/").json()

    assert answer["case"] == str(case.uuid)
    assert answer["context"]["control_methods"] == ["DebtBondage", "WithholdsDocuments"]
    assert (answer["context"]["destination_country"], answer["context"]["duration_months"]) == ("TH", 14)
    [step] = answer["steps"]
    assert (step["kind"], step["origin_country"], step["origin_commune"], step["origin_village"]) == (
        "Recruitment",
        "KH",
        COMMUNE,
        first_village(COMMUNE).pk,
    )
    assert (step["destination_country"], step["destination_province"], step["destination_place"]) == (
        "TH",
        None,
        "Rayong",
    )
    read = AuditEvent.objects.filter(action="view", object_id=str(case.uuid), details__fields="victim_context")
    assert read.get().details["channel"] == "api"


def test_the_api_context_is_empty_until_recorded(users):
    case = f.case(users["caseworker"])

    answer = login(Client(), users["caseworker"]).get(f"{API}/{case.uuid}/context/").json()

    assert answer == {"case": str(case.uuid), "context": None, "steps": []}


def test_the_api_records_the_context_and_a_step_through_the_services(users):
    worker = users["caseworker"]
    case = f.case(worker)
    browser = login(Client(), worker)
    body = {"control_methods": ["WithholdsDocuments", "DebtBondage"], "destination_country": "MY", "industry": "C"}

    saved = browser.post(f"{API}/{case.uuid}/context/", body, content_type="application/json")
    step = browser.post(
        f"{API}/{case.uuid}/context/steps/",
        {
            "kind": "Exploitation",
            "happened_on": _day(100).isoformat(),
            "origin_country": "KH",
            "origin_village": first_village(COMMUNE).pk,
            "destination_country": "MY",
            "destination_place": "Johor",
        },
        content_type="application/json",
    )

    assert saved.status_code == 200
    assert saved.json()["context"]["control_methods"] == ["DebtBondage", "WithholdsDocuments"]  # the list's order
    assert step.status_code == 201
    assert (step.json()["origin_province"], step.json()["origin_commune"]) == (PROVINCE, COMMUNE)
    event = TraffickingEvent.objects.get(case=case)
    assert (event.origin_district_id, event.destination_place) == (DISTRICT, "Johor")
    assert AuditEvent.objects.filter(action="create", object_id=str(event.uuid)).exists()
    assert VictimContext.objects.get(case=case).history.count() == 1


def test_the_api_refuses_bad_steps_and_writes_by_roles_without_screening(users):
    worker = users["caseworker"]
    case = f.case(worker)
    browser = login(Client(), worker)

    future = browser.post(
        f"{API}/{case.uuid}/context/steps/",
        {"kind": "Transit", "happened_on": _day(-2).isoformat(), "origin_country": "KH", "destination_country": "TH"},
        content_type="application/json",
    )
    unknown = browser.post(
        f"{API}/{case.uuid}/context/steps/",
        {
            "kind": "Transit",
            "happened_on": _day(5).isoformat(),
            "origin_country": "KH",
            "origin_commune": "999999",
            "destination_country": "TH",
        },
        content_type="application/json",
    )
    officer = users["field_officer"]
    ProtectionCase.objects.filter(pk=case.pk).update(assigned_to=officer)
    refused = login(Client(), officer).post(
        f"{API}/{case.uuid}/context/", {"industry": "C"}, content_type="application/json"
    )

    assert (future.status_code, list(future.json()["fields"])) == (400, ["happened_on"])
    assert (unknown.status_code, list(unknown.json()["fields"])) == (400, ["origin_commune"])
    assert refused.status_code == 403
    assert not TraffickingEvent.objects.exists() and not VictimContext.objects.exists()


def test_a_partner_reads_the_context_through_the_api_only_when_the_screening_is_shared(referred):
    case, lawyer = referred(["protection_case_summary", "protection_screening"])
    browser = login(Client(), lawyer)
    assert browser.get(f"{API}/{case.uuid}/context/").json()["context"]["industry"] == "A"
    assert browser.post(f"{API}/{case.uuid}/context/", {}, content_type="application/json").status_code == 403

    other, other_lawyer = referred(["protection_case_summary"])
    assert login(Client(), other_lawyer).get(f"{API}/{other.uuid}/context/").status_code == 404


def test_the_case_file_prints_what_happened_in_the_readers_language_only_when_the_screening_is_seen(referred):
    from django.template.loader import render_to_string
    from django.utils import translation

    from karpear.protection.views import case_file_context

    case, lawyer = referred(["protection_case_summary", "protection_screening"])
    with translation.override("km"):
        khmer = render_to_string("protection/case_file_pdf.html", case_file_context(lawyer, case))
    english = render_to_string("protection/case_file_pdf.html", case_file_context(lawyer, case))
    other, other_lawyer = referred(["protection_case_summary"])
    hidden = render_to_string("protection/case_file_pdf.html", case_file_context(other_lawyer, other))

    assert "Debt bondage" in english and "Rayong" in english and "Steps of the trafficking" in english
    with translation.override("km"):
        assert str(ControlMethod("DebtBondage").label) in khmer
    assert "Debt bondage" not in khmer and "Rayong" in khmer
    assert "Debt bondage" not in hidden and "Steps of the trafficking" not in hidden
