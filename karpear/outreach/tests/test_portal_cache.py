"""The portal's pages answered from memory (core.public_cache; issue 14, "Scale"): a second visitor gets the
page without the view, the database or the templates, yet exactly what the view would have answered — and
never another visitor's form key, a member's page or a stale edit."""

from __future__ import annotations

import gzip
import re

import pytest
from django.core import signing
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from conftest import login, make_org, make_user
from karpear.core.roles import Role
from karpear.outreach.forms import TIMER_SALT
from karpear.outreach.models import HelpRequest, Topic
from karpear.outreach.tests.factories import desk, form_post
from karpear.outreach.tests.test_portal import PUBLIC_PAGES

pytestmark = pytest.mark.django_db

KEY = re.compile(r'name="key" value="([^"]+)"')
STARTED = re.compile(r'name="started" value="([^"]+)"')


@pytest.fixture(autouse=True)
def cached():  # type: ignore[no-untyped-def]
    cache.clear()
    with override_settings(PUBLIC_PAGE_CACHE_SECONDS=60):
        yield
    cache.clear()


def visitor(language: str = "km", gzip_ok: bool = False) -> Client:
    client = Client(HTTP_ACCEPT_ENCODING="gzip" if gzip_ok else "identity")
    client.cookies["karpear_language"] = language
    return client


def text(response) -> str:  # type: ignore[no-untyped-def]
    body = response.content
    return (gzip.decompress(body) if response.get("Content-Encoding") == "gzip" else body).decode()


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_a_second_visitor_is_answered_without_a_query_and_gets_the_same_page_and_headers(
    url: str,
    django_assert_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    first = visitor().get(url)
    with django_assert_num_queries(0):
        second = visitor().get(url)
    assert second.status_code == 200
    strip = (KEY, STARTED)  # the help form's own values differ per visit (below)
    one, two = text(first), text(second)
    for pattern in strip:
        one, two = pattern.sub("", one), pattern.sub("", two)
    assert one == two
    for header in ("Content-Type", "Content-Security-Policy", "Referrer-Policy", "X-Frame-Options"):
        assert second[header] == first[header], header
    assert second["Cache-Control"] == "no-store, private"  # browsers still keep no copy
    assert not second.cookies


def test_khmer_and_english_visitors_each_get_their_own_language() -> None:
    assert 'lang="km"' in text(visitor("km").get("/safe-migration/"))
    assert 'lang="en"' in text(visitor("en").get("/safe-migration/"))
    assert 'lang="km"' in text(visitor("km").get("/safe-migration/"))
    assert 'lang="en"' in text(visitor("en").get("/safe-migration/"))
    assert 'lang="km"' in text(visitor("xx").get("/safe-migration/"))  # an unknown language: Khmer, as the view


def test_compressed_answer_unpacks_to_the_page_also_with_per_visit_values(django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    plain = text(visitor("en").get("/safe-migration/help/"))
    with django_assert_num_queries(0):
        packed = visitor("en", gzip_ok=True).get("/safe-migration/help/")
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    assert len(packed.content) < len(plain.encode()) / 2
    unpacked = gzip.decompress(packed.content).decode()  # a valid gzip member, CRC and length checked
    assert KEY.sub("", STARTED.sub("", unpacked)) == KEY.sub("", STARTED.sub("", plain))
    home = visitor("en", gzip_ok=True).get("/safe-migration/")
    assert 'lang="en"' in gzip.decompress(home.content).decode()


def test_every_visitor_of_the_help_form_gets_a_key_and_start_time_of_their_own_and_both_send(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    desk(make_org("CCPCR"))
    pages = [text(visitor("en", gzip_ok=bool(i % 2)).get("/safe-migration/help/")) for i in range(4)]
    keys = [KEY.search(page).group(1) for page in pages]  # type: ignore[union-attr]
    starts = [STARTED.search(page).group(1) for page in pages]  # type: ignore[union-attr]
    assert len(set(keys)) == 4
    signer = signing.TimestampSigner(salt=TIMER_SALT)
    for start in starts:  # each the time of its own visit (signed to the second), not the kept page's
        signer.unsign(start, max_age=60)
    assert "\x00" not in "".join(pages)
    monkeypatch.setattr("karpear.outreach.forms.MIN_FILL_SECONDS", 0)  # no waiting three seconds in a test
    for key, start in zip(keys[2:], starts[2:], strict=True):  # two visitors answered from memory send theirs
        sent = visitor("en").post(
            "/safe-migration/help/", form_post(started=start, key=key), HTTP_SEC_FETCH_SITE="same-origin"
        )
        assert sent.status_code == 200, text(sent)
        assert "code" in text(sent).lower()
    assert HelpRequest.objects.count() == 2


def test_job_check_answers_are_kept_by_answer_and_other_parameters_are_ignored() -> None:
    warned = "/safe-migration/job-check/?fee=yes&documents_kept=yes"
    calm = "/safe-migration/job-check/?fee=no&documents_kept=no"
    first = text(visitor("en").get(warned))
    assert text(visitor("en").get(calm)) != first
    assert text(visitor("en").get(warned)) == first
    assert text(visitor("en").get(warned + "&utm_source=radio")) == first


def test_an_edit_of_a_topic_shows_at_once() -> None:
    before = text(visitor("en").get("/safe-migration/passport/"))
    topic = Topic.objects.get(slug=Topic.Slug.PASSPORT)
    topic.title_en = "Passports: what changed this week"
    topic.save()
    after = text(visitor("en").get("/safe-migration/passport/"))
    assert "what changed this week" in after and after != before


def test_a_logged_in_member_is_always_answered_by_the_view_and_their_page_is_not_kept() -> None:
    member = make_user(make_org("CARE"), Role.HOTLINE_OFFICER, username="hotline-cache")
    client = Client()
    login(client, member)
    text(visitor("en").get("/safe-migration/"))  # kept for visitors
    with CaptureQueriesContext(connection) as member_queries:
        assert client.get("/safe-migration/").status_code == 200
    assert len(member_queries) > 0  # the view answered (the session, the member), not the visitors' copy
    cache.clear()
    client.get("/safe-migration/")
    with CaptureQueriesContext(connection) as visitor_queries:
        text(visitor("en").get("/safe-migration/"))
    assert len(visitor_queries) > 0  # nothing was kept from the member's visit


def test_a_post_is_never_answered_from_memory() -> None:
    text(visitor("en").get("/safe-migration/status/"))
    answer = visitor("en").post("/safe-migration/status/", {"code": "12"}, HTTP_SEC_FETCH_SITE="same-origin")
    assert answer.status_code == 400  # the view checked the code: too short
    assert "16" in text(answer)


def test_off_when_the_setting_is_zero() -> None:
    with override_settings(PUBLIC_PAGE_CACHE_SECONDS=0):
        visitor().get("/safe-migration/passport/")
        with CaptureQueriesContext(connection) as queries:
            visitor().get("/safe-migration/passport/")
    assert len(queries) > 0
