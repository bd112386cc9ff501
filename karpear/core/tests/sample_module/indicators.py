"""The sample module's indicator: how an app declares what monitoring may count (docs/writing-a-module.md)."""

from __future__ import annotations

from karpear.core.indicators import Indicator, Records, declare
from karpear.core.tests.sample_module.models import Visit

VISITS = declare(
    Indicator(
        code="sample_visits",
        name="Visits",
        definition="Visits made in the period.",
        unit="sessions",
        app_label="sample_module",
        records=Records(queryset=lambda: Visit.objects.all(), date="created_at__date", person="person"),
        drilldown="sample_module:visit_detail",
    )
)
