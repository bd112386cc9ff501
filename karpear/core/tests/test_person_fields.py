"""Nationality and age (issue 9, item 10): the age on a date with its edge cases, the nationality's default,
its check, and both on the person page and in the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from conftest import login
from karpear.core import countries, services
from karpear.core.models import AuditEvent, Person, age_on
from karpear.core.tests.factories import form_data, person_input, register

D = dt.date


# ---------------------------------------------------------------- age on a date
@pytest.mark.parametrize(
    ("on", "years"),
    [
        (D(2026, 6, 14), 34),  # the birthday itself
        (D(2026, 6, 13), 33),  # the day before: not yet reached this year
        (D(2026, 12, 31), 34),
        (D(2026, 1, 1), 33),
        (D(1992, 6, 14), 0),  # the day of birth
    ],
)
def test_age_from_a_date_of_birth_counts_completed_years(on, years):
    assert age_on(on, date_of_birth=D(1992, 6, 14)) == _age(years, exact=True)


def test_someone_born_on_29_february_turns_a_year_older_on_1_march_in_other_years():
    born = D(2000, 2, 29)
    assert age_on(D(2001, 2, 28), date_of_birth=born).years == 0
    assert age_on(D(2001, 3, 1), date_of_birth=born).years == 1
    assert age_on(D(2004, 2, 28), date_of_birth=born).years == 3
    assert age_on(D(2004, 2, 29), date_of_birth=born).years == 4


def test_from_a_birth_year_only_the_age_is_the_one_reached_that_year_and_not_exact():
    assert age_on(D(2026, 1, 1), birth_year=1992) == _age(34, exact=False)
    assert age_on(D(2026, 12, 31), birth_year=1992) == _age(34, exact=False)


def test_the_date_of_birth_wins_over_the_birth_year():
    assert age_on(D(2026, 3, 1), date_of_birth=D(1992, 6, 14), birth_year=1992) == _age(33, exact=True)


def test_no_age_before_the_birth_or_when_nothing_is_known():
    assert age_on(D(1992, 6, 13), date_of_birth=D(1992, 6, 14)) is None
    assert age_on(D(1991, 12, 31), birth_year=1992) is None
    assert age_on(D(2026, 1, 1)) is None


def _age(years: int, *, exact: bool):
    from karpear.core.models import Age

    return Age(years, exact)


@pytest.mark.django_db
def test_the_person_page_says_about_when_only_the_birth_year_is_known(users, client: Client):
    year = timezone.localdate().year - 34
    person = register(users["caseworker"], birth_year=year, birth_year_estimated=True)
    login(client, users["caseworker"])
    html = client.get(f"/people/{person.uuid}/").content.decode()
    assert "<dt>Age</dt><dd>about 34 years</dd>" in html


@pytest.mark.django_db
def test_the_person_page_gives_the_exact_age_from_the_date_of_birth_to_identity_roles_only(users, client: Client):
    today = timezone.localdate()
    tomorrow = today + dt.timedelta(days=1)
    born = today.replace(year=today.year - 20)  # 20 today (2006 and 2026 are both leap or both not)
    tomorrow_birthday = tomorrow.replace(year=tomorrow.year - 20)  # 20 tomorrow
    first = register(users["caseworker"], date_of_birth=born, birth_year=None)
    second = register(users["caseworker"], date_of_birth=tomorrow_birthday, birth_year=None, name_latin="Sok Dara")
    login(client, users["caseworker"])
    assert "<dt>Age</dt><dd>20 years</dd>" in client.get(f"/people/{first.uuid}/").content.decode()
    assert "<dt>Age</dt><dd>19 years</dd>" in client.get(f"/people/{second.uuid}/").content.decode()
    # A role that may not read the date of birth gets the age from the birth year only.
    login(client, users["programme_officer"])
    expected = today.year - tomorrow_birthday.year
    assert f"<dt>Age</dt><dd>about {expected} years</dd>" in client.get(f"/people/{second.uuid}/").content.decode()


# ---------------------------------------------------------------- nationality
@pytest.mark.django_db
def test_a_new_person_is_cambodian_unless_told_otherwise(users):
    assert register(users["caseworker"]).nationality == "KH"
    assert register(users["caseworker"], nationality="TH", name_latin="Somchai").nationality == "TH"


@pytest.mark.django_db
def test_an_unknown_country_code_is_refused_and_nothing_is_saved(users):
    with pytest.raises(ValidationError) as caught:
        register(users["caseworker"], nationality="XX")
    assert caught.value.message_dict == {"nationality": ["Choose a country from the list."]}
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_an_update_without_a_nationality_keeps_it_and_one_with_it_changes_it_audited(users):
    person = register(users["caseworker"], nationality="VN")
    services.person_update(actor=users["caseworker"], person=person, data=person_input(birth_year=1990))
    person.refresh_from_db()
    assert person.nationality == "VN"
    services.person_update(actor=users["caseworker"], person=person, data=person_input(nationality="KH"))
    person.refresh_from_db()
    assert person.nationality == "KH"
    changed = AuditEvent.objects.filter(action="update").order_by("-id").values_list("details", flat=True)[0]
    assert "nationality" in changed["changed"]


@pytest.mark.django_db
def test_the_form_offers_cambodia_first_and_saves_the_chosen_nationality(users, client: Client):
    login(client, users["caseworker"])
    html = client.get("/people/new/").content.decode()
    options = html.split('name="nationality"')[1].split("</select>")[0]
    assert options.index('value="KH"') < options.index('value="TH"') < options.index('value="FR"')
    assert '<option value="KH" selected>Cambodia</option>' in options
    response = client.post("/people/new/", form_data(nationality="TH"))
    assert response.status_code == 302
    person = Person.objects.get()
    assert person.nationality == "TH"
    assert "<dt>Nationality</dt><dd>Thailand</dd>" in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_the_form_refuses_a_country_that_is_not_in_the_list(users, client: Client):
    login(client, users["caseworker"])
    response = client.post("/people/new/", form_data(nationality="XX"))
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_the_nationality_is_named_in_khmer_for_khmer_readers(users, client: Client):
    person = register(users["caseworker"], nationality="TH")
    login(client, users["caseworker"])
    client.cookies["karpear_language"] = "km"
    users["caseworker"].language = "km"
    users["caseworker"].save()
    html = client.get(f"/people/{person.uuid}/").content.decode()
    assert countries.name("TH", "km") in html


# ---------------------------------------------------------------- API
@pytest.mark.django_db
def test_the_api_gives_nationality_and_age_with_the_date_of_birth_only_to_identity_roles(users):
    from karpear.core.tests.test_api import api

    today = timezone.localdate()
    tomorrow = today + dt.timedelta(days=1)
    born = tomorrow.replace(year=tomorrow.year - 30)  # 30 tomorrow
    person = register(users["caseworker"], date_of_birth=born, birth_year=None, nationality="MM")
    row = api(users["caseworker"]).get(f"/api/v1/people/{person.uuid}/").json()
    assert (row["nationality"], row["age"]) == ("MM", 29)
    row = api(users["programme_officer"]).get(f"/api/v1/people/{person.uuid}/").json()
    assert (row["nationality"], row["age"], row["identity"]) == ("MM", today.year - born.year, None)


@pytest.mark.django_db
def test_the_api_sets_the_nationality_and_refuses_an_unknown_one(users):
    from karpear.core.tests.factories import COMMUNE
    from karpear.core.tests.test_api import api

    client = api(users["caseworker"])
    body = {"sex": "male", "name_latin": "Min Aung", "commune": COMMUNE}
    refused = client.post("/api/v1/people/", {**body, "nationality": "XX"}, content_type="application/json")
    assert refused.status_code == 400
    assert list(refused.json()["fields"]) == ["nationality"]
    assert Person.objects.count() == 0
    made = client.post("/api/v1/people/", {**body, "nationality": "MM"}, content_type="application/json")
    assert made.status_code == 201 and made.json()["nationality"] == "MM"
    default = client.post("/api/v1/people/", {**body, "name_latin": "Sok"}, content_type="application/json")
    assert default.json()["nationality"] == "KH"
