"""Other names (aliases) of a person (issue 9, item 10): checked, kept with the identity, searched like the
names with the same keys and the same rule (roles that read identities only), on the page and the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from conftest import login, make_user
from karpear.core import selectors, services
from karpear.core.models import AuditEvent, Identity, OtherName, Person
from karpear.core.roles import Role
from karpear.core.tests.factories import COMMUNE, form_data, person_input, register

pytestmark = pytest.mark.django_db


def found(user, query: str) -> set[str]:
    return set(selectors.person_list(user=user, query=query).values_list("case_number", flat=True))


# ---------------------------------------------------------------- checking what is typed
def test_names_are_split_on_lines_and_commas_cleaned_and_without_repeats():
    typed = "  Srey   Mom \r\nMOM, srey mom,\n\nធីតា , "
    assert services.parse_other_names(typed) == ["Srey Mom", "MOM", "ធីតា"]
    # The same search key (case and spaces do not count) is the same name.
    assert services.parse_other_names(["Dara", " dara ", "Da Ra", "Dara Sok"]) == ["Dara", "Dara Sok"]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Dara 2", "A name cannot contain digits: Dara 2"),
        ("Dara\n១២", "A name cannot contain digits: ១២"),
        ("Dara\n--", "A name needs letters: --"),
        ("\n".join(f"Name {chr(65 + i)}" for i in range(11)), "Enter at most 10 other names."),
        ("x" * 151, "Each name can have at most 150 characters."),
    ],
)
def test_bad_other_names_are_refused_with_a_clear_message(typed, message):
    with pytest.raises(ValidationError) as caught:
        services.parse_other_names(typed)
    assert caught.value.message_dict == {"other_names": [message]}


def test_the_service_refuses_bad_other_names_whoever_calls_it_and_saves_nothing(users):
    with pytest.raises(ValidationError) as caught:
        register(users["caseworker"], name_latin="Chan Sreymom", other_names=["Thida", "Pov 2"])
    assert caught.value.message_dict == {"other_names": ["A name cannot contain digits: Pov 2"]}
    assert (Person.objects.count(), Identity.objects.count(), OtherName.objects.count()) == (0, 0, 0)


# ---------------------------------------------------------------- kept with the identity, found by search
def test_a_person_is_found_by_any_other_name_from_the_start_of_any_word(users):
    caseworker = users["caseworker"]
    person = register(caseworker, name_latin="Chan Sreymom", other_names=["Mom Mom", "Neang Thida", "ស្រីពៅ"])
    register(caseworker, name_latin="Sok Dara")
    assert Identity.objects.get(person=person).other_names == "Mom Mom\nNeang Thida\nស្រីពៅ"
    assert found(caseworker, "thida") == {person.case_number}  # the given name alone
    assert found(caseworker, "NEANG th") == {person.case_number}
    assert found(caseworker, "ស្រី") == {person.case_number}
    assert found(caseworker, "chan") == {person.case_number}  # the names still count
    assert found(caseworker, "dara") != found(caseworker, "thida")


def test_changing_the_other_names_replaces_what_search_finds(users):
    caseworker = users["caseworker"]
    person = register(caseworker, name_latin="Chan Sreymom", other_names=["Neang Thida"])
    services.person_update(
        actor=caseworker, person=person, data=person_input(name_latin="Chan Sreymom", other_names=["Pov"])
    )
    assert found(caseworker, "thida") == set()
    assert found(caseworker, "pov") == {person.case_number}
    assert OtherName.objects.filter(person=person).count() == 1


def test_an_update_that_leaves_other_names_out_keeps_them(users):
    caseworker = users["caseworker"]
    person = register(caseworker, name_latin="Chan Sreymom", other_names=["Neang Thida"])
    services.person_update(actor=caseworker, person=person, data=person_input(name_latin="Chan Sreymom"))
    assert found(caseworker, "thida") == {person.case_number}


def test_a_role_that_does_not_read_identities_cannot_find_anyone_by_another_name(users):
    person = register(users["caseworker"], name_latin="Chan Sreymom", other_names=["Neang Thida"])
    assert found(users["case_supervisor"], "thida") == {person.case_number}
    for role in ("programme_officer", "me_officer", "field_officer"):
        assert found(users[role], "thida") == set(), role


def test_a_role_that_does_not_read_identities_keeps_the_other_names_when_it_changes_the_person(users):
    person = register(users["programme_officer"], name_latin="Chan Sreymom", other_names=["Neang Thida"])
    # A day later: the registrar's window (core.access), in which they may correct what they typed, is closed.
    Person.objects.filter(pk=person.pk).update(created_at=timezone.now() - dt.timedelta(days=1))
    person.refresh_from_db()
    services.person_update(actor=users["programme_officer"], person=person, data=person_input(other_names=[]))
    assert Identity.objects.get(person=person).other_names == "Neang Thida"
    assert found(users["case_supervisor"], "thida") == {person.case_number}


def test_another_organisations_other_names_are_never_found(users, orgs):
    stranger = make_user(orgs["other"], Role.CASEWORKER, username="stranger")
    register(stranger, name_latin="Keo Dara", other_names=["Neang Thida"])
    assert found(users["case_supervisor"], "thida") == set()


# ---------------------------------------------------------------- the page
def test_the_form_saves_other_names_and_the_page_shows_them_to_identity_roles_only(users, client: Client):
    login(client, users["caseworker"])
    response = client.post("/people/new/", form_data(other_names="Neang Thida\nស្រីពៅ"))
    assert response.status_code == 302
    person = Person.objects.get()
    html = client.get(response["Location"]).content.decode()
    assert "<dt>Other names</dt><dd>Neang Thida, ស្រីពៅ</dd>" in html
    edit = client.get(f"/people/{person.uuid}/edit/").content.decode()
    assert "Neang Thida\nស្រីពៅ</textarea>" in edit
    login(client, users["programme_officer"])
    assert "Neang Thida" not in client.get(f"/people/{person.uuid}/").content.decode()
    assert 'name="other_names"' not in client.get(f"/people/{person.uuid}/edit/").content.decode()


def test_a_bad_other_name_on_the_form_is_shown_next_to_the_field_and_nothing_is_saved(users, client: Client):
    login(client, users["caseworker"])
    response = client.post("/people/new/", form_data(other_names="Thida 2"))
    assert response.status_code == 200
    html = response.content.decode()
    block = next(b for b in html.split('<div class="field') if 'name="other_names"' in b)
    assert "A name cannot contain digits: Thida 2" in block
    assert (Person.objects.count(), Identity.objects.count(), OtherName.objects.count()) == (0, 0, 0)


def test_a_search_by_another_name_on_the_page_is_audited_like_a_name_search(users, client: Client):
    person = register(users["caseworker"], name_latin="Chan Sreymom", other_names=["Neang Thida"])
    login(client, users["caseworker"])
    html = client.get("/people/?q=thida").content.decode()
    assert person.case_number in html
    [event] = AuditEvent.objects.filter(action="search").values_list("details", flat=True)
    assert event["script"] == "latin" and event["matches"] == 1
    assert "thida" not in str(event).lower()


# ---------------------------------------------------------------- the API
def test_the_api_reads_and_writes_other_names_for_identity_roles(users):
    from karpear.core.tests.test_api import api

    client = api(users["caseworker"])
    made = client.post(
        "/api/v1/people/",
        {"sex": "female", "name_latin": "Chan Sreymom", "commune": COMMUNE, "other_names": ["Neang Thida", "Pov"]},
        content_type="application/json",
    )
    assert made.status_code == 201
    assert made.json()["identity"]["other_names"] == ["Neang Thida", "Pov"]
    uuid = made.json()["uuid"]
    results = client.get("/api/v1/people/?q=pov").json()["results"]
    assert [r["uuid"] for r in results] == [uuid]
    # A PUT that leaves other_names out keeps them.
    kept = client.put(
        f"/api/v1/people/{uuid}/",
        {"sex": "female", "name_latin": "Chan Sreymom", "commune": COMMUNE},
        content_type="application/json",
    )
    assert kept.json()["identity"]["other_names"] == ["Neang Thida", "Pov"]
    bad = client.put(
        f"/api/v1/people/{uuid}/",
        {"sex": "female", "name_latin": "Chan Sreymom", "other_names": ["Pov 2"]},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["fields"] == {"other_names": ["A name cannot contain digits: Pov 2"]}
    row = api(users["programme_officer"]).get(f"/api/v1/people/{uuid}/").json()
    assert row["identity"] is None
    assert api(users["programme_officer"]).get("/api/v1/people/?q=pov").json()["results"] == []
