"""The foundation as field staff meet it on a phone (issue 10): a form sent after the idle timeout comes back
after the next login (item 1), screen readers find the help and errors a field names (item 14), pages and API
answers are compressed and the login page loads no htmx (item 15). The browser side: e2e/test_field_phone.py."""

from __future__ import annotations

import gzip
import time
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.utils.translation import gettext, override

from conftest import login
from karpear.core.middleware import SESSION_SEEN_KEY, idle_minutes_message
from karpear.core.models import Person
from karpear.core.tests.factories import form_data, register

pytestmark = pytest.mark.django_db

PASSWORD = "pw-123456789"
COMES_BACK = (
    "What you typed before you were logged out is back in the form, from this phone. Nothing of it was saved yet: "
    "check it and press Save."
)


def idle(client: Client, minutes: int = 31) -> None:
    session = client.session
    session[SESSION_SEEN_KEY] = int(time.time()) - minutes * 60
    session.save()


# ---------------------------------------------------------------- item 1: the idle timeout
def test_a_form_sent_after_the_idle_timeout_saves_nothing_and_comes_back_after_the_next_login(client, settings, users):
    settings.SESSION_IDLE_MINUTES = 30
    volunteer = users["volunteer"]
    login(client, volunteer)
    idle(client)

    sent = client.post(
        "/people/new/",
        form_data(_draft="person", name_latin="Sok Sreymom"),
        HTTP_REFERER="http://testserver/people/new/",
    )

    assert (sent.status_code, sent["Location"]) == (302, "/account/login/?next=%2Fpeople%2Fnew%2F")
    assert Person.objects.count() == 0
    login_page = client.get(sent["Location"]).content.decode()
    assert (
        "You were logged out after 30 minutes without activity, so what you sent was not saved. What you typed is "
        "kept on this phone: log in again and it comes back in the form."
    ) in login_page
    assert 'name="next" value="/people/new/"' in login_page

    logged_in = client.post(
        "/account/login/", {"username": volunteer.username, "password": PASSWORD, "next": "/people/new/"}
    )
    assert (logged_in.status_code, logged_in["Location"]) == (302, "/people/new/")
    form = client.get("/people/new/").content.decode()
    with override(volunteer.language):
        assert gettext(COMES_BACK) in form
    assert COMES_BACK not in client.get("/people/new/").content.decode()  # said once


def test_a_consent_sent_after_the_idle_timeout_returns_to_the_person_page_that_holds_the_form(client, settings, users):
    settings.SESSION_IDLE_MINUTES = 30
    person = register(users["volunteer"])
    login(client, users["caseworker"])
    idle(client)

    sent = client.post(
        f"/people/{person.uuid}/consents/",
        {"_draft": f"consent:{person.uuid}", "purpose": "case_management"},
        HTTP_REFERER=f"http://testserver/people/{person.uuid}/",
    )

    assert sent["Location"] == f"/account/login/?next=%2Fpeople%2F{person.uuid}%2F"


def test_a_page_opened_after_the_idle_timeout_says_why_the_login_is_asked_in_khmer(client, settings, users):
    settings.SESSION_IDLE_MINUTES = 30
    login(client, users["volunteer"])
    client.cookies["karpear_language"] = "km"
    idle(client)

    page = client.get("/people/", follow=True).content.decode()

    with override("km"):
        said = idle_minutes_message(30, form=False)
    assert "៣០" in said and "You were logged out" not in said  # Khmer words, Khmer digits
    assert said in page


def test_an_in_page_request_after_the_idle_timeout_sends_the_whole_page_to_the_login(client, settings, users):
    settings.SESSION_IDLE_MINUTES = 30
    login(client, users["volunteer"])
    idle(client)

    answer = client.get(
        "/places/picker/?province=20",
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/people/new/",
    )

    assert answer.status_code == 204  # nothing drawn inside the picker
    assert answer["HX-Redirect"] == "/account/login/?next=%2Fpeople%2Fnew%2F"


def test_the_way_back_after_the_idle_timeout_never_leaves_the_site(client, settings, users):
    settings.SESSION_IDLE_MINUTES = 30
    login(client, users["volunteer"])
    idle(client)

    sent = client.post("/people/new/", form_data(_draft="person"), HTTP_REFERER="https://evil.example/people/new/")

    assert sent["Location"] == "/account/login/"


def test_after_the_password_a_second_factor_leads_back_to_the_page_asked_for(client, users):
    caseworker = users["caseworker"]
    client.post("/account/login/", {"username": caseworker.username, "password": PASSWORD})

    assert client.get("/people/new/")["Location"] == "/account/two-factor/?next=%2Fpeople%2Fnew%2F"


# ---------------------------------------------------------------- item 14: aria-describedby
class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.described: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        for ref in (values.get("aria-describedby") or "").split():
            self.described.append((f"<{tag} name={values.get('name')}>", ref))


def dangling_descriptions(html: str) -> list[tuple[str, str]]:
    parser = _Ids()
    parser.feed(html)
    return [(element, ref) for element, ref in parser.described if ref not in parser.ids]


def test_every_aria_describedby_names_an_id_the_page_renders(client, users):
    """Each form with help texts, shown blank and shown back with its errors: every id an input names in
    aria-describedby is on the page, so a screen reader reads the help and the error with the field."""
    person = register(users["caseworker"])
    pages: list[tuple[Client, str, dict[str, str] | None]] = []
    anonymous = Client()
    pages += [(anonymous, "/account/login/", None), (anonymous, "/account/login/", {"username": "x"})]
    caseworker = login(Client(), users["caseworker"])
    for path in ("/people/new/", f"/people/{person.uuid}/edit/", f"/people/{person.uuid}/refer/"):
        pages += [(caseworker, path, None), (caseworker, path, {"birth_year": "nineteen"})]
    pages += [
        (caseworker, f"/people/{person.uuid}/", None),
        (caseworker, f"/people/{person.uuid}/consents/", {"purpose": "nonsense"}),
        (caseworker, "/people/?birth_year_from=abc", None),
        (caseworker, "/account/password/", None),
        (caseworker, "/account/password/", {"old_password": "wrong"}),
    ]
    admin = login(Client(), users["org_admin"])
    pages += [(admin, "/members/new/", None), (admin, "/members/new/", {"username": ""})]

    described = 0
    for browser, path, data in pages:
        response = browser.get(path) if data is None else browser.post(path, data)
        html = response.content.decode()
        assert response.status_code in (200, 400), (path, response.status_code)
        assert dangling_descriptions(html) == [], path
        described += html.count("aria-describedby=")
    assert described > 10  # the check looked at fields that have help or errors


# ---------------------------------------------------------------- item 15: compressed answers, no htmx at login
def test_pages_and_api_answers_are_gzipped_for_a_browser_that_accepts_it(client, users):
    login(client, users["caseworker"])
    register(users["caseworker"])

    page = client.get("/people/new/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    api = client.get("/api/v1/people/", HTTP_ACCEPT_ENCODING="gzip")
    plain = client.get("/people/new/")

    assert page["Content-Encoding"] == "gzip" and "Accept-Encoding" in page["Vary"]
    html = gzip.decompress(page.content).decode()
    assert "</html>" in html
    assert len(page.content) < len(plain.content) / 2, (len(page.content), len(plain.content))
    assert "Content-Encoding" not in plain
    assert api["Content-Type"].startswith("application/json") and api["Content-Encoding"] == "gzip"
    assert gzip.decompress(api.content).startswith(b"{")
    assert page["Cache-Control"] == "no-store, private"  # still never kept by a shared browser


def test_the_service_worker_is_not_compressed_twice(client):
    answer = client.get("/sw.js", HTTP_ACCEPT_ENCODING="gzip")

    assert answer["Content-Encoding"] == "gzip"
    assert gzip.decompress(answer.content).startswith(b"/*!")


def test_the_login_page_loads_no_htmx_and_other_pages_do(client, users):
    login_page = client.get("/account/login/").content.decode()
    login(client, users["volunteer"])
    home = client.get("/").content.decode()

    assert "htmx" not in login_page.replace("htmx-indicator", "").replace("htmx-config", "")
    assert '<script src="/static/vendor/htmx.min.js" defer></script>' in home
    assert '<script src="/static/js/ui.min.js" defer></script>' in home
