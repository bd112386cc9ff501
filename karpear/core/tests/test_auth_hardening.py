"""Logging in, hardened after the security review (issue 7): only the second step between the password and
the second factor, a new session key after it, password spraying and forged addresses stopped, locked-out API
logins named in the audit log, the back office behind the second factor and showing no secret."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import login, make_user
from karpear.core import services
from karpear.core.models import ApiToken, AuditEvent, RateCounter, User
from karpear.core.tests.factories import totp_code, totp_device

pytestmark = pytest.mark.django_db

LOGIN = "/account/login/"
TWO_FACTOR = "/account/two-factor/"
TOKEN = "/api/v1/auth/token/"
PASSWORD = "pw-123456789"


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()


def post_login(client: Client, username: str, password: str = PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def token_request(username: str, password: str, **headers):
    return Client(**headers).post(
        TOKEN, {"username": username, "password": password}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )


# ---------------------------------------------------------------- High 2: nothing but the second step
def test_a_password_alone_cannot_change_the_password_of_a_two_factor_account(client, users):
    user = users["caseworker"]
    totp_device(user)
    post_login(client, user.username)  # the password step only

    form = client.get("/account/password/")
    response = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": "taken-over-2026-xyz", "new_password2": "taken-over-2026-xyz"},
    )

    assert (form.status_code, form["Location"]) == (302, f"{TWO_FACTOR}?next=%2Faccount%2Fpassword%2F")
    assert (response.status_code, response["Location"]) == (302, TWO_FACTOR)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action="update", object_type="core.user").exists()


@pytest.mark.parametrize("path", ["/account/tokens/", "/account/organisation/", "/", "/people/", "/admin/"])
def test_between_the_two_steps_every_page_but_the_second_step_sends_back_to_it(client, users, path):
    totp_device(users["caseworker"])
    post_login(client, "alpha-caseworker")

    response = client.get(path)

    back = "" if path == "/" else f"?next={quote(path, safe='')}"  # and on to the page after the second step
    assert (response.status_code, response["Location"]) == (302, f"{TWO_FACTOR}{back}")


def test_between_the_two_steps_the_second_step_and_logout_answer(client, users):
    totp_device(users["caseworker"])
    post_login(client, "alpha-caseworker")

    assert client.get(TWO_FACTOR).status_code == 200
    assert client.post("/account/logout/").status_code == 302
    assert client.session.get("_auth_user_id") is None


def test_a_new_account_of_a_two_factor_role_passes_the_second_step_before_replacing_its_password(client, users):
    login(client, users["org_admin"])
    password = client.post("/members/new/", {"username": "dara", "role": "caseworker"}).context["password"]
    client.logout()
    post_login(client, "dara", password)

    assert client.get("/")["Location"] == TWO_FACTOR
    assert client.get("/account/password/")["Location"] == f"{TWO_FACTOR}?next=%2Faccount%2Fpassword%2F"
    device = services.two_factor_pending_device(user=User.objects.get(username="dara"))
    client.get(TWO_FACTOR)
    client.post(TWO_FACTOR, {"otp_token": totp_code(device)})
    assert client.get("/")["Location"] == "/account/password/"
    assert client.get("/account/password/").status_code == 200


# ---------------------------------------------------------------- Low 10: a new session key at the second step
def test_the_session_key_seen_before_the_second_step_is_dead_after_it(client, users):
    user = users["caseworker"]
    device = totp_device(user)
    post_login(client, user.username)
    key_before = client.session.session_key

    client.post(TWO_FACTOR, {"otp_token": totp_code(device)})

    assert client.session.session_key != key_before
    assert client.get("/people/").status_code == 200
    stolen = Client()
    stolen.cookies["sessionid"] = key_before
    assert stolen.get("/people/")["Location"].startswith(LOGIN)


def test_enrolling_also_gives_a_new_session_key(client, users):
    post_login(client, "alpha-caseworker")
    client.get(TWO_FACTOR)
    key_before = client.session.session_key
    device = TOTPDevice.objects.get(user=users["caseworker"], confirmed=False)

    client.post(TWO_FACTOR, {"otp_token": totp_code(device)})

    assert client.session.session_key != key_before


# ---------------------------------------------------------------- Medium 8: spraying and forged addresses
def test_password_spraying_from_one_address_is_stopped_on_the_login_page(client, settings, users):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 10
    names = [f"nobody-{n}" for n in range(10)]
    answers = [post_login(client, name, "Winter2026!").status_code for name in names]

    # The next try from that address is refused unanswered, even with a right password for another user.
    refused = post_login(client, "alpha-volunteer")

    assert answers == [200] * 10
    assert refused.status_code == 429
    html = refused.content.decode()
    assert "Too many failed logins from your network. Please wait" in html
    assert client.session.get("_auth_user_id") is None
    event = AuditEvent.objects.filter(action="locked_out").get()
    assert (event.actor_name, event.details) == ("alpha-volunteer", {"scope": "address"})
    # Another address is not affected.
    assert post_login(Client(REMOTE_ADDR="198.51.100.7"), "alpha-volunteer").status_code == 302


def test_password_spraying_through_the_token_endpoint_is_stopped(settings, users):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 10
    answers = [token_request(f"nobody-{n}", "Winter2026!").status_code for n in range(10)]

    refused = token_request("alpha-volunteer", PASSWORD)

    assert answers == [400] * 10
    assert refused.status_code == 429
    assert refused.json()["message"].startswith("Too many failed logins from your network. Please wait ")
    assert int(refused["Retry-After"]) > 0
    assert not ApiToken.objects.exists()


def test_failures_from_the_login_page_and_the_token_endpoint_share_one_count(client, settings, users):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 4
    for n in range(2):
        post_login(client, f"page-{n}", "wrong")
        token_request(f"api-{n}", "wrong")

    assert post_login(client, "alpha-volunteer").status_code == 429
    assert token_request("alpha-volunteer", PASSWORD).status_code == 429


def test_a_forged_forwarded_for_header_opens_no_new_allowance_at_the_token_endpoint(settings, users):
    """Behind one proxy, the client is the last X-Forwarded-For entry; whatever the caller wrote before it is
    ignored, so a new forged value on each request is still the same client."""
    settings.PROXY_COUNT = 1
    settings.API_ANON_RATE = "5/minute"
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 1000

    answers = [
        token_request(f"nobody-{n}", "wrong", HTTP_X_FORWARDED_FOR=f"10.9.8.{n}, 203.0.113.5").status_code
        for n in range(6)
    ]

    assert answers == [400] * 5 + [429]
    assert RateCounter.objects.get(key="api-anon:203.0.113.5").count == 6


def test_the_token_endpoint_limit_is_shared_by_every_web_process(settings, users):
    """The count is in the database: a process that starts now (an empty cache) sees the earlier requests."""
    settings.API_ANON_RATE = "3/minute"
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 1000
    for _ in range(3):
        token_request("alpha-volunteer", "wrong")

    cache.clear()  # what a fresh process would have
    response = token_request("alpha-volunteer", PASSWORD)

    assert response.status_code == 429
    assert response.json()["message"].startswith("Too many requests. Please try again in ")


# ---------------------------------------------------------------- Low 13: a lockout through the API is named
def test_a_lockout_reached_through_the_token_endpoint_is_audited_with_the_user_name(users):
    for _ in range(5):
        token_request("alpha-programme_officer", "wrong-password")
    token_request("alpha-programme_officer", PASSWORD)

    names = list(AuditEvent.objects.filter(action="locked_out").values_list("actor_name", flat=True))
    assert names == ["alpha-programme_officer", "alpha-programme_officer"]


# ---------------------------------------------------------------- Low 14: the one-time password page
def test_the_one_time_password_and_backup_codes_pages_are_not_stored(client, users):
    post_login(client, "alpha-caseworker")
    enrol = client.get(TWO_FACTOR)
    device = TOTPDevice.objects.get(user=users["caseworker"], confirmed=False)
    codes = client.post(TWO_FACTOR, {"otp_token": totp_code(device)})

    assert enrol["Cache-Control"] == "no-store, private"
    assert codes["Cache-Control"] == "no-store, private"
    assert len(re.findall(r"<li><code>", codes.content.decode())) == 10
    # The page that shows a new member's one-time password to their administrator.
    admin = login(Client(), users["org_admin"])
    created = admin.post("/members/new/", {"username": "dara", "role": "volunteer"})
    assert created.context["password"] in created.content.decode()
    assert created["Cache-Control"] == "no-store, private"


# ---------------------------------------------------------------- Medium 7: the back office
def test_a_superuser_with_a_password_only_does_not_enter_the_back_office(client, db):
    User.objects.create_superuser("root", "root@example.org", PASSWORD)
    post_login(client, "root")

    response = client.get("/admin/core/user/")

    assert (response.status_code, response["Location"]) == (302, f"{TWO_FACTOR}?next=%2Fadmin%2Fcore%2Fuser%2F")
    assert not AuditEvent.objects.filter(details__via="back_office").exists()


def test_the_back_office_checks_the_second_factor_itself(rf, db):
    """Even without the two-factor middleware in front, the site refuses a staff user who did not pass it."""
    from django.contrib import admin

    user = User.objects.create_superuser("root", "root@example.org", PASSWORD)
    request = rf.get("/admin/")
    request.user = user
    user.is_verified = lambda: False

    assert admin.site.has_permission(request) is False
    user.is_verified = lambda: True
    assert admin.site.has_permission(request) is True


def test_the_back_office_login_page_is_karpears(client, db):
    response = client.get("/admin/login/?next=/admin/core/user/")

    assert (response.status_code, response["Location"]) == (302, "/account/login/?next=/admin/core/user/")


def test_a_back_office_login_is_audited_once_per_session(client, db):
    root = User.objects.create_superuser("root", "root@example.org", PASSWORD)
    login(client, root)

    client.get("/admin/")
    client.get("/admin/core/organisation/")

    event = AuditEvent.objects.filter(details__via="back_office").get()
    assert (event.action, event.actor_id) == ("login", root.pk)


def test_the_back_office_shows_no_authenticator_key_and_no_backup_code(client, users):
    root = User.objects.create_superuser("root", "root@example.org", PASSWORD)
    device = totp_device(users["caseworker"])
    backup = StaticDevice.objects.create(user=users["caseworker"], name="backup", confirmed=True)
    StaticToken.objects.create(device=backup, token="kp7x2q9m")
    login(client, root)

    pages = [
        client.get("/admin/otp_totp/totpdevice/"),
        client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/"),
        client.get("/admin/otp_static/staticdevice/"),
        client.get(f"/admin/otp_static/staticdevice/{backup.pk}/change/"),
    ]

    assert [page.status_code for page in pages] == [200] * 4
    for page in pages:
        html = page.content.decode()
        assert device.key not in html and device.key.upper() not in html
        assert "kp7x2q9m" not in html
        assert "otpauth://" not in html
    for path in (f"/admin/otp_totp/totpdevice/{device.pk}/config/", f"/admin/otp_totp/totpdevice/{device.pk}/qrcode/"):
        response = client.get(path, follow=True)
        assert response.status_code in (200, 404)  # django-otp's QR code and configuration views are gone
        assert response.get("Content-Type", "").startswith("text/html")
        assert "otpauth://" not in response.content.decode() and device.key not in response.content.decode()
    assert client.get("/admin/otp_totp/totpdevice/add/").status_code == 403


def test_removing_a_users_authenticator_in_the_back_office_revokes_their_tokens(client, users):
    root = User.objects.create_superuser("root", "root@example.org", PASSWORD)
    device = totp_device(users["caseworker"])
    services.api_token_issue(user=users["caseworker"], two_factor=True)
    login(client, root)

    response = client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    assert not ApiToken.objects.exists()
    revoked = AuditEvent.objects.filter(action="delete", object_type="core.apitoken").get()
    assert (revoked.actor_id, revoked.details["reason"]) == (root.pk, "two_factor_changed")


def test_the_back_office_lists_api_tokens_without_any_key(client, users):
    root = User.objects.create_superuser("root", "root@example.org", PASSWORD)
    key = services.api_token_issue(user=users["volunteer"], two_factor=False)
    login(client, root)

    listing = client.get("/admin/core/apitoken/")

    html = listing.content.decode()
    assert listing.status_code == 200
    assert key[:6] in html and key not in html
    assert ApiToken.objects.get().key_hash not in html


def test_staff_need_a_second_factor_on_karpears_pages_too(client, orgs):
    staff = make_user(orgs["own"], "volunteer", username="staffer")
    staff.is_staff = True
    staff.save()
    post_login(client, "staffer")

    assert client.get("/people/")["Location"] == f"{TWO_FACTOR}?next=%2Fpeople%2F"
