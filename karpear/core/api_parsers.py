"""The API's JSON parser, with bounds: a body too large answers 413, one nested too deeply 400.

Without them a deeply nested body makes Python's JSON decoder raise RecursionError (a 500), and any size is
read into memory. Karpear's requests are flat records: a few levels and a few kilobytes are plenty.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError

# Strings first (they may hold brackets), then the brackets themselves.
_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


def _depth(text: str) -> int:
    deepest = depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        piece = match.group()
        if piece in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif piece in "]}":
            depth -= 1
    return deepest


class JSONParser(parsers.JSONParser):
    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        limit = settings.API_MAX_BODY_BYTES
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        too_large = _("The request body is too large (at most %(n)s bytes).") % {"n": limit}
        try:
            if declared and int(declared) > limit:
                raise RequestTooLarge(too_large)
        except ValueError as exc:
            raise ParseError(_("The Content-Length header is not a number.")) from exc
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise RequestTooLarge(too_large)
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = body.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(_("The request body is not valid JSON.")) from exc
        if _depth(text) > settings.API_MAX_JSON_DEPTH:
            raise ParseError(_("The JSON is nested too deeply."))
        try:
            return json.loads(text, parse_constant=_no_constant)
        except (ValueError, RecursionError) as exc:
            raise ParseError(_("The request body is not valid JSON.")) from exc


def _no_constant(name: str) -> Any:
    """NaN and Infinity are not JSON (DRF refuses them too)."""
    raise ValueError(f"{name} is not valid JSON")
