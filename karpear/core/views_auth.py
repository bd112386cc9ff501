"""Login, logout, the second factor and the language switch."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token

from karpear.core import audit, ratelimit, selectors, services
from karpear.core.forms import LoginForm, TokenForm
from karpear.core.khmer_words import khmer_words
from karpear.core.middleware import SESSION_ORG_KEY, client_ip
from karpear.core.templatetags.karpear import local_digits


def _with_language(response: HttpResponse, language: str) -> HttpResponse:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
    )
    return response


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["failure_limit"] = settings.AXES_FAILURE_LIMIT
        context["lockout_minutes"] = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        services.login_recorded(user=user)
        return _with_language(response, user.language)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        wait = ratelimit.login_address_wait(client_ip(request))
        if wait:
            services.login_address_refused(username=request.POST.get("username", ""))
            return render(
                request, "core/locked_out.html", {"minutes": ratelimit.minutes(wait), "address": True}, status=429
            )
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        username = self.request.POST.get("username", "")
        if username:
            services.login_failed_recorded(username=username, ip=client_ip(self.request))
        return super().form_invalid(form)


def lockout(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """What a locked-out user sees (django-axes calls this), in their language.

    django-axes passes the credentials of the attempt, also for the token endpoint (JSON, no request.POST).
    """
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    audit.record(actor=None, actor_name=str(username)[:150], action="locked_out")
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    if request.path.startswith("/api/"):
        message = ngettext(
            "Too many wrong passwords. This account is locked for %(m)s minute. Please try again later, or ask "
            "your administrator.",
            "Too many wrong passwords. This account is locked for %(m)s minutes. Please try again later, or ask "
            "your administrator.",
            minutes,
        ) % {"m": local_digits(minutes)}
        response: HttpResponse = JsonResponse({"message": message, "fields": {}}, status=429)
        response["Retry-After"] = str(minutes * 60)
        return response
    return render(request, "core/locked_out.html", {"minutes": minutes}, status=429)


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            audit.record(actor=request.user, action="logout")
        language = request.LANGUAGE_CODE
        response = super().post(request, *args, **kwargs)
        # What this browser kept for the user goes with them: drafts (which may hold identifying details),
        # entries still waiting to be sent, pages kept for offline use, the service worker, the HTTP cache.
        # Cookies stay (the language). Browsers honour this header over HTTPS and on localhost.
        response["Clear-Site-Data"] = '"cache", "storage"'
        return _with_language(response, language)


def _safe_next(request: HttpRequest, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "core/password_change.html"
    success_url = "/"

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.password_changed(user=form.user)
        messages.success(self.request, _("Your new password is saved."))
        return response


def about(request: HttpRequest) -> HttpResponse:
    """What Karpear is, its licence, where its Khmer words come from and the attributions its data and fonts
    require."""
    return render(request, "core/about.html", {"khmer_words": khmer_words()})


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Switch between Khmer and English; remembered in a cookie and, when logged in, on the user."""
    language = request.POST.get("language", "")
    response = HttpResponseRedirect(_safe_next(request))
    if language in dict(settings.LANGUAGES) and check_for_language(language):
        services.user_set_language(user=request.user, language=language)  # type: ignore[arg-type]
        _with_language(response, language)
    return response


@login_required
@require_POST
def organisation_switch(request: HttpRequest) -> HttpResponse:
    try:
        org_id = int(request.POST.get("organisation", ""))
        membership = services.session_switch_organisation(actor=request.user, organisation_id=org_id)  # type: ignore[arg-type]
    except (ValueError, ValidationError):
        messages.error(request, _("You are not a member of this organisation."))
    else:
        request.session[SESSION_ORG_KEY] = membership.organisation_id
    return redirect("home")


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator (QR code + backup codes) or verify with one, then go on."""
    user = request.user
    if getattr(user, "is_verified", lambda: False)():
        return redirect(_safe_next(request, "/"))
    if services.two_factor_enrolled(user=user):  # type: ignore[arg-type]
        return _two_factor_verify(request)
    return _two_factor_enrol(request)


def _two_factor_verify(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["otp_token"])
        if device is not None:
            otp_login(request, device)
            # A new session key once fully logged in: a key seen before this step (the password step's) is dead.
            request.session.cycle_key()
            audit.record(actor=request.user, action="two_factor", step="verified")  # type: ignore[arg-type]
            return redirect(_safe_next(request, "/"))
        form.add_error("otp_token", _("This code is not right or has expired. Please try again."))
    return render(request, "core/two_factor_verify.html", {"form": form})


def _two_factor_enrol(request: HttpRequest) -> HttpResponse:
    user = request.user
    device = services.two_factor_pending_device(user=user)  # type: ignore[arg-type]
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = services.two_factor_confirm(user=user, token=form.cleaned_data["otp_token"])  # type: ignore[arg-type]
        if codes is not None:
            device.refresh_from_db()
            otp_login(request, device)
            request.session.cycle_key()
            return render(request, "core/two_factor_backup_codes.html", {"codes": codes, "next": _safe_next(request)})
        form.add_error("otp_token", _("This code is not right or has expired. Please try again."))
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4, border=2)
    secret = device.config_url.split("secret=")[1].split("&")[0]
    return render(request, "core/two_factor_enrol.html", {"form": form, "qr_svg": qr_svg, "secret": secret})


# ---------------------------------------------------------------- the user's own account
@login_required
@require_http_methods(["GET", "POST"])
def account_tokens(request: HttpRequest) -> HttpResponse:
    """The user's API tokens (issued only by the token endpoint, with the second factor), to revoke."""
    user = request.user
    if request.method == "POST":
        choice = request.POST.get("token", "")
        if choice == "all":
            services.api_tokens_revoke(user=user, reason="revoked_by_owner")  # type: ignore[arg-type]
            messages.success(request, _("All your API tokens are revoked."))
        else:
            try:
                token_uuid = UUID(choice)
            except ValueError as exc:
                raise Http404 from exc
            services.api_token_revoke(actor=user, token_uuid=token_uuid)  # type: ignore[arg-type]
            messages.success(request, _("The API token is revoked."))
        return redirect("account_tokens")
    tokens = selectors.api_token_list(user=user)  # type: ignore[arg-type]
    return render(request, "core/account_tokens.html", {"tokens": tokens, "now": timezone.now()})


@login_required
@require_POST
def account_invitation(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """Accept or decline an organisation's invitation to join it (services.member_add)."""
    user = request.user
    if request.POST.get("decision") == "accept":
        membership = services.membership_invitation_accept(user=user, organisation_uuid=uuid)  # type: ignore[arg-type]
        request.session[SESSION_ORG_KEY] = membership.organisation_id
        messages.success(
            request, _("You are now a member of %(org)s.") % {"org": membership.organisation.short_name.upper()}
        )
    else:
        services.membership_invitation_decline(user=user, organisation_uuid=uuid)  # type: ignore[arg-type]
        messages.success(request, _("You declined the invitation."))
    return redirect("home")
