"""The API's `Idempotency-Key` header on POST, PUT and PATCH (docs/api.md, core.idempotency).

A viewset opts in by listing `IdempotentMixin` first among its bases. A write that carries the header runs
in a transaction that holds the (user, key) row; a later write with the same key and the same body answers
the first one's status with the record as it is now (read again through the viewset's `retrieve`, so an
identity in it is audited like any read, and the first answer, which may hold identifying details, is never
stored); with another body it answers 409. A write that failed (4xx) frees the key.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from karpear.core import idempotency
from karpear.core.models import IdempotencyRecord

HEADER = "Idempotency-Key"
METHODS = ("POST", "PUT", "PATCH")
REPLAYED_HEADER = "Idempotent-Replayed"


class IdempotencyConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_conflict"

    def __init__(self) -> None:
        super().__init__(idempotency.conflict_message())


class _Replay(Exception):
    def __init__(self, record: IdempotencyRecord) -> None:
        self.record = record


class _Encoder(JSONEncoder):
    """An uploaded file (a multipart body) stands in the body's form as its name, size and SHA-256, read in
    chunks: the same file sent again is the same body, and no file is held whole in memory."""

    def default(self, obj: Any) -> Any:
        if isinstance(obj, UploadedFile):
            digest = hashlib.sha256()
            for chunk in obj.chunks():
                digest.update(chunk)
            obj.seek(0)
            return {"name": obj.name, "size": obj.size, "sha256": digest.hexdigest()}
        return super().default(obj)


def _content(request: Request) -> str:
    """The body as parsed, in a stable form: the same JSON with other spacing or key order is the same body."""
    return json.dumps(request.data, cls=_Encoder, sort_keys=True, ensure_ascii=False)


IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    pattern=idempotency.KEY_PATTERN.pattern,
    description=(
        "A one-time key of 8 to 64 letters, digits, '-', '_', '.' or ':' (e.g. a UUID), new for each write. "
        "Sent again with the same body, the write is not repeated: the answer has the first status, the "
        "record as it is now and the header Idempotent-Replayed: true. Sent again with another body: 409. "
        "Keys are remembered per user for KARPEAR_IDEMPOTENCY_DAYS (30 days)."
    ),
)


# Honour `Idempotency-Key` on a view's POST, PUT and PATCH: list it before the DRF bases. (A comment, not a
# docstring: drf-spectacular would show a docstring as the description of every operation of the view.)
class IdempotentMixin:
    idempotent_writes = True  # core.api_schema documents the header and the 409 on POST, PUT and PATCH
    _idempotency_claim: idempotency.Claim | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.method in METHODS and HEADER in request.headers:
            with transaction.atomic():  # holds the key's row until the write is done
                return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]  # authentication, permissions, throttles
        self._idempotency_claim = None
        key = request.headers.get(HEADER)
        if key is None or request.method not in METHODS:
            return
        if getattr(self, str(request.method).lower(), None) is None:  # 405 follows: a refused method claims no key
            return
        if not idempotency.valid_key(key):
            raise exceptions.ValidationError(
                {HEADER: [_("Use 8 to 64 letters, digits, '-', '_', '.' or ':', e.g. a UUID.")]}
            )
        signature = idempotency.fingerprint(
            key=key, method=request.method, path=request.path, content=_content(request)
        )
        claimed = idempotency.claim(
            user=request.user,  # type: ignore[arg-type]
            key=key,
            method=request.method,
            path=request.path,
            fingerprint=signature,
        )
        if not claimed.created:
            if not claimed.same_content(signature):
                raise IdempotencyConflict()
            raise _Replay(claimed.record)
        self._idempotency_claim = claimed

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, _Replay):
            return self.replay(exc.record)
        return super().handle_exception(exc)  # type: ignore[misc]

    def replay(self, record: IdempotencyRecord) -> Response:
        """The answer to a repeated write: its first status, with the record read again."""
        view: Any = self
        if record.location:
            view.kwargs[view.lookup_url_kwarg or view.lookup_field] = record.location
            response: Response = view.retrieve(view.request, *view.args, **view.kwargs)
            response.status_code = record.status or status.HTTP_200_OK
        else:
            response = Response(status=record.status or status.HTTP_204_NO_CONTENT)
        response[REPLAYED_HEADER] = "true"
        return response

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        claimed, self._idempotency_claim = self._idempotency_claim, None
        if claimed is not None:
            if status.is_success(response.status_code):
                data = response.data if isinstance(response.data, dict) else {}
                lookup = getattr(self, "lookup_field", "pk")
                idempotency.complete(claimed, status=response.status_code, location=str(data.get(lookup, "")))
            else:
                idempotency.release(claimed)
        return response
