"""The back office for the reference data (screening indicators and rules, the service catalogue, the lifecycle
steps and the sustainability survey): an administrator corrects an indicator's strength or text, adds one or a
whole list (the sexual-exploitation lists are still empty), and corrects a list's rule,
without a code change (DOMAIN §1). Every change is kept in the row's history and written to the audit chain.
Cases, screenings and decisions are absent: they are read only through the pages, scoped by core.access."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from karpear.core.admin import AuditedAdmin
from karpear.protection.models import Indicator, ScreeningRule, ServiceKind, StageStep, SustainabilityIndicator


@admin.register(Indicator)
class IndicatorAdmin(AuditedAdmin, SimpleHistoryAdmin):  # type: ignore[misc]
    list_display = ["code", "list", "dimension", "strength", "text_en", "verified", "active"]
    list_filter = ["list", "dimension", "strength", "verified", "active"]
    search_fields = ["code", "text_en", "text_km"]


@admin.register(ScreeningRule)
class ScreeningRuleAdmin(AuditedAdmin, SimpleHistoryAdmin):  # type: ignore[misc]
    list_display = ["list", "thresholds", "groups", "verified"]


@admin.register(ServiceKind)
class ServiceKindAdmin(AuditedAdmin, SimpleHistoryAdmin):  # type: ignore[misc]
    """The catalogue of services a plan is made of (item 3)."""

    list_display = ["code", "category", "name_en", "name_km", "duration", "chain", "active"]
    list_filter = ["category", "active"]
    search_fields = ["code", "name_en", "name_km"]


@admin.register(StageStep)
class StageStepAdmin(AuditedAdmin, SimpleHistoryAdmin):  # type: ignore[misc]
    """The steps each lifecycle stage requires (item 5)."""

    list_display = ["code", "stage", "text_en", "required", "order"]
    list_filter = ["stage", "required"]


@admin.register(SustainabilityIndicator)
class SustainabilityIndicatorAdmin(AuditedAdmin, SimpleHistoryAdmin):  # type: ignore[misc]
    """The reintegration sustainability survey's questions (item 5, DOMAIN §4)."""

    list_display = ["code", "domain", "text_en", "order", "active"]
    list_filter = ["domain", "active"]
