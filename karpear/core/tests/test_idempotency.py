"""Each form submission and API write is processed once: double taps, resubmissions after a lost answer,
a phone's queue sent twice, and two identical requests at the same time (core.idempotency)."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
import uuid
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext, override

from conftest import login, make_user
from karpear.core import idempotency
from karpear.core.models import AuditEvent, Consent, IdempotencyRecord, Membership, Person, User
from karpear.core.roles import Role
from karpear.core.tests.factories import form_data, register

pytestmark = pytest.mark.django_db

NEW = "/people/new/"
PEOPLE = "/api/v1/people/"
ALREADY = "This was already saved."
CONFLICT = (
    "This form was already sent with other content. Nothing more was saved. To send a new entry, open the form again."
)


def key() -> str:
    return str(uuid.uuid4())


def as_user(client: Client, user: User, language: str = "en") -> Client:
    login(client, user)
    client.cookies["karpear_language"] = language
    return client


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def queued(client: Client, path: str, data: dict[str, str]) -> Any:
    """A submission as the service worker sends it from the phone's queue."""
    return client.post(path, data, HTTP_KARPEAR_QUEUED="1", HTTP_ACCEPT="application/json")


# ---------------------------------------------------------------- pages
def test_a_double_tap_on_register_saves_one_person_and_replays_the_first_answer(client, users):
    as_user(client, users["caseworker"])
    data = form_data(**{idempotency.FIELD: key()})

    first = client.post(NEW, data)
    second = client.post(NEW, data, follow=True)

    person = Person.objects.get()
    assert first.status_code == 302 and first["Location"] == f"/people/{person.uuid}/"
    assert second.redirect_chain == [(f"/people/{person.uuid}/", 302)]
    assert ALREADY in messages_of(second)
    assert AuditEvent.objects.filter(action="create", object_type="core.person").count() == 1


def test_a_resubmission_with_a_new_csrf_token_is_still_the_same_submission(users):
    """After a new login the phone sends its queue with a fresh CSRF token: that is not other content."""
    client = as_user(Client(enforce_csrf_checks=True), users["caseworker"])
    token = str(client.get(NEW).context["csrf_token"])
    data = form_data(**{idempotency.FIELD: key(), "csrfmiddlewaretoken": token})
    assert client.post(NEW, data).status_code == 302

    login(client, users["caseworker"])  # a new session: Django rotates the CSRF token
    fresh = str(client.get(NEW).context["csrf_token"])
    replay = client.post(NEW, {**data, "csrfmiddlewaretoken": fresh}, follow=True)

    assert fresh != token
    assert Person.objects.count() == 1
    assert ALREADY in messages_of(replay)


@pytest.mark.parametrize("language", ["en", "km"])
def test_a_reused_key_with_other_content_is_refused_with_409_and_saves_nothing_more(client, users, language):
    as_user(client, users["caseworker"], language)
    used = key()
    client.post(NEW, form_data(**{idempotency.FIELD: used}))

    response = client.post(NEW, form_data(name_latin="Sok Dara", **{idempotency.FIELD: used}))

    assert response.status_code == 409
    with override(language):
        assert gettext(CONFLICT) in response.content.decode()
    assert list(Person.objects.values_list("initials", flat=True)) == ["CS"]


def test_a_form_shown_again_with_errors_frees_its_key(client, users):
    as_user(client, users["caseworker"])
    used = key()

    refused = client.post(NEW, form_data(sex="", **{idempotency.FIELD: used}))
    corrected = client.post(NEW, form_data(**{idempotency.FIELD: used}))

    assert refused.status_code == 200 and "This field is required." in refused.content.decode()
    assert corrected.status_code == 302
    assert Person.objects.count() == 1
    assert IdempotencyRecord.objects.get().location == corrected["Location"]


def test_the_duplicate_warning_saves_nothing_and_the_confirmed_form_saves_once(client, users):
    existing = register(users["caseworker"], name_latin="Chan Sreymom", birth_year=1998)
    as_user(client, users["caseworker"])
    data = form_data(**{idempotency.FIELD: key()})

    warned = client.post(NEW, data)
    confirmed = {**data, "confirm_not_duplicate": "on", idempotency.FIELD: key()}
    saved = client.post(NEW, confirmed)
    again = client.post(NEW, confirmed)

    assert "This may be someone already registered:" in warned.content.decode()
    assert saved.status_code == 302 and again["Location"] == saved["Location"]
    assert Person.objects.exclude(pk=existing.pk).count() == 1


def test_each_key_is_the_users_own(client, users, orgs):
    """Another user's key is not a replay: keys are per user, so nobody can read another's result."""
    used = key()
    as_user(client, users["caseworker"])
    client.post(NEW, form_data(**{idempotency.FIELD: used}))

    colleague = make_user(orgs["own"], Role.CASEWORKER, username="colleague")
    other = as_user(Client(), colleague)
    response = other.post(NEW, form_data(name_latin="Sok Dara", **{idempotency.FIELD: used}))

    assert response.status_code == 302
    assert sorted(Person.objects.values_list("created_by__username", flat=True)) == ["alpha-caseworker", "colleague"]


def test_a_key_older_than_the_retention_is_forgotten_and_its_row_deleted(client, users, settings):
    settings.IDEMPOTENCY_DAYS = 30
    as_user(client, users["caseworker"])
    data = form_data(confirm_not_duplicate="on", **{idempotency.FIELD: key()})
    client.post(NEW, data)
    IdempotencyRecord.objects.update(created_at=timezone.now() - dt.timedelta(days=31))

    again = client.post(NEW, data)

    assert again.status_code == 302
    assert Person.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 1
    assert IdempotencyRecord.objects.get().created_at > timezone.now() - dt.timedelta(minutes=1)


def test_a_post_without_a_key_or_with_a_malformed_key_runs_as_before(client, users):
    as_user(client, users["caseworker"])
    data = form_data(confirm_not_duplicate="on")
    client.post(NEW, data)
    client.post(NEW, data)
    client.post(NEW, {**data, idempotency.FIELD: "<script>"})
    assert Person.objects.count() == 3
    assert IdempotencyRecord.objects.count() == 0


def test_an_edit_sent_twice_is_saved_once(client, users):
    person = register(users["caseworker"])
    as_user(client, users["caseworker"])
    data = form_data(name_latin="Chan Sreymom", phone="012 345 678", **{idempotency.FIELD: key()})

    client.post(f"/people/{person.uuid}/edit/", data)
    replay = client.post(f"/people/{person.uuid}/edit/", data, follow=True)

    assert ALREADY in messages_of(replay)
    assert AuditEvent.objects.filter(action="update", object_type="core.person").count() == 1


def test_a_consent_sent_twice_is_recorded_once(client, users):
    person = register(users["caseworker"])
    as_user(client, users["caseworker"])
    data = {"purpose": "case_management", "given": "yes", "given_by": "Herself", idempotency.FIELD: key()}

    first = client.post(f"/people/{person.uuid}/consents/", data)
    second = client.post(f"/people/{person.uuid}/consents/", data)

    assert first.status_code == second.status_code == 302
    assert second["Location"] == f"/people/{person.uuid}/"
    assert Consent.objects.count() == 1


def test_a_new_member_sent_twice_shows_the_one_time_password_once(client, users):
    as_user(client, users["org_admin"])
    data = {"username": "sophea", "email": "", "role": "volunteer", idempotency.FIELD: key()}

    first = client.post("/members/new/", data)
    second = client.post("/members/new/", data)

    sophea = User.objects.get(username="sophea")
    assert first.status_code == 200 and sophea.check_password(first.context["password"])
    assert second.status_code == 302 and second["Location"] == f"/members/{sophea.uuid}/"
    assert Membership.objects.filter(user=sophea).count() == 1


def test_a_member_change_sent_twice_is_saved_once(client, users):
    member = users["volunteer"]
    as_user(client, users["org_admin"])
    data = {"role": "caseworker", "is_active": "on", idempotency.FIELD: key()}

    client.post(f"/members/{member.uuid}/", data)
    replay = client.post(f"/members/{member.uuid}/", data, follow=True)

    assert ALREADY in messages_of(replay)
    assert AuditEvent.objects.filter(action="update", object_type="core.membership").count() == 1
    assert member.memberships.get().role == "caseworker"


# ---------------------------------------------------------------- the phone's queue (answers in JSON)
def test_a_queued_registration_answers_saved_with_the_message_and_a_resend_is_recognised(client, users):
    as_user(client, users["caseworker"])
    data = form_data(**{idempotency.FIELD: key(), idempotency.OFFLINE_FIELD: str(users["caseworker"].uuid)})

    sent = queued(client, NEW, data)
    resent = queued(client, NEW, data)

    person = Person.objects.get()
    assert sent.json() == {
        "result": "saved",
        "location": f"/people/{person.uuid}/",
        "message": f"Saved. Case number {person.case_number}.",
    }
    assert resent.json() == {
        "result": "saved",
        "replayed": True,
        "location": f"/people/{person.uuid}/",
        "message": ALREADY,
    }


def test_a_queued_registration_that_meets_the_duplicate_warning_comes_back_to_be_checked(client, users):
    register(users["caseworker"], name_latin="Chan Sreymom", birth_year=1998)
    as_user(client, users["caseworker"])
    data = form_data(**{idempotency.FIELD: key()})

    response = queued(client, NEW, data)

    assert response.json() == {
        "result": "review",
        "message": "This may be someone already registered. Open the entry, compare and save it again.",
    }
    assert Person.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 0  # the key is free: the checked entry may be sent again


def test_a_queued_entry_with_bad_input_comes_back_to_be_checked(client, users):
    as_user(client, users["caseworker"])
    response = queued(client, NEW, form_data(birth_year="3000", **{idempotency.FIELD: key()}))
    assert response.json()["result"] == "review"
    assert Person.objects.count() == 0


def test_a_queued_entry_the_user_may_no_longer_send_is_refused_in_json(client, users):
    person = register(users["caseworker"])
    # Registered on an earlier day: the registrar's window (core.access) is closed, so a volunteer may read
    # what it registered but not change it, and the consent is refused.
    Person.objects.filter(pk=person.pk).update(created_at=timezone.now() - dt.timedelta(days=1))
    membership = users["caseworker"].memberships.get()
    membership.role = Role.VOLUNTEER
    membership.save()
    as_user(client, users["caseworker"])
    consent = {"purpose": "photo", "given": "yes", "given_by": "Herself", idempotency.FIELD: key()}
    response = queued(client, f"/people/{person.uuid}/consents/", consent)
    assert response.status_code == 403
    assert response.json()["result"] == "refused"
    assert Consent.objects.count() == 0


# ---------------------------------------------------------------- the draft on the phone
def test_a_save_tells_the_next_page_which_draft_to_clear(client, users):
    as_user(client, users["caseworker"])
    used = key()
    response = client.post(
        NEW, form_data(**{idempotency.FIELD: used, idempotency.DRAFT_FIELD: "person-new"}), follow=True
    )
    config = json.loads(
        re.search(
            r'<script id="karpear-forms" type="application/json">(.*?)</script>', response.content.decode()
        ).group(1)
    )
    assert config["saved"] == [["person-new", used]]
    assert "/static/js/forms.min.js" in response.content.decode()
    # Told once: the next page no longer names it, and loads no script.
    later = client.get("/")
    assert "karpear-forms" not in later.content.decode()


def test_pages_without_a_protected_form_load_no_form_script(client, users):
    as_user(client, users["caseworker"])
    person = register(users["caseworker"])
    home = client.get("/").content.decode()
    assert "/static/js/forms" not in home and "/static/js/offline" not in home and "karpear-forms" not in home
    edit = client.get(f"/people/{person.uuid}/edit/").content.decode()
    assert "/static/js/forms.min.js" in edit and "offline.min.js" not in edit
    register_page = client.get(NEW)
    html = register_page.content.decode()
    assert "/static/js/forms.min.js" in html and "/static/js/offline.min.js" in html


def test_each_render_of_a_protected_form_carries_a_new_key(client, users):
    as_user(client, users["caseworker"])
    keys = [
        re.search(r'name="_idempotency_key" value="([^"]+)"', client.get(NEW).content.decode()).group(1)
        for _ in range(2)
    ]
    assert keys[0] != keys[1] and all(idempotency.valid_key(k) for k in keys)


def test_the_form_shown_again_after_a_post_is_marked_so_no_draft_overwrites_it(client, users):
    as_user(client, users["caseworker"])
    html = client.post(NEW, form_data(sex="")).content.decode()
    assert re.search(r'<input type="hidden" name="_draft" value="person-new" data-user="[0-9a-f-]+" data-bound', html)


# ---------------------------------------------------------------- offline pages
def test_only_the_blank_register_form_may_be_kept_on_the_phone(client, users):
    as_user(client, users["caseworker"])
    person = register(users["caseworker"])
    assert client.get(NEW)["Karpear-Offline"] == "page"
    assert not client.get(NEW + "?place_q=svay").has_header("Karpear-Offline")
    assert not client.post(NEW, form_data(sex="")).has_header("Karpear-Offline")
    for path in ("/", f"/people/{person.uuid}/", f"/people/{person.uuid}/edit/", "/people/"):
        assert not client.get(path).has_header("Karpear-Offline"), path
    assert client.get("/places/picker/?province=20")["Karpear-Offline"] == "data"


def test_the_service_worker_is_served_at_the_root_and_always_revalidated(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Cache-Control"] == "no-cache"
    assert response["Service-Worker-Allowed"] == "/"
    assert b'addEventListener("fetch"' in response.content
    assert client.get("/sw.js", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    compressed = client.get("/sw.js", HTTP_ACCEPT_ENCODING="gzip, br")
    assert compressed["Content-Encoding"] == "gzip" and "Accept-Encoding" in compressed["Vary"]
    assert gzip.decompress(compressed.content) == response.content


def test_the_offline_state_names_the_user_and_gives_a_csrf_token(client, users):
    assert client.get("/offline/state/")["Location"].startswith("/account/login/")
    as_user(client, users["volunteer"])
    response = client.get("/offline/state/")
    assert response.json()["user"] == str(users["volunteer"].uuid)
    assert len(response.json()["csrf"]) == 64
    assert response["Cache-Control"] == "no-store, private"


def test_logging_out_clears_what_the_browser_kept(client, users):
    as_user(client, users["caseworker"])
    response = client.post("/account/logout/")
    assert response["Clear-Site-Data"] == '"cache", "storage"'


# ---------------------------------------------------------------- the API's Idempotency-Key header
def api_client(user: User) -> Client:
    return login(Client(), user)


def api_post(client: Client, body: dict[str, Any], idempotency_key: str | None, **extra: Any) -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": idempotency_key} if idempotency_key else {}
    return client.post(PEOPLE, body, content_type="application/json", **headers, **extra)


BODY = {"sex": "female", "name_latin": "Sok Sreymom", "name_km": "សុខ ស្រីមុំ", "birth_year": 1999}


def test_an_api_create_sent_again_answers_the_same_status_and_body_once_saved(users):
    client = api_client(users["caseworker"])
    used = key()

    first = api_post(client, BODY, used)
    # Same content, other key order and spacing: the same body.
    second = client.post(
        PEOPLE,
        json.dumps(dict(reversed(BODY.items())), indent=2),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=used,
    )

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert Person.objects.count() == 1
    # The replay reads the record again: its identity read is audited like any other.
    reads = AuditEvent.objects.filter(action="view", object_id=first.json()["uuid"], details__reason="api").count()
    assert reads == 2


def test_an_api_key_reused_with_another_body_is_a_409_in_the_callers_language(users):
    client = api_client(users["caseworker"])
    used = key()
    api_post(client, BODY, used)

    client.cookies["karpear_language"] = "km"
    response = api_post(client, {**BODY, "birth_year": 2000}, used)

    assert response.status_code == 409
    with override("km"):
        assert response.json() == {"message": gettext(CONFLICT), "fields": {}}
    assert list(Person.objects.values_list("birth_year", flat=True)) == [1999]


def test_a_failed_api_write_frees_its_key(users):
    client = api_client(users["caseworker"])
    used = key()

    refused = api_post(client, {**BODY, "sex": ""}, used)
    accepted = api_post(client, BODY, used)

    assert refused.status_code == 400 and accepted.status_code == 201
    assert Person.objects.count() == 1


def test_an_api_change_sent_again_is_applied_once(users):
    person = register(users["caseworker"])
    client = api_client(users["caseworker"])
    used = key()
    body = {**BODY, "name_latin": "Chan Dara"}

    first = client.put(f"{PEOPLE}{person.uuid}/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=used)
    second = client.put(f"{PEOPLE}{person.uuid}/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=used)

    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert AuditEvent.objects.filter(action="update", object_type="core.person").count() == 1


def test_an_api_key_is_not_a_replay_on_another_route(users):
    person = register(users["caseworker"])
    client = api_client(users["caseworker"])
    used = key()
    api_post(client, BODY, used)
    response = client.put(f"{PEOPLE}{person.uuid}/", BODY, content_type="application/json", HTTP_IDEMPOTENCY_KEY=used)
    assert response.status_code == 409


@pytest.mark.parametrize("bad", ["short", "x" * 65, "has space", "ключ-12345"])
def test_a_malformed_api_key_is_a_field_error_and_saves_nothing(users, bad):
    client = api_client(users["caseworker"])
    response = client.post(
        PEOPLE, BODY, content_type="application/json", HTTP_IDEMPOTENCY_KEY=bad.encode().decode("latin-1")
    )
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["Idempotency-Key"]
    assert Person.objects.count() == 0


def test_api_writes_without_the_header_run_as_before(users):
    client = api_client(users["caseworker"])
    api_post(client, BODY, None)
    api_post(client, BODY, None)
    assert Person.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 0


def test_the_schema_offers_the_header_and_its_409_on_writes_only(users):
    schema = Client().get("/api/v1/schema/?format=json").json()
    people, person = schema["paths"]["/api/v1/people/"], schema["paths"]["/api/v1/people/{uuid}/"]
    for operation in (people["post"], person["put"]):
        header = [p for p in operation["parameters"] if p["in"] == "header"]
        assert [(p["name"], p.get("required", False)) for p in header] == [("Idempotency-Key", False)]
        assert operation["responses"]["409"] == {"$ref": "#/components/responses/Conflict"}
        conflict = schema["components"]["responses"]["Conflict"]["content"]["application/json"]["schema"]
        assert conflict == {"$ref": "#/components/schemas/Error"}
    for operation in (people["get"], person["get"]):
        assert all(p["in"] != "header" for p in operation.get("parameters", []))
        assert "409" not in operation["responses"]
