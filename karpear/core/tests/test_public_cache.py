"""core.public_cache's rules, one by one: what may be kept, under which key, and that a kept page with
per-visit values is put back together (plain and compressed) with new values every time."""

from __future__ import annotations

import gzip
import html

from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from karpear.core import public_cache
from karpear.core.public_cache import PublicPage

PAGE = PublicPage(frozenset(), None)
FRESH_VALUES = iter(f'<v{n}&"x' for n in range(1000))  # values that need escaping in HTML
FORM = PublicPage(frozenset(), lambda: {"key": next(FRESH_VALUES)})
BODY = "<html>" + "ខ្មែរ text repeated " * 100 + '<input name="key" value="{}">' + "tail " * 50 + "</html>"


def answer(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/html; charset=utf-8")


def test_only_a_plain_200_without_a_cookie_is_kept() -> None:
    assert public_cache._store(answer("page"), PAGE) is not None
    assert public_cache._store(answer("missing", status=404), PAGE) is None
    with_cookie = answer("page")
    with_cookie.set_cookie("karpear_language", "en")
    assert public_cache._store(with_cookie, PAGE) is None


def test_a_page_that_does_not_report_its_per_visit_values_is_not_kept() -> None:
    # Kept as it is, one visitor's form key would be every visitor's.
    assert public_cache._store(answer(BODY.format("abc")), FORM) is None
    wrong_name = answer(BODY.format("abc"))
    public_cache.per_visit(wrong_name, token="abc")
    assert public_cache._store(wrong_name, FORM) is None
    not_in_page = answer(BODY.format("abc"))
    public_cache.per_visit(not_in_page, key="xyz")
    assert public_cache._store(not_in_page, FORM) is None
    # A page that reports values its declaration does not expect is not kept either.
    undeclared = answer(BODY.format("abc"))
    public_cache.per_visit(undeclared, key="abc")
    assert public_cache._store(undeclared, PAGE) is None


def test_a_kept_page_comes_back_with_new_values_plain_and_compressed() -> None:
    first = answer(BODY.format(html.escape('<v-first&"x')))
    public_cache.per_visit(first, key='<v-first&"x')
    stored = public_cache._store(first, FORM)
    assert stored is not None
    seen = set()
    for accept in ("gzip, deflate", "identity", "gzip"):
        request = RequestFactory().get("/", HTTP_ACCEPT_ENCODING=accept)
        response = public_cache._replay(stored, FORM, request)
        body = gzip.decompress(response.content) if response.get("Content-Encoding") == "gzip" else response.content
        assert (response.get("Content-Encoding") == "gzip") == ("gzip" in accept)
        page = body.decode()
        assert page.startswith("<html>") and page.endswith("</html>") and "\x00" not in page
        value = page.split('value="', 1)[1].split('">', 1)[0]
        assert value.startswith("&lt;v") and "&amp;" in value and "&quot;" in value  # escaped, as Django would
        assert page == BODY.format(value)
        seen.add(value)
    assert len(seen) == 3  # a new value each time


def test_a_page_without_per_visit_values_is_compressed_once_and_the_same_for_all() -> None:
    stored = public_cache._store(answer(BODY.format("same")), PAGE)
    assert stored is not None
    request = RequestFactory().get("/", HTTP_ACCEPT_ENCODING="gzip")
    one, two = public_cache._replay(stored, PAGE, request), public_cache._replay(stored, PAGE, request)
    assert one.content == two.content
    assert gzip.decompress(one.content).decode() == BODY.format("same")
    assert "Accept-Encoding" in one["Vary"]


def test_the_key_is_the_page_the_language_and_only_the_declared_parameters() -> None:
    factory = RequestFactory()
    page = PublicPage(frozenset({"fee"}), None)

    def key(url: str, language: str = "km") -> str:
        request = factory.get(url)
        request.COOKIES["karpear_language"] = language
        return public_cache._key(request, page)

    assert key("/a/?fee=yes") == key("/a/?fee=yes&utm_source=radio")
    assert key("/a/?fee=yes") != key("/a/?fee=no")
    assert key("/a/?fee=yes") != key("/b/?fee=yes")
    assert key("/a/", "km") != key("/a/", "en")
    assert key("/a/", "xx") == key("/a/", "")  # an unknown language is no language
    before = key("/a/")
    public_cache.clear()
    assert key("/a/") != before  # clear() makes every kept page unreachable


@override_settings(PUBLIC_PAGE_CACHE_SECONDS=60, SESSION_COOKIE_NAME="sessionid")
def test_a_request_with_a_session_cookie_or_a_post_is_never_looked_up() -> None:
    factory = RequestFactory()
    request = factory.get("/safe-migration/")
    request.COOKIES["sessionid"] = "anything"
    assert public_cache._declaration(request) is None
    assert public_cache._declaration(factory.post("/safe-migration/")) is None
    assert public_cache._declaration(factory.get("/people/")) is None  # a page that did not opt in
