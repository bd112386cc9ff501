"""A phone's screen (issue 10, items 2 and 13), in chromium at 360 px: every tap target on the main pages is at
least 44 px high in Khmer and English; in the place picker a late answer to an earlier search never undoes
a pick and a loading state shows while an answer is awaited; with no connection an in-page request says so."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from conftest import make_org, make_user
from e2e.conftest import assert_clean, visit, watcher_of
from e2e.test_journeys import picker_update, t
from karpear.core import place_picker
from karpear.core.models import Commune, Organisation, User
from karpear.core.roles import Role
from karpear.core.tests.factories import register

pytestmark = pytest.mark.django_db(transaction=True)

MIN_TAP = 44
# Every visible control; a checkbox or radio button is tapped through its label. A link inside a sentence of
# running text is exempt, as WCAG 2.5.8 exempts inline targets (its line is the text's own).
SMALL_TARGETS = """(min) => {
  const small = [];
  const inSentence = (el) => {
    const block = el.parentElement && el.parentElement.closest("p");
    if (!block || el.parentElement !== block) return false;
    const words = block.textContent.replace(el.textContent, "").replace(/[\\s·:.,()\\-–—]/g, "");
    return words.length >= 12;
  };
  for (const el of document.querySelectorAll("a[href], button, input, select, textarea, summary")) {
    if (el.type === "hidden") continue;
    const target = el.matches("input[type=checkbox], input[type=radio]") ? el.closest("label") || el : el;
    const box = target.getBoundingClientRect();
    if (!box.width || !box.height || getComputedStyle(target).visibility === "hidden") continue;
    if (el.tagName === "A" && inSentence(el)) continue;
    if (box.height < min - 0.5) {
      const text = (target.textContent || target.value || target.name || "").trim().slice(0, 40);
      small.push(`${target.tagName.toLowerCase()}${target.className ? "." + target.className : ""} "${text}": ${box.height.toFixed(1)} px`);
    }
  }
  return small;
}"""


def caseworker(language: str) -> User:
    organisation = Organisation.objects.filter(short_name="alpha").first() or make_org("alpha")
    user = make_user(organisation, Role.CASEWORKER, username=f"dara-{language}")
    user.language = language
    user.save(update_fields=["language"])
    return user


@pytest.mark.parametrize("language", ["en", "km"])
def test_every_tap_target_is_at_least_44_px_high_at_360_px(
    new_page: Callable[..., Page], session_login: Callable[..., None], language: str
) -> None:
    anonymous = new_page(language=language)
    visit(anonymous, "/account/login/")
    problems = {"/account/login/": anonymous.evaluate(SMALL_TARGETS, MIN_TAP)}

    user = caseworker(language)
    person = register(user, name_latin="Sok Sreymom", name_km="សុខ ស្រីមុំ")
    for _ in range(2):
        register(user)
    page = new_page(language=language)
    session_login(page.context, user)
    for path in ("/", "/people/", f"/people/{person.uuid}/", "/people/new/"):
        visit(page, path)
        for summary in page.locator("main details > summary").all():
            summary.click()  # the controls inside (filters, "Record a consent") count too
        problems[path] = page.evaluate(SMALL_TARGETS, MIN_TAP)
    assert_clean(page)

    small = {path: small for path, small in problems.items() if small}
    assert small == {}, "\n".join(f"{path}: {s}" for path, s in small.items())


def _chantrea() -> Commune:
    return Commune.objects.filter(name_en__icontains="Chantrea").order_by("code").first()


@pytest.fixture
def slow_search(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], threading.Event]:
    """Hold the live server's answer to a search for `query` until the test sets the returned event: an
    answer delayed on a slow link (the live server answers each request in a thread of its own)."""
    search = place_picker.search_places
    gates: dict[str, threading.Event] = {}

    def held(query: str, **kwargs: Any) -> Any:
        gate = gates.get(query)
        if gate is not None:
            gate.wait(15)
        return search(query, **kwargs)

    monkeypatch.setattr(place_picker, "search_places", held)

    def hold(query: str) -> threading.Event:
        gates[query] = threading.Event()
        return gates[query]

    yield hold
    for gate in gates.values():
        gate.set()


def test_a_late_answer_to_an_earlier_search_never_undoes_a_pick(
    page: Page, session_login: Callable[..., None], slow_search: Callable[[str], threading.Event]
) -> None:
    """On a slow link: the user types, sees matches, types on (that search's answer is slow), then taps a
    match. The pick is answered; the slow answer must never redraw the picker back to a list without it."""
    user = caseworker("en")
    session_login(page.context, user)
    visit(page, "/people/new/")
    commune = _chantrea()
    search = page.locator("#place_q")
    picker_update(page, lambda: search.press_sequentially("Chantrea"))
    match = page.locator(f".matches input[type=radio][value='c:{commune.code}']")
    expect(match).to_have_count(1)

    gate = slow_search("Chantrea x")
    search.press_sequentially(" x")
    page.wait_for_function("() => document.querySelector('#loading').classList.contains('htmx-request')")
    expect(page.locator("#loading")).to_be_visible()  # the loading state, while the answer is awaited

    page.evaluate(  # on window: after ui.js (on document) has decided
        "() => { window.swaps = []; window.addEventListener('htmx:beforeSwap', e =>"
        " window.swaps.push(e.detail.shouldSwap && new URL(e.detail.xhr.responseURL).searchParams.get('place_pick')"
        " || (e.detail.shouldSwap ? 'drawn' : 'dropped'))); }"
    )
    match.check()  # the tap, while the search is on its way: hx-sync queues its request behind the search
    expect(match).to_be_checked()
    with page.expect_response(lambda r: "place_pick=" in r.url):
        gate.set()  # the late answer arrives now, then the pick's

    expect(page.locator("#id_province")).to_have_value(commune.province_id)
    expect(page.locator("#id_commune")).to_have_value(commune.code)
    expect(page.locator(".matches")).to_have_count(0)
    expect(page.locator("#loading")).to_be_hidden()
    # The late search answer was never drawn; the pick's answer was.
    assert page.evaluate("() => window.swaps") == ["dropped", f"c:{commune.code}"]
    assert_clean(page)


def test_an_answer_the_user_typed_past_is_not_drawn(
    page: Page, session_login: Callable[..., None], slow_search: Callable[[str], threading.Event]
) -> None:
    """A search answer that arrives while the user is still typing would put the old text back in the box:
    it is dropped, and the search for what is typed now draws the list."""
    user = caseworker("en")
    session_login(page.context, user)
    visit(page, "/people/new/")
    gate = slow_search("Chant")
    search = page.locator("#place_q")
    search.press_sequentially("Chant")  # one search, 0.4 s after the last key
    page.wait_for_function("() => document.querySelector('#loading').classList.contains('htmx-request')")
    search.press_sequentially("rea")  # typed while the first answer is on its way
    page.evaluate(
        "() => { window.firstDone = new Promise(done =>"
        " document.body.addEventListener('htmx:afterRequest', done, {once: true})); }"
    )
    gate.set()  # the answer to "Chant" arrives; the search for "Chantrea" waits behind it (hx-sync)
    assert page.evaluate("() => window.firstDone.then(() => document.querySelector('#place_q').value)") == "Chantrea"
    expect(page.locator(".matches label.match").first).to_contain_text("Chantrea")
    expect(search).to_have_value("Chantrea")
    assert_clean(page)


@pytest.mark.parametrize("language", ["en", "km"])
def test_an_in_page_search_with_no_connection_says_so(
    new_page: Callable[..., Page], session_login: Callable[..., None], language: str, live_server: Any
) -> None:
    page = new_page(language=language)
    session_login(page.context, caseworker(language))
    visit(page, "/places/")
    page.context.set_offline(True)
    page.fill("#q", "Svay")
    note = page.locator("#net-status")
    expect(note).to_have_text(t("No connection: nothing could be loaded. Try again when there is a signal.", language))
    page.context.set_offline(False)
    with page.expect_response(lambda r: parse_qs(urlsplit(r.url).query).get("q") == ["Svay R"]):
        page.fill("#q", "Svay R")
    expect(note).to_be_hidden()
    # The request that could not leave, as the browser and htmx report it.
    watcher = watcher_of(page)
    offline = ("ERR_INTERNET_DISCONNECTED", "htmx:sendError", "htmx:afterRequest")
    watcher.problems = [p for p in watcher.problems if not any(word in p for word in offline)]


@pytest.mark.parametrize("language", ["en", "km"])
def test_a_form_shown_again_with_errors_puts_the_focus_on_the_first_field_in_error(
    language: str, new_page: Callable[..., Page], session_login: Callable[..., None]
) -> None:
    page = new_page(language=language)
    session_login(page.context, caseworker(language))
    visit(page, "/people/new/")
    page.fill("#id_name_latin", "Sok Sreymom")
    page.fill("#id_birth_year", "១៩៩០")  # Khmer digits are read as 1990 (issue 10, item 5); the sex is missing

    with page.expect_navigation():
        page.locator("main form > button.primary").click()

    expect(page.locator("#id_sex")).to_be_focused()
    expect(page.locator("#id_birth_year")).to_have_value("១៩៩០")  # nothing typed is lost
    assert page.evaluate("() => document.activeElement.getBoundingClientRect().top") >= 0  # scrolled to it
    assert_clean(page)
