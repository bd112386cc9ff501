"""Pages field staff, supervisors, M&E officers and donors read (issue 10): target units in the reader's
language, what each home page will show and when, who read a record."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import login, make_org, make_user
from karpear.core import registry
from karpear.core.models import Organisation, Programme, Target

pytestmark = pytest.mark.django_db


def in_language(client, user, language: str):
    login(client, user)
    user.language = language
    user.save(update_fields=["language"])
    client.cookies["karpear_language"] = language
    return client


@pytest.fixture
def programme(orgs):
    donor = make_org("donor", kind=Organisation.Kind.DONOR)
    programme = Programme.objects.create(
        organisation=orgs["own"],
        donor=donor,
        code="safe-migration",
        name="Safe migration",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2028, 12, 31),
    )
    Target.objects.create(programme=programme, indicator="trained", description="Trained", value=240, unit="people")
    Target.objects.create(programme=programme, indicator="groups", description="Groups", value=22, unit="groups")
    Target.objects.create(programme=programme, indicator="odd", description="Odd", value=3, unit="boats")
    return programme


# ---------------------------------------------------------------- item 12: target units
def test_target_units_are_in_khmer_on_khmer_pages(client, users, programme):
    in_language(client, users["programme_manager"], "km")

    html = client.get(f"/programmes/{programme.uuid}/").content.decode()

    assert "២៤០ នាក់" in html
    assert "២២ ក្រុម" in html
    assert " people<" not in html and " groups<" not in html
    assert "boats" in html  # a unit nobody translated is shown as typed


def test_target_units_stay_english_on_english_pages(client, users, programme):
    in_language(client, users["programme_manager"], "en")

    html = client.get(f"/programmes/{programme.uuid}/").content.decode()

    assert "240 people" in html and "22 groups" in html


def test_every_common_unit_has_a_khmer_name():
    from django.utils.translation import override

    with override("km"):
        for unit in Target.Unit:
            assert str(unit.label) != unit.value and str(unit.label).strip(), unit.value


# ---------------------------------------------------------------- item 9: who read, by case number
def test_the_supervisors_who_read_list_names_records_by_case_number_with_a_link(client, users):
    from karpear.core import selectors
    from karpear.core.tests.factories import register

    person = register(users["caseworker"], case_number="ALPHA-2026-00042")
    selectors.person_identity(user=users["caseworker"], person=person)
    in_language(client, users["case_supervisor"], "en")

    html = client.get("/").content.decode()

    section = html[html.index("Who read identifying details") :]
    section = section[: section.index("</section>")]
    assert f'<a href="/people/{person.uuid}/access-log/">ALPHA-2026-00042</a>' in section
    assert str(person.uuid)[:8] not in section.replace(str(person.uuid), "")


def test_the_who_read_list_needs_no_query_per_read(client, users, django_assert_max_num_queries):
    from karpear.core import selectors
    from karpear.core.tests.factories import register

    for n in range(8):
        selectors.person_identity(user=users["caseworker"], person=register(users["caseworker"], name_latin=f"P {n}"))
    supervisor = users["case_supervisor"]

    with django_assert_max_num_queries(4):
        rows = selectors.identity_read_list(user=supervisor, limit=10)

    assert len(rows) == 8 and all(row.person is not None and row.person.case_number for row in rows)


# ---------------------------------------------------------------- item 10: what the M&E officer and the donor will see
def test_the_me_officers_home_says_what_it_will_show_and_when_not_that_there_is_nothing(client, users, monkeypatch):
    monkeypatch.setattr(registry, "_TARGET_COUNTERS", [])  # as before any app counts achievements (monitoring)
    in_language(client, users["me_officer"], "en")

    html = client.get("/").content.decode()

    assert "Progress against targets" in html
    assert "Once the monitoring module is installed" in html
    assert "People you register, or who are assigned to you" not in html  # the M&E officer registers no one
    assert "People your organisation registers will appear here" in html


def test_the_donors_home_and_targets_say_achieved_figures_come_with_monitoring(client, programme, monkeypatch):
    monkeypatch.setattr(registry, "_TARGET_COUNTERS", [])  # as before any app counts achievements (monitoring)
    donor_manager = make_user(programme.donor, "programme_manager")
    in_language(client, donor_manager, "en")

    home = client.get("/").content.decode()
    targets = client.get(f"/programmes/{programme.uuid}/").content.decode()

    assert "each target will show its achieved figure" in home
    assert "it will appear beside each target once the monitoring module is installed" in targets


def test_a_caseworkers_home_has_no_monitoring_note(client, users):
    in_language(client, users["caseworker"], "en")

    assert "Progress against targets" not in client.get("/").content.decode()


def test_once_an_app_counts_targets_the_notes_go(client, programme, monkeypatch):
    from karpear.core import registry

    monkeypatch.setattr(registry, "_TARGET_COUNTERS", ["monitoring"])
    donor_manager = make_user(programme.donor, "programme_manager")
    in_language(client, donor_manager, "en")

    assert "Progress against targets" not in client.get("/").content.decode()
    assert "not counted yet" not in client.get(f"/programmes/{programme.uuid}/").content.decode()


# ---------------------------------------------------------------- item 11: an Excel file people can read
def _xlsx_export(user, capture):
    import io

    from openpyxl import load_workbook

    from karpear.core import services

    with capture(execute=True):
        job = services.export_people_request(actor=user, fmt="xlsx")
    job.refresh_from_db()
    sheet = load_workbook(io.BytesIO(bytes(job.content))).active
    return list(sheet.iter_rows())


@pytest.mark.parametrize("language", ["en", "km"])
def test_the_excel_export_has_headers_in_the_users_language_place_names_and_codes_and_dates(
    users, language, django_capture_on_commit_callbacks
):
    from django.utils import timezone
    from django.utils.translation import gettext, override

    from karpear.core.models import Province
    from karpear.core.tests.factories import COMMUNE, register

    caseworker = users["caseworker"]
    caseworker.language = language
    caseworker.save(update_fields=["language"])
    register(caseworker, name_latin="Sok Dara")

    header, row = _xlsx_export(caseworker, django_capture_on_commit_callbacks)
    names = [cell.value for cell in header]
    values = dict(zip(names, row, strict=True))

    with override(language):
        case_number, province, province_code, commune_code, registered = (
            gettext("Case number"),
            gettext("Province"),
            gettext("Province code"),
            gettext("Commune code"),
            gettext("Registered on"),
        )
    assert names[0] == case_number and "case_number" not in names
    svay_rieng = Province.objects.get(code=COMMUNE[:2])
    assert values[province].value == (svay_rieng.name_km if language == "km" else svay_rieng.name_en)
    assert (values[province_code].value, values[commune_code].value) == (COMMUNE[:2], COMMUNE)
    assert values[registered].value.date() == timezone.localdate()
    assert values[registered].is_date and values[registered].number_format == "DD/MM/YYYY"
    if language == "km":
        assert names[0] != "Case number"


def test_csv_for_other_programs_keeps_its_column_keys(users, django_capture_on_commit_callbacks):
    import csv
    import io

    from karpear.core import services
    from karpear.core.tests.factories import register

    register(users["caseworker"], name_latin="Sok Dara")
    with django_capture_on_commit_callbacks(execute=True):
        job = services.export_people_request(actor=users["caseworker"], fmt="csv")
    job.refresh_from_db()
    header = next(csv.reader(io.StringIO(bytes(job.content).decode("utf-8").lstrip("\ufeff"))))

    assert header[:6] == ["case_number", "sex", "birth_year", "province", "province_code", "district"]


# ---------------------------------------------------------------- item 8: names in lists, one audit event a page
def _list_events():
    from karpear.core.models import AuditEvent

    return list(AuditEvent.objects.filter(action="view", details__reason="list").order_by("id"))


def test_a_caseworkers_list_shows_names_and_writes_one_event_naming_everyone_shown(client, users):
    from karpear.core.tests.factories import register

    people = [register(users["caseworker"], name_km=f"សុខ {n}", name_latin=f"Sok {n}") for n in range(3)]
    in_language(client, users["caseworker"], "en")

    html = client.get("/people/").content.decode()

    for n in range(3):
        assert f"សុខ {n}" in html and f"Sok {n}" in html
    [event] = _list_events()
    assert event.actor == users["caseworker"] and event.details["fields"] == "identity"
    assert sorted(event.details["people"]) == sorted(str(p.uuid) for p in people)


def test_a_role_without_view_identity_sees_initials_and_no_list_event_is_written(client, users):
    from karpear.core.tests.factories import register

    register(users["caseworker"], name_latin="Sok Dara")
    in_language(client, users["programme_officer"], "en")

    html = client.get("/people/").content.decode()

    assert "Sok Dara" not in html and "SD" in html
    assert _list_events() == []


def test_the_persons_who_read_page_shows_the_list_that_named_them_and_not_others(client, users):
    from karpear.core.tests.factories import register

    shown = register(users["caseworker"], name_latin="Sok Dara")
    in_language(client, users["caseworker"], "en")
    client.get("/people/")
    later = register(users["caseworker"], name_latin="Chan Thida")  # registered after the list was read
    client.logout()
    in_language(client, users["case_supervisor"], "en")

    shown_log = client.get(f"/people/{shown.uuid}/access-log/").content.decode()
    later_log = client.get(f"/people/{later.uuid}/access-log/").content.decode()

    assert "alpha-caseworker" in shown_log and "identifying details" in shown_log
    assert "identifying details" not in later_log  # only its registration is there


def test_the_people_list_with_names_stays_within_ten_queries(client, users, django_assert_max_num_queries):
    from karpear.core.tests.factories import register

    for n in range(30):
        register(users["caseworker"], name_latin=f"Person {n}")
    in_language(client, users["caseworker"], "en")
    client.get("/")  # the session and the language, once

    with django_assert_max_num_queries(10):
        response = client.get("/people/")

    assert response.status_code == 200 and len(_list_events()) == 2  # the home page's list, then this one


def test_a_search_by_name_that_shows_names_stays_within_ten_queries_and_records_both_events(
    client, users, django_assert_max_num_queries
):
    from karpear.core.models import AuditEvent
    from karpear.core.tests.factories import register

    for n in range(30):
        register(users["case_supervisor"], name_latin=f"Sokha {n}")
    in_language(client, users["case_supervisor"], "en")
    client.get("/people/?q=Sokha")  # the session, the language and the rate window, once
    before = AuditEvent.objects.count()

    with django_assert_max_num_queries(10):
        response = client.get("/people/?q=Sokha")

    assert response.status_code == 200 and "Sokha 1" in response.content.decode()
    events = list(AuditEvent.objects.order_by("pk")[before:].values_list("action", "details"))
    assert [action for action, _details in events] == ["view", "search"]
    assert events[1][1]["kind"] == "name" and events[1][1]["more"] is True
    assert len(events[0][1]["people"]) == 25
