"""DRF permission: an active member (with a second factor where the role needs one) of an organisation."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from karpear.core import access
from karpear.core.models import ApiToken


class IsMember(BasePermission):
    message = _("You need an active membership of an organisation.")

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        # The same rule as the pages: a one-time password is replaced before anything else.
        if getattr(user, "password_change_required", False):
            self.message = _(
                "Replace your one-time password first: log in to Karpear in a browser and choose a new password."
            )
            return False
        if access.membership_for(user) is None:
            return False
        # ApiTokenAuthentication has already refused a token without the second factor the role needs.
        if isinstance(request.auth, ApiToken):
            return True
        if access.needs_two_factor(user) and not user.is_verified():  # type: ignore[attr-defined]  # django_otp
            self.message = _("Two-factor verification is required.")
            return False
        return True
