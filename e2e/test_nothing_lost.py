"""Nothing typed is lost (issue 10, item 1), in chromium at 360 px: a form sent after the idle timeout is on
the phone, the login page says why it is asked, and after the new login (with the second step for a
caseworker) the same form opens with what was typed and a message saying nothing was saved yet; a form
saved with the connection down keeps its draft and says the phone is offline instead of the browser's
error page."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from conftest import make_org, make_user
from e2e.conftest import PASSWORD, assert_clean, totp_code, visit
from e2e.test_journeys import t
from karpear.core.middleware import SESSION_SEEN_KEY, idle_minutes_message
from karpear.core.models import Consent, Organisation, Person, User
from karpear.core.roles import Role
from karpear.core.tests.factories import register

pytestmark = pytest.mark.django_db(transaction=True)

COMES_BACK = (
    "What you typed before you were logged out is back in the form, from this phone. Nothing of it was saved yet: "
    "check it and press Save."
)
LOGGED_OUT_FORM = (  # in Khmer with Khmer digits
    "You were logged out after 30 minutes without activity, so what you sent was not saved. What you typed is "
    "kept on this phone: log in again and it comes back in the form."
)


def member(role: str, language: str, username: str) -> User:
    organisation = Organisation.objects.filter(short_name="alpha").first() or make_org("alpha")
    user = make_user(organisation, role, username=username)
    user.language = language
    user.save(update_fields=["language"])
    return user


def idle_for(minutes: int) -> None:
    """Every open session last saw its user `minutes` ago (the phone lay in a pocket meanwhile)."""
    for row in Session.objects.all():
        session = SessionStore(session_key=row.session_key)
        if session.get("_auth_user_id"):
            session[SESSION_SEEN_KEY] = int(time.time()) - minutes * 60
            session.save()


CONSENT_SAVE = "form[action$='/consents/'] > button.primary"


def save(page: Page, selector: str = "main form > button.primary") -> None:
    with page.expect_navigation():
        page.locator(selector).click()


def log_in(page: Page, user: User) -> None:
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button.primary").click()


@pytest.mark.parametrize("language", ["km", "en"])
def test_a_registration_sent_after_the_idle_timeout_comes_back_after_the_next_login(
    new_page: Callable[..., Page], session_login: Callable[..., None], live_server: Any, settings: Any, language: str
) -> None:
    settings.SESSION_IDLE_MINUTES = 30
    volunteer = member(Role.VOLUNTEER, language, "sokha")
    page = new_page(language=language)
    session_login(page.context, volunteer)
    visit(page, "/people/new/")
    page.fill("#id_name_km", "សុខ ស្រីមុំ")
    page.fill("#id_name_latin", "Sok Sreymom")
    page.select_option("#id_sex", "female")
    page.fill("#id_birth_year", "1998")

    idle_for(31)
    save(page)

    assert page.url == f"{live_server.url}/account/login/?next=%2Fpeople%2Fnew%2F"
    with translation.override(language):
        message = idle_minutes_message(30, form=True)
    assert message == LOGGED_OUT_FORM if language == "en" else "៣០" in message
    expect(page.locator(".messages")).to_contain_text(message)
    assert Person.objects.count() == 0
    log_in(page, volunteer)

    assert page.url == f"{live_server.url}/people/new/"
    expect(page.locator(".messages")).to_contain_text(t(COMES_BACK, language))
    expect(page.locator("#id_name_km")).to_have_value("សុខ ស្រីមុំ")
    expect(page.locator("#id_name_latin")).to_have_value("Sok Sreymom")
    expect(page.locator("#id_birth_year")).to_have_value("1998")
    expect(page.locator(".draft-notice")).to_be_visible()
    page.screenshot(path=f"e2e/screenshots/idle-timeout-form-back-{language}.png", full_page=True)
    assert_clean(page)

    page.select_option("#id_province", "20")  # the place the form still needs
    page.wait_for_load_state("networkidle")
    save(page)
    assert Person.objects.get().created_by_id == volunteer.pk
    assert page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('karpear-draft:'))") == []


def test_a_consent_sent_after_the_idle_timeout_comes_back_after_the_password_and_second_step(
    page: Page, session_login: Callable[..., None], live_server: Any, settings: Any
) -> None:
    settings.SESSION_IDLE_MINUTES = 30
    caseworker = member(Role.CASEWORKER, "en", "dara")
    key = base64.b32encode(b"0123456789abcdefghij").decode()
    TOTPDevice.objects.create(user=caseworker, name="phone", confirmed=True, key=base64.b32decode(key).hex())
    person = register(caseworker, name_latin="Sok Sreymom")
    session_login(page.context, caseworker)
    visit(page, f"/people/{person.uuid}/")
    page.get_by_text("Record a consent").click()
    page.select_option("#id_purpose", "case_management")
    page.locator("#id_given_0").check()
    page.fill("#id_given_by", "Her mother")

    idle_for(31)
    save(page, CONSENT_SAVE)

    assert page.url == f"{live_server.url}/account/login/?next=%2Fpeople%2F{person.uuid}%2F"
    log_in(page, caseworker)
    assert page.url.startswith(f"{live_server.url}/account/two-factor/?next=")
    page.fill("#id_otp_token", totp_code(key, caseworker))
    with page.expect_navigation():
        page.locator("main form button.primary").click()

    assert page.url == f"{live_server.url}/people/{person.uuid}/"
    expect(page.locator(".messages")).to_contain_text(COMES_BACK)
    expect(page.locator("details", has=page.locator("#id_given_by"))).to_have_attribute("open", "")
    expect(page.locator("#id_given_by")).to_have_value("Her mother")
    expect(page.locator("#id_given_0")).to_be_checked()
    save(page, CONSENT_SAVE)
    assert Consent.objects.get(person=person).given_by == "Her mother"
    assert_clean(page)


def test_a_consent_saved_with_no_connection_stays_on_the_phone_and_says_so(
    page: Page, session_login: Callable[..., None]
) -> None:
    caseworker = member(Role.CASEWORKER, "en", "dara")
    person = register(caseworker, name_latin="Sok Sreymom")
    session_login(page.context, caseworker)
    visit(page, f"/people/{person.uuid}/")
    page.get_by_text("Record a consent").click()
    page.select_option("#id_purpose", "case_management")
    page.locator("#id_given_0").check()
    page.fill("#id_given_by", "Her mother")
    page.wait_for_timeout(500)

    page.context.set_offline(True)
    page.locator(CONSENT_SAVE).click()
    expect(page.locator(".draft-notice")).to_contain_text("No connection: nothing was sent.")
    assert page.url.endswith(f"/people/{person.uuid}/")  # still the page, not the browser's error page
    page.context.set_offline(False)

    visit(page, f"/people/{person.uuid}/")
    expect(page.locator("#id_given_by")).to_have_value("Her mother")
    expect(page.locator(".draft-notice")).to_contain_text("was restored.")
    assert not Consent.objects.exists()
