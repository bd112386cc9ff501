"""The back office (Django admin) for system administrators: organisations, programmes, users, memberships.

People, identities, consents and the audit log are deliberately absent: they are read only through the
pages and API, where core.access scopes them and every read of an identity is audited.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from karpear.core.models import BudgetLine, Membership, Organisation, Programme, SubGrant, Target, Team, User


class MembershipInline(admin.TabularInline[Membership, User]):
    model = Membership
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["organisation"]
    filter_horizontal = ["provinces"]
    fields = ["organisation", "role", "team", "place_limited", "provinces", "is_active"]


@admin.register(User)
class KarpearUserAdmin(UserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "email", "language", "is_active", "is_staff", "last_login"]
    fieldsets = (*UserAdmin.fieldsets, ("Karpear", {"fields": ("language",)}))  # type: ignore[operator]


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ["short_name", "name", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["short_name", "name", "name_km"]
    filter_horizontal = ["provinces"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin[Team]):
    list_display = ["name", "organisation"]
    autocomplete_fields = ["organisation"]


class BudgetLineInline(admin.TabularInline[BudgetLine, SubGrant]):
    model = BudgetLine
    extra = 0


class TargetInline(admin.TabularInline[Target, Programme]):
    model = Target
    extra = 0
    fields = ["subgrant", "indicator", "description", "description_km", "value", "unit", "province"]


@admin.register(Programme)
class ProgrammeAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "organisation", "donor", "start_date", "end_date"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["organisation", "donor"]
    inlines = [TargetInline]


@admin.register(SubGrant)
class SubGrantAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "programme", "organisation", "start_date", "end_date", "currency"]
    list_filter = ["programme"]
    autocomplete_fields = ["organisation", "programme"]
    filter_horizontal = ["provinces"]
    inlines = [BudgetLineInline]


admin.site.site_header = "Karpear back office"
