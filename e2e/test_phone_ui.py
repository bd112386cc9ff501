"""A phone's screen (issue 10, items 2 and 13), in chromium at 360 px: every tap target on the main pages is at
least 44 px high in Khmer and English; in the place picker a late answer to an earlier search never undoes
a pick and a loading state shows while an answer is awaited; with no connection an in-page request says so."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from conftest import make_org, make_user
from e2e.conftest import assert_clean, visit, watcher_of
from e2e.test_journeys import picker_update, t
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

    assert {path: small for path, small in problems.items() if small} == {}


def _chantrea() -> Commune:
    return Commune.objects.filter(name_en__icontains="Chantrea").order_by("code").first()


def test_a_late_answer_to_an_earlier_search_never_undoes_a_pick(page: Page, session_login: Callable[..., None]) -> None:
    """On a slow link: the volunteer types, sees matches, types on (that search's answer is slow), then taps a
    match. The pick is answered; the slow answer must not redraw the picker back to a list without it."""
    user = caseworker("en")
    session_login(page.context, user)
    visit(page, "/people/new/")
    commune = _chantrea()
    search = page.locator("#place_q")
    picker_update(page, lambda: search.press_sequentially("Chantrea"))
    match = page.locator(f".matches input[type=radio][value='c:{commune.code}']")
    expect(match).to_have_count(1)

    held: list[Route] = []

    def hold_searches(route: Route) -> None:
        if "place_q=Chantrea+" in route.request.url or "place_q=Chantrea%20" in route.request.url:
            held.append(route)  # answered only later, after the pick
        else:
            route.continue_()

    page.route("**/places/picker/**", hold_searches)
    search.press_sequentially(" x")
    page.wait_for_function("() => document.querySelector('#loading').classList.contains('htmx-request')")
    expect(page.locator("#loading")).to_be_visible()  # the loading state, while the answer is awaited
    assert held, "the slower search was not sent"

    picker_update(page, match.check)  # the tap; hx-sync drops the search still waiting
    expect(page.locator("#id_commune")).to_have_value(commune.code)
    expect(page.locator("#loading")).to_be_hidden()
    for route in held:
        # The late answer arrives now, unless the browser dropped its request already (hx-sync).
        with contextlib.suppress(Exception):
            route.continue_()
    page.wait_for_timeout(1500)

    expect(page.locator("#id_province")).to_have_value(commune.province_id)
    expect(page.locator("#id_commune")).to_have_value(commune.code)
    expect(page.locator(".matches")).to_have_count(0)
    # The dropped search is the only request that did not finish.
    watcher = watcher_of(page)
    watcher.problems = [p for p in watcher.problems if not ("/places/picker/" in p and "ERR_ABORTED" in p)]
    assert_clean(page)


def test_an_answer_the_user_typed_past_is_not_drawn(page: Page, session_login: Callable[..., None]) -> None:
    """A search answer that arrives while the user is still typing would put the old text back in the box:
    it is dropped, and the search for what is typed now draws the list."""
    user = caseworker("en")
    session_login(page.context, user)
    visit(page, "/people/new/")
    held: list[Route] = []
    page.route("**/places/picker/**", held.append)
    search = page.locator("#place_q")
    search.press_sequentially("Chant")
    page.wait_for_function("() => document.querySelector('#loading').classList.contains('htmx-request')")
    search.press_sequentially("rea")  # typed while the first answer is on its way
    page.unroute("**/places/picker/**")
    page.evaluate(
        "() => { window.firstDone = new Promise(done =>"
        " document.body.addEventListener('htmx:afterRequest', done, {once: true})); }"
    )
    held[0].continue_()  # the answer to "Chant" arrives before the search for "Chantrea" leaves
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
    with page.expect_response(lambda r: "/places/" in r.url and "q=Svay+R" in r.url):
        page.fill("#q", "Svay R")
    expect(note).to_be_hidden()
    watcher = watcher_of(page)
    watcher.problems = [p for p in watcher.problems if "ERR_INTERNET_DISCONNECTED" not in p]
