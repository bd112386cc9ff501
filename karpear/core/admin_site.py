"""Karpear's back office site: Django's admin, entered only through Karpear's login and its second factor.

- Staff and superusers must have passed the second factor (`has_permission` checks it; the two-factor
  middleware sends them to the second step first, since `access.needs_two_factor` counts staff).
- There is one login page: the admin's redirects to Karpear's, so lockout, the per-address limit, the
  audit of logins and the second step apply to the back office too.
- The first back-office page a session opens is audited as a back-office login.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse

SESSION_BACK_OFFICE_KEY = "karpear_back_office"


class KarpearAdminSite(admin.AdminSite):
    site_header = "Karpear back office"
    site_title = "Karpear back office"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        verified = getattr(user, "is_verified", lambda: False)()
        return bool(user.is_active and user.is_staff and verified)

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """Karpear's own login page (then its second step) instead of the admin's form."""
        user = request.user
        if user.is_authenticated:
            if not user.is_staff:
                raise PermissionDenied
            return redirect("two_factor")
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"), login_url=reverse("login"))

    def logout(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:  # type: ignore[override]  # a redirect, not the admin's page
        """Karpear's logout: audited, and it keeps the interface language."""
        from karpear.core.views_auth import LogoutView

        return LogoutView.as_view()(request)

    def admin_view[V: Callable[..., HttpResponseBase]](self, view: V, cacheable: bool = False) -> V:
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def audited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if self.has_permission(request) and not request.session.get(SESSION_BACK_OFFICE_KEY):
                from karpear.core import services

                services.back_office_login_recorded(user=request.user)  # type: ignore[arg-type]
                request.session[SESSION_BACK_OFFICE_KEY] = True
            return inner(request, *args, **kwargs)

        return cast(V, audited)
