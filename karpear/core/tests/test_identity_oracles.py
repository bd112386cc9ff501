"""Ways to learn identifying details without reading a record (security review, issue 7): the duplicate warning,
prefix searches by name, and who gave a consent. Each is closed or audited, and searches are rate-limited."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from conftest import login
from karpear.core import services
from karpear.core.models import AuditEvent, Consent, Identity, Person
from karpear.core.tests.factories import COMMUNE, form_data, register

pytestmark = pytest.mark.django_db

NEW = "/people/new/"
PEOPLE_API = "/api/v1/people/"


def counts() -> tuple[int, int]:
    return Person.objects.count(), Identity.objects.count()


def searches() -> list[dict]:
    return list(AuditEvent.objects.filter(action="search").order_by("id").values_list("details", flat=True))


# ---------------------------------------------------------------- Medium 5: the duplicate warning
@pytest.mark.parametrize(
    "typed",
    [
        {"phone": "012 345 678", "name_latin": "Someone Else"},
        {"national_id": "N0123456", "name_latin": "Someone Else"},
        {"name_latin": "chan sreymom"},  # with the same birth year and commune
    ],
)
def test_the_duplicate_warning_tells_a_programme_officer_no_case_number(client, users, typed):
    existing = register(
        users["caseworker"], name_latin="Chan Sreymom", birth_year=1998, phone="012 345 678", national_id="N0123456"
    )
    login(client, users["programme_officer"])
    before = counts()

    response = client.post(NEW, form_data(**typed))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Someone with some of these details may already be registered in your organisation." in html
    assert "Ask your case supervisor to check before you register this person again." in html
    assert existing.case_number not in html and str(existing.uuid) not in html
    assert "same phone" not in html and "same ID number" not in html
    assert counts() == before


def test_every_duplicate_check_on_identifying_details_is_audited_without_the_values(client, users):
    register(users["caseworker"], name_latin="Chan Sreymom", birth_year=1998, phone="012 345 678")
    login(client, users["programme_officer"])

    client.post(NEW, form_data(name_latin="Chan Sreymom", phone="012 345 678", passport_number="P998877"))

    event = AuditEvent.objects.filter(action="search").get()
    assert (event.actor_id, event.organisation_id, event.object_id) == (
        users["programme_officer"].pk,
        users["programme_officer"].memberships.get().organisation_id,
        "",
    )
    assert event.details == {"kind": "duplicate_check", "fields": ["name", "phone", "passport"], "candidates": 1}
    assert "85512345678" not in str(event.details) and "P998877" not in str(event.details)


def test_a_caseworker_still_sees_which_record_may_be_the_same_person(client, users):
    existing = register(users["caseworker"], name_latin="Chan Sreymom", birth_year=1998)
    login(client, users["caseworker"])

    html = client.post(NEW, form_data(name_latin="chan sreymom")).content.decode()

    assert f'<a href="/people/{existing.uuid}/" target="_blank">{existing.case_number}</a>' in html
    assert searches() == [{"kind": "duplicate_check", "fields": ["name"], "candidates": 1}]


def test_the_programme_officer_may_still_register_after_asking(client, users):
    register(users["caseworker"], name_latin="Chan Sreymom", birth_year=1998, phone="012 345 678")
    login(client, users["programme_officer"])

    response = client.post(NEW, form_data(name_latin="Chan Sreymom", confirm_not_duplicate="on"))

    assert response.status_code == 302
    assert counts() == (2, 2)


# ---------------------------------------------------------------- Medium 6: searches by name
def test_a_name_search_on_the_page_is_audited_by_kind_and_count_not_text(client, users):
    register(users["caseworker"], name_latin="Chan Sreymom")
    register(users["caseworker"], name_latin="Chan Dara")
    register(users["caseworker"], name_km="សុខ ស្រីមុំ", name_latin="")
    login(client, users["case_supervisor"])

    client.get("/people/", {"q": "Chan"})
    client.get("/people/", {"q": "សុខ"})
    client.get("/people/", {"q": "ALPHA-2"})  # a case number: no identifying detail searched
    client.get("/people/")

    assert searches() == [
        {"kind": "name", "script": "latin", "matches": 2, "more": False, "channel": "page"},
        {"kind": "name", "script": "khmer", "matches": 1, "more": False, "channel": "page"},
    ]
    assert "Chan" not in str(searches()) and "សុខ" not in str(searches())


def test_a_name_search_through_the_api_is_audited(users):
    register(users["caseworker"], name_latin="Chan Sreymom")
    client = login(Client(), users["case_supervisor"])

    client.get(PEOPLE_API, {"q": "chan s"})

    assert searches() == [{"kind": "name", "script": "latin", "matches": 1, "more": False, "channel": "api"}]


def test_rebuilding_a_name_by_prefix_searches_is_stopped_on_the_page(client, users, settings):
    settings.NAME_SEARCH_RATE = "5/10m"
    register(users["caseworker"], name_latin="Chan Sreymom")
    login(client, users["case_supervisor"])

    answers = [client.get("/people/", {"q": prefix}) for prefix in ("c", "ch", "cha", "chan", "chans", "chansr")]

    assert [a.status_code for a in answers] == [200] * 5 + [429]
    html = answers[-1].content.decode()
    assert re.search(
        r"You have searched by name many times in a short while\. Please wait (10|[1-9]) minutes?, or search by case "
        r"number\.",
        html,
    )
    assert "ALPHA-" not in html.split('id="results"')[1]
    # A case number is still found; the refusal is audited.
    assert client.get("/people/", {"q": "ALPHA-2"}).status_code == 200
    assert searches()[-1] == {"kind": "name", "script": "latin", "channel": "page", "refused": True}


def test_a_search_as_you_type_refused_still_shows_its_message(client, users, settings):
    settings.NAME_SEARCH_RATE = "1/10m"
    login(client, users["case_supervisor"])
    client.get("/people/", {"q": "c"})

    response = client.get("/people/", {"q": "ch"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200  # htmx swaps only successful answers
    assert "You have searched by name many times" in response.content.decode()


def test_rebuilding_a_name_by_prefix_searches_is_stopped_on_the_api(users, settings):
    settings.NAME_SEARCH_RATE = "2/10m"
    register(users["caseworker"], name_latin="Chan Sreymom")
    client = login(Client(HTTP_ACCEPT_LANGUAGE="en"), users["case_supervisor"])

    answers = [client.get(PEOPLE_API, {"q": prefix}) for prefix in ("c", "ch", "cha")]

    assert [a.status_code for a in answers] == [200, 200, 429]
    body = answers[-1].json()
    assert body["fields"] == {}
    assert re.fullmatch(
        r"You have searched by name many times in a short while\. Please wait (10|[1-9]) minutes?, or search by case "
        r"number\.",
        body["message"],
    )
    assert 0 < int(answers[-1]["Retry-After"]) <= 600
    assert "Sreymom" not in answers[-1].content.decode()


def test_each_user_has_their_own_allowance(users, settings, client):
    settings.NAME_SEARCH_RATE = "1/10m"
    login(client, users["case_supervisor"])
    client.get("/people/", {"q": "c"})

    other = login(Client(), users["caseworker"])

    assert other.get("/people/", {"q": "c"}).status_code == 200


# ---------------------------------------------------------------- Also seen: who gave a consent
def test_who_gave_a_consent_is_hidden_from_roles_that_do_not_read_identities(client, users):
    person = register(users["caseworker"], name_latin="Chan Sreymom")
    services.consent_record(
        actor=users["caseworker"],
        person=person,
        purpose=Consent.Purpose.CASE_MANAGEMENT,
        given=True,
        given_by="Chan Bopha (mother)",
    )

    for role in ("me_officer", "programme_officer"):
        html = login(Client(), users[role]).get(f"/people/{person.uuid}/").content.decode()
        assert "Case management" in html, role
        assert "Chan Bopha" not in html, role
    supervisor = login(client, users["case_supervisor"]).get(f"/people/{person.uuid}/").content.decode()
    assert "Chan Bopha (mother)" in supervisor


def test_registering_in_a_commune_checks_for_duplicates_in_it(users):
    """The check audited above is the one the form runs: name, birth year and commune."""
    register(users["caseworker"], name_latin="Chan Sreymom", birth_year=1998)

    from karpear.core import selectors

    found = selectors.person_likely_duplicates(
        user=users["programme_officer"], name_latin="Chan Sreymom", birth_year=1998, commune_code=COMMUNE
    )

    assert [(c.person, c.reasons) for c in found] == [(None, ())]
