"""Browser journeys: a live Django server and Debian's headless chromium, driven by Playwright's sync API.

Run with `make e2e` (`pytest -q -p no:xdist e2e`). The browser is /usr/bin/chromium (`make browser`);
Playwright never downloads one here.

Every page gets a phone's viewport (360 x 780). A watcher records failed requests, responses of 400 and
above, console errors (a Content-Security-Policy violation is one) and uncaught script errors; each test
asserts there are none after its visits, and the page fixture asserts it once more at teardown.

The gazetteer is loaded by a data migration, and a live-server test must use a transactional database,
which pytest-django flushes after each test: the flush empties the place tables too. `serialized_rollback`
would restore them, but it reloads the whole database object by object (about 20 s a test); instead the
places are read once per session and written back (COPY on PostgreSQL, one `executemany` per table on
SQLite: about half a second) whenever a test starts with the tables empty, and once more at the end of the
session so a kept (`--reuse-db`) database still holds them.

e2e/ is a package so that this module is `e2e.conftest` and `from conftest import make_user` still finds
the root conftest.
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls from a thread with
# a running loop unless told this is safe (it is: the loop only drives the browser).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest
from django.core.management.color import no_style
from django.db import connection, transaction
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Request, Response, sync_playwright

from e2e.chromium import CHROMIUM, CHROMIUM_ARGS, PHONE
from karpear.core.models import Commune, District, Province, User, Village

PASSWORD = "pw-123456789"  # the password make_user (root conftest.py) gives every user
LANGUAGE_COOKIE = "karpear_language"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
PLACE_MODELS = (Province, District, Commune, Village)  # parents first
type PlaceRows = dict[type, tuple[list[str], list[tuple[Any, ...]]]]  # model -> (columns, rows)
# The browser asks for /favicon.ico by itself on a page without an icon link (the error pages).
IGNORED_FAILURES = ("/favicon.ico",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


# ---------------------------------------------------------------- the gazetteer across flushes
@pytest.fixture(scope="session")
def _gazetteer_rows(django_db_setup: None, django_db_blocker: Any) -> Iterator[PlaceRows]:
    """Every place row of the freshly migrated test database, read once."""
    rows: PlaceRows = {}
    with django_db_blocker.unblock():
        for model in PLACE_MODELS:
            columns = [f.column for f in model._meta.concrete_fields]
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
                rows[model] = (columns, cursor.fetchall())
    assert rows[Village][1], "the test database has no villages: migration 0002 did not load the gazetteer"
    yield rows
    with django_db_blocker.unblock():
        _restore_places(rows)  # for a database kept with --reuse-db


def _restore_places(rows: PlaceRows) -> None:
    if Province.objects.exists():
        return
    qn = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        for model in PLACE_MODELS:
            columns, values = rows[model]
            table, names = qn(model._meta.db_table), ", ".join(map(qn, columns))
            if connection.vendor == "postgresql":  # COPY: one round trip instead of one per row
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in values:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", values)  # noqa: S608
        for sql in connection.ops.sequence_reset_sql(no_style(), [Village]):  # PostgreSQL: ids go on after ours
            cursor.execute(sql)


@pytest.fixture(autouse=True)
def gazetteer(request: pytest.FixtureRequest, _gazetteer_rows: PlaceRows) -> None:
    """The places, present in the live server however many flushes came before."""
    if "live_server" in request.fixturenames:
        request.getfixturevalue("transactional_db")
        _restore_places(_gazetteer_rows)


# ---------------------------------------------------------------- the browser
@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    for _ in range(60):  # another process may be installing it right now
        if CHROMIUM.exists():
            break
        time.sleep(5)
    else:
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium fonts-khmeros)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@dataclass
class Watcher:
    """What went wrong in a page: failed requests, error responses, console and script errors."""

    problems: list[str] = field(default_factory=list)
    downloads: set[str] = field(default_factory=set)

    def attach(self, page: Page) -> None:
        page.on("download", lambda download: self.downloads.add(download.url))
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"script error on {page.url}: {error}"))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        url = message.location.get("url", "")
        if message.type == "error" and not url.endswith(IGNORED_FAILURES):
            self.problems.append(
                f"console error: {message.text} ({url}) on {message.page.url if message.page else '?'}"
            )

    def _failed(self, request: Request) -> None:
        # The browser drops the icon's download when the page is left at once (a form sent quickly).
        dropped_icon = "favicon" in request.url and request.failure == "net::ERR_ABORTED"
        if not (request.url.endswith(IGNORED_FAILURES) or dropped_icon):
            self.problems.append(f"request failed: {request.method} {request.url}: {request.failure}")

    def _response(self, response: Response) -> None:
        if response.status >= 400 and not response.url.endswith(IGNORED_FAILURES):
            self.problems.append(f"HTTP {response.status}: {response.request.method} {response.url}")

    def remaining(self) -> list[str]:
        """The problems, but for the navigations Chromium turned into downloads, which it reports as aborted:
        those are the downloads, not faults."""
        aborted = {f"request failed: GET {url}: net::ERR_ABORTED" for url in self.downloads}
        return [problem for problem in self.problems if problem not in aborted]

    def assert_clean(self, where: str = "") -> None:
        problems, self.problems = self.remaining(), []
        assert not problems, f"{where}: " + "\n".join(problems)


_WATCHERS: dict[int, Watcher] = {}


def watcher_of(page: Page) -> Watcher:
    return _WATCHERS[id(page)]


def assert_clean(page: Page, where: str = "") -> None:
    """No failed request, error response, console or script error since the last check."""
    page.wait_for_load_state("load")
    watcher_of(page).assert_clean(where or page.url)


def visit(page: Page, path: str) -> Response | None:
    """Open a path of the live server and check the page and everything it loaded."""
    response = page.goto(path)
    assert response is not None and response.ok, f"{path}: HTTP {response.status if response else '?'}"
    assert_clean(page, path)
    return response


@pytest.fixture
def new_context(browser: Browser, live_server: Any) -> Iterator[Callable[..., BrowserContext]]:
    """Make a phone-sized browser context on the live server; `language` sets the language cookie."""
    contexts: list[BrowserContext] = []

    def make(language: str | None = None, **options: Any) -> BrowserContext:
        options.setdefault("viewport", PHONE)
        options.setdefault("locale", "en-GB")
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(10_000)
        if language:
            context.add_cookies([{"name": LANGUAGE_COOKIE, "value": language, "url": live_server.url}])
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def new_page(new_context: Callable[..., BrowserContext]) -> Iterator[Callable[..., Page]]:
    """Make a watched page in a context of its own (see new_context for the options)."""
    pages: list[Page] = []

    def make(**options: Any) -> Page:
        page = new_context(**options).new_page()
        watcher = Watcher()
        watcher.attach(page)
        _WATCHERS[id(page)] = watcher
        pages.append(page)
        return page

    yield make
    leftovers = []
    for page in pages:
        watcher = _WATCHERS.pop(id(page))
        leftovers.extend(watcher.remaining())
    assert not leftovers, "\n".join(leftovers)


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    """A watched phone-sized page (360 x 780) in English."""
    return new_page()


# ---------------------------------------------------------------- logging in
@pytest.fixture
def session_login(live_server: Any) -> Callable[..., None]:
    """Give a browser context a logged-in session without the login form.

    `verified=True` also passes the second factor (with a backup device) for roles that need it.
    """
    from conftest import login  # the root conftest: force_login plus a verified backup device

    def log_in(context: BrowserContext, user: User, *, verified: bool = True) -> None:
        client = Client()
        if verified:
            login(client, user)
        else:
            client.force_login(user)
        cookie = {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}
        context.add_cookies([cookie])

    return log_in


def totp_code(secret_b32: str, user: User) -> str:
    """The authenticator's current code for a base32 key, one the server has not accepted yet."""
    totp = TOTP(base64.b32decode(secret_b32), step=30, digits=6)
    step = totp.t()
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()
    if device is not None and device.last_t >= step:
        # This step's code was used already (replay protection); the next step's is accepted too.
        step = device.last_t + 1
        if step > totp.t() + 1:  # only after two logins within one 30 s window
            time.sleep(30 - time.time() % 30 + 0.5)
    totp.time = step * 30 + 1
    return f"{totp.token():06d}"


def log_in_form(page: Page, username: str, password: str = PASSWORD) -> None:
    """Fill and send the login form."""
    visit(page, "/account/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.locator("main form button.primary").click()
