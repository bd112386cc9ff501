"""API tokens: stored hashed, bound to the rights and the second factor they were issued with, revoked when
those change, never issued to an account still on its one-time password (security review, issue 7)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone

from conftest import login
from karpear.core import access, services, tokens
from karpear.core.models import ApiToken, AuditEvent, Identity, Membership, Person, User
from karpear.core.tests.factories import register, totp_code, totp_device

pytestmark = pytest.mark.django_db

PEOPLE = "/api/v1/people/"
TOKEN = "/api/v1/auth/token/"
PASSWORD = "pw-123456789"


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()


def issue(user: User, **extra) -> str:
    """A token through the token endpoint, with a code when the role needs a second factor."""
    payload = {"username": user.username, "password": PASSWORD, **extra}
    if access.needs_two_factor(user) and "otp_token" not in extra:
        payload["otp_token"] = totp_code(totp_device(user))
    response = Client().post(TOKEN, payload, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def with_token(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")


def promote(admin: User, member: User, role: str) -> None:
    membership = Membership.objects.get(user=member)
    services.member_update(
        actor=admin,
        membership=membership,
        data=services.MemberInput(role=role, team=membership.team, is_active=membership.is_active),
    )


# ---------------------------------------------------------------- High 1: a token outlives the second factor
def test_promoting_a_programme_officer_revokes_the_token_that_would_read_identities(users):
    register(users["caseworker"], name_latin="Chan Sreymom", phone="012 345 678")
    key = issue(users["programme_officer"])  # no second factor: the role reads no identity
    assert with_token(key).get(PEOPLE).json()["results"][0]["identity"] is None

    promote(users["org_admin"], users["programme_officer"], "case_supervisor")
    response = with_token(key).get(PEOPLE)

    assert response.status_code == 401
    assert response.json() == {"message": "Invalid token.", "fields": {}}
    assert "Sreymom" not in response.content.decode()
    assert ApiToken.objects.filter(user=users["programme_officer"]).count() == 0
    event = AuditEvent.objects.filter(action="delete", object_type="core.apitoken").get()
    assert (event.actor_id, event.details) == (
        users["org_admin"].pk,
        {"reason": "membership_changed", "owner": "alpha-programme_officer"},
    )


def test_a_role_changed_behind_the_services_back_stops_the_token_at_once(users):
    """The back office or a shell changes the membership without revoking: the fingerprint catches it."""
    register(users["caseworker"], name_latin="Chan Sreymom", phone="012 345 678")
    key = issue(users["programme_officer"])
    Membership.objects.filter(user=users["programme_officer"]).update(role="case_supervisor")

    response = with_token(key).get(PEOPLE)

    assert response.status_code == 401
    assert response.json() == {
        "message": "This token was issued before your password or your roles changed. Ask for a new one.",
        "fields": {},
    }
    assert response["WWW-Authenticate"] == "Token"
    assert not ApiToken.objects.filter(user=users["programme_officer"]).exists()
    assert not AuditEvent.objects.filter(action="view").exists()  # no identity was read


def test_a_token_issued_without_second_factor_is_refused_once_the_account_needs_one(users):
    """Making the account staff changes no membership, but staff must pass a second factor (core.access)."""
    key = issue(users["programme_officer"])
    User.objects.filter(pk=users["programme_officer"].pk).update(is_staff=True)

    response = with_token(key).get(PEOPLE)

    assert response.status_code == 401
    assert response.json()["message"] == (
        "Your role now needs a second factor, and this token was issued without one. Ask for a new token with "
        "your code."
    )


def test_a_token_issued_with_a_second_factor_keeps_working_for_a_role_that_needs_one(users):
    register(users["caseworker"], name_latin="Chan Sreymom")
    key = issue(users["caseworker"])

    response = with_token(key).get(PEOPLE)

    assert response.status_code == 200
    assert response.json()["results"][0]["identity"]["name_latin"] == "Chan Sreymom"
    token = ApiToken.objects.get(user=users["caseworker"])
    assert token.two_factor is True
    assert token.last_used_at is not None


def test_a_wrong_code_gets_no_token_even_for_a_role_without_second_factor(users):
    totp_device(users["programme_officer"])

    response = Client().post(
        TOKEN,
        {"username": "alpha-programme_officer", "password": PASSWORD, "otp_token": "000000"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert not ApiToken.objects.exists()


# ---------------------------------------------------------------- revoked when what it stood for changes
def test_changing_ones_password_revokes_ones_api_tokens(users, client):
    key = issue(users["volunteer"])
    login(client, users["volunteer"])

    response = client.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-phrase-2026",
            "new_password2": "a-new-long-phrase-2026",
        },
    )

    assert response.status_code == 302
    assert with_token(key).get(PEOPLE).status_code == 401
    assert not ApiToken.objects.exists()


def test_a_password_set_in_the_back_office_stops_the_token(users):
    key = issue(users["volunteer"])
    user = users["volunteer"]
    user.set_password("set-by-staff-2026")
    user.save()

    assert with_token(key).get(PEOPLE).status_code == 401


def test_enrolling_a_new_authenticator_revokes_api_tokens(users):
    key = issue(users["caseworker"])
    device = services.two_factor_pending_device(user=users["caseworker"])

    services.two_factor_confirm(user=users["caseworker"], token=totp_code(device))

    assert with_token(key).get(PEOPLE).status_code == 401
    assert not ApiToken.objects.exists()


def test_deactivating_a_member_revokes_their_api_tokens(users):
    key = issue(users["volunteer"])
    membership = Membership.objects.get(user=users["volunteer"])

    services.member_update(
        actor=users["org_admin"],
        membership=membership,
        data=services.MemberInput(role="volunteer", team=membership.team, is_active=False),
    )

    assert with_token(key).get(PEOPLE).status_code == 401
    assert not ApiToken.objects.exists()


def test_an_expired_token_is_refused(users):
    key = issue(users["volunteer"])
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    response = with_token(key).get(PEOPLE)

    assert response.status_code == 401
    assert response.json()["message"] == "This token has expired. Ask for a new one."


def test_tokens_expire_after_the_configured_days(users, settings):
    settings.API_TOKEN_DAYS = 30
    before = timezone.now()

    issue(users["volunteer"])

    token = ApiToken.objects.get()
    assert before + dt.timedelta(days=30) <= token.expires_at <= timezone.now() + dt.timedelta(days=30)


def test_a_user_keeps_at_most_ten_tokens_the_oldest_go_first(users):
    keys = [issue(users["volunteer"]) for _ in range(11)]

    assert ApiToken.objects.filter(user=users["volunteer"]).count() == 10
    assert with_token(keys[0]).get(PEOPLE).status_code == 401
    assert with_token(keys[-1]).get(PEOPLE).status_code == 200


# ---------------------------------------------------------------- Medium 7: the back office sees no key
def test_a_copied_database_or_back_office_holds_no_usable_token(users):
    key = issue(users["caseworker"])
    token = ApiToken.objects.get()

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM core_apitoken")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert key not in stored
    assert (token.key_hash, token.prefix) == (tokens.key_hash(key), key[:6])
    # What the database holds, used as a token, is refused.
    assert with_token(token.key_hash).get(PEOPLE).status_code == 401


# ---------------------------------------------------------------- Medium 3: one-time passwords on the API
def _one_time_password_account(admin: User, client: Client) -> tuple[User, str]:
    login(client, admin)
    password = client.post("/members/new/", {"username": "dara", "role": "programme_officer"}).context["password"]
    client.logout()
    return User.objects.get(username="dara"), password


def test_an_account_on_its_one_time_password_gets_no_token(users, client):
    _user, password = _one_time_password_account(users["org_admin"], client)

    response = Client().post(TOKEN, {"username": "dara", "password": password}, content_type="application/json")

    assert response.status_code == 403
    assert response.json() == {
        "message": "Replace your one-time password first: log in to Karpear in a browser and choose a new password.",
        "fields": {},
    }
    assert not ApiToken.objects.exists()


def test_an_account_on_its_one_time_password_cannot_use_the_session_api(users, client):
    register(users["caseworker"], name_latin="Chan Sreymom")
    user, password = _one_time_password_account(users["org_admin"], client)
    User.objects.filter(pk=user.pk).update(language="en")  # new accounts start in Khmer
    client.post("/account/login/", {"username": "dara", "password": password})
    before = Person.objects.count(), Identity.objects.count()

    listed = client.get(PEOPLE)
    created = client.post(PEOPLE, {"sex": "female", "name_latin": "Sok Dara"}, content_type="application/json")

    assert (listed.status_code, created.status_code) == (403, 403)
    assert created.json()["message"].startswith("Replace your one-time password first")
    assert (Person.objects.count(), Identity.objects.count()) == before


# ---------------------------------------------------------------- the owner's page
def test_the_owner_sees_and_revokes_their_own_tokens(users, client):
    first, second = issue(users["volunteer"]), issue(users["volunteer"])
    theirs = issue(users["programme_officer"])
    login(client, users["volunteer"])

    page = client.get("/account/tokens/")
    html = page.content.decode()
    assert page.status_code == 200
    assert f"<code>{first[:6]}…</code>" in html and f"<code>{second[:6]}…</code>" in html
    assert first not in html and theirs[:6] not in html

    own = ApiToken.objects.get(key_hash=tokens.key_hash(first))
    assert client.post("/account/tokens/", {"token": str(own.uuid)}).status_code == 302
    assert with_token(first).get(PEOPLE).status_code == 401
    assert with_token(second).get(PEOPLE).status_code == 200

    other = ApiToken.objects.get(key_hash=tokens.key_hash(theirs))
    assert client.post("/account/tokens/", {"token": str(other.uuid)}).status_code == 404
    assert client.post("/account/tokens/", {"token": "not-a-uuid"}).status_code == 404
    assert with_token(theirs).get(PEOPLE).status_code == 200

    client.post("/account/tokens/", {"token": "all"})
    assert list(ApiToken.objects.values_list("user__username", flat=True)) == ["alpha-programme_officer"]
