"""Public pages answered from memory: the same page for every visitor who has not logged in (issue 14, "Scale").

The safe-migration portal is read by villagers who never log in, sometimes hundreds at once (a radio spot, a
workshop handing out the address). Its pages are the same for every such visitor in a language, so each is
rendered once and then answered from the cache for `KARPEAR_PUBLIC_PAGE_CACHE_SECONDS` (60 by default; 0
turns it off), without the session, login, membership and second-factor middleware, the view, the database
or the templates.

A view opts in with `@public_page(...)`; nothing else is ever cached. The rules that keep one visitor's page
from reaching another:

* Only a GET without a session cookie is looked up or stored (a logged-in member, even on a public page, is
  always answered by the view), and only an answer with status 200 that sets no cookie is stored.
* The key is the path, the host, the visitor's language cookie and only the query parameters the page
  declares (`query=`); a page declares every parameter it reads, and ignores the others.
* A value that must differ per visit (a form's one-time key, its signed start time) is declared with
  `fresh=`: a function returning new values by name. The view reports the values it rendered with
  `per_visit(response, name=value, ...)`; they are stored as markers and replaced by fresh ones on every
  answer from the cache. A page whose reported names differ from the declared ones is not stored.

Editing what a public page shows calls `clear()` (the apps connect it to their models' saves). The cache is
Django's default cache: with several web processes, each keeps its own copy, so another process shows the
edit when its copy expires, within the timeout.
"""

from __future__ import annotations

import hashlib
import html
import re
import struct
import uuid
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.gzip import re_accepts_gzip
from django.urls import Resolver404, resolve
from django.utils.cache import patch_vary_headers

from karpear.core.middleware import COMPRESSIBLE

Handler = Callable[[HttpRequest], HttpResponseBase]
Fresh = Callable[[], dict[str, str]]

VERSION_KEY = "karpear:public-page:version"
MARKER = "\x00karpear-per-visit:{}\x00"  # a NUL byte never occurs in a rendered page
MARKER_PATTERN = re.compile(rb"\x00karpear-per-visit:(\w+)\x00")


@dataclass(frozen=True)
class PublicPage:
    query: frozenset[str]
    fresh: Fresh | None


def public_page(*, query: Iterable[str] = (), fresh: Fresh | None = None) -> Callable[[Any], Any]:
    """Mark a view's GET answer as the same for every visitor without a session (see the module's rules)."""

    def mark(view: Any) -> Any:
        view.public_page = PublicPage(frozenset(query), fresh)
        return view

    return mark


def per_visit(response: HttpResponseBase, **values: str) -> None:
    """Tell the cache which values in this answer are this visit's own (see `fresh=`)."""
    response.public_page_per_visit = values  # type: ignore[attr-defined]


def clear() -> None:
    """Forget every stored public page (of this process's cache; see the module's docstring)."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def _declaration(request: HttpRequest) -> PublicPage | None:
    if request.method != "GET" or settings.SESSION_COOKIE_NAME in request.COOKIES:
        return None
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    declared = getattr(match.func, "public_page", None)
    return declared if isinstance(declared, PublicPage) else None


def _key(request: HttpRequest, page: PublicPage) -> str:
    language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if language not in dict(settings.LANGUAGES):
        language = ""
    query = sorted((name, value) for name in page.query for value in request.GET.getlist(name))
    version = cache.get(VERSION_KEY) or "0"
    parts = [version, language, request.META.get("HTTP_HOST", ""), request.path_info, repr(query)]
    return "karpear:public-page:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # deflate, no name, no time, unknown OS
DEFLATE_END = b"\x03\x00"  # an empty final block


def _deflate(data: bytes) -> bytes:
    """Raw deflate of one part, ended by a full flush: byte-aligned and referring to nothing before it, so
    parts compressed apart join into one valid stream (as pigz joins its blocks)."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)


@dataclass(frozen=True)
class Stored:
    """A stored page: its status, headers and body cut at the per-visit values, each constant part with its
    compressed bytes (compressed once here rather than by the compression middleware on every answer)."""

    status: int
    headers: list[tuple[str, str]]
    parts: list[tuple[bytes, bytes] | str]  # (text, deflated) of a constant part, or the name of a value
    compressible: bool


def _store(response: HttpResponseBase, page: PublicPage) -> Stored | None:
    """What to keep of an answer, or None when it may not be kept."""
    if response.status_code != 200 or response.streaming or response.cookies or not isinstance(response, HttpResponse):
        return None
    body = response.content
    reported: dict[str, str] = getattr(response, "public_page_per_visit", {})
    declared = set(page.fresh().keys()) if page.fresh else set()
    if set(reported) != declared:
        return None
    for name, value in reported.items():
        shown = html.escape(value).encode()
        if not value or shown not in body:
            return None
        body = body.replace(shown, MARKER.format(name).encode())
    headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
    compressible = response.get("Content-Type", "").startswith(COMPRESSIBLE) and len(body) >= 200
    parts: list[tuple[bytes, bytes] | str] = []
    for index, piece in enumerate(MARKER_PATTERN.split(body)):
        if index % 2:
            parts.append(piece.decode())
        elif piece:
            parts.append((piece, _deflate(piece) if compressible else b""))
    return Stored(response.status_code, headers, parts, compressible)


def _replay(stored: Stored, page: PublicPage, request: HttpRequest) -> HttpResponse:
    values = {name: html.escape(value).encode() for name, value in page.fresh().items()} if page.fresh else {}
    texts = [values[part] if isinstance(part, str) else part[0] for part in stored.parts]
    body = b"".join(texts)
    gzipped = stored.compressible and re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", ""))
    if gzipped:
        # A gzip member: the parts' deflated bytes (a per-visit value compressed now), the end block, then
        # the CRC-32 and length of the whole text. The page holds no secret an attacker could guess at by
        # its compressed length: no value of one visit shares a compression window with anything else.
        deflated = [_deflate(values[part]) if isinstance(part, str) else part[1] for part in stored.parts]
        trailer = struct.pack("<II", zlib.crc32(body), len(body) & 0xFFFFFFFF)
        content = GZIP_HEADER + b"".join(deflated) + DEFLATE_END + trailer
    else:
        content = body
    response = HttpResponse(content, status=stored.status)
    for name, value in stored.headers:
        response[name] = value
    if stored.compressible:
        patch_vary_headers(response, ("Accept-Encoding",))
        if gzipped:
            response["Content-Encoding"] = "gzip"
    return response


class PublicPageCacheMiddleware:
    """Answer a public page from the cache, or store it on its way out (see the module's docstring).

    Placed below the compression and Cache-Control middleware and above the session middleware: a stored page
    stays no-store for browsers, and the compression middleware leaves an answer compressed here alone."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        seconds = settings.PUBLIC_PAGE_CACHE_SECONDS
        page = _declaration(request) if seconds > 0 else None
        if page is None:
            return self.get_response(request)
        key = _key(request, page)
        stored = cache.get(key)
        if isinstance(stored, Stored):
            return _replay(stored, page, request)
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if not (user is not None and user.is_authenticated):
            kept = _store(response, page)
            if kept is not None:
                cache.set(key, kept, seconds)
        return response
