"""Grievances (CARE SMART): recorded by the help desk, raised level by level with the authorities, closed with
the documents returned counted, the outcome told to the complainant; each step audited, bad input refused with
nothing saved, and nobody outside the help desk's organisation (or without the capability) sees one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from conftest import login, make_org, make_user
from karpear.core.models import AuditEvent, Commune
from karpear.core.roles import Role
from karpear.core.services import PlaceChoice
from karpear.outreach import selectors, services
from karpear.outreach.models import Grievance, GrievanceStep, HelpRequest
from karpear.outreach.tests import factories as f

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
RECEIVED = TODAY - dt.timedelta(days=30)


@pytest.fixture
def org():
    organisation = make_org("care")
    f.desk(organisation)
    return organisation


@pytest.fixture
def hotline(org):
    return make_user(org, Role.HOTLINE_OFFICER)


def _place() -> PlaceChoice:
    commune = Commune.objects.select_related("district__province").order_by("code").first()
    return PlaceChoice(province=commune.district.province, district=commune.district, commune=commune)


def _input(**changes) -> services.GrievanceInput:
    values = {
        "received_on": RECEIVED,
        "about": Grievance.About.FAMILY,
        "description": "The broker kept three passports and the wages of two months.",
        "kinds": ["wages", "documents"],
        "place": _place(),
        "complainant": "Chan Sreymom",
        "phone": "012 345 678",
        "country": "TH",
        "documents_kept": 3,
        "root_causes": ["debt", "broker_in_village"],
        "channel": "ccwc",
    }
    values.update(changes)
    return services.GrievanceInput(**values)


def test_a_grievance_climbs_from_commune_to_province_is_resolved_and_the_complainant_told(hotline) -> None:
    grievance = services.grievance_record(actor=hotline, data=_input())
    assert grievance.level == Grievance.Level.COMMUNE and grievance.status == Grievance.Status.OPEN
    assert grievance.kinds == ["documents", "wages"]  # in the order of the choices
    assert grievance.root_causes == ["debt", "broker_in_village"]
    steps = [
        (Grievance.Level.COMMUNE, "Commune council", RECEIVED + dt.timedelta(days=1)),
        (Grievance.Level.DISTRICT, "District labour office", RECEIVED + dt.timedelta(days=8)),
        (Grievance.Level.PROVINCE, "Provincial Department of Labour", RECEIVED + dt.timedelta(days=15)),
    ]
    for level, whom, on in steps:
        services.grievance_raise(actor=hotline, grievance=grievance, level=level, raised_with=whom, raised_on=on)
    grievance.refresh_from_db()
    assert grievance.level == Grievance.Level.PROVINCE
    last = GrievanceStep.objects.get(grievance=grievance, level=Grievance.Level.PROVINCE)
    services.grievance_step_answer(
        actor=hotline, step=last, response="The broker was summoned.", responded_on=RECEIVED + dt.timedelta(days=20)
    )
    services.grievance_close(
        actor=hotline,
        grievance=grievance,
        resolved=True,
        resolution="Two passports and the wages returned.",
        closed_on=RECEIVED + dt.timedelta(days=25),
        documents_returned=2,
    )
    services.grievance_outcome_told(
        actor=hotline, grievance=grievance, told_on=RECEIVED + dt.timedelta(days=26), how="Home visit"
    )
    grievance.refresh_from_db()
    assert (grievance.status, grievance.documents_returned) == (Grievance.Status.RESOLVED, 2)
    assert grievance.outcome_told_how == "Home visit"
    summary = selectors.grievance_summary(user=hotline)
    assert (summary.open, summary.resolved, summary.documents_kept, summary.documents_returned) == (0, 1, 3, 2)
    assert summary.not_told == 0
    events = AuditEvent.objects.filter(object_type="outreach.grievance", object_id=str(grievance.uuid))
    assert events.count() == 1 + 3 + 1 + 1 + 1  # recorded, raised three times, answered, closed, told


def test_a_grievance_is_never_raised_to_a_lower_level_or_dated_before_it_was_received(hotline) -> None:
    grievance = services.grievance_record(actor=hotline, data=_input())
    services.grievance_raise(
        actor=hotline, grievance=grievance, level=Grievance.Level.PROVINCE, raised_with="PDoLVT", raised_on=TODAY
    )
    with pytest.raises(ValidationError) as lower:
        services.grievance_raise(
            actor=hotline, grievance=grievance, level=Grievance.Level.DISTRICT, raised_with="DoL", raised_on=TODAY
        )
    assert "level" in lower.value.message_dict
    with pytest.raises(ValidationError) as early:
        services.grievance_raise(
            actor=hotline,
            grievance=grievance,
            level=Grievance.Level.NATIONAL,
            raised_with="MoLVT",
            raised_on=RECEIVED - dt.timedelta(days=1),
        )
    assert "raised_on" in early.value.message_dict
    assert GrievanceStep.objects.filter(grievance=grievance).count() == 1


def test_bad_grievances_are_refused_with_each_message_and_nothing_saved(hotline) -> None:
    with pytest.raises(ValidationError) as refused:
        services.grievance_record(
            actor=hotline,
            data=_input(kinds=[], description=" ", received_on=TODAY + dt.timedelta(days=1), country="XX"),
        )
    assert set(refused.value.message_dict) == {"kinds", "description", "received_on", "country"}
    assert not Grievance.objects.exists()


def test_more_documents_returned_than_kept_and_telling_before_closing_are_refused(hotline) -> None:
    grievance = services.grievance_record(actor=hotline, data=_input(documents_kept=1))
    with pytest.raises(ValidationError):
        services.grievance_outcome_told(actor=hotline, grievance=grievance, told_on=TODAY, how="Call")
    with pytest.raises(ValidationError) as too_many:
        services.grievance_close(
            actor=hotline, grievance=grievance, resolved=True, resolution="Done", closed_on=TODAY, documents_returned=2
        )
    assert "documents_returned" in too_many.value.message_dict
    grievance.refresh_from_db()
    assert grievance.status == Grievance.Status.OPEN and grievance.documents_returned == 0


def test_a_closed_grievance_cannot_be_raised_or_closed_again(hotline) -> None:
    grievance = services.grievance_record(actor=hotline, data=_input())
    services.grievance_close(
        actor=hotline, grievance=grievance, resolved=False, resolution="Broker gone", closed_on=TODAY
    )
    with pytest.raises(ValidationError):
        services.grievance_raise(
            actor=hotline, grievance=grievance, level=Grievance.Level.DISTRICT, raised_with="DoL", raised_on=TODAY
        )
    with pytest.raises(ValidationError):
        services.grievance_close(actor=hotline, grievance=grievance, resolved=True, resolution="x", closed_on=TODAY)
    grievance.refresh_from_db()
    assert grievance.status == Grievance.Status.UNRESOLVED


def test_a_help_request_becomes_a_grievance_once_and_is_triaged_as_one(org, hotline) -> None:
    sent = f.help_request(name="Sok", phone="011", anonymous=False).request
    grievance = services.grievance_record(actor=hotline, data=_input(), help_request=sent)
    sent.refresh_from_db()
    assert grievance.help_request == sent and sent.outcome == HelpRequest.Outcome.GRIEVANCE
    with pytest.raises(ValidationError):
        services.grievance_record(actor=hotline, data=_input(), help_request=sent)
    assert Grievance.objects.count() == 1


def test_others_cannot_record_or_see_grievances(org, hotline) -> None:
    grievance = services.grievance_record(actor=hotline, data=_input())
    for role in (Role.CASEWORKER, Role.VOLUNTEER, Role.FIELD_OFFICER, Role.ME_OFFICER, Role.PROGRAMME_MANAGER):
        user = make_user(org, role)
        with pytest.raises(PermissionDenied):
            services.grievance_record(actor=user, data=_input())
        assert not selectors.grievances(user=user).exists()
    stranger = make_user(make_org("other"), Role.HOTLINE_OFFICER)
    assert not selectors.grievances(user=stranger).exists()
    with pytest.raises(PermissionDenied):
        services.grievance_close(actor=stranger, grievance=grievance, resolved=True, resolution="x", closed_on=TODAY)
    supervisor = make_user(org, Role.CASE_SUPERVISOR)
    assert list(selectors.grievances(user=supervisor)) == [grievance]
    with pytest.raises(PermissionDenied):
        services.grievance_raise(actor=supervisor, grievance=grievance, level=2, raised_with="DoL", raised_on=TODAY)
    assert Grievance.objects.count() == 1 and not GrievanceStep.objects.exists()


def test_the_pages_take_a_grievance_from_a_help_request_to_closure(org, hotline) -> None:
    sent = f.help_request(province=None).request
    client = login(Client(), hotline)
    page = client.get(f"/safe-migration/staff/requests/{sent.uuid}/")
    assert "Record a grievance from this request" in page.content.decode()
    form = client.get(f"/safe-migration/staff/grievances/new/?from={sent.uuid}")
    assert sent.message in form.content.decode()
    place = _place()
    posted = client.post(
        "/safe-migration/staff/grievances/new/",
        {
            "from": str(sent.uuid),
            "received_on": RECEIVED.strftime("%d/%m/%Y"),
            "about": "worker",
            "kinds": ["documents"],
            "description": "Passport kept <script>alert(1)</script>",
            "documents_kept": "១",
            "province": place.province.code,
            "district": place.district.code,
            "commune": place.commune.code,
        },
    )
    assert posted.status_code == 302, posted.content.decode()[:2000]
    grievance = Grievance.objects.get()
    assert grievance.documents_kept == 1 and grievance.help_request == sent
    detail = client.get(posted["Location"]).content.decode()
    assert "&lt;script&gt;" in detail and "<script>alert" not in detail
    raised = client.post(
        f"/safe-migration/staff/grievances/{grievance.uuid}/raise/",
        {"level": "3", "raised_with": "Provincial Department of Labour", "raised_on": TODAY.isoformat()},
    )
    assert raised.status_code == 302
    bad = client.post(
        f"/safe-migration/staff/grievances/{grievance.uuid}/close/",
        {"resolved": "1", "resolution": "Returned", "closed_on": TODAY.isoformat(), "documents_returned": "5"},
    )
    assert bad.status_code == 400 and "More documents returned than were kept" in bad.content.decode()
    closed = client.post(
        f"/safe-migration/staff/grievances/{grievance.uuid}/close/",
        {"resolved": "1", "resolution": "Returned", "closed_on": TODAY.isoformat(), "documents_returned": "1"},
    )
    assert closed.status_code == 302
    listing = client.get("/safe-migration/staff/grievances/").content.decode()
    assert grievance.reference in listing and "1 of 1 kept" in listing
    grievance.refresh_from_db()
    assert (grievance.level, grievance.status) == (Grievance.Level.PROVINCE, Grievance.Status.RESOLVED)
