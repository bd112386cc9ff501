"""API authentication by token: `Authorization: Token <key>` (docs/api.md).

A token is accepted only while it still matches what it was issued against (core.tokens.fingerprint: the
user's memberships and password) and, when the user's role now needs a second factor, only if one was
passed when it was issued. Every refusal is a 401 with a message in the caller's language.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from karpear.core import access, services, tokens
from karpear.core.models import ApiToken, User

# `last_used_at` is written at most this often, so a busy script does not write on every request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)


class ApiTokenAuthentication(BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(_("Send the token as: Authorization: Token <key>."))
        try:
            key = parts[1].decode("ascii")
        except UnicodeError as exc:
            raise AuthenticationFailed(_("Invalid token.")) from exc
        return self.authenticate_key(key)

    def authenticate_key(self, key: str) -> tuple[User, ApiToken]:
        token = tokens.token_for_key(key)
        if token is None:
            raise AuthenticationFailed(_("Invalid token."))
        user = token.user
        now = timezone.now()
        if not user.is_active:
            raise AuthenticationFailed(_("This account is not active."))
        if token.expires_at is not None and token.expires_at <= now:
            raise AuthenticationFailed(_("This token has expired. Ask for a new one."))
        if token.fingerprint != tokens.fingerprint(user):
            # Changed outside the services that revoke tokens (e.g. the back office): revoke it now.
            services.api_token_expire(token=token, reason="changed_since_issue")
            raise AuthenticationFailed(
                _("This token was issued before your password or your roles changed. Ask for a new one.")
            )
        if access.needs_two_factor(user) and not token.two_factor:
            raise AuthenticationFailed(
                _(
                    "Your role now needs a second factor, and this token was issued without one. Ask for a new token with your code."
                )
            )
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            tokens.token_touch(token, now)
        return user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """The token in the OpenAPI schema, described as DRF describes its own token scheme."""

    target_class = "karpear.core.api_auth.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'Token-based authentication with required prefix "Token"',
        }
