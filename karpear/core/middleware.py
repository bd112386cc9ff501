"""Request set-up, resolved once per request (STYLE §3b)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation

from karpear.core import access, audit

Handler = Callable[[HttpRequest], HttpResponse]

SESSION_ORG_KEY = "karpear_active_org"
SESSION_SEEN_KEY = "karpear_last_seen"


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


class IdleTimeoutMiddleware:
    """Log a user out after SESSION_IDLE_MINUTES without a request."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get(SESSION_SEEN_KEY)
            if last is not None and now - int(last) > settings.SESSION_IDLE_MINUTES * 60:
                language = translation.get_language()
                logout(request)
                response = redirect(settings.LOGIN_URL)
                response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE)
                return response
            # Write at most once a minute so a page's partial requests don't each rewrite the session.
            if last is None or now - int(last) >= 60:
                request.session[SESSION_SEEN_KEY] = now
        return self.get_response(request)


# Between the password step and the second factor, only the second step itself and logging out are reachable
# (and what any anonymous visitor may reach). Not /account/password/: with the password alone nobody may
# change it. The API answers for itself, in JSON (api_permissions.IsMember).
EXEMPT_PATHS = ("/static/", "/language/", "/about/", "/favicon.ico", "/api/")
SECOND_STEP_PATHS = ("/account/two-factor/", "/account/logout/")
PASSWORD_CHANGE_PATHS = ("/account/password/", "/account/logout/")


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
                    return redirect("two_factor")
            elif getattr(user, "password_change_required", False) and not request.path.startswith(
                PASSWORD_CHANGE_PATHS
            ):
                return redirect("password_change")
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
