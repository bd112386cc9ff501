"""The back office (Django admin) for system administrators: organisations, programmes, users, memberships.
Every change made here is also written to the audit chain (`AuditedAdmin`).

People, identities, consents and the audit log are deliberately absent: they are read only through the
pages and API, where core.access scopes them and every read of an identity is audited. No secret is shown
either: API tokens are stored hashed, and authenticator keys and backup codes are not displayed. The site
itself (core/admin_site.py) lets in only staff who passed the second factor.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from simple_history.admin import SimpleHistoryAdmin

from karpear.core import services
from karpear.core.models import (
    ApiToken,
    BudgetLine,
    Membership,
    Organisation,
    Programme,
    SubGrant,
    Target,
    Team,
    User,
)


class AuditedAdmin(admin.ModelAdmin[Any]):
    """Every add, change and delete in the back office also goes into the hash-chained audit log (DESIGN §6).

    Django calls these hooks inside the transaction of the change, after saving (before deleting).
    """

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        services.back_office_recorded(actor=request.user, action="create", obj=obj, change=message)  # type: ignore[arg-type]
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        services.back_office_recorded(actor=request.user, action="update", obj=obj, change=message)  # type: ignore[arg-type]
        return super().log_change(request, obj, message)

    def log_deletions(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        for obj in queryset:
            services.back_office_recorded(actor=request.user, action="delete", obj=obj)  # type: ignore[arg-type]
        return super().log_deletions(request, queryset)


class MembershipInline(admin.TabularInline[Membership, User]):
    model = Membership
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["organisation"]
    filter_horizontal = ["provinces"]
    fields = ["organisation", "role", "team", "place_limited", "provinces", "is_active", "pending"]


@admin.register(User)
class KarpearUserAdmin(AuditedAdmin, UserAdmin):  # type: ignore[misc]
    inlines = [MembershipInline]
    list_display = ["username", "email", "language", "is_active", "is_staff", "last_login"]
    fieldsets = (*UserAdmin.fieldsets, ("Karpear", {"fields": ("language",)}))  # type: ignore[operator]


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin, SimpleHistoryAdmin):  # type: ignore[misc]
    list_display = ["short_name", "name", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["short_name", "name", "name_km"]
    filter_horizontal = ["provinces"]


@admin.register(Team)
class TeamAdmin(AuditedAdmin):
    list_display = ["name", "organisation"]
    autocomplete_fields = ["organisation"]


class BudgetLineInline(admin.TabularInline[BudgetLine, SubGrant]):
    model = BudgetLine
    extra = 0


class TargetForm(forms.ModelForm[Target]):
    """The unit chosen from the common ones (translated on the pages); a unit typed earlier stays offered."""

    unit = forms.ChoiceField(label=_("unit"), choices=Target.Unit.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = self.instance.unit if self.instance.pk else ""
        if current and current not in Target.Unit.values:
            self.fields["unit"].choices = [*Target.Unit.choices, (current, current)]  # type: ignore[attr-defined]

    class Meta:
        model = Target
        fields = ["subgrant", "indicator", "description", "description_km", "value", "unit", "province"]


class TargetInline(admin.TabularInline[Target, Programme]):
    model = Target
    form = TargetForm
    extra = 0
    fields = ["subgrant", "indicator", "description", "description_km", "value", "unit", "province"]


@admin.register(Programme)
class ProgrammeAdmin(AuditedAdmin, SimpleHistoryAdmin):  # type: ignore[misc]
    list_display = ["code", "name", "organisation", "donor", "start_date", "end_date"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["organisation", "donor"]
    inlines = [TargetInline]


@admin.register(SubGrant)
class SubGrantAdmin(AuditedAdmin, SimpleHistoryAdmin):  # type: ignore[misc]
    list_display = ["reference", "programme", "organisation", "start_date", "end_date", "currency"]
    list_filter = ["programme"]
    autocomplete_fields = ["organisation", "programme"]
    filter_horizontal = ["provinces"]
    inlines = [BudgetLineInline]


# ---------------------------------------------------------------- secrets: shown to nobody
# django-otp's own screens show each authenticator's key (and its QR code) and each backup code. Karpear's
# show that a device exists and let staff remove it (the user then enrols again); removing one also revokes
# the user's API tokens. API tokens are stored as hashes: there is no key to show, only the token to revoke.
for _model in (TOTPDevice, StaticDevice):
    with contextlib.suppress(admin.sites.NotRegistered):
        admin.site.unregister(_model)


class _ReadOnlyAdmin(AuditedAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class _DeviceAdmin(_ReadOnlyAdmin):
    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
    list_filter = ["confirmed"]
    search_fields = ["user__username"]
    fields = ["user", "name", "confirmed", "created_at", "last_used_at"]
    readonly_fields = fields

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.two_factor_device_removed(actor=request.user, user=obj.user)  # type: ignore[arg-type]
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for user in {device.user for device in queryset.select_related("user")}:
            services.two_factor_device_removed(actor=request.user, user=user)  # type: ignore[arg-type]
        super().delete_queryset(request, queryset)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(_DeviceAdmin):
    pass


@admin.register(StaticDevice)
class StaticDeviceAdmin(_DeviceAdmin):
    pass


@admin.register(ApiToken)
class ApiTokenAdmin(_ReadOnlyAdmin):
    list_display = ["user", "prefix", "two_factor", "created_at", "last_used_at", "expires_at", "created_ip"]
    list_filter = ["two_factor"]
    search_fields = ["user__username"]
    fields = ["user", "prefix", "two_factor", "created_at", "last_used_at", "expires_at", "created_ip"]
    readonly_fields = fields
