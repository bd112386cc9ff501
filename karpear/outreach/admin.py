"""The back office for the portal's published content: pages, passport fees and offices, the directory of who
can help, and the help desks that receive requests. Help requests themselves are not here: staff read and
triage them on their pages, where core.access scopes them and every reading is audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from karpear.core.admin import AuditedAdmin
from karpear.outreach.models import HelpContact, HelpDesk, PassportFee, PassportOffice, Topic


@admin.register(Topic)
class TopicAdmin(AuditedAdmin):
    list_display = ("slug", "title_en", "title_km", "last_verified", "is_published")
    list_filter = ("is_published",)


@admin.register(PassportFee)
class PassportFeeAdmin(AuditedAdmin):
    list_display = ("age", "working_days", "amount_usd", "last_verified", "is_published")


@admin.register(PassportOffice)
class PassportOfficeAdmin(AuditedAdmin):
    list_display = ("name_en", "name_km", "last_verified", "is_published")


@admin.register(HelpContact)
class HelpContactAdmin(AuditedAdmin):
    list_display = ("name_en", "kind", "phone", "province", "district", "commune", "last_verified", "is_published")
    list_filter = ("kind", "is_published", "province")
    search_fields = ("name_en", "name_km", "phone")
    raw_id_fields = ("district", "commune")


@admin.register(HelpDesk)
class HelpDeskAdmin(AuditedAdmin):
    list_display = ("organisation", "is_default", "is_active")
    filter_horizontal = ("provinces",)

    def get_queryset(self, request: Any) -> Any:
        return super().get_queryset(request).select_related("organisation")
