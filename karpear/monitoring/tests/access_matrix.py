"""Monitoring's part of the access matrix (karpear/core/tests/matrix.py). Dashboards and indicators need core's
view_aggregates; the records page answers every such role and lists only what core.access lets it open (its
behaviour is tested in test_engine and test_views)."""

from __future__ import annotations

from typing import Any

from karpear.core.models import User
from karpear.core.roles import Capability
from karpear.core.tests.matrix import ObjectKind, RouteSpec, World
from karpear.monitoring.declarations import MonitoringCapability

AGGREGATES = Capability.VIEW_AGGREGATES


def _indicator(world: World, user: User, actor: str, name: str) -> dict[str, Any]:
    return {"code": "people_registered"}


KINDS = {"monitoring_indicator": ObjectKind(_indicator, lambda role, actor: True)}
ROUTES = {
    "monitoring:index": RouteSpec("list", AGGREGATES),
    "monitoring:organisation": RouteSpec("list", AGGREGATES),
    "monitoring:programme": RouteSpec("programme", AGGREGATES, capability_first=True),
    # POST: queues the report and redirects to the job page.
    "monitoring:report": RouteSpec("programme", AGGREGATES, capability_first=True, method="post"),
    "monitoring:indicator": RouteSpec("monitoring_indicator", AGGREGATES, capability_first=True),
    "monitoring:records": RouteSpec("monitoring_indicator", AGGREGATES, capability_first=True),
    "monitoring:manual_value_add": RouteSpec("list", MonitoringCapability.ENTER_FIGURES),
    "monitoring:exports": RouteSpec("list", MonitoringCapability.EXPORT_CASES),
    "monitoring:period_targets": RouteSpec("programme", Capability.MANAGE_PROGRAMMES, capability_first=True),
    # GET: the sections (read-only for an organisation that does not manage the programme); saving is tested in
    # test_narrative.
    "monitoring:narrative": RouteSpec("programme", MonitoringCapability.WRITE_NARRATIVE, capability_first=True),
    "monitoring_api:indicator-list": RouteSpec("list", AGGREGATES, api=True),
    "monitoring_api:indicator-detail": RouteSpec("monitoring_indicator", AGGREGATES, api=True, capability_first=True),
    "monitoring_api:progress-detail": RouteSpec("programme", AGGREGATES, api=True, capability_first=True),
}
