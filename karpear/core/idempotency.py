"""Writes processed once, whatever the network does (docs/offline-forms.md).

A form that opts in carries a one-time key, new on every render (`{% form_protect %}` renders it); an API
client sends an `Idempotency-Key` header (core.api_idempotency). The first request with a key runs; a later
request by the same user with the same key and the same content gets the first one's result instead of
saving again (a double tap, a resubmission after a lost answer, a phone sending its queue twice); with other
content it gets 409.

How a second request waits for the first: `claim()` inserts the (user, key) row inside the transaction that
runs the view. On PostgreSQL a concurrent insert of the same key blocks on the unique index until the first
transaction ends, then fails and reads the committed result; on SQLite, transactions begin IMMEDIATE
(settings), so the second one starts only after the first has committed. A submission that saved nothing
(a form shown again with its errors, a duplicate warning) deletes its row, so the same key may be sent again.

The rows hold no content (a keyed hash of it, and where the result is), so they are not personal data; they
expire after KARPEAR_IDEMPOTENCY_DAYS, and each claim first deletes its user's expired rows.

This module is infrastructure, like core.audit: it is called from views and the API around one service
call, and writes only its own table.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from karpear.core.models import IdempotencyRecord, User

FIELD = "_idempotency_key"  # the hidden input of a protected form
DRAFT_FIELD = "_draft"  # the name of the form's draft on the phone
OFFLINE_FIELD = "_offline"  # present in forms whose submissions the service worker may queue
SUMMARY_FIELD = "_summary"  # the fields that label a queued entry in the list of entries waiting
# Not part of what a submission "is": the CSRF token changes between sessions, the key is what we look up.
IGNORED_FIELDS = frozenset({"csrfmiddlewaretoken", FIELD, DRAFT_FIELD, OFFLINE_FIELD, SUMMARY_FIELD})
QUEUED_HEADER = "Karpear-Queued"  # sent by the service worker with a queued submission: answer in JSON
SESSION_SAVED_DRAFTS = "karpear_drafts_saved"
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")
DRAFT_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{1,120}$")
MAX_SAVED_DRAFTS = 20

type View = Callable[..., HttpResponse]


def valid_key(key: str) -> bool:
    return bool(KEY_PATTERN.match(key))


def fingerprint(*, key: str, method: str, path: str, content: str) -> str:
    """A keyed hash of what was sent: equal contents give equal fingerprints; the content is not kept."""
    value = "\n".join((key, method, path, content))
    return salted_hmac("karpear.core.idempotency", value, algorithm="sha256").hexdigest()


def form_content(request: HttpRequest) -> str:
    """A form submission's fields and files in a stable order, without the fields that are not its content."""
    fields = sorted(
        (name, value) for name, values in request.POST.lists() if name not in IGNORED_FIELDS for value in values
    )
    files = sorted(
        (name, upload.name or "", upload.size or 0) for name, uploads in request.FILES.lists() for upload in uploads
    )
    return json.dumps([fields, files], ensure_ascii=False)


def expiry() -> dt.timedelta:
    return dt.timedelta(days=settings.IDEMPOTENCY_DAYS)


@dataclass
class Claim:
    record: IdempotencyRecord
    created: bool  # False: the key was used before; `record` holds that first result

    def same_content(self, fingerprint: str) -> bool:
        return self.record.fingerprint == fingerprint


def claim(*, user: User, key: str, method: str, path: str, fingerprint: str) -> Claim:
    """Take `key` for `user`, or return the finished request that took it first.

    Call inside the transaction that runs the view: the row stays locked until that transaction ends, which
    is what makes a concurrent duplicate wait for this one's result.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("idempotency.claim() must run inside the transaction that runs the view")
    IdempotencyRecord.objects.filter(user=user, created_at__lt=timezone.now() - expiry()).delete()
    try:
        with transaction.atomic():  # a savepoint: the outer transaction survives the IntegrityError
            record = IdempotencyRecord.objects.create(
                user=user, key=key, method=method, path=path[:500], fingerprint=fingerprint
            )
    except IntegrityError:
        return Claim(IdempotencyRecord.objects.get(user=user, key=key), created=False)
    return Claim(record, created=True)


def complete(claimed: Claim, *, status: int, location: str) -> None:
    """The request saved something: keep its result for replays."""
    claimed.record.status, claimed.record.location = status, location[:500]
    claimed.record.save(update_fields=["status", "location"])


def release(claimed: Claim) -> None:
    """The request saved nothing: forget the key, so the same submission may be sent again."""
    claimed.record.delete()


# ---------------------------------------------------------------- what a view may tell the decorator
def saved(request: HttpRequest, location: str) -> None:
    """Say that this POST saved something, shown at `location`, when the view answers with a page instead
    of a redirect (a replay then redirects to `location` rather than showing that page again)."""
    request._karpear_saved = location  # type: ignore[attr-defined]


def needs_review(request: HttpRequest, message: str) -> None:
    """Say why this POST saved nothing although its input was valid (e.g. a possible duplicate). A queued
    submission from the phone then comes back to the user as a draft to check, with this message."""
    request._karpear_review = message  # type: ignore[attr-defined]


def _saved_location(request: HttpRequest, response: HttpResponse) -> str | None:
    location = getattr(request, "_karpear_saved", None)
    if location is not None:
        return str(location)
    if 300 <= response.status_code < 400 and response.has_header("Location"):
        return str(response["Location"])
    if response.status_code < 300 and response.has_header("HX-Redirect"):
        return str(response["HX-Redirect"])
    return None


def draft_saved(request: HttpRequest) -> None:
    """Tell the phone, on the next page, that the draft this form kept may go: the draft of that name, if
    it is still the one this submission came from (its key), not a newer entry typed since."""
    draft, key = str(request.POST.get(DRAFT_FIELD, "")), str(request.POST.get(FIELD, ""))
    if _queued(request) or not DRAFT_PATTERN.match(draft) or not valid_key(key):
        return  # a queued entry's draft went when it was queued
    pairs = [pair for pair in request.session.get(SESSION_SAVED_DRAFTS, []) if pair[0] != draft]
    request.session[SESSION_SAVED_DRAFTS] = [*pairs, [draft, key]][-MAX_SAVED_DRAFTS:]


def pop_saved_drafts(request: HttpRequest) -> list[list[str]]:
    """The [draft name, key] pairs saved since the last page, for the phone to clear (once)."""
    session = getattr(request, "session", None)
    if session is None or SESSION_SAVED_DRAFTS not in session:
        return []
    return [[str(name), str(key)] for name, key in session.pop(SESSION_SAVED_DRAFTS)]


# ---------------------------------------------------------------- the decorator for form views
def _queued(request: HttpRequest) -> bool:
    return request.headers.get(QUEUED_HEADER) == "1"


def _flashed(request: HttpRequest) -> str:
    """The messages the view flashed, taken out of the session (the phone shows them in its list)."""
    return " ".join(str(message) for message in messages.get_messages(request))


def _queued_answer(request: HttpRequest, response: HttpResponse, location: str | None) -> HttpResponse:
    """What the service worker reads for a queued submission: saved, or to be checked by the user."""
    if location is not None:
        return JsonResponse({"result": "saved", "location": location, "message": _flashed(request)})
    message = getattr(request, "_karpear_review", "") or _(
        "Not saved yet: some answers need checking. Open the entry, correct it and save it again."
    )
    return JsonResponse({"result": "review", "message": str(message)}, status=200)


def conflict_message() -> str:
    return _(
        "This form was already sent with other content. Nothing more was saved. To send a new entry, "
        "open the form again."
    )


def already_saved_message() -> str:
    return _("This was already saved.")


def _replay(request: HttpRequest, record: IdempotencyRecord) -> HttpResponse:
    draft_saved(request)
    if _queued(request):
        return JsonResponse(
            {"result": "saved", "replayed": True, "location": record.location, "message": already_saved_message()}
        )
    messages.info(request, already_saved_message())
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(record.location)
    return redirect(record.location)


def _conflict(request: HttpRequest) -> HttpResponse:
    if _queued(request):
        return JsonResponse({"result": "conflict", "message": conflict_message()}, status=409)
    # The page the form was on (the consent form posts to an address that has no page of its own).
    referer = request.headers.get("Referer", "")
    back = referer if url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure()) else "/"
    return render(request, "core/form_conflict.html", {"form_path": back}, status=409)


def idempotent(view: View) -> View:
    """Process each submission of this form view once (docs/offline-forms.md).

    Put it under `@login_required`; the form renders `{% form_protect %}`. A POST with a key runs the view
    inside a transaction that holds the key. A redirect (or `saved()`) means the view saved: the result is
    kept, a replay redirects there with "This was already saved.", and the form's draft on the phone is
    cleared. Anything else (the form shown again) saved nothing and frees the key. A replay with other
    content answers 409. A submission sent by the service worker's queue gets the same outcome as JSON.
    A POST without a key (a script, an old page) runs as before.
    """

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        key = str(request.POST.get(FIELD, "")) if request.method == "POST" else ""
        if not (key and valid_key(key) and user.is_authenticated):
            return view(request, *args, **kwargs)
        signature = fingerprint(key=key, method="POST", path=request.path, content=form_content(request))
        try:
            with transaction.atomic():
                claimed = claim(user=user, key=key, method="POST", path=request.path, fingerprint=signature)
                if not claimed.created:
                    if claimed.same_content(signature) and claimed.record.location:
                        return _replay(request, claimed.record)
                    return _conflict(request)
                response = view(request, *args, **kwargs)
                location = _saved_location(request, response)
                if location is None:
                    release(claimed)
                else:
                    complete(claimed, status=response.status_code, location=location)
        except (PermissionDenied, Http404):
            if not _queued(request):
                raise
            # A queued entry the user may no longer send (a changed role, a record now out of reach).
            message = _("Not sent: you may not do this, or the record is no longer there.")
            return JsonResponse({"result": "refused", "message": message}, status=403)
        if location is not None:
            draft_saved(request)
        return _queued_answer(request, response, location) if _queued(request) else response

    return wrapped


# ---------------------------------------------------------------- pages that work offline
OFFLINE_HEADER = "Karpear-Offline"


def offline_page(view: View) -> View:
    """Let the service worker keep this page on the phone, to open it with no connection.

    Only for a page whose form, as first shown (GET, no query), holds no identifying details: the answer is
    marked `Karpear-Offline: page`, and the service worker keeps nothing that is not marked. The page's
    forms still opt in one by one (`{% form_protect "key" offline=True %}`).
    """

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        request.karpear_offline_page = True  # type: ignore[attr-defined]
        response = view(request, *args, **kwargs)
        if request.method == "GET" and response.status_code == 200 and not request.GET:
            response[OFFLINE_HEADER] = "page"
        return response

    return wrapped


def offline_data(view: View) -> View:
    """Let the service worker keep this view's GET answers (htmx fragments of public reference data, such
    as the place picker) and give them back when the phone is offline. Never for anything personal."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if request.method == "GET" and response.status_code == 200:
            response[OFFLINE_HEADER] = "data"
        return response

    return wrapped
