"""What a caseworker does on a phone, in a real browser: log in with a second step, switch language,
register a person with the place picker (with and without script), find them by Khmer name; and a
screenshot of each main page in both languages (e2e/screenshots/, git-ignored) to look at.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import BrowserContext, Page, expect

from conftest import make_org, make_user
from e2e.conftest import PHONE, SCREENSHOTS, assert_clean, log_in_form, totp_code, visit
from karpear.core import services
from karpear.core.demo import load_demo
from karpear.core.models import Commune, Organisation, Person, User, Village
from karpear.core.roles import Role

pytestmark = pytest.mark.django_db(transaction=True)

LANGUAGES = ["en", "km"]


def t(message: str, language: str) -> str:
    """A message as the page shows it in `language` (read from the compiled catalogue)."""
    with translation.override(language):
        return gettext(message)


def khmer(message: str) -> str:
    text = t(message, "km")
    assert text != message, f"the Khmer catalogue has no translation of {message!r}: run `make messages`"
    return text


def submit(page: Page, selector: str = "main form button.primary") -> None:
    with page.expect_navigation():
        page.locator(selector).click()
    assert_clean(page)


def htmx_update(page: Page, path: str, action: Callable[[], Any]) -> None:
    """Do something that makes htmx ask `path`, and wait until the answer is swapped in and settled
    (acting on the page before that would act on elements about to be replaced)."""
    page.evaluate(
        "() => { window.karpearSettled = new Promise(done =>"
        " document.body.addEventListener('htmx:afterSettle', done, {once: true})); }"
    )
    with page.expect_response(lambda r: path in r.url) as response:
        action()
    assert response.value.ok, f"{response.value.url}: HTTP {response.value.status}"
    page.evaluate("() => window.karpearSettled")


def picker_update(page: Page, action: Callable[[], Any]) -> None:
    """Do something that makes htmx re-render the place picker, and wait for the new picker."""
    htmx_update(page, "/places/picker/", action)


def caseworker(language: str = "en", username: str | None = None) -> User:
    organisation = Organisation.objects.filter(short_name="alpha").first() or make_org("alpha")
    user = make_user(organisation, Role.CASEWORKER, username=username)
    user.language = language
    user.save(update_fields=["language"])
    return user


# ---------------------------------------------------------------- 1. log in with a second step
def test_log_in_with_two_factor_enrolment_then_verification(page: Page, live_server: Any) -> None:
    user = caseworker()

    log_in_form(page, user.username)
    assert page.url.startswith(f"{live_server.url}/account/two-factor/")
    expect(page.locator("h1")).to_have_text("Set up the second step")
    expect(page.locator(".qr svg")).to_be_visible()
    secret = page.locator("[data-testid=totp-secret]")
    expect(secret).to_be_hidden()
    page.locator("details summary").click()
    expect(secret).to_be_visible()
    key = secret.inner_text().strip()
    page.fill("#id_otp_token", totp_code(key, user))
    submit(page)

    expect(page.locator("h1")).to_have_text("Backup codes")
    expect(page.locator("ul.codes li")).to_have_count(services.BACKUP_CODE_COUNT)
    with page.expect_navigation():
        page.get_by_role("link", name="I have written them down").click()
    assert page.url == f"{live_server.url}/"
    expect(page.locator("h1")).to_have_text("Home")
    assert_clean(page)

    with page.expect_navigation():
        page.locator("footer button").click()  # Log out
    assert page.url.startswith(f"{live_server.url}/account/login/")
    assert_clean(page)

    log_in_form(page, user.username)
    assert page.url.startswith(f"{live_server.url}/account/two-factor/")
    expect(page.locator("h1")).to_have_text("Second step")
    expect(page.locator("[data-testid=totp-secret]")).to_have_count(0)
    page.fill("#id_otp_token", "000000" if totp_code(key, user) != "000000" else "111111")
    submit(page)
    expect(page.locator(".field .error")).to_have_text("This code is not right or has expired. Please try again.")
    time.sleep(1.2)  # django-otp refuses any code for 1 s after a wrong one
    page.fill("#id_otp_token", totp_code(key, user))
    submit(page)
    assert page.url == f"{live_server.url}/"
    expect(page.locator("h1")).to_have_text("Home")


# ---------------------------------------------------------------- 2. switch language
def test_switch_language_and_it_is_remembered_on_the_user(new_page: Callable[..., Page], live_server: Any) -> None:
    user = caseworker("en")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    key = base64.b32encode(device.bin_key).decode()
    people_km = khmer("People")

    def log_in(page: Page) -> None:
        log_in_form(page, user.username)
        page.fill("#id_otp_token", totp_code(key, user))
        submit(page)

    page = new_page()
    log_in(page)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("nav.nav a").nth(1)).to_have_text("People")

    with page.expect_navigation():
        page.locator("header form.lang button").click()
    assert_clean(page)
    assert page.url == f"{live_server.url}/"
    expect(page.locator("html")).to_have_attribute("lang", "km")
    expect(page.locator("nav.nav a").nth(1)).to_have_text(people_km)
    expect(page.locator("header form.lang button")).to_have_text("English")
    user.refresh_from_db()
    assert user.language == "km"

    with page.expect_navigation():
        page.locator("footer button").click()
    expect(page.locator("html")).to_have_attribute("lang", "km")  # the login page, still in Khmer
    assert_clean(page)

    # Another phone, no cookie, an English browser: the user's choice comes back at login.
    other = new_page()
    visit(other, "/account/login/")
    expect(other.locator("html")).to_have_attribute("lang", "en")
    log_in(other)
    assert other.url == f"{live_server.url}/"
    expect(other.locator("html")).to_have_attribute("lang", "km")
    expect(other.locator("nav.nav a").nth(1)).to_have_text(people_km)

    with other.expect_navigation():
        other.locator("header form.lang button").click()
    expect(other.locator("html")).to_have_attribute("lang", "en")
    expect(other.locator("nav.nav a").nth(1)).to_have_text("People")
    user.refresh_from_db()
    assert user.language == "en"


# ---------------------------------------------------------------- 3. register a person with the place picker
def _chantrea() -> tuple[Commune, Village]:
    commune = Commune.objects.select_related("district", "province").get(name_en="Chantrea")
    village = commune.villages.order_by("code", "id").first()
    assert village is not None
    return commune, village


def _check_saved(page: Page, language: str, name_km: str, commune: Commune, village: Village) -> None:
    person = Person.objects.get()
    assert (person.province_id, person.district_id, person.commune_id, person.village_id) == (
        commune.province_id,
        commune.district_id,
        commune.code,
        village.pk,
    )
    expect(page.locator("h1")).to_contain_text(person.case_number)
    expect(page.locator(".messages")).to_contain_text(person.case_number)
    attr = "name_km" if language == "km" else "name_en"
    place = ", ".join(getattr(p, attr) for p in (village, commune, commune.district, commune.province))
    place_label = t("Place", language)
    expect(page.locator(f"dl.facts dt:text-is('{place_label}') + dd")).to_have_text(place)
    expect(page.locator(".identity dd[lang=km]").first).to_have_text(name_km)


@pytest.mark.parametrize("language", LANGUAGES)
def test_register_a_person_with_the_place_picker(
    new_page: Callable[..., Page], session_login: Callable[..., None], language: str, live_server: Any
) -> None:
    user = caseworker(language)
    commune, village = _chantrea()
    page = new_page(language=language)
    session_login(page.context, user)

    visit(page, "/")
    with page.expect_navigation():
        page.locator("nav.nav a[href='/people/new/']").click()  # Register
    assert_clean(page)
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.fill("#id_name_km", "សុខ ស្រីមុំ")
    page.fill("#id_name_latin", "Sok Sreymom")
    page.select_option("#id_sex", "female")
    page.fill("#id_birth_year", "1998")

    search = page.locator("#place_q")
    expect(page.locator("label[for=place_q]")).to_have_text(t("Find a place by name", language))
    query = "ចន្ទ្រា" if language == "km" else "Chantrea"
    picker_update(page, lambda: search.press_sequentially(query))
    assert page.locator("#place_q").input_value() == query
    radio = f"input[type=radio][value='c:{commune.code}']"
    match = page.locator(f".matches {radio}")
    expect(match).to_have_count(1)
    label = commune.name_km if language == "km" else commune.name_en
    expect(page.locator(".matches label.match", has=page.locator(radio))).to_contain_text(label)
    picker_update(page, match.check)

    expect(page.locator("#id_province")).to_have_value(commune.province_id)
    expect(page.locator("#id_district")).to_have_value(commune.district_id)
    expect(page.locator("#id_commune")).to_have_value(commune.code)
    expect(page.locator("#id_village")).to_be_enabled()
    picker_update(page, lambda: page.select_option("#id_village", str(village.pk)))
    expect(page.locator("#id_village")).to_have_value(str(village.pk))
    # What was typed before the picker changed is still there.
    expect(page.locator("#id_name_km")).to_have_value("សុខ ស្រីមុំ")
    assert_clean(page)

    submit(page, "main form > button.primary")
    assert "/people/" in page.url and page.url.rstrip("/").count("/") == 4
    _check_saved(page, language, "សុខ ស្រីមុំ", commune, village)


@pytest.mark.parametrize("language", LANGUAGES)
def test_register_a_person_without_script(
    new_page: Callable[..., Page], session_login: Callable[..., None], language: str
) -> None:
    user = caseworker(language)
    commune, village = _chantrea()
    page = new_page(language=language, java_script_enabled=False)
    session_login(page.context, user)

    visit(page, "/people/new/")
    page.fill("#id_name_km", "ចាន់ សុភា")
    page.select_option("#id_sex", "female")
    page.fill("#id_birth_year", "2001")
    refresh = page.locator("button[name=_place_refresh]")
    expect(refresh).to_have_text(t("Show the places", language))
    expect(page.locator("#id_district")).to_be_disabled()

    page.select_option("#id_province", commune.province_id)
    submit(page, "button[name=_place_refresh]")
    expect(page.locator("#id_name_km")).to_have_value("ចាន់ សុភា")  # kept across the round trip
    expect(page.locator(".error")).to_have_count(0)  # refreshing the places validates nothing
    page.select_option("#id_district", commune.district_id)
    submit(page, "button[name=_place_refresh]")
    page.select_option("#id_commune", commune.code)
    submit(page, "button[name=_place_refresh]")
    page.select_option("#id_village", str(village.pk))
    submit(page, "main form > button.primary")

    _check_saved(page, language, "ចាន់ សុភា", commune, village)


def test_find_a_place_by_name_without_script(new_page: Callable[..., Page], session_login: Callable[..., None]) -> None:
    commune, _village = _chantrea()
    user = caseworker("km")
    page = new_page(language="km", java_script_enabled=False)
    session_login(page.context, user)

    visit(page, "/people/new/")
    page.fill("#place_q", "ចន្ទ្រា")
    submit(page, "button[name=_place_refresh]")
    page.locator(f".matches input[value='c:{commune.code}']").check()
    submit(page, "button[name=_place_refresh]")
    expect(page.locator("#id_commune")).to_have_value(commune.code)
    expect(page.locator("#id_district")).to_have_value(commune.district_id)


# ---------------------------------------------------------------- 4. find people by Khmer name, and export them
def test_find_a_person_by_khmer_name(page: Page, session_login: Callable[..., None], live_server: Any) -> None:
    user = caseworker()
    _commune, village = _chantrea()
    place = services.resolve_place(village=village.pk)
    sreymom = services.person_create(
        actor=user,
        data=services.PersonInput(
            sex="female", birth_year=1998, place=place, name_km="សុខ ស្រីមុំ", name_latin="Sok Sreymom"
        ),
    )
    other = services.person_create(
        actor=user,
        data=services.PersonInput(sex="male", birth_year=1990, place=place, name_km="ចាន់ ដារ៉ា", name_latin="Chan Dara"),
    )
    session_login(page.context, user)
    visit(page, "/people/")
    results = page.locator("#results")
    expect(results).to_contain_text(sreymom.case_number)
    expect(results).to_contain_text(other.case_number)

    for query in ("ស្រីមុំ", "សុខស្រីមុំ", "សុខ ស្រីមុំ", "sreymom"):
        htmx_update(page, "/people/?q=", lambda query=query: page.fill("#q", query))
        expect(results).to_contain_text(sreymom.case_number)
        expect(results).not_to_contain_text(other.case_number)
        expect(page.locator("#results a")).to_have_count(1)
        assert "q=" in page.url  # the search is in the address, for the back button
    assert_clean(page)

    htmx_update(page, "/people/?q=", lambda: page.fill("#q", "ស្រីនាង"))
    expect(results.locator(".empty")).to_have_text("Nobody matches this search in what you may see.")
    assert_clean(page)

    # Back: the previous search comes back as a whole page, not as the bare results.
    page.go_back()
    expect(page.locator("#results a")).to_have_count(1)
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_have_text("People")
    expect(page.locator("nav.nav")).to_be_visible()
    expect(page.locator("#q")).to_have_value("sreymom")
    assert_clean(page)

    # Export what was found: the button sends the search in force to the export page.
    with page.expect_navigation():
        page.get_by_role("button", name="Export to Excel").click()
    assert_clean(page)
    expect(page.locator("h1")).to_have_text("Export of people")
    expect(page.locator("#id_q")).to_have_value("sreymom")
    submit(page)
    expect(page.get_by_role("link", name="Download")).to_be_visible()


# ---------------------------------------------------------------- 5. screenshots of the main pages
KHMER_FONT_LOADED = """() => document.fonts.ready.then(() =>
    [...document.fonts].some(f => f.family.replace(/"/g, '') === 'Noto Sans Khmer' && f.status === 'loaded'))"""
PAGE_WIDTH = "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
# Elements wider than their box on a phone: clipped or overflowing text.
OVERFLOWING = """() => [...document.querySelectorAll('main *, header *, nav *, footer *')]
    .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && (r.right > window.innerWidth + 1 || r.left < -1); })
    .filter(e => !e.closest('.nav'))  /* the nav scrolls sideways by design */
    .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + ': ' + (e.textContent || '').trim().slice(0, 40))"""


def _shoot(page: Page, name: str, language: str, path: str, problems: list[str]) -> None:
    visit(page, path)
    expect(page.locator("html")).to_have_attribute("lang", language)
    # The stylesheet is applied: the header has the brand colour.
    background = page.locator("header.top").evaluate("e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(11, 94, 85)", f"{name}: the stylesheet is not applied ({background})"
    if language == "km":
        assert page.evaluate(KHMER_FONT_LOADED), f"{name}: the Khmer web font did not load"
    else:
        page.evaluate("() => document.fonts.ready")
    width = page.evaluate(PAGE_WIDTH)
    if width > PHONE["width"]:
        problems.append(f"{name}-{language}: the page is {width}px wide on a {PHONE['width']}px phone")
    if overflowing := page.evaluate(OVERFLOWING):
        problems.append(f"{name}-{language}: beyond the screen: {overflowing[:5]}")
    page.screenshot(path=SCREENSHOTS / f"{name}-{language}.png", full_page=True)


@pytest.mark.parametrize("language", LANGUAGES)
def test_screenshots_of_the_main_pages(
    new_context: Callable[..., BrowserContext],
    new_page: Callable[..., Page],
    session_login: Callable[..., None],
    language: str,
) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    load_demo()
    worker = User.objects.get(username="caseworker")
    person = Person.objects.filter(created_by=worker).order_by("case_number").first()
    assert person is not None
    problems: list[str] = []

    page = new_page(language=language)
    _shoot(page, "login", language, "/account/login/", problems)
    session_login(page.context, worker)
    query = "ស្វាយ" if language == "km" else "Svay"
    for name, path in (
        ("home", "/"),
        ("people", "/people/"),
        ("people-filtered", "/people/?status=open&registered_from=01/01/2026"),
        ("register", "/people/new/?place_q=" + query),
        ("person", f"/people/{person.uuid}/"),
        ("export", "/people/export/"),
        ("programmes", "/programmes/"),
        ("places", "/places/?q=" + query),
    ):
        _shoot(page, name, language, path, problems)

    # The role names as the footer shows them: MoSVY's words in Khmer (docs/glossary-km.md, decision 1).
    expect(page.locator("footer")).to_contain_text(t("Caseworker", language))
    if language == "km":  # the caseworker of Primero and MoSVY's forms, not Primero's case manager
        expect(page.locator("footer")).to_contain_text("អ្នកកាន់ករណី")
    supervisor = User.objects.get(username="supervisor")
    supervising = new_page(language=language)
    session_login(supervising.context, supervisor)
    for name, path in (("home", "/"), ("people", "/people/")):
        _shoot(supervising, f"{name}-supervisor", language, path, problems)
    expect(supervising.locator("footer")).to_contain_text(t("Case supervisor", language))
    if language == "km":
        expect(supervising.locator("footer")).to_contain_text("អ្នកត្រួតពិនិត្យករណី")
    _shoot(supervising, "about", language, "/about/", problems)

    newcomer = caseworker(language, username=f"newcomer-{language}")
    enrol = new_page(language=language)
    session_login(enrol.context, newcomer, verified=False)
    _shoot(enrol, "two-factor-enrol", language, "/account/two-factor/", problems)
    assert not problems, "\n".join(problems)
