"""API errors as one JSON shape: {"message": ..., "fields": {field: [messages]}} (STYLE §11).

DRF's views answer through `exception_handler`; what happens before or outside them under /api/ (an
unknown path, a body Django refuses, an unhandled error) goes through the JSON handlers below, which
karpear/urls.py installs as Django's handler400/404/500. Pages keep their HTML error pages.
"""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from karpear.core.api_parsers import RequestTooLarge
from karpear.core.templatetags.karpear import local_digits


def retry_message(seconds: int) -> str:
    """ "Try again in N seconds/minutes", in the user's language."""
    if seconds < 120:
        return ngettext(
            "Too many requests. Please try again in %(n)s second.",
            "Too many requests. Please try again in %(n)s seconds.",
            seconds,
        ) % {"n": local_digits(seconds)}
    minutes = math.ceil(seconds / 60)
    return ngettext(
        "Too many requests. Please try again in %(n)s minute.",
        "Too many requests. Please try again in %(n)s minutes.",
        minutes,
    ) % {"n": local_digits(minutes)}


def flat_fields(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's errors of nested input (`{"rows": {"0": {"number": [...]}}}` or a list with one entry per row)
    as the one error body's flat `fields`, the path dotted: `{"rows.0.number": [...]}`."""
    if isinstance(errors, dict):
        items: list[tuple[str, Any]] = [(str(key), value) for key, value in errors.items()]
    elif isinstance(errors, list) and any(isinstance(item, (dict, list)) for item in errors):
        items = [(str(index), value) for index, value in enumerate(errors)]
    else:
        messages = errors if isinstance(errors, list) else [errors]
        return {prefix or "non_field_errors": [str(message) for message in messages]}
    flat: dict[str, list[str]] = {}
    for key, value in items:
        if value in ({}, [], None):
            continue  # a row without errors
        for name, messages in flat_fields(value, f"{prefix}.{key}" if prefix else key).items():
            flat.setdefault(name, []).extend(messages)
    return flat


def not_found_body() -> dict[str, Any]:
    return {"message": _("Not found."), "fields": {}}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(fields)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(_("You may not do this."))
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge(_("The request body is too large."))
    elif type(exc) is exceptions.Throttled:
        wait = math.ceil(exc.wait) if exc.wait is not None else 60  # type: ignore[attr-defined]  # set by DRF
        exc = exceptions.Throttled(detail=retry_message(wait))  # without DRF's English "Expected available…"
        exc.wait = wait  # type: ignore[attr-defined]  # for the Retry-After header
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        fields = flat_fields(data if isinstance(data, dict) else {"non_field_errors": data})
        response.data = {"message": _("Please correct the errors below."), "fields": fields}
    else:
        detail = data.get("detail", data) if isinstance(data, dict) else data
        response.data = {"message": str(detail), "fields": {}}
    if response.status_code == status.HTTP_401_UNAUTHORIZED and "WWW-Authenticate" not in response:
        response["WWW-Authenticate"] = "Token"
    return response


# ---------------------------------------------------------------- Django's error handlers (karpear/urls.py)
def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _json(message: str, status_code: int) -> JsonResponse:
    return JsonResponse({"message": message, "fields": {}}, status=status_code)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        if isinstance(exception, RequestDataTooBig):
            return _json(_("The request body is too large."), 413)
        return _json(_("The request could not be understood."), 400)
    return defaults.bad_request(request, exception)  # type: ignore[arg-type]


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return _json(_("Not found."), 404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return _json(_("Something went wrong on the server. It has been logged; please try again later."), 500)
    return defaults.server_error(request)
