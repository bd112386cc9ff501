"""The people pages through the test client, in English and in Khmer: register, errors, picker, detail, list."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django import forms
from django.test import Client
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext, override

from conftest import login, make_user
from karpear.core.models import AuditEvent, Identity, Person
from karpear.core.tests.factories import COMMUNE, first_village, form_data, register, this_year

pytestmark = pytest.mark.django_db

NEW = "/people/new/"
LANGUAGES = ["en", "km"]


# ---------------------------------------------------------------- helpers
def as_user(client: Client, user, language: str = "en") -> Client:
    """Log in (with the second factor where the role needs one) and use the interface in `language`."""
    login(client, user)
    user.language = language
    user.save(update_fields=["language"])
    client.cookies["karpear_language"] = language
    return client


def tr(msgid: str, language: str) -> str:
    """The message as the interface shows it in `language` (English until the Khmer msgstr is filled in)."""
    with override(language):
        return gettext(msgid)


def field_block(html: str, name: str) -> str:
    """The `<div class="field">` block that holds the input or select named `name` (label, input, errors)."""
    blocks = [b for b in html.split('<div class="field') if f'name="{name}"' in b]
    assert len(blocks) == 1, f"no single field block for {name}"
    return blocks[0]


def errors_in(block: str) -> list[str]:
    return re.findall(r'<p class="error" role="alert">(.*?)</p>', block)


def select_options(html: str, select_id: str) -> list[str]:
    match = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    assert match is not None
    return re.findall(r'<option value="([^"]*)"', match.group(1))


def people_counts() -> tuple[int, int]:
    return Person.objects.count(), Identity.objects.count()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def html_of(response) -> str:
    return response.content.decode()


# ---------------------------------------------------------------- registering
@pytest.mark.parametrize("language", LANGUAGES)
def test_registering_a_person_redirects_to_the_detail_page_with_the_case_number(client, users, language):
    as_user(client, users["caseworker"], language)
    village = first_village()

    response = client.post(NEW, form_data(name_km="ចាន់ ស្រីមុំ", phone="012 345 678"))

    person = Person.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/people/{person.uuid}/"
    assert (person.province_id, person.district_id, person.commune_id, person.village_id) == (
        "20",
        "2001",
        COMMUNE,
        village.pk,
    )
    page = client.get(response["Location"])
    number = f"ALPHA-{this_year()}-00001"
    assert tr("Saved. Case number %(number)s.", language) % {"number": number} in messages_of(page)
    assert f'<html lang="{language}">' in html_of(page)


def test_registering_with_an_unusual_phone_saves_and_warns(client, users):
    as_user(client, users["caseworker"])

    response = client.post(NEW, form_data(phone="023 000 000"), follow=True)

    assert Identity.objects.get().phone == "+85523000000"
    assert messages_of(response) == [
        f"Saved. Case number ALPHA-{this_year()}-00001.",
        "This phone number looks unusual; please check it.",
    ]


def _future_date() -> str:
    return (timezone.localdate() + dt.timedelta(days=1)).strftime("%d/%m/%Y")


def _too_long_message(language: str) -> str:
    with override(language):
        try:
            forms.CharField(max_length=150).clean("x" * 151)
        except forms.ValidationError as exc:
            return exc.messages[0]
    raise AssertionError("151 characters were accepted")


def _translated(msgid: str):
    return lambda language: tr(msgid, language)


BAD_INPUTS = {
    "unknown_place": ({"commune": "999999"}, "commune", _translated("Unknown place code.")),
    "future_birth_date": (
        {"birth_year": "", "date_of_birth": _future_date},
        "date_of_birth",
        _translated("The date of birth cannot be in the future."),
    ),
    "impossible_phone": ({"phone": "123"}, "phone", _translated("This phone number has the wrong number of digits.")),
    "over_long_name": ({"name_latin": "x" * 151}, "name_latin", _too_long_message),
    "unreadable_date": ({"date_of_birth": "31/02/2001"}, "date_of_birth", _translated("Enter a valid date.")),
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_shown_next_to_its_field_keeps_what_was_typed_and_saves_nothing(client, users, language, case):
    as_user(client, users["caseworker"], language)
    changes, field, message = BAD_INPUTS[case]
    changes = {key: value() if callable(value) else value for key, value in changes.items()}
    data = form_data(name_km="ចាន់ ស្រីមុំ", **changes)
    before = people_counts()

    response = client.post(NEW, data)

    html = html_of(response)
    assert response.status_code == 200
    assert f'<html lang="{language}">' in html
    assert errors_in(field_block(html, field)) == [escape(message(language))]
    assert tr("Please correct the errors below. Nothing has been saved yet.", language) in html
    assert 'value="ចាន់ ស្រីមុំ"' in field_block(html, "name_km")
    assert people_counts() == before
    if message(language) != message("en"):
        assert escape(message("en")) not in html  # the Khmer interface does not fall back to English


@pytest.mark.parametrize("language", LANGUAGES)
def test_duplicate_case_number_is_shown_next_to_the_field_and_nothing_saved(client, users, language):
    existing = register(users["caseworker"], name_latin="Sok Dara")
    as_user(client, users["caseworker"], language)
    before = people_counts()

    response = client.post(NEW, form_data(case_number=existing.case_number.lower(), name_latin="Chan Sreymom"))

    html = html_of(response)
    assert response.status_code == 200
    assert errors_in(field_block(html, "case_number")) == [
        tr("Your organisation already has a person with this case number.", language)
    ]
    assert 'value="Chan Sreymom"' in field_block(html, "name_latin")
    assert people_counts() == before
    if language == "km":
        assert "Your organisation already has a person with this case number." not in html


def test_date_of_birth_typed_with_khmer_digits_is_understood(client, users):
    as_user(client, users["caseworker"], "km")

    response = client.post(NEW, form_data(birth_year="", date_of_birth="២៥/១២/២០០១"))

    assert response.status_code == 302
    person = Person.objects.get()
    assert (person.birth_year, Identity.objects.get(person=person).date_of_birth) == (2001, dt.date(2001, 12, 25))


def test_khmer_error_text_differs_from_english_once_translated(client, users):
    """When the catalogue translates the message, the Khmer page must not show the English one."""
    km_text = tr("Unknown place code.", "km")
    as_user(client, users["caseworker"], "km")

    response = client.post(NEW, form_data(commune="999999"))

    assert errors_in(field_block(html_of(response), "commune")) == [km_text]
    if km_text != "Unknown place code.":
        assert "Unknown place code." not in html_of(response)


def test_registering_without_any_name_asks_for_one(client, users):
    as_user(client, users["caseworker"])

    response = client.post(NEW, form_data(name_latin=""))

    assert errors_in(field_block(html_of(response), "name_km")) == ["Enter the name in Khmer or in Latin letters."]
    assert people_counts() == (0, 0)


def test_role_without_add_person_gets_403_and_nothing_is_saved(client, users):
    as_user(client, users["me_officer"])

    response = client.post(NEW, form_data())

    assert response.status_code == 403
    assert people_counts() == (0, 0)


# ---------------------------------------------------------------- the place picker
def test_place_refresh_button_shows_the_districts_of_the_province_and_saves_nothing(client, users):
    as_user(client, users["caseworker"])
    data = form_data(district="", commune="", village="", _place_refresh="1")

    response = client.post(NEW, data)

    html = html_of(response)
    assert response.status_code == 200
    assert select_options(html, "id_district") == ["", "2001", "2002", "2003", "2004", "2005", "2006", "2007", "2008"]
    assert select_options(html, "id_commune") == [""]
    assert 'value="Chan Sreymom"' in field_block(html, "name_latin")
    assert '<option value="female" selected>' in field_block(html, "sex")
    assert 'value="1998"' in field_block(html, "birth_year")
    assert "Please correct the errors below" not in html
    assert people_counts() == (0, 0)


def test_place_refresh_on_a_form_still_being_filled_shows_no_errors(client, users):
    """Pressing "Show the places" is not saving: fields not filled in yet are not errors."""
    as_user(client, users["caseworker"])
    data = form_data(name_latin="", sex="", district="", commune="", village="", _place_refresh="1")

    response = client.post(NEW, data)

    html = html_of(response)
    assert response.status_code == 200
    assert select_options(html, "id_district") == ["", "2001", "2002", "2003", "2004", "2005", "2006", "2007", "2008"]
    assert errors_in(html) == []
    assert "Please correct the errors below" not in html
    assert people_counts() == (0, 0)


def test_place_refresh_after_choosing_a_district_lists_its_communes(client, users):
    as_user(client, users["caseworker"])

    response = client.post(NEW, form_data(commune="", village="", _place_refresh="1"))

    assert select_options(html_of(response), "id_commune") == [
        "",
        "200103",
        "200104",
        "200105",
        "200108",
        "200109",
        "200110",
    ]
    assert people_counts() == (0, 0)


def test_place_picker_lists_the_districts_of_svay_rieng(client, users):
    as_user(client, users["caseworker"])

    response = client.get("/places/picker/", {"province": "20"})

    html = html_of(response)
    assert select_options(html, "id_district") == ["", "2001", "2002", "2003", "2004", "2005", "2006", "2007", "2008"]
    assert '<option value="2001">Chantrea</option>' in html
    assert "<html" not in html


def test_place_picker_names_places_in_khmer_in_the_khmer_interface(client, users):
    as_user(client, users["caseworker"], "km")

    response = client.get("/places/picker/", {"province": "20"})

    assert '<option value="2001">ចន្ទ្រា</option>' in html_of(response)


def test_place_picker_search_by_khmer_name_returns_the_matching_places(client, users):
    as_user(client, users["caseworker"])

    response = client.get("/places/picker/", {"place_q": "ស្វាយរៀង"})

    picks = re.findall(r'name="place_pick" value="([^"]*)"', html_of(response))
    assert picks[:3] == ["p:20", "d:2006", "c:200601"]
    assert len(picks) == 6
    assert "Svay Rieng, Svay Rieng, Svay Rieng" in html_of(response)


def test_picking_a_search_result_fills_every_level(client, users):
    as_user(client, users["caseworker"])

    response = client.get("/places/picker/", {"place_pick": "c:200103"})

    html = html_of(response)
    assert re.search(r'<option value="20" selected>', html)
    assert re.search(r'<option value="2001" selected>', html)
    assert re.search(r'<option value="200103" selected>', html)
    assert select_options(html, "id_village")[1] == str(first_village().pk)


# ---------------------------------------------------------------- likely duplicates
def test_second_registration_of_same_person_warns_and_saves_after_confirmation(client, users):
    existing = register(users["caseworker"], name_latin="Chan Sreymom", birth_year=1998)
    as_user(client, users["caseworker"])

    warned = client.post(NEW, form_data(name_latin="chan sreymom"))

    html = html_of(warned)
    assert warned.status_code == 200
    assert "This may be someone already registered:" in html
    assert f'<a href="/people/{existing.uuid}/" target="_blank">{existing.case_number}</a>' in html
    assert "same name, birth year and commune" in html
    assert people_counts() == (1, 1)

    saved = client.post(NEW, form_data(name_latin="chan sreymom", confirm_not_duplicate="on"))

    assert saved.status_code == 302
    assert list(Person.objects.order_by("id").values_list("case_number", flat=True)) == [
        f"ALPHA-{this_year()}-00001",
        f"ALPHA-{this_year()}-00002",
    ]


# ---------------------------------------------------------------- CSRF
@pytest.mark.parametrize("language", LANGUAGES)
def test_tampered_csrf_token_gives_the_form_has_expired_page_and_saves_nothing(users, language):
    client = as_user(Client(enforce_csrf_checks=True), users["caseworker"], language)
    client.get(NEW)  # sets the CSRF cookie

    response = client.post(NEW, {**form_data(), "csrfmiddlewaretoken": "x" * 64})

    assert response.status_code == 403
    assert tr("The form has expired", language) in html_of(response)
    assert people_counts() == (0, 0)


def test_the_real_csrf_token_is_accepted(users):
    client = as_user(Client(enforce_csrf_checks=True), users["caseworker"])
    token = client.get(NEW).context["csrf_token"]

    response = client.post(NEW, {**form_data(), "csrfmiddlewaretoken": str(token)})

    assert response.status_code == 302
    assert people_counts() == (1, 1)


# ---------------------------------------------------------------- the detail page and its access log
def identity_reads(person) -> list[tuple[str, dict]]:
    return list(
        AuditEvent.objects.filter(object_id=str(person.uuid), action="view").values_list("actor_name", "details")
    )


def test_detail_shows_identity_to_a_caseworker_and_audits_the_read(client, users):
    person = register(users["caseworker"], name_latin="Chan Sreymom", phone="012 345 678")
    as_user(client, users["caseworker"])

    response = client.get(f"/people/{person.uuid}/")

    html = html_of(response)
    assert response.status_code == 200
    assert "<dd>Chan Sreymom</dd>" in html
    assert "<dd>012 345 678</dd>" in html  # stored as +85512345678, shown as Cambodians write it
    assert identity_reads(person) == [("alpha-caseworker", {"fields": "identity", "reason": "view"})]


def test_detail_hides_identity_from_a_programme_officer_and_audits_no_read(client, users):
    person = register(users["caseworker"], name_latin="Chan Sreymom", phone="012 345 678")
    as_user(client, users["programme_officer"])

    response = client.get(f"/people/{person.uuid}/")

    html = html_of(response)
    assert response.status_code == 200
    assert person.case_number in html
    assert "Sreymom" not in html
    assert "+85512345678" not in html and "012 345 678" not in html
    assert "Identifying details" not in html
    assert identity_reads(person) == []


def test_detail_of_another_organisations_person_is_not_found(client, orgs, users):
    person = register(make_user(orgs["other"], "caseworker"), name_latin="Chan Sreymom")
    as_user(client, users["case_supervisor"])

    response = client.get(f"/people/{person.uuid}/")

    assert response.status_code == 404
    assert "Sreymom" not in html_of(response)
    assert identity_reads(person) == []


def test_access_log_lists_the_identity_read_for_a_case_supervisor(client, users):
    person = register(users["caseworker"], name_latin="Chan Sreymom")
    as_user(Client(), users["caseworker"]).get(f"/people/{person.uuid}/")
    as_user(client, users["case_supervisor"])

    response = client.get(f"/people/{person.uuid}/access-log/")

    rows = re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td><td>([^<]*)</td></tr>", html_of(response))
    assert response.status_code == 200
    assert rows == [("alpha-caseworker", "viewed · identifying details"), ("alpha-caseworker", "created")]


@pytest.mark.parametrize("role", ["caseworker", "programme_officer"])
def test_access_log_is_refused_to_roles_without_view_access_log(client, users, role):
    person = register(users["caseworker"], name_latin="Chan Sreymom")
    as_user(client, users[role])

    response = client.get(f"/people/{person.uuid}/access-log/")

    assert response.status_code == 403
    assert "alpha-caseworker" not in html_of(response).split("<footer")[0]


def test_detail_in_khmer_shows_the_birth_year_in_khmer_digits(client, users):
    person = register(users["caseworker"], birth_year=1998)
    as_user(client, users["caseworker"], "km")

    html = html_of(client.get(f"/people/{person.uuid}/"))

    assert "<dd>១៩៩៨</dd>" in html


# ---------------------------------------------------------------- changing a person
def test_edit_form_shows_the_identity_to_a_caseworker_and_audits_the_read(client, users):
    person = register(users["caseworker"], name_latin="Chan Sreymom", phone="012 345 678")
    as_user(client, users["caseworker"])

    response = client.get(f"/people/{person.uuid}/edit/")

    html = html_of(response)
    assert 'value="Chan Sreymom"' in field_block(html, "name_latin")
    assert 'value="012 345 678"' in field_block(html, "phone")  # the stored +85512345678, as it is written
    assert identity_reads(person) == [("alpha-caseworker", {"fields": "identity", "reason": "edit"})]


def test_edit_form_shows_no_identity_to_a_programme_officer_and_audits_no_read(client, users):
    person = register(users["caseworker"], name_latin="Chan Sreymom", phone="012 345 678")
    as_user(client, users["programme_officer"])

    response = client.get(f"/people/{person.uuid}/edit/")

    html = html_of(response)
    assert response.status_code == 200
    assert "Sreymom" not in html
    assert "+85512345678" not in html and "012 345 678" not in html
    assert identity_reads(person) == []


def test_saving_an_edit_changes_the_person_and_says_so(client, users):
    person = register(users["caseworker"], name_latin="Chan Sreymom", birth_year=1998)
    as_user(client, users["caseworker"])

    response = client.post(
        f"/people/{person.uuid}/edit/", form_data(case_number=person.case_number, birth_year="1997"), follow=True
    )

    person.refresh_from_db()
    assert person.birth_year == 1997
    assert messages_of(response) == ["Your changes are saved."]


def test_edit_of_another_organisations_person_is_not_found_and_nothing_changes(client, orgs, users):
    person = register(make_user(orgs["other"], "caseworker"), name_latin="Chan Sreymom", birth_year=1998)
    as_user(client, users["case_supervisor"])

    response = client.post(f"/people/{person.uuid}/edit/", form_data(birth_year="1990"))

    assert response.status_code == 404
    person.refresh_from_db()
    assert person.birth_year == 1998


# ---------------------------------------------------------------- the list
def test_caseworker_finds_a_person_by_khmer_name_in_the_list(client, users):
    wanted = register(users["caseworker"], name_latin="", name_km="ចាន់ ស្រីមុំ")
    other = register(users["caseworker"], name_latin="", name_km="សុខ ដារា")
    as_user(client, users["caseworker"])

    response = client.get("/people/", {"q": "ស្រីមុំ"})

    html = html_of(response)
    assert wanted.case_number in html
    assert other.case_number not in html
    assert [p.case_number for p in response.context["page"].object_list] == [wanted.case_number]


def test_htmx_list_request_gets_only_the_results_partial(client, users):
    person = register(users["caseworker"])
    as_user(client, users["caseworker"])

    response = client.get("/people/", {"q": person.case_number}, HTTP_HX_REQUEST="true")

    html = html_of(response).strip()
    assert "<html" not in html
    assert html.startswith('<div id="results">')
    assert f'<a href="/people/{person.uuid}/">{person.case_number}</a>' in html


def test_people_list_stays_within_ten_queries_with_thirty_people(client, users, django_assert_max_num_queries):
    for n in range(30):
        register(users["caseworker"], name_latin=f"Person {n}")
    as_user(client, users["caseworker"])
    client.get("/people/")  # the first request also writes the session's last-seen time

    with django_assert_max_num_queries(10):
        response = client.get("/people/")

    html = html_of(response)
    assert len(re.findall(r'<li><a href="/people/', html)) == 25
    assert '<a href="?page=2">Next</a>' in html


# ---------------------------------------------------------------- list filters
@pytest.fixture
def three_people(users):
    """A supervisor's organisation: one person in Svay Rieng registered in January, one in Phnom Penh in
    March, one closed case in Svay Rieng."""
    from karpear.core.tests.factories import place

    worker = users["case_supervisor"]
    january = register(worker, name_latin="Sok January")
    march = register(worker, name_latin="Keo March", place=place("120101"))
    closed = register(worker, name_latin="Chan Closed")
    local = timezone.get_current_timezone()
    Person.objects.filter(pk=january.pk).update(created_at=dt.datetime(2026, 1, 15, 9, 0, tzinfo=local))
    Person.objects.filter(pk=march.pk).update(created_at=dt.datetime(2026, 3, 15, 9, 0, tzinfo=local))
    Person.objects.filter(pk=closed.pk).update(
        created_at=dt.datetime(2026, 2, 15, 9, 0, tzinfo=local), closed_at=timezone.now()
    )
    return {"january": january, "march": march, "closed": closed}


def listed(response) -> set[str]:
    return set(re.findall(r">([A-Z]+-\d{4}-\d{5})</a>", response.content.decode()))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"january", "march", "closed"}),
        ({"province": "20"}, {"january", "closed"}),
        ({"status": "open"}, {"january", "march"}),
        ({"status": "closed", "province": "20"}, {"closed"}),
        ({"registered_from": "01/02/2026"}, {"march", "closed"}),  # day/month/year
        ({"registered_from": "០១/០២/២០២៦", "registered_to": "28/02/2026"}, {"closed"}),  # Khmer digits
        ({"province": "", "status": "", "registered_from": "", "registered_to": ""}, {"january", "march", "closed"}),
    ],
)
def test_the_people_list_filters_by_province_status_and_registration_date(
    client, users, three_people, params, expected
):
    response = as_user(client, users["case_supervisor"]).get("/people/", params)

    assert response.status_code == 200
    assert listed(response) == {three_people[key].case_number for key in expected}
    page = response.content.decode()
    assert ('<details class="filters" open>' in page) == bool(expected != {"january", "march", "closed"})


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_bad_filter_is_shown_next_to_its_field_and_filters_nothing(client, users, three_people, language):
    response = as_user(client, users["case_supervisor"], language).get(
        "/people/", {"registered_from": "01/03/2026", "registered_to": "01/02/2026", "province": "99"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert escape(tr("The end is before the start.", language)) in page
    assert 'value="01/02/2026"' in page  # what was typed is kept
    assert listed(response) == {p.case_number for p in three_people.values()}


def test_the_pager_keeps_the_search_and_the_filters(client, users):
    worker = users["case_supervisor"]
    for n in range(26):
        register(worker, name_latin=f"Sok Person {n}")
    response = as_user(client, worker).get("/people/", {"q": "sok", "status": "open"})

    assert len(listed(response)) == 25
    assert '<a href="?q=sok&amp;status=open&amp;page=2">' in response.content.decode()
    assert len(listed(client.get("/people/", {"q": "sok", "status": "open", "page": 2}))) == 1


def test_the_export_carries_the_filters_of_the_list(client, users, three_people, django_capture_on_commit_callbacks):
    import io

    from openpyxl import load_workbook

    from karpear.core.models import ExportJob

    as_user(client, users["case_supervisor"])
    form = client.get("/people/export/", {"q": "", "province": "20", "status": "open"}).content.decode()
    assert '<option value="20" selected>' in form
    assert '<option value="open" selected>' in form

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/people/export/", {"q": "", "province": "20", "status": "open"})
    job = ExportJob.objects.get()
    assert response.status_code == 302
    sheet = load_workbook(io.BytesIO(client.get(f"/jobs/{job.uuid}/download/").content)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [three_people["january"].case_number]
    event = AuditEvent.objects.get(action="export", object_id=str(job.uuid))
    assert event.details["filters"] == {"province": "20", "status": "open"}


def test_a_bad_filter_on_the_export_page_is_a_field_error_and_queues_nothing(client, users, three_people):
    from karpear.core.models import ExportJob

    response = as_user(client, users["case_supervisor"]).post("/people/export/", {"registered_from": "31/02/2026"})

    assert response.status_code == 200
    assert 'value="31/02/2026"' in response.content.decode()
    assert not ExportJob.objects.exists()


def test_the_quick_select_says_what_djangos_select_says():
    from django import forms as django_forms

    from karpear.core.forms import QuickSelect

    choices = [("", "All"), ("12", "Phnom Penh"), ("20", "Svay <Rieng> & co")]
    quick = QuickSelect(choices=choices).render("province", "20", attrs={"id": "id_province"})
    plain = django_forms.Select(choices=choices).render("province", "20", attrs={"id": "id_province"})

    def options(html: str) -> list[tuple[str, bool, str]]:
        return [
            (value, bool(selected), label)
            for value, selected, label in re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', html)
        ]

    assert (
        options(quick)
        == options(plain)
        == [
            ("", False, "All"),
            ("12", False, "Phnom Penh"),
            ("20", True, "Svay &lt;Rieng&gt; &amp; co"),
        ]
    )
    assert quick.startswith('<select id="id_province" name="province">')
