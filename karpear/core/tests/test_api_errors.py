"""Every API error in the API's JSON shape, bounded request bodies, 404 for anything that is not a known record,
and no identity left in a browser's cache (security review, issue 7)."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.test import Client

from conftest import login
from karpear.core.models import Identity, Person
from karpear.core.tests.factories import register

pytestmark = pytest.mark.django_db

PEOPLE = "/api/v1/people/"


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()


@pytest.fixture
def api(users) -> Client:
    return login(Client(HTTP_ACCEPT_LANGUAGE="en"), users["case_supervisor"])


def counts() -> tuple[int, int]:
    return Person.objects.count(), Identity.objects.count()


# ---------------------------------------------------------------- Low 11: request bodies and error shapes
@pytest.mark.parametrize("depth", [25, 5000, 100_000])
def test_deeply_nested_json_is_refused_with_a_400_not_a_500(api, depth):
    body = '{"sex": "female", "name_latin": ' + "[" * depth + "]" * depth + "}"

    response = api.post(PEOPLE, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"message": "The JSON is nested too deeply.", "fields": {}}
    assert counts() == (0, 0)


def test_nesting_within_the_bound_is_an_ordinary_field_error(api):
    body = {"sex": "female", "name_latin": [[["deep"]]]}

    response = api.post(PEOPLE, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["fields"] == {"name_latin": ["Not a valid string."]}


def test_brackets_inside_strings_do_not_count_as_nesting(api):
    body = {"sex": "female", "name_latin": "Sok [[[[[[[[[[[[[[[[[[[[[[[[[ Dara", "address_details": "{" * 50}

    response = api.post(PEOPLE, body, content_type="application/json")

    assert response.status_code == 201
    assert counts() == (1, 1)


def test_a_body_over_the_size_limit_is_refused_with_413(api, settings):
    settings.API_MAX_BODY_BYTES = 1000
    body = json.dumps({"sex": "female", "name_latin": "Sok Dara", "address_details": "x" * 2000})

    response = api.post(PEOPLE, body, content_type="application/json")

    assert response.status_code == 413
    assert response.json() == {"message": "The request body is too large (at most 1000 bytes).", "fields": {}}
    assert counts() == (0, 0)


def test_invalid_json_is_a_json_400(api):
    response = api.post(PEOPLE, '{"sex": "female", ', content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"message": "The request body is not valid JSON.", "fields": {}}


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/v1/no-such-thing/", 404),
        ("get", "/api/v1/people/not-a-uuid/", 404),
        ("delete", PEOPLE, 405),
        ("patch", PEOPLE, 405),
    ],
)
def test_errors_outside_and_inside_the_views_answer_json(api, method, path, status):
    response = getattr(api, method)(path)

    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"message", "fields"} and body["fields"] == {}


def test_an_unsupported_media_type_answers_json_415(api):
    response = api.post(PEOPLE, "sex=female", content_type="text/plain")

    assert response.status_code == 415
    assert response.json() == {"message": 'Unsupported media type "text/plain" in request.', "fields": {}}


def test_an_unhandled_error_under_the_api_answers_json_500_and_a_page_html(users, monkeypatch):
    from karpear.core import selectors

    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(selectors, "person_list", broken)
    client = login(Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en"), users["case_supervisor"])

    api_answer = client.get(PEOPLE)
    page = client.get("/people/")

    assert api_answer.status_code == 500
    assert api_answer.json() == {
        "message": "Something went wrong on the server. It has been logged; please try again later.",
        "fields": {},
    }
    assert "a bug" not in api_answer.content.decode()
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")


def test_api_errors_follow_the_callers_language(users):
    client = login(Client(HTTP_ACCEPT_LANGUAGE="km"), users["case_supervisor"])
    client.cookies.pop("karpear_language")
    from django.utils.translation import gettext, override

    with override("km"):
        expected = gettext("Not found.")

    assert client.get("/api/v1/no-such-thing/").json()["message"] == expected
    assert expected != "Not found."


# ---------------------------------------------------------------- Low 12: not a known record is a 404
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/people/------------------------------------/",
        "/api/v1/people/zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz/",
        "/api/v1/people/00000000-0000-0000-0000-000000000000/",
        "/api/v1/organisations/------------------------------------/",
        "/api/v1/organisations/not-a-uuid/",
        "/api/v1/programmes/123/",
        "/api/v1/programmes/------------------------------------/subgrants/",
        "/api/v1/places/provinces/ZZ/",
        "/api/v1/places/villages/abc/",
        "/api/v1/places/villages/99999999999999999999/",
    ],
)
def test_anything_that_is_not_a_known_records_id_is_not_found(api, path):
    response = api.get(path)

    assert response.status_code == 404
    assert response.json() == {"message": "Not found.", "fields": {}}


def test_changing_a_person_by_a_malformed_id_is_not_found_and_changes_nothing(api, users):
    register(users["caseworker"], name_latin="Chan Sreymom")

    response = api.put(
        "/api/v1/people/------------------------------------/",
        {"sex": "male", "name_latin": "Changed"},
        content_type="application/json",
    )

    assert response.status_code == 404
    assert Identity.objects.get().name_latin == "Chan Sreymom"


# ---------------------------------------------------------------- Low 14: nothing identifying in a cache
def test_pages_and_api_answers_with_identity_are_never_stored_by_a_browser(client, users):
    person = register(users["caseworker"], name_latin="Chan Sreymom")
    login(client, users["case_supervisor"])

    answers = [
        client.get(f"/people/{person.uuid}/"),
        client.get(f"/people/{person.uuid}/edit/"),
        client.get("/people/", {"q": "Chan"}),
        client.get(PEOPLE),
        client.get(f"{PEOPLE}{person.uuid}/"),
        client.get("/api/v1/no-such-thing/"),
        client.get("/account/login/"),
    ]

    assert [a.status_code for a in answers] == [200, 200, 200, 200, 200, 404, 302]
    assert {a["Cache-Control"] for a in answers} == {"no-store, private"}


def test_static_files_stay_cacheable(client):
    response = client.get("/static/css/karpear.css")

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


# ---------------------------------------------------------------- what the schema promises of input fields
def test_a_number_is_not_a_name(api):
    response = api.post(PEOPLE, {"sex": "female", "name_latin": 12}, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["fields"] == {"name_latin": ["Not a valid string."]}
    assert counts() == (0, 0)


def test_nested_errors_are_flattened_to_dotted_field_names():
    from karpear.core.api_errors import flat_fields

    errors = {"rows": {"0": {"number": ["Required."]}, "1": {}}, "tags": [{}, {"x": ["Bad."]}], "name": ["Short."]}

    assert flat_fields(errors) == {"rows.0.number": ["Required."], "tags.1.x": ["Bad."], "name": ["Short."]}


@pytest.mark.parametrize(
    ("signed", "text", "accepted"),
    [
        (False, "0", True),
        (False, "12.5", True),
        (False, ".5", True),
        (False, "5.", True),
        (False, "123456789012.25", True),
        (False, "", False),
        (False, "-", False),
        (False, ".", False),
        (False, "-1", False),
        (False, "1234567890123", False),
        (False, "1.234", False),
        (True, "-1.5", True),
        (True, "-", False),
    ],
)
def test_the_schema_pattern_of_an_amount_matches_what_the_field_accepts(signed, text, accepted):
    import re
    from decimal import Decimal

    from rest_framework import serializers

    from karpear.core.api_fields import decimal_pattern

    field = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=None if signed else Decimal(0))
    try:
        field.run_validation(text)
        valid = True
    except serializers.ValidationError:
        valid = False

    assert bool(re.fullmatch(decimal_pattern(max_digits=14, decimal_places=2, signed=signed), text)) is accepted
    assert valid is accepted
