"""Logging in: Khmer by default, lock-out, the second factor, idle sessions, the language switch, safe redirects."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client
from django.utils.translation import gettext, ngettext, override
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import login
from karpear.core import services
from karpear.core.middleware import SESSION_SEEN_KEY
from karpear.core.models import AuditEvent, User
from karpear.core.tests.factories import totp_code

pytestmark = pytest.mark.django_db

LOGIN = "/account/login/"
TWO_FACTOR = "/account/two-factor/"
PASSWORD = "pw-123456789"


def tr(msgid: str, language: str) -> str:
    with override(language):
        return gettext(msgid)


def html_of(response) -> str:
    return response.content.decode()


def post_login(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def logged_in_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


# ---------------------------------------------------------------- language of the login page
def test_login_page_is_in_khmer_for_an_anonymous_visitor(client, settings):
    settings.LANGUAGE_CODE = "km"

    response = client.get(LOGIN)

    html = html_of(response)
    assert response.status_code == 200
    assert '<html lang="km">' in html
    assert f"<h1>{tr('Log in', 'km')}</h1>" in html
    assert '<button name="language" value="en" lang="en">English</button>' in html


def test_login_page_follows_the_language_cookie(client, settings):
    settings.LANGUAGE_CODE = "km"
    client.cookies["karpear_language"] = "en"

    response = client.get(LOGIN)

    assert '<html lang="en">' in html_of(response)
    assert "<h1>Log in</h1>" in html_of(response)


def test_login_sets_the_language_cookie_to_the_users_language(client, users):
    users["volunteer"].language = "km"
    users["volunteer"].save(update_fields=["language"])

    response = post_login(client, "alpha-volunteer")

    assert response.status_code == 302
    assert response.cookies["karpear_language"].value == "km"
    assert '<html lang="km">' in html_of(client.get("/"))


# ---------------------------------------------------------------- lock-out
@pytest.mark.parametrize("language", ["en", "km"])
def test_five_wrong_passwords_lock_the_account_even_for_the_right_password(client, settings, users, language):
    settings.LANGUAGE_CODE = language
    wrong = [post_login(client, "alpha-volunteer", "wrong-password").status_code for _ in range(4)]
    fifth = post_login(client, "alpha-volunteer", "wrong-password")

    sixth = post_login(client, "alpha-volunteer", PASSWORD)

    assert wrong == [200, 200, 200, 200]
    assert fifth.status_code == 429
    assert sixth.status_code == 429
    html = html_of(sixth)
    assert f'<html lang="{language}">' in html
    assert f"<h1>{tr('Account locked', language)}</h1>" in html
    with override(language):
        expected = ngettext(
            "Too many wrong passwords. This account is locked for %(m)s minute. Please try again later, or ask your administrator.",
            "Too many wrong passwords. This account is locked for %(m)s minutes. Please try again later, or ask your administrator.",
            15,
        ) % {"m": "១៥" if language == "km" else "15"}  # Khmer digits in the Khmer interface
    assert expected in html
    assert logged_in_user_id(client) is None
    assert not AuditEvent.objects.filter(action="login").exists()


def test_lockout_is_audited(client, users):
    for _ in range(5):
        post_login(client, "alpha-volunteer", "wrong-password")
    post_login(client, "alpha-volunteer", PASSWORD)

    # The attempt with the right password while locked is refused like a wrong one, and the lock-out noted again.
    assert list(AuditEvent.objects.values_list("action", "actor_id", "actor_name")) == [
        *[("failed_login", None, "alpha-volunteer")] * 5,
        ("locked_out", None, "alpha-volunteer"),
        ("failed_login", None, "alpha-volunteer"),
        ("locked_out", None, "alpha-volunteer"),
    ]


def test_lockout_holds_from_another_address(client, users):
    for _ in range(5):
        post_login(client, "alpha-volunteer", "wrong-password")

    response = post_login(Client(REMOTE_ADDR="198.51.100.9"), "alpha-volunteer")

    assert response.status_code == 429


def test_a_right_password_before_the_limit_resets_the_count(client, users):
    for _ in range(4):
        post_login(client, "alpha-volunteer", "wrong-password")
    post_login(client, "alpha-volunteer")
    client.post("/account/logout/")

    after = [post_login(client, "alpha-volunteer", "wrong-password").status_code for _ in range(4)]

    assert after == [200, 200, 200, 200]
    assert post_login(client, "alpha-volunteer").status_code == 302


# ---------------------------------------------------------------- the second factor
def test_caseworker_enrols_an_authenticator_and_gets_ten_backup_codes(client, users):
    user = users["caseworker"]

    response = post_login(client, "alpha-caseworker")
    assert response.status_code == 302
    home = client.get("/")
    assert (home.status_code, home["Location"]) == (302, TWO_FACTOR)
    assert client.get("/people/")["Location"] == f"{TWO_FACTOR}?next=%2Fpeople%2F"  # back there after the step

    enrol = client.get(TWO_FACTOR)
    assert enrol.status_code == 200
    assert "<svg" in html_of(enrol)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', html_of(enrol)) is not None

    confirmed = client.post(TWO_FACTOR, {"otp_token": totp_code(device)})

    codes = re.findall(r"<li><code>([^<]+)</code></li>", html_of(confirmed))
    assert confirmed.status_code == 200
    assert len(codes) == 10
    assert sorted(codes) == sorted(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert TOTPDevice.objects.get(pk=device.pk).confirmed is True
    assert client.get("/").status_code == 200
    assert client.get("/people/").status_code == 200


def test_a_wrong_code_does_not_enrol(client, users):
    post_login(client, "alpha-caseworker")
    client.get(TWO_FACTOR)

    response = client.post(TWO_FACTOR, {"otp_token": "000000"})

    assert response.status_code == 200
    assert "This code is not right or has expired. Please try again." in html_of(response)
    assert not TOTPDevice.objects.filter(user=users["caseworker"], confirmed=True).exists()
    assert StaticToken.objects.count() == 0
    assert client.get("/")["Location"] == TWO_FACTOR


@pytest.fixture
def enrolled_caseworker(users) -> tuple[User, list[str], str]:
    """A caseworker who enrolled an authenticator: (user, backup codes, the code that confirmed it)."""
    user = users["caseworker"]
    device = services.two_factor_pending_device(user=user)
    code = totp_code(device)
    codes = services.two_factor_confirm(user=user, token=code)
    assert codes is not None
    return user, codes, code


def test_enrolled_caseworker_is_asked_for_a_code_at_login(client, enrolled_caseworker):
    user, _codes, _code = enrolled_caseworker
    post_login(client, "alpha-caseworker")

    response = client.get(TWO_FACTOR)

    assert response.status_code == 200
    assert "<svg" not in html_of(response)
    assert client.get("/")["Location"] == TWO_FACTOR

    device = TOTPDevice.objects.get(user=user, confirmed=True)
    verified = client.post(TWO_FACTOR, {"otp_token": totp_code(device, steps_ahead=1)})

    assert (verified.status_code, verified["Location"]) == (302, "/")
    assert client.get("/").status_code == 200


def test_an_authenticator_code_already_used_is_refused(client, enrolled_caseworker):
    _user, _codes, enrol_code = enrolled_caseworker
    post_login(client, "alpha-caseworker")

    response = client.post(TWO_FACTOR, {"otp_token": enrol_code})

    assert response.status_code == 200
    assert "This code is not right or has expired. Please try again." in html_of(response)
    assert client.get("/")["Location"] == TWO_FACTOR


def test_a_backup_code_works_once(enrolled_caseworker):
    _user, codes, _code = enrolled_caseworker
    first = Client()
    post_login(first, "alpha-caseworker")

    used = first.post(TWO_FACTOR, {"otp_token": codes[0]})

    assert (used.status_code, used["Location"]) == (302, "/")
    assert first.get("/").status_code == 200

    second = Client()
    post_login(second, "alpha-caseworker")
    reused = second.post(TWO_FACTOR, {"otp_token": codes[0]})

    assert reused.status_code == 200
    assert "This code is not right or has expired. Please try again." in html_of(reused)
    assert second.get("/")["Location"] == TWO_FACTOR
    assert StaticToken.objects.filter(token=codes[0]).count() == 0
    assert StaticToken.objects.count() == 9


def test_volunteer_is_not_asked_for_a_second_factor(client, users):
    response = post_login(client, "alpha-volunteer")

    assert (response.status_code, response["Location"]) == (302, "/")
    assert client.get("/").status_code == 200
    assert client.get("/people/").status_code == 200
    assert not TOTPDevice.objects.filter(user=users["volunteer"]).exists()


# ---------------------------------------------------------------- idle sessions
def test_idle_session_is_logged_out_and_sent_to_login(client, settings, users):
    settings.SESSION_IDLE_MINUTES = 30
    login(client, users["volunteer"])
    session = client.session
    session[SESSION_SEEN_KEY] = int(time.time()) - 31 * 60
    session.save()

    response = client.get("/people/")

    assert (response.status_code, response["Location"]) == (302, "/account/login/?next=%2Fpeople%2F")
    assert logged_in_user_id(client) is None
    assert client.get("/people/")["Location"] == "/account/login/?next=/people/"


def test_recently_active_session_stays_logged_in(client, settings, users):
    settings.SESSION_IDLE_MINUTES = 30
    login(client, users["volunteer"])
    session = client.session
    session[SESSION_SEEN_KEY] = int(time.time()) - 29 * 60
    session.save()

    response = client.get("/people/")

    assert response.status_code == 200
    assert logged_in_user_id(client) == str(users["volunteer"].pk)


def test_idle_logout_keeps_the_interface_language(client, settings, users):
    settings.SESSION_IDLE_MINUTES = 30
    login(client, users["volunteer"])
    client.cookies["karpear_language"] = "km"
    session = client.session
    session[SESSION_SEEN_KEY] = int(time.time()) - 31 * 60
    session.save()

    response = client.get("/people/", follow=True)

    assert '<html lang="km">' in html_of(response)
    assert f"<h1>{tr('Log in', 'km')}</h1>" in html_of(response)


# ---------------------------------------------------------------- the language switch
def test_language_switch_sets_the_cookie_and_the_users_language(client, users):
    login(client, users["volunteer"])

    response = client.post("/language/", {"language": "km", "next": "/people/"})

    assert (response.status_code, response["Location"]) == (302, "/people/")
    assert response.cookies["karpear_language"].value == "km"
    users["volunteer"].refresh_from_db()
    assert users["volunteer"].language == "km"
    page = client.get("/people/")
    assert '<html lang="km">' in html_of(page)
    assert f"<h1>{tr('People', 'km')}</h1>" in html_of(page)


def test_language_switch_back_to_english(client, users):
    login(client, users["volunteer"])
    client.post("/language/", {"language": "km", "next": "/"})

    client.post("/language/", {"language": "en", "next": "/"})

    users["volunteer"].refresh_from_db()
    assert users["volunteer"].language == "en"
    assert '<html lang="en">' in html_of(client.get("/"))


def test_language_switch_works_for_an_anonymous_visitor(client, settings):
    settings.LANGUAGE_CODE = "km"

    response = client.post("/language/", {"language": "en", "next": LOGIN})

    assert response["Location"] == LOGIN
    assert '<html lang="en">' in html_of(client.get(LOGIN))


def test_unknown_language_is_ignored(client, users):
    login(client, users["volunteer"])

    response = client.post("/language/", {"language": "fr", "next": "/"})

    assert response["Location"] == "/"
    assert "karpear_language" not in response.cookies
    users["volunteer"].refresh_from_db()
    assert users["volunteer"].language == "en"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "http://evil.example/people/"])
def test_language_switch_refuses_to_redirect_to_another_site(client, target):
    response = client.post("/language/", {"language": "en", "next": target})

    assert response["Location"] == "/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/"])
def test_login_refuses_to_redirect_to_another_site(client, users, target):
    response = post_login(client, "alpha-volunteer", next=target)

    assert (response.status_code, response["Location"]) == (302, "/")


def test_login_follows_a_local_next(client, users):
    response = post_login(client, "alpha-volunteer", next="/people/")

    assert response["Location"] == "/people/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/"])
def test_second_factor_refuses_to_redirect_to_another_site(client, enrolled_caseworker, target):
    _user, codes, _code = enrolled_caseworker
    post_login(client, "alpha-caseworker")

    response = client.post(f"{TWO_FACTOR}?next={target}", {"otp_token": codes[1], "next": target})

    assert (response.status_code, response["Location"]) == (302, "/")
