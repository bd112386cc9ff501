"""REST API v1: tokens, people with and without identity, errors as {"message", "fields"}, places, programmes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from conftest import make_org, make_user
from karpear.core import tokens
from karpear.core.models import ApiToken, AuditEvent, Identity, Organisation, Person, Programme
from karpear.core.tests.factories import COMMUNE, first_village, register, this_year, totp_code, totp_device

pytestmark = pytest.mark.django_db

PEOPLE = "/api/v1/people/"
TOKEN = "/api/v1/auth/token/"
PASSWORD = "pw-123456789"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    """The anonymous token endpoint is throttled through the cache; each test starts with a clean count."""
    cache.clear()
    yield
    cache.clear()


def token_for(user) -> str:
    """A token issued through the token endpoint, with a second factor when the role needs one."""
    payload = {"username": user.username, "password": PASSWORD}
    if any(m.role in {"caseworker", "case_supervisor", "legal_officer"} for m in user.memberships.all()):
        payload["otp_token"] = totp_code(totp_device(user))
    response = Client().post(TOKEN, payload, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def api(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {token_for(user)}")


def people_counts() -> tuple[int, int]:
    return Person.objects.count(), Identity.objects.count()


def identity_reads() -> list[tuple[str, str, dict]]:
    return list(AuditEvent.objects.filter(action="view").values_list("actor_name", "object_id", "details"))


# ---------------------------------------------------------------- tokens
def test_role_without_second_factor_gets_a_token_with_username_and_password(users):
    response = Client().post(
        TOKEN, {"username": "alpha-programme_officer", "password": PASSWORD}, content_type="application/json"
    )

    assert response.status_code == 200
    key = response.json()["token"]
    token = ApiToken.objects.get(user=users["programme_officer"])
    assert (len(key), token.key_hash, token.two_factor) == (40, tokens.key_hash(key), False)
    event = AuditEvent.objects.get(action="login")
    assert (event.actor_id, event.details) == (users["programme_officer"].pk, {"channel": "api", "two_factor": False})


def test_caseworker_gets_a_token_with_a_current_authenticator_code(users):
    device = totp_device(users["caseworker"])

    response = Client().post(
        TOKEN,
        {"username": "alpha-caseworker", "password": PASSWORD, "otp_token": totp_code(device)},
        content_type="application/json",
    )

    assert response.status_code == 200
    token = ApiToken.objects.get(user=users["caseworker"])
    assert (token.key_hash, token.two_factor) == (tokens.key_hash(response.json()["token"]), True)


def test_caseworker_gets_a_token_with_a_backup_code_once(users):
    device = StaticDevice.objects.create(user=users["caseworker"], name="backup", confirmed=True)
    StaticToken.objects.create(device=device, token="backup01")
    payload = {"username": "alpha-caseworker", "password": PASSWORD, "otp_token": "backup01"}

    first = Client().post(TOKEN, payload, content_type="application/json")
    second = Client().post(TOKEN, payload, content_type="application/json")

    assert first.status_code == 200
    assert second.status_code == 400


@pytest.mark.parametrize("otp_token", [None, "", "000000"])
def test_caseworker_without_a_valid_second_factor_gets_no_token(users, otp_token):
    totp_device(users["caseworker"])
    payload = {"username": "alpha-caseworker", "password": PASSWORD}
    if otp_token is not None:
        payload["otp_token"] = otp_token

    response = Client().post(TOKEN, payload, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"message": "A valid second-factor code is required.", "fields": {"otp_token": []}}
    assert not ApiToken.objects.filter(user=users["caseworker"]).exists()


def test_wrong_password_gets_no_token_and_is_audited(users):
    response = Client().post(
        TOKEN, {"username": "alpha-programme_officer", "password": "wrong-password"}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {"message": "The username or password is not right.", "fields": {}}
    assert ApiToken.objects.count() == 0
    assert list(AuditEvent.objects.values_list("action", "actor_id", "actor_name")) == [
        ("failed_login", None, "alpha-programme_officer")
    ]


@pytest.mark.parametrize("language", ["en", "km"])
def test_a_locked_out_api_login_is_a_json_error_in_the_callers_language(users, language):
    from django.utils.translation import ngettext, override

    def attempt(password: str):
        return Client().post(
            TOKEN,
            {"username": "alpha-programme_officer", "password": password},
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE=language,
        )

    before = [attempt("wrong-password").status_code for _ in range(4)]
    locked = [attempt("wrong-password"), attempt(PASSWORD)]  # the fifth locks; the right password is refused too

    assert before == [400] * 4
    assert [r.status_code for r in locked] == [429, 429]
    with override(language):
        message = ngettext(
            "Too many wrong passwords. This account is locked for %(m)s minute. Please try again later, or ask "
            "your administrator.",
            "Too many wrong passwords. This account is locked for %(m)s minutes. Please try again later, or ask "
            "your administrator.",
            15,
        ) % {"m": "១៥" if language == "km" else "15"}
    assert locked[1]["Content-Type"] == "application/json"
    assert locked[1].json() == {"message": message, "fields": {}}
    assert locked[1]["Retry-After"] == "900"
    assert ApiToken.objects.count() == 0


def test_token_request_without_password_is_a_field_error(users):
    response = Client().post(TOKEN, {"username": "alpha-programme_officer"}, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {
        "message": "Please correct the errors below.",
        "fields": {"password": ["This field is required."]},
    }


def test_unknown_token_is_refused(users):
    response = Client(HTTP_AUTHORIZATION="Token " + "0" * 40).get(PEOPLE)

    assert response.status_code in (401, 403)
    assert response.json() == {"message": "Invalid token.", "fields": {}}


@pytest.mark.parametrize("path", [PEOPLE, "/api/v1/programmes/", "/api/v1/places/provinces/"])
def test_unauthenticated_request_is_refused_with_json(db, path):
    response = Client().get(path)

    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"message": "Authentication credentials were not provided.", "fields": {}}


def test_session_of_a_caseworker_without_second_factor_is_refused(client, users):
    register(users["caseworker"])
    client.force_login(users["caseworker"])

    response = client.get(PEOPLE)

    assert response.status_code == 403
    assert response.json() == {"message": "Two-factor verification is required.", "fields": {}}
    assert identity_reads() == []


# ---------------------------------------------------------------- people
def test_people_list_is_paginated_with_identity_for_a_caseworker(users):
    person = register(users["caseworker"], name_latin="Chan Sreymom", phone="012 345 678", national_id="n01")

    response = api(users["caseworker"]).get(PEOPLE)

    body = response.json()
    assert response.status_code == 200
    assert (body["count"], body["next"], body["previous"]) == (1, None, None)
    [row] = body["results"]
    assert (row["uuid"], row["case_number"], row["organisation"], row["commune"], row["village"]) == (
        str(person.uuid),
        f"ALPHA-{this_year()}-00001",
        "alpha",
        COMMUNE,
        first_village().pk,
    )
    assert row["identity"] == {
        "name_km": "",
        "name_latin": "Chan Sreymom",
        "date_of_birth": None,
        "phone": "+85512345678",
        "national_id": "N01",
        "passport_number": "",
        "mother_name": "",
        "address_details": "",
        "other_names": [],
        "has_photo": False,
    }


def test_people_list_pages_hold_fifty(users):
    for n in range(51):
        register(users["case_supervisor"], name_latin=f"Person {n}")

    body = api(users["programme_officer"]).get(PEOPLE).json()

    assert (body["count"], len(body["results"])) == (51, 50)
    assert body["next"] == "http://testserver/api/v1/people/?page=2"


def test_people_list_has_no_identity_for_a_programme_officer_and_audits_no_read(users):
    register(users["caseworker"], name_latin="Chan Sreymom", phone="012 345 678")

    response = api(users["programme_officer"]).get(PEOPLE)

    [row] = response.json()["results"]
    assert row["identity"] is None
    assert "Sreymom" not in response.content.decode()
    assert identity_reads() == []


def test_each_identity_read_through_the_api_is_audited(users):
    first = register(users["caseworker"], name_latin="Chan Sreymom")
    second = register(users["caseworker"], name_latin="Sok Dara")
    client = api(users["caseworker"])

    client.get(PEOPLE)
    client.get(f"{PEOPLE}{first.uuid}/")

    assert sorted(identity_reads()) == sorted(
        [
            ("alpha-caseworker", str(first.uuid), {"fields": "identity", "reason": "api"}),
            ("alpha-caseworker", str(second.uuid), {"fields": "identity", "reason": "api"}),
            ("alpha-caseworker", str(first.uuid), {"fields": "identity", "reason": "api"}),
        ]
    )


def test_people_search_by_name_through_the_api(users):
    wanted = register(users["caseworker"], name_latin="Chan Sreymom")
    register(users["caseworker"], name_latin="Sok Dara")

    body = api(users["caseworker"]).get(PEOPLE, {"q": "SREY MOM"}).json()

    assert [row["uuid"] for row in body["results"]] == [str(wanted.uuid)]


def test_another_organisations_person_is_not_found(orgs, users):
    person = register(make_user(orgs["other"], "caseworker"), name_latin="Chan Sreymom")

    response = api(users["case_supervisor"]).get(f"{PEOPLE}{person.uuid}/")

    assert response.status_code == 404
    assert response.json() == {"message": "Not found.", "fields": {}}
    assert identity_reads() == []


def test_another_organisation_cannot_change_a_person_and_nothing_changes(orgs, users):
    person = register(make_user(orgs["other"], "caseworker"), name_latin="Chan Sreymom")

    response = api(users["case_supervisor"]).put(
        f"{PEOPLE}{person.uuid}/", {"sex": "male", "name_latin": "Changed"}, content_type="application/json"
    )

    assert response.status_code == 404
    person.refresh_from_db()
    assert (person.sex, Identity.objects.get(person=person).name_latin) == ("female", "Chan Sreymom")


def test_role_that_may_only_read_cannot_change_a_person(users):
    person = register(users["caseworker"], name_latin="Chan Sreymom")

    response = api(users["me_officer"]).put(
        f"{PEOPLE}{person.uuid}/", {"sex": "male", "name_latin": "Changed"}, content_type="application/json"
    )

    assert response.status_code == 403
    assert response.json() == {"message": "You may not do this.", "fields": {}}
    person.refresh_from_db()
    assert (person.sex, Identity.objects.get(person=person).name_latin) == ("female", "Chan Sreymom")


def test_programme_officer_changes_a_person_without_touching_the_identity_it_cannot_see(users):
    person = register(users["caseworker"], name_latin="Chan Sreymom", phone="012 345 678")

    response = api(users["programme_officer"]).put(
        f"{PEOPLE}{person.uuid}/",
        {"sex": "male", "name_latin": "Placeholder", "commune": COMMUNE},
        content_type="application/json",
    )

    assert response.status_code == 200
    assert (response.json()["sex"], response.json()["identity"]) == ("male", None)
    identity = Identity.objects.get(person=person)
    assert (identity.name_latin, identity.phone) == ("Chan Sreymom", "+85512345678")


def test_creating_a_person_through_the_api(orgs, users):
    village = first_village()

    response = api(users["caseworker"]).post(
        PEOPLE,
        {"sex": "female", "name_km": "\u200bចាន់ ស្រីមុំ", "phone": "012 345 678", "village": village.pk},
        content_type="application/json",
    )

    assert response.status_code == 201
    person = Person.objects.get()
    body = response.json()
    assert (body["uuid"], body["case_number"], body["province"], body["district"], body["commune"]) == (
        str(person.uuid),
        f"ALPHA-{this_year()}-00001",
        "20",
        "2001",
        COMMUNE,
    )
    assert (body["identity"]["name_km"], body["identity"]["phone"]) == ("ចាន់ ស្រីមុំ", "+85512345678")
    event = AuditEvent.objects.get(action="create")
    assert (event.object_id, event.actor_id, event.organisation_id) == (
        str(person.uuid),
        users["caseworker"].pk,
        orgs["own"].pk,
    )


def _tomorrow() -> str:
    return (timezone.localdate() + dt.timedelta(days=1)).isoformat()


BAD_INPUTS = {
    "unknown_place": ({"commune": "999999"}, {"commune": ["Unknown place code."]}),
    "village_outside_commune": ({"commune": "200104", "village": "first"}, {"village": ["Unknown place code."]}),
    "future_birth_date": (
        {"date_of_birth": "tomorrow"},
        {"date_of_birth": ["The date of birth cannot be in the future."]},
    ),
    "future_birth_year": (
        {"birth_year": this_year() + 1},
        {"birth_year": ["The birth year cannot be in the future."]},
    ),
    "impossible_phone": ({"phone": "123"}, {"phone": ["This phone number has the wrong number of digits."]}),
    "over_long_name": (
        {"name_latin": "x" * 151},
        {"name_latin": ["Ensure this field has no more than 150 characters."]},
    ),
    "no_name": ({"name_latin": ""}, {"name_km": ["Enter the name in Khmer or in Latin letters."]}),
    "duplicate_case_number": (
        {"case_number": "taken-1"},
        {"case_number": ["Your organisation already has a person with this case number."]},
    ),
    "unknown_sex": ({"sex": "x"}, {"sex": ['"x" is not a valid choice.']}),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_gives_400_with_message_and_field_errors_and_saves_nothing(users, case):
    register(users["caseworker"], case_number="TAKEN-1", name_latin="Sok Dara")
    client = api(users["caseworker"])
    changes, fields = BAD_INPUTS[case]
    payload = {"sex": "female", "name_latin": "Chan Sreymom", "province": "20", "district": "2001", "commune": COMMUNE}
    payload.update(changes)
    if payload.get("village") == "first":
        payload["village"] = first_village(COMMUNE).pk
    if payload.get("date_of_birth") == "tomorrow":
        payload["date_of_birth"] = _tomorrow()
    before = (people_counts(), AuditEvent.objects.count())

    response = client.post(PEOPLE, payload, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"message": "Please correct the errors below.", "fields": fields}
    assert (people_counts(), AuditEvent.objects.count()) == before


def test_role_without_add_person_cannot_create_through_the_api(users):
    response = api(users["me_officer"]).post(
        PEOPLE, {"sex": "female", "name_latin": "Chan Sreymom"}, content_type="application/json"
    )

    assert response.status_code == 403
    assert people_counts() == (0, 0)


def test_errors_are_in_khmer_for_a_khmer_request(users):
    from django.utils.translation import gettext, override

    with override("km"):
        expected = gettext("Unknown place code.")

    response = api(users["caseworker"]).post(
        PEOPLE,
        {"sex": "female", "name_latin": "Chan Sreymom", "commune": "999999"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="km",
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"commune": [expected]}


# ---------------------------------------------------------------- people list filters
@pytest.fixture
def spread(users):
    """Three people of one caseworker: two communes, registered on different days, one case closed."""
    from karpear.core.tests.factories import OTHER_COMMUNE, place

    worker = users["caseworker"]
    january = register(worker, name_latin="Sok January")
    march = register(worker, name_latin="Keo March", place=place(OTHER_COMMUNE))
    closed = register(worker, name_latin="Chan Closed", sex="male")
    local = timezone.get_current_timezone()
    Person.objects.filter(pk=january.pk).update(created_at=dt.datetime(2026, 1, 31, 23, 30, tzinfo=local))
    Person.objects.filter(pk=march.pk).update(created_at=dt.datetime(2026, 3, 1, 0, 30, tzinfo=local))
    Person.objects.filter(pk=closed.pk).update(
        created_at=dt.datetime(2026, 2, 10, 9, 0, tzinfo=local), closed_at=timezone.now()
    )
    return {"january": january, "march": march, "closed": closed, "other_commune": OTHER_COMMUNE}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"january", "march", "closed"}),
        ({"commune": COMMUNE}, {"january", "closed"}),
        ({"province": COMMUNE[:2]}, {"january", "march", "closed"}),
        ({"district": COMMUNE[:4], "commune": "200104"}, {"march"}),
        ({"registered_from": "2026-02-01"}, {"march", "closed"}),
        ({"registered_to": "2026-01-31"}, {"january"}),
        ({"registered_from": "2026-02-01", "registered_to": "2026-02-28"}, {"closed"}),
        ({"status": "open"}, {"january", "march"}),
        ({"status": "closed"}, {"closed"}),
        ({"sex": "male"}, {"closed"}),
        ({"q": f"alpha-{this_year()}", "commune": "200104"}, {"march"}),  # a case number, and a place
    ],
)
def test_people_filtered_by_place_date_and_status(users, spread, params, expected):
    body = api(users["programme_officer"]).get(PEOPLE, params).json()

    names = {key for key, person in spread.items() if key != "other_commune"}
    by_case = {spread[key].case_number: key for key in names}
    assert {by_case[row["case_number"]] for row in body["results"]} == expected
    assert body["count"] == len(expected)


def test_people_filtered_by_village_id(users, spread):
    village = first_village(spread["other_commune"])

    body = api(users["programme_officer"]).get(PEOPLE, {"village": village.pk}).json()

    assert [row["case_number"] for row in body["results"]] == [spread["march"].case_number]


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"commune": "999999"}, {"commune"}),
        ({"province": "20", "district": "0102"}, {"district"}),
        ({"registered_from": "2026-13-01"}, {"registered_from"}),
        ({"registered_from": "2026-03-01", "registered_to": "2026-02-01"}, {"registered_to"}),
        ({"status": "archived"}, {"status"}),
        ({"village": "x"}, {"village"}),
    ],
)
def test_bad_people_filters_are_field_errors_and_read_nothing(users, spread, params, fields):
    before = AuditEvent.objects.count()

    response = api(users["programme_officer"]).get(PEOPLE, params)

    assert response.status_code == 400
    assert response.json()["message"] == "Please correct the errors below."
    assert set(response.json()["fields"]) == fields
    assert AuditEvent.objects.count() == before + 1  # the token's login only: no identity read


def test_filter_messages_are_in_khmer_for_a_khmer_request(users):
    from django.utils.translation import gettext, override

    with override("km"):
        expected = gettext("The end is before the start.")

    response = api(users["programme_officer"]).get(
        PEOPLE, {"registered_from": "2026-03-01", "registered_to": "2026-02-01"}, HTTP_ACCEPT_LANGUAGE="km"
    )

    assert response.json()["fields"] == {"registered_to": [expected]}
    assert expected != "The end is before the start."


# ---------------------------------------------------------------- places
def codes(response) -> list:
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    return [row.get("code") for row in rows]


def test_districts_filtered_by_province(users):
    response = api(users["volunteer"]).get("/api/v1/places/districts/", {"province": "20"})

    assert codes(response) == ["2001", "2002", "2003", "2004", "2005", "2006", "2007", "2008"]


def test_communes_filtered_by_district(users):
    response = api(users["volunteer"]).get("/api/v1/places/communes/", {"district": "2001"})

    assert codes(response) == ["200103", "200104", "200105", "200108", "200109", "200110"]


def test_villages_filtered_by_commune(users):
    response = api(users["volunteer"]).get("/api/v1/places/villages/", {"commune": COMMUNE})

    assert codes(response) == ["20010301", "20010302", "20010303", "20010304"]


@pytest.mark.parametrize("query", ["svay rieng", "SVAYRIENG", "ស្វាយរៀង"])
def test_provinces_found_by_latin_or_khmer_name(users, query):
    response = api(users["volunteer"]).get("/api/v1/places/provinces/", {"q": query})

    assert codes(response) == ["20"]


def test_districts_filtered_by_province_and_name(users):
    response = api(users["volunteer"]).get("/api/v1/places/districts/", {"province": "20", "q": "svay"})

    assert codes(response) == ["2005", "2006", "2007"]


# ---------------------------------------------------------------- programmes and schema
@pytest.fixture
def programmes(orgs):
    donor = make_org("donor", kind=Organisation.Kind.DONOR)
    other_donor = make_org("otherdonor", kind=Organisation.Kind.DONOR)
    start, end = dt.date(2026, 1, 1), dt.date(2028, 12, 31)
    funded = Programme.objects.create(
        organisation=orgs["own"],
        donor=donor,
        code="safe-migration",
        name="Safe migration",
        start_date=start,
        end_date=end,
    )
    Programme.objects.create(
        organisation=orgs["other"], donor=other_donor, code="other", name="Other", start_date=start, end_date=end
    )
    return {"donor": donor, "funded": funded}


def test_donor_sees_the_programmes_it_funds_only(programmes):
    donor_manager = make_user(programmes["donor"], "programme_manager")

    body = api(donor_manager).get("/api/v1/programmes/").json()

    assert [(p["uuid"], p["code"], p["organisation"], p["donor"]) for p in body["results"]] == [
        (str(programmes["funded"].uuid), "safe-migration", "alpha", "donor")
    ]


def test_prime_partner_sees_the_programme_it_manages(users, programmes):
    body = api(users["programme_officer"]).get("/api/v1/programmes/").json()

    assert [p["code"] for p in body["results"]] == ["safe-migration"]


def test_donor_gets_no_people(programmes):
    donor_manager = make_user(programmes["donor"], "programme_manager")

    response = api(donor_manager).get(PEOPLE)

    assert response.status_code == 403
    assert response.json() == {"message": "You may not do this.", "fields": {}}


@pytest.mark.parametrize(
    ("params", "codes_expected"),
    [
        ({}, ["ended", "now", "soon", "safe-migration"]),
        ({"status": "current"}, ["now", "safe-migration"]),
        ({"status": "ended"}, ["ended"]),
        ({"status": "upcoming"}, ["soon"]),
        ({"active_on": "2020-06-01"}, ["ended"]),
    ],
)
def test_programmes_filtered_by_status_and_date(users, programmes, params, codes_expected):
    today = timezone.localdate()
    for code, start, end in (
        ("ended", dt.date(2020, 1, 1), dt.date(2021, 12, 31)),
        ("now", today - dt.timedelta(days=10), today + dt.timedelta(days=10)),
        ("soon", today + dt.timedelta(days=30), today + dt.timedelta(days=400)),
    ):
        Programme.objects.create(
            organisation=programmes["funded"].organisation,
            donor=programmes["donor"],
            code=code,
            name=code,
            start_date=start,
            end_date=end,
        )
    if today > dt.date(2028, 12, 31) or today < dt.date(2026, 1, 1):
        pytest.skip("the fixture programme runs 2026-2028")

    body = api(users["programme_officer"]).get("/api/v1/programmes/", params).json()

    assert sorted(p["code"] for p in body["results"]) == sorted(codes_expected)


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"status": "finished"}, {"status"}),
        ({"active_on": "31/02/2026"}, {"active_on"}),
    ],
)
def test_bad_programme_filters_are_field_errors(users, programmes, params, fields):
    response = api(users["programme_officer"]).get("/api/v1/programmes/", params)

    assert response.status_code == 400
    assert set(response.json()["fields"]) == fields


def test_subgrants_and_targets_come_in_pages(users, programmes):
    from karpear.core.models import SubGrant, Target

    funded = programmes["funded"]
    partner = make_org("partner")
    for n in range(3):
        SubGrant.objects.create(
            programme=funded,
            organisation=partner,
            reference=f"SG-{n}",
            start_date=funded.start_date,
            end_date=funded.end_date,
        )
        Target.objects.create(programme=funded, indicator=f"people-{n}", description="People", value=10, unit="people")
    client = api(users["programme_officer"])

    for path in ("subgrants", "targets"):
        body = client.get(f"/api/v1/programmes/{funded.uuid}/{path}/", {"page_size": 2}).json()
        assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]
        rest = client.get(body["next"]).json()
        assert len(rest["results"]) == 1 and rest["next"] is None


def test_schema_is_openapi_and_lists_the_people_endpoint(users):
    response = api(users["programme_officer"]).get("/api/v1/schema/", {"format": "json"})

    schema = response.json()
    assert response.status_code == 200
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Karpear API"
    assert {"/api/v1/people/", "/api/v1/people/{uuid}/", "/api/v1/auth/token/"} <= set(schema["paths"])


def test_an_unauthenticated_call_is_told_to_bring_a_token(client):
    response = client.get("/api/v1/people/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"message": "Authentication credentials were not provided.", "fields": {}}
