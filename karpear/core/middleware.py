"""Request set-up, resolved once per request (STYLE §3b)."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.gzip import GZipMiddleware
from django.shortcuts import redirect, resolve_url
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from karpear.core import access, audit
from karpear.core.templatetags.karpear import local_digits

Handler = Callable[[HttpRequest], HttpResponse]

SESSION_ORG_KEY = "karpear_active_org"
SESSION_SEEN_KEY = "karpear_last_seen"
SESSION_IDLE_FORM_KEY = "karpear_idle_form"  # the page of a form sent after the idle timeout (its draft waits)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: behind KARPEAR_PROXY_COUNT proxies, read from X-Forwarded-For."""
    proxies = settings.PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


class MembershipMiddleware:
    """Resolve the active membership once, and tell the audit log the client address."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = audit.current_ip.set(client_ip(request))
        try:
            user = request.user
            if user.is_authenticated:
                # The organisation chosen for this session; access.membership_for() reads it from the user.
                setattr(user, "_karpear_active_org", request.session.get(SESSION_ORG_KEY))  # noqa: B010
                request.membership = access.membership_for(user)  # type: ignore[attr-defined]
            else:
                request.membership = None  # type: ignore[attr-defined]
            return self.get_response(request)
        finally:
            audit.current_ip.reset(token)


def _return_path(request: HttpRequest) -> str:
    """Where the user was: the page to open again after logging in (a same-site path, or "")."""
    if request.headers.get("HX-Request"):
        candidate = request.headers.get("HX-Current-URL", "")  # the page that made the in-page request
    elif request.method == "GET":
        candidate = request.get_full_path()
    else:
        # A form sent: the page it was sent from holds it (and its draft), e.g. the person page for a consent.
        candidate = request.headers.get("Referer", "") or request.get_full_path()
    if not candidate or not url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure()):
        return ""
    parts = urlsplit(candidate)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return "" if path.startswith(("/account/", "/offline/")) or path == "/" else path


def idle_minutes_message(minutes: int, *, form: bool) -> str:
    if form:
        return ngettext(
            "You were logged out after %(n)s minute without activity, so what you sent was not saved. What you "
            "typed is kept on this phone: log in again and it comes back in the form.",
            "You were logged out after %(n)s minutes without activity, so what you sent was not saved. What you "
            "typed is kept on this phone: log in again and it comes back in the form.",
            minutes,
        ) % {"n": local_digits(minutes)}
    return ngettext(
        "You were logged out after %(n)s minute without activity. Log in again to go on.",
        "You were logged out after %(n)s minutes without activity. Log in again to go on.",
        minutes,
    ) % {"n": local_digits(minutes)}


class IdleTimeoutMiddleware:
    """Log a user out after SESSION_IDLE_MINUTES without a request, and bring them back where they were.

    The login page says why; after the new login the user is back on the page they were on (`next`). A form
    sent after the timeout saved nothing, but its draft is on the phone (static/js/forms.js saves it as the
    form is sent): the form opens with the draft restored, and a message says what happened
    (SESSION_IDLE_FORM_KEY, read by `idle_form_back` once the user is through the login's every step). An htmx request is answered `HX-Redirect`, a full page
    change, so the login page is never drawn inside a part of the page.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get(SESSION_SEEN_KEY)
            if last is not None and now - int(last) > settings.SESSION_IDLE_MINUTES * 60:
                return self._timed_out(request)
            # Write at most once a minute so a page's partial requests don't each rewrite the session.
            if last is None or now - int(last) >= 60:
                request.session[SESSION_SEEN_KEY] = now
        return self.get_response(request)

    def _timed_out(self, request: HttpRequest) -> HttpResponse:
        language = translation.get_language()
        back = _return_path(request)
        form = request.method == "POST" and bool(request.POST.get("_draft"))
        logout(request)
        messages.warning(request, idle_minutes_message(settings.SESSION_IDLE_MINUTES, form=form))
        if form and back:
            request.session[SESSION_IDLE_FORM_KEY] = back
        login = resolve_url(settings.LOGIN_URL)
        target = f"{login}?{urlencode({'next': back})}" if back else login
        response: HttpResponse
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
        else:
            response = redirect(target)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE)
        return response


# Between the password step and the second factor, only the second step itself and logging out are reachable
# (and what any anonymous visitor may reach). Not /account/password/: with the password alone nobody may
# change it. The API answers for itself, in JSON (api_permissions.IsMember).
EXEMPT_PATHS = ("/static/", "/language/", "/about/", "/favicon.ico", "/api/")
SECOND_STEP_PATHS = ("/account/two-factor/", "/account/logout/")
PASSWORD_CHANGE_PATHS = ("/account/password/", "/account/logout/")


def idle_form_back(request: HttpRequest) -> None:
    """The page of a form sent after the idle timeout, opened again after the new login (and second step):
    say what happened, once, above the form that forms.js fills with the draft from the phone."""
    back = request.session.get(SESSION_IDLE_FORM_KEY)
    if back and request.method == "GET" and not request.headers.get("HX-Request") and request.get_full_path() == back:
        del request.session[SESSION_IDLE_FORM_KEY]
        messages.warning(
            request,
            _(
                "What you typed before you were logged out is back in the form, from this phone. Nothing of it "
                "was saved yet: check it and press Save."
            ),
        )


class TwoFactorMiddleware:
    """Roles that may read identifying details (and staff) pass a second factor before any page; then a
    one-time password is replaced before any page."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not request.path.startswith(EXEMPT_PATHS):
            if access.needs_two_factor(user) and not user.is_verified():  # type: ignore[attr-defined]  # django_otp
                if not request.path.startswith(SECOND_STEP_PATHS):
                    # Back to this page after the second step (after an idle timeout: the form and its draft).
                    back = request.get_full_path() if request.method == "GET" and request.path != "/" else ""
                    target = resolve_url("two_factor")
                    return redirect(f"{target}?{urlencode({'next': back})}" if back else target)
            elif getattr(user, "password_change_required", False) and not request.path.startswith(
                PASSWORD_CHANGE_PATHS
            ):
                return redirect("password_change")
        if user.is_authenticated:
            idle_form_back(request)  # through every step of the login: back on the form
        return self.get_response(request)


class NoStoreMiddleware:
    """`Cache-Control: no-store, private` on every answer Django renders: pages, API answers, redirects, errors.

    One rule without exceptions, because a rule by page is the rule someone forgets on the next page that shows
    a name. What may be cached, the static files, WhiteNoise answers before this middleware runs. A shared
    office computer's browser then keeps no copy of a person's record, the one-time password page or an API
    answer, and the back button after logging out shows nothing from the cache.

    The one exception is code served by a view rather than by WhiteNoise because of where it must live (the
    service worker at /sw.js): its view marks the response `static_code = True` and keeps its own
    `Cache-Control`. It carries no data.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not getattr(response, "static_code", False):
            response["Cache-Control"] = "no-store, private"
        return response


# What is worth compressing: text. PDFs, spreadsheets (zip files) and images are compressed already.
COMPRESSIBLE = ("text/", "application/json", "application/problem+json", "application/javascript", "image/svg+xml")


class CompressTextMiddleware(GZipMiddleware):
    """Gzip the HTML, JSON and other text Django answers (issue 10, item 15), so the embedded deployment, with no
    proxy in front, sends a register form in about a third of its bytes on a slow link.

    Django's GZipMiddleware adds random bytes to each compressed answer (a mitigation of BREACH, which reads
    secrets such as the CSRF token from the lengths of compressed pages), skips answers under 200 bytes, answers
    already encoded (the service worker's view gzips itself) and clients that don't accept gzip, and sets
    `Vary: Accept-Encoding`. Static files never reach it: WhiteNoise, above it, serves them pre-compressed.
    Exports of PDF or XLSX are zip or deflate inside already and pass untouched; CSV is compressed."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if not response.get("Content-Type", "").startswith(COMPRESSIBLE):
            return response
        return super().process_response(request, response)
