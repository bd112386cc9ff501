"""Forms that survive a dropped connection, in chromium: a volunteer registers people with no signal and
they are sent once when it returns; a draft comes back after a reload and goes after saving; a queued entry
that meets the duplicate warning comes back to be checked; entries wait for the next login; logging out
clears the phone. Screenshots of the list of entries waiting in English and Khmer (e2e/screenshots/)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import Page, expect

from conftest import make_org, make_user
from e2e.conftest import PASSWORD, SCREENSHOTS, assert_clean, visit
from e2e.test_journeys import khmer, picker_update, t
from karpear.core.models import Organisation, Person, User
from karpear.core.roles import Role
from karpear.core.tests.factories import register

pytestmark = pytest.mark.django_db(transaction=True)

NEW = "/people/new/"
WORKER_READY = """async () => {
    const registration = await navigator.serviceWorker.ready;
    return !!registration.active && !!navigator.serviceWorker.controller
        && !!(await caches.match('/people/new/', {cacheName: 'karpear-pages-1'}))
        && (await caches.open('karpear-assets-1').then(c => c.keys())).length > 0;
}"""
DRAFTS = "() => Object.keys(localStorage).filter(k => k.startsWith('karpear-draft:'))"


def volunteer(language: str = "en", username: str = "sokha") -> User:
    organisation = Organisation.objects.filter(short_name="alpha").first() or make_org("alpha")
    user = make_user(organisation, Role.VOLUNTEER, username=username)
    user.language = language
    user.save(update_fields=["language"])
    return user


def open_register_form(page: Page) -> None:
    """Open the form online, and wait until the phone keeps it (service worker active, page and files kept).
    Pick a province once, online, as a volunteer does in their area: the phone keeps that list of districts."""
    visit(page, NEW)
    page.wait_for_function(WORKER_READY, polling=200, timeout=15_000)
    picker_update(page, lambda: page.select_option("#id_province", "20"))
    picker_update(page, lambda: page.select_option("#id_province", ""))


def fill_person(page: Page, name_km: str, name_latin: str, year: str) -> None:
    page.fill("#id_name_km", name_km)
    page.fill("#id_name_latin", name_latin)
    page.select_option("#id_sex", "female")
    page.fill("#id_birth_year", year)
    page.select_option("#id_province", "20")


def save_offline(page: Page) -> None:
    with page.expect_navigation():
        page.locator("main form > button.primary").click()
    expect(page.locator(".queue")).to_be_visible()


def waiting(page: Page) -> Any:
    return page.locator(".queue li[data-state=waiting]")


def sent(page: Page) -> Any:
    return page.locator(".queue li[data-state=sent]")


# ---------------------------------------------------------------- 1. no signal, then the signal returns
@pytest.mark.parametrize("language", ["en", "km"])
def test_a_volunteer_registers_people_with_no_signal_and_each_is_saved_once_when_it_returns(
    new_page: Callable[..., Page], session_login: Callable[..., None], language: str
) -> None:
    user = volunteer(language)
    page = new_page(language=language)
    session_login(page.context, user)
    open_register_form(page)

    page.context.set_offline(True)
    fill_person(page, "សុខ ស្រីមុំ", "Sok Sreymom", "1998")
    save_offline(page)
    expect(page.locator(".queue .msg-success")).to_have_text(
        t("Saved on this phone. It will be sent when the connection returns.", language)
    )
    expect(page.locator("#id_name_latin")).to_have_value("")  # a fresh form for the next person
    assert page.evaluate(DRAFTS) == []  # the entry is in the queue now, not a draft

    fill_person(page, "ចាន់ ដារ៉ា", "Chan Dara", "2001")
    save_offline(page)
    heading = "2 entries waiting to be sent" if language == "en" else khmer("%(count)s entry waiting to be sent")
    expect(page.locator(".queue h2")).to_have_text(heading.replace("%(count)s", "២"))
    expect(waiting(page)).to_have_count(2)
    expect(waiting(page).first).to_contain_text("សុខ ស្រីមុំ · Sok Sreymom")
    expect(page.locator(".queue")).to_contain_text(
        t("No connection. Entries are kept on this phone and sent when the signal returns.", language)
    )
    page.reload()  # still offline: the page comes from the phone, with its list
    assert page.evaluate(DRAFTS) == []  # an untouched form leaves no draft
    expect(page.locator(".draft-notice")).to_have_count(0)
    expect(waiting(page)).to_have_count(2)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"offline-waiting-{language}.png", full_page=True)
    assert Person.objects.count() == 0

    page.context.set_offline(False)
    expect(sent(page)).to_have_count(2, timeout=15_000)
    expect(waiting(page)).to_have_count(0)
    people = list(Person.objects.order_by("case_number"))
    assert [(p.initials, p.birth_year, p.created_by_id) for p in people] == [
        ("SS", 1998, user.pk),
        ("CD", 2001, user.pk),
    ]
    expect(sent(page).first).to_contain_text(people[0].case_number)
    page.screenshot(path=SCREENSHOTS / f"offline-sent-{language}.png", full_page=True)

    # Another page load asks the service worker to send again: nothing is left, nothing is saved twice.
    visit(page, NEW)
    page.evaluate("() => navigator.serviceWorker.ready.then(r => r.active.postMessage({type: 'flush'}))")
    page.wait_for_timeout(500)
    assert Person.objects.count() == 2
    expect(page.locator(".queue")).to_be_hidden()
    assert_clean(page)


# ---------------------------------------------------------------- 2. drafts
def test_a_draft_comes_back_after_a_reload_and_goes_once_saved(
    page: Page, session_login: Callable[..., None], live_server: Any
) -> None:
    user = volunteer()
    session_login(page.context, user)
    visit(page, NEW)
    fill_person(page, "សុខ ស្រីមុំ", "Sok Sreymom", "1998")
    page.wait_for_timeout(500)  # the draft is written 300 ms after the last key

    page.reload()
    notice = page.locator(".draft-notice")
    expect(notice).to_contain_text("Your unsaved entry from")
    expect(notice).to_contain_text("was restored.")
    expect(page.locator("#id_name_latin")).to_have_value("Sok Sreymom")
    expect(page.locator("#id_province")).to_have_value("20")

    notice.get_by_role("button", name="Discard").click()
    expect(page.locator("#id_name_latin")).to_have_value("")
    assert page.evaluate(DRAFTS) == []

    page.fill("#id_name_latin", "Chan Dara")
    page.select_option("#id_sex", "male")
    page.wait_for_timeout(500)
    assert len(page.evaluate(DRAFTS)) == 1
    with page.expect_navigation():
        page.locator("main form > button.primary").click()
    assert "/people/" in page.url and page.url != f"{live_server.url}{NEW}"
    assert page.evaluate(DRAFTS) == []  # the server said it was saved
    visit(page, NEW)
    expect(page.locator(".draft-notice")).to_have_count(0)
    assert_clean(page)


def test_the_edit_form_keeps_its_own_draft_and_says_so_without_a_connection(
    page: Page, session_login: Callable[..., None]
) -> None:
    owner = make_user(make_org("alpha"), Role.CASEWORKER, username="dara")
    person = register(owner, name_latin="Sok Sreymom")
    session_login(page.context, owner)
    visit(page, f"/people/{person.uuid}/edit/")
    page.fill("#id_name_latin", "Sok Sreymom Chan")
    page.wait_for_timeout(500)

    page.context.set_offline(True)
    page.locator("main form > button.primary").click()  # no service worker here: kept as a draft
    expect(page.locator(".draft-notice")).to_contain_text("No connection: nothing was sent.")
    page.context.set_offline(False)
    visit(page, f"/people/{person.uuid}/edit/")
    expect(page.locator("#id_name_latin")).to_have_value("Sok Sreymom Chan")
    expect(page.locator(".draft-notice")).to_contain_text("was restored.")


# ---------------------------------------------------------------- 3. a queued entry meets the duplicate warning
def test_a_queued_registration_that_may_be_a_duplicate_comes_back_to_be_checked(
    new_page: Callable[..., Page], session_login: Callable[..., None]
) -> None:
    user = volunteer()
    existing = register(user, name_latin="Sok Sreymom", name_km="សុខ ស្រីមុំ", birth_year=1998, phone="012 345 678")
    page = new_page()
    session_login(page.context, user)
    open_register_form(page)
    page.context.set_offline(True)
    fill_person(page, "សុខ ស្រីមុំ", "Sok Sreymom", "1998")
    page.fill("#id_phone", "012 345 678")
    save_offline(page)

    page.context.set_offline(False)
    review = page.locator(".queue li[data-state=review]")
    expect(review).to_contain_text(
        "This may be someone already registered. Open the entry, compare and save it again.", timeout=15_000
    )
    assert Person.objects.count() == 1
    review.get_by_role("button", name="Open in the form").click()
    expect(page.locator("#id_name_latin")).to_have_value("Sok Sreymom")
    expect(page.locator("#id_birth_year")).to_have_value("1998")
    expect(page.locator("#id_phone")).to_have_value("012 345 678")
    expect(page.locator(".queue")).to_be_hidden()

    with page.expect_navigation():
        page.locator("main form > button.primary").click()
    # A volunteer reads no identifying details: told only that a match exists, never its case number.
    expect(page.locator(".warning strong")).to_have_text(
        "Someone with some of these details may already be registered in your organisation."
    )
    expect(page.locator(".warning")).not_to_contain_text(existing.case_number)
    page.locator("#id_confirm_not_duplicate").check()
    with page.expect_navigation():
        page.locator("main form > button.primary").click()
    assert Person.objects.count() == 2
    assert page.evaluate(DRAFTS) == []


# ---------------------------------------------------------------- 4. the session ended while offline
def test_entries_wait_for_the_next_login_when_the_session_ended_offline(
    new_page: Callable[..., Page], session_login: Callable[..., None], live_server: Any
) -> None:
    user = volunteer()
    page = new_page()
    session_login(page.context, user)
    open_register_form(page)
    page.context.set_offline(True)
    fill_person(page, "សុខ ស្រីមុំ", "Sok Sreymom", "1998")
    save_offline(page)

    Session.objects.all().delete()  # the session ended on the server meanwhile
    page.context.set_offline(False)
    login_note = page.locator(".queue .warning")
    expect(login_note).to_contain_text("You are logged out. The entries waiting will be sent after you log in again.")
    assert Person.objects.count() == 0

    with page.expect_navigation():
        login_note.get_by_role("link", name="Log in").click()
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button.primary").click()
    assert page.url == f"{live_server.url}{NEW}"
    expect(sent(page)).to_have_count(1, timeout=15_000)
    assert Person.objects.get().created_by_id == user.pk


# ---------------------------------------------------------------- 5. logging out clears the phone
def test_logging_out_takes_the_drafts_and_the_kept_pages_off_the_phone(
    page: Page, session_login: Callable[..., None]
) -> None:
    user = volunteer()
    session_login(page.context, user)
    open_register_form(page)
    page.fill("#id_name_latin", "Sok Sreymom")
    page.wait_for_timeout(500)
    assert len(page.evaluate(DRAFTS)) == 1

    with page.expect_navigation():
        page.locator("footer button").click()  # Log out
    assert "/account/login/" in page.url
    assert page.evaluate(DRAFTS) == []
    assert page.evaluate("() => caches.keys()") == []
    assert page.evaluate("() => navigator.serviceWorker.getRegistrations().then(r => r.length)") == 0
