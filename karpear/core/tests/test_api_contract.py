"""The API contract (issue 17): the schema says exactly what the server does.

JSON bodies only, the token endpoint open to callers without credentials, every nullable field declared so,
every error answer documented with the one error body, strict paging parameters, a JSON 404 for paths that
name nothing, the schema in English by default, and the served schema equal to the committed
docs/openapi.yaml.
"""

from __future__ import annotations

import difflib
import typing
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.cache import cache
from django.core.management import call_command
from django.db import models
from django.test import Client
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

from conftest import login
from karpear.core import api, services
from karpear.core.models import Identity, Person
from karpear.core.tests.factories import place, register
from karpear.core.tests.openapi import answer_errors, operation, served_schema
from karpear.core.tests.test_api import PEOPLE, TOKEN
from karpear.core.tests.test_api import api as api_client

pytestmark = pytest.mark.django_db

COMMITTED = Path(__file__).resolve().parents[3] / "docs" / "openapi.yaml"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="module")
def schema(django_db_blocker: Any) -> dict[str, Any]:
    with django_db_blocker.unblock():
        return served_schema()


# ---------------------------------------------------------------- JSON bodies only (issue 17 item 1)
def test_every_request_body_is_declared_once_as_json(schema):
    bodies = {
        op["operationId"]: sorted(op["requestBody"]["content"])
        for item in schema["paths"].values()
        for op in item.values()
        if "requestBody" in op
    }

    assert bodies == {
        "auth_token_create": ["application/json"],
        "justice_advocacy_create": ["application/json"],
        "justice_case_studies_consent_create": ["application/json"],
        "justice_case_studies_create": ["application/json"],
        "justice_cases_create": ["application/json"],
        "justice_cases_lawyer_create": ["application/json"],
        "justice_costs_create": ["application/json"],
        "justice_custody_create": ["application/json"],
        "justice_escalations_create": ["application/json"],
        "justice_escalations_response_create": ["application/json"],
        # The one upload: an evidence item's file, streamed (docs/api.md, "Uploads").
        "justice_evidence_create": ["multipart/form-data"],
        "justice_hearings_create": ["application/json"],
        "justice_judgments_compensation_create": ["application/json"],
        "justice_judgments_create": ["application/json"],
        "justice_offences_create": ["application/json"],
        "justice_parties_create": ["application/json"],
        "justice_repatriations_create": ["application/json"],
        "justice_repatriations_handover_create": ["application/json"],
        "justice_repatriations_status_create": ["application/json"],
        "justice_statements_create": ["application/json"],
        "justice_steps_create": ["application/json"],
        "justice_submissions_create": ["application/json"],
        "justice_submissions_reply_create": ["application/json"],
        "justice_witnesses_create": ["application/json"],
        "livelihoods_animal_events_create": ["application/json"],
        "livelihoods_animals_create": ["application/json"],
        "livelihoods_bank_movements_create": ["application/json"],
        "livelihoods_banks_create": ["application/json"],
        "livelihoods_cycles_create": ["application/json"],
        "livelihoods_entries_reverse_create": ["application/json"],
        "livelihoods_grant_follow_ups_record_create": ["application/json"],
        "livelihoods_grants_create": ["application/json"],
        "livelihoods_grants_decide_create": ["application/json"],
        "livelihoods_grants_disburse_create": ["application/json"],
        "livelihoods_groups_create": ["application/json"],
        "livelihoods_meetings_create": ["application/json"],
        "livelihoods_members_create": ["application/json"],
        "livelihoods_members_leave_create": ["application/json"],
        "livelihoods_sales_create": ["application/json"],
        "livelihoods_share_outs_create": ["application/json"],
        "livelihoods_trainings_attendance_create": ["application/json"],
        "livelihoods_trainings_create": ["application/json"],
        "matching_checks_create": ["application/json"],
        "matching_pairs_decision_create": ["application/json"],
        "people_create": ["application/json"],
        "people_update": ["application/json"],
        "protection_cases_context_create": ["application/json"],
        "protection_cases_context_steps_create": ["application/json"],
        "protection_cases_create": ["application/json"],
        "protection_cases_determination_create": ["application/json"],
        "protection_cases_return_home_create": ["application/json"],
        "protection_follow_ups_create": ["application/json"],
        "protection_referrals_create": ["application/json"],
        "protection_screenings_create": ["application/json"],
        "protection_services_create": ["application/json"],
        "safe_migration_activities_create": ["application/json"],
        "safe_migration_grievances_close_create": ["application/json"],
        "safe_migration_grievances_create": ["application/json"],
        "safe_migration_grievances_raise_create": ["application/json"],
        "safe_migration_grievances_told_create": ["application/json"],
        "safe_migration_help_requests_public_status_create": ["application/json"],
        "safe_migration_help_requests_public_submit_create": ["application/json"],
    }


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "multipart/form-data"])
def test_a_form_body_is_refused_with_415_and_nothing_is_saved(users, content_type):
    client = api_client(users["caseworker"])
    body = "sex=female&name_latin=Chan" if "urlencoded" in content_type else "--x\r\n"

    response = client.post(PEOPLE, body, content_type=content_type)

    assert response.status_code == 415
    assert response.json() == {"message": f'Unsupported media type "{content_type}" in request.', "fields": {}}
    assert (Person.objects.count(), Identity.objects.count()) == (0, 0)


def test_a_body_that_is_not_json_is_a_400_in_the_error_shape(users):
    response = api_client(users["caseworker"]).post(PEOPLE, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert set(response.json()) == {"message", "fields"}
    assert response.json()["message"] == "The request body is not valid JSON."
    assert Person.objects.count() == 0


# ---------------------------------------------------------------- the token endpoint (item 2)
def test_the_token_endpoint_declares_no_security_and_its_answers(schema):
    token = operation(schema, "auth_token_create")

    assert token["security"] == []
    assert sorted(token["responses"]) == ["200", "400", "415", "429"]
    assert token["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/TokenResponse"
    }
    assert schema["components"]["schemas"]["TokenResponse"]["required"] == ["token"]


def test_a_stale_token_header_does_not_stop_a_token_request(users):
    response = Client(HTTP_AUTHORIZATION="Token " + "0" * 40).post(
        TOKEN, {"username": "alpha-programme_officer", "password": "pw-123456789"}, content_type="application/json"
    )

    assert response.status_code == 200
    assert list(response.json()) == ["token"]


# Anyone may call these: the token endpoint, and the public portal's two forms (outreach, no account).
PUBLIC_OPERATIONS = {
    "auth_token_create",
    "safe_migration_help_requests_public_submit_create",
    "safe_migration_help_requests_public_status_create",
}


def test_the_public_operations_declare_no_security(schema):
    for name in PUBLIC_OPERATIONS:
        assert operation(schema, name)["security"] == []


def test_every_other_operation_needs_a_token_or_a_session(schema):
    security = {
        op["operationId"]: op.get("security")
        for item in schema["paths"].values()
        for op in item.values()
        if op["operationId"] not in PUBLIC_OPERATIONS
    }

    assert set(map(str, security.values())) == {str([{"tokenAuth": []}, {"cookieAuth": []}])}


# ---------------------------------------------------------------- nullable fields (item 3)
def _answer_serializers() -> list[type]:
    return [
        value
        for value in vars(api).values()
        if isinstance(value, type) and issubclass(value, api.AnswerSerializer) and value is not api.AnswerSerializer
    ]


def _can_be_null(serializer_class: type, field_name: str) -> bool:
    """Whether the server can answer null for this field: a nullable model field, a field allowing null, or a
    method field whose method may return None."""
    field = serializer_class().fields[field_name]
    if getattr(field, "allow_null", False):
        return True
    if isinstance(field, serializers.SerializerMethodField):
        returns = typing.get_type_hints(getattr(serializer_class, f"get_{field_name}"))["return"]
        return type(None) in typing.get_args(returns)
    source = field.source if field.source != "*" else field_name
    try:
        model_field = serializer_class.Meta.model._meta.get_field(source.split(".")[0])
    except Exception:  # a method field or property: allow_null above is its declaration
        return False
    return isinstance(model_field, models.Field) and model_field.null and not model_field.many_to_many


def test_every_field_that_can_be_null_is_declared_nullable_and_no_other(schema):
    components = schema["components"]["schemas"]
    mismatches = [
        f"{serializer_class.__name__}.{name}"
        for serializer_class in _answer_serializers()
        for name in serializer_class.Meta.fields
        if _can_be_null(serializer_class, name)
        != bool(components[serializer_class.__name__.removesuffix("Serializer")]["properties"][name].get("nullable"))
    ]

    assert mismatches == []
    assert len(_answer_serializers()) == 10  # every answer serializer of core is checked


def test_every_answer_field_is_required_so_clients_need_not_guess(schema):
    components = schema["components"]["schemas"]

    for serializer_class in _answer_serializers():
        component = components[serializer_class.__name__.removesuffix("Serializer")]
        assert sorted(component["required"]) == sorted(serializer_class.Meta.fields), serializer_class


def test_people_with_and_without_household_answer_as_the_schema_says(schema, users):
    household = services.household_create(actor=users["caseworker"], code="HH-1", place=place())
    with_household = register(users["caseworker"], name_latin="Chan Sreymom", household=household)
    register(users["caseworker"], name_latin="Sok Dara")
    client = api_client(users["caseworker"])

    listed = client.get(PEOPLE).json()
    one = client.get(f"{PEOPLE}{with_household.uuid}/").json()

    assert [row["household"] for row in listed["results"]] == [None, str(household.uuid)]  # newest first
    assert answer_errors(schema, "people_list", 200, listed) == []
    assert answer_errors(schema, "people_retrieve", 200, one) == []


def test_a_programme_officers_people_without_identity_answer_as_the_schema_says(schema, users):
    register(users["caseworker"], name_latin="Chan Sreymom")

    listed = api_client(users["programme_officer"]).get(PEOPLE).json()

    assert listed["results"][0]["identity"] is None
    assert answer_errors(schema, "people_list", 200, listed) == []


# ---------------------------------------------------------------- error answers
EXPECTED_ERRORS = {
    "people_list": ["400", "401", "403", "404"],  # 400 bad filter or page size, 404 page past the end
    "people_create": ["400", "401", "403", "409", "415"],
    "people_retrieve": ["401", "403", "404"],
    "people_update": ["400", "401", "403", "404", "409", "415"],
    "organisations_retrieve": ["401", "403", "404"],
    "programmes_subgrants_list": ["400", "401", "403", "404"],
}


@pytest.mark.parametrize("operation_id", list(EXPECTED_ERRORS))
def test_each_operation_documents_its_error_answers_with_the_error_body(schema, operation_id):
    responses = operation(schema, operation_id)["responses"]

    errors = sorted(status for status in responses if status >= "400")
    assert errors == EXPECTED_ERRORS[operation_id]
    for status in errors:
        name = responses[status]["$ref"].rsplit("/", 1)[-1]
        content = schema["components"]["responses"][name]["content"]
        assert content == {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}


def test_the_error_body_component_is_message_and_fields(schema):
    error = schema["components"]["schemas"]["Error"]

    assert sorted(error["required"]) == ["fields", "message"]
    assert error["properties"]["fields"]["additionalProperties"] == {"type": "array", "items": {"type": "string"}}


def test_real_error_answers_match_their_documented_schema(schema, users):
    client = api_client(users["caseworker"])
    answers = {
        ("people_create", 400): client.post(PEOPLE, {"sex": "x"}, content_type="application/json"),
        ("people_create", 415): client.post(PEOPLE, "a=b", content_type="application/x-www-form-urlencoded"),
        ("people_list", 404): client.get(PEOPLE, {"page": 9}),
        ("people_retrieve", 404): client.get(f"{PEOPLE}00000000-0000-0000-0000-000000000000/"),
        ("people_retrieve", 401): Client().get(f"{PEOPLE}00000000-0000-0000-0000-000000000000/"),
        ("people_create", 403): api_client(users["me_officer"]).post(PEOPLE, {}, content_type="application/json"),
    }

    for (operation_id, status), response in answers.items():
        assert response.status_code == status, (operation_id, status, response.content)
        assert answer_errors(schema, operation_id, status, response.json()) == [], (operation_id, status)
    assert answers[("people_retrieve", 401)]["WWW-Authenticate"] == "Token"


# ---------------------------------------------------------------- paging parameters
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "251"}, "page_size"),
        ({"page_size": "many"}, "page_size"),
        ({"page": "0"}, "page"),
        ({"page": "last"}, "page"),
    ],
)
def test_a_bad_page_parameter_is_a_field_error_not_a_silent_default(users, params, field):
    response = api_client(users["volunteer"]).get("/api/v1/places/provinces/", params)

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]


def test_an_empty_page_parameter_is_as_if_not_given_and_a_page_past_the_end_is_404(users):
    client = api_client(users["volunteer"])

    empty = client.get("/api/v1/places/provinces/", {"page": "", "page_size": ""})
    past = client.get("/api/v1/places/provinces/", {"page": "2"})

    assert (empty.status_code, empty.json()["count"], len(empty.json()["results"])) == (200, 25, 25)
    assert (past.status_code, past.json()) == (404, {"message": "Invalid page.", "fields": {}})


def test_paging_parameters_are_declared_with_their_bounds(schema):
    parameters = {p["name"]: p for p in operation(schema, "people_list")["parameters"]}

    assert parameters["page"]["schema"] == {"type": "integer", "minimum": 1}
    assert parameters["page_size"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 250}
    assert all(p["allowEmptyValue"] for p in parameters.values())


# ---------------------------------------------------------------- paths that name nothing
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/nothing-here/"),
        ("get", "/api/v1/people/not-a-uuid/"),
        ("put", "/api/v1/people/000000000000000000000000000000000000/"),
        ("get", "/api/v1/programmes/%0A/subgrants/"),
    ],
)
def test_a_path_that_names_no_endpoint_is_the_apis_json_404(client, users, method, path):
    login(client, users["programme_officer"])  # a session cookie: no CSRF page instead of the 404

    response = getattr(client, method)(path, {}, content_type="application/json")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"message": "Not found.", "fields": {}}


# ---------------------------------------------------------------- links for clients and the stateful fuzz
def test_lists_and_creations_link_to_the_operations_on_their_records(schema):
    listed = operation(schema, "people_list")["responses"]["200"]["links"]
    created = operation(schema, "people_create")["responses"]["201"]["links"]
    programmes = operation(schema, "programmes_list")["responses"]["200"]["links"]

    assert {name: link["parameters"] for name, link in listed.items()} == {
        "people_retrieve": {"uuid": "$response.body#/results/0/uuid"},
        "people_update": {"uuid": "$response.body#/results/0/uuid"},
    }
    assert {name: link["parameters"] for name, link in created.items()} == {
        "people_retrieve": {"uuid": "$response.body#/uuid"},
        "people_update": {"uuid": "$response.body#/uuid"},
    }
    assert sorted(programmes) == ["programmes_retrieve", "programmes_subgrants_list", "programmes_targets_list"]


# ---------------------------------------------------------------- language (item 4)
def test_the_schema_is_english_whatever_the_callers_language():
    client = Client(HTTP_ACCEPT_LANGUAGE="km")
    client.cookies["karpear_language"] = "km"

    schema = yaml.safe_load(client.get("/api/v1/schema/").content)

    assert schema["components"]["schemas"]["Identity"]["properties"]["name_km"]["title"] == "Name in Khmer"
    assert "* `female` - Female" in schema["components"]["schemas"]["SexEnum"]["description"]


@pytest.mark.parametrize(("lang", "title"), [("km", "km"), ("en", "Name in Khmer"), ("xx", "Name in Khmer")])
def test_lang_asks_for_the_schema_in_one_of_karpears_languages(lang, title):
    from django.utils.translation import gettext, override

    with override("km"):
        khmer = gettext("name in Khmer")
    schema = served_schema(lang=lang)

    expected = khmer[:1].upper() + khmer[1:] if title == "km" else title
    assert schema["components"]["schemas"]["Identity"]["properties"]["name_km"]["title"] == expected
    assert khmer != "name in Khmer"


# ---------------------------------------------------------------- the committed schema (versioning)
def test_the_schema_generates_without_warnings_and_is_valid_openapi(tmp_path):
    call_command("spectacular", "--lang", "en", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yaml"))

    assert yaml.safe_load((tmp_path / "s.yaml").read_text())["info"]["version"] == "1.0.0"


def test_the_served_schema_is_the_committed_docs_openapi_yaml():
    served = Client().get("/api/v1/schema/").content.decode()
    committed = COMMITTED.read_text(encoding="utf-8")

    if yaml.safe_load(served) != yaml.safe_load(committed):
        diff = "".join(
            list(
                difflib.unified_diff(
                    committed.splitlines(keepends=True),
                    served.splitlines(keepends=True),
                    "docs/openapi.yaml (committed)",
                    "/api/v1/schema/ (served)",
                )
            )[:80]
        )
        pytest.fail(
            "The API contract changed: the served schema differs from docs/openapi.yaml. If the change is "
            "intended, run `make schema` and commit docs/openapi.yaml with it (a breaking change needs a new "
            f"API version, see docs/api.md).\n{diff}"
        )


def test_the_schema_class_is_karpears():
    assert isinstance(api.PersonViewSet().schema, AutoSchema)
    assert type(api.PersonViewSet().schema).__module__ == "karpear.core.api_schema"
