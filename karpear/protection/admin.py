"""The back office for the screening's reference data: an administrator corrects an indicator's strength or
text, adds one or a whole list (the sexual-exploitation lists are still empty), and corrects a list's rule,
without a code change (DOMAIN §1). Every change is kept in the row's history and written to the audit chain.
Cases, screenings and decisions are absent: they are read only through the pages, scoped by core.access."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from karpear.core.admin import AuditedAdmin
from karpear.protection.models import Indicator, ScreeningRule


@admin.register(Indicator)
class IndicatorAdmin(AuditedAdmin, SimpleHistoryAdmin):  # type: ignore[misc]
    list_display = ["code", "list", "dimension", "strength", "text_en", "verified", "active"]
    list_filter = ["list", "dimension", "strength", "verified", "active"]
    search_fields = ["code", "text_en", "text_km"]


@admin.register(ScreeningRule)
class ScreeningRuleAdmin(AuditedAdmin, SimpleHistoryAdmin):  # type: ignore[misc]
    list_display = ["list", "thresholds", "groups", "verified"]
