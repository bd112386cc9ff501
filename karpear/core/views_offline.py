"""The two small endpoints of the offline machinery (docs/offline-forms.md)."""

from __future__ import annotations

import functools
import gzip
import hashlib
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

SERVICE_WORKER = Path(settings.BASE_DIR) / "static" / "js" / "sw.min.js"  # built from sw.js by `make js`


@functools.cache
def _service_worker() -> tuple[bytes, bytes, str]:
    content = SERVICE_WORKER.read_bytes()
    # Compressed once, as whitenoise does for the other static files (this one is not served by whitenoise).
    return content, gzip.compress(content, compresslevel=9, mtime=0), hashlib.sha256(content).hexdigest()[:32]


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, served from our static files at the site's root so its scope can be "/" (a
    script under /static/ may control only /static/). Only pages that opt in register it."""
    content, compressed, digest = _service_worker()
    etag = f'"{digest}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    elif "gzip" in request.headers.get("Accept-Encoding", ""):
        response = HttpResponse(compressed, content_type="text/javascript; charset=utf-8")
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(content, content_type="text/javascript; charset=utf-8")
    response["ETag"] = etag
    patch_vary_headers(response, ["Accept-Encoding"])
    # The browser checks for a new version on every registration and navigation; never a stale copy.
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    response.static_code = True  # type: ignore[attr-defined]  # keeps this Cache-Control (core.middleware)
    return response


@login_required
@require_GET
def offline_state(request: HttpRequest) -> HttpResponse:
    """Who is logged in, and a CSRF token for sending the phone's queued entries. Not logged in (or a second
    factor or a new password still due) is a redirect: the service worker then keeps the entries waiting."""
    response = JsonResponse({"user": str(request.user.uuid), "csrf": get_token(request)})  # type: ignore[union-attr]
    return response  # no-store, private: core.middleware
