"""The words of the case timeline's lines (models.CaseEvent): each kind of event as a sentence in the reader's
language, filled from the values the service stored. No query."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from karpear.core import countries
from karpear.protection.models import (
    ClosureReason,
    FlagStatus,
    IdentificationStatus,
    PlacementKind,
    Stage,
    TraffickingEventType,
    TransitCentre,
)


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _named(detail: dict[str, Any]) -> str:
    khmer = (translation.get_language() or "").startswith("km")
    return str(detail.get("name_km") if khmer and detail.get("name_km") else detail.get("name_en", ""))


def line(kind: str, detail: dict[str, Any]) -> str:
    """The sentence of one timeline event."""
    if kind == "opened":
        return _("Case opened at %(centre)s") % {"centre": _label(TransitCentre, detail.get("transit_centre", ""))}
    if kind == "screened":
        suggestion = detail.get("suggestion")
        if not suggestion:
            return _("Screened, without a suggestion yet")
        return _("Screened: %(suggestion)s") % {"suggestion": _label(IdentificationStatus, suggestion)}
    if kind == "decided":
        return _("Identification decided: %(status)s") % {"status": _label(IdentificationStatus, detail["status"])}
    if kind == "context_saved":
        return _("What happened to the person recorded (recruitment, control, exploitation)")
    if kind == "trafficking_event":
        return _("Trafficking step recorded: %(event)s, %(origin)s → %(destination)s") % {
            "event": _label(TraffickingEventType, detail.get("event", "")),
            "origin": countries.name(detail.get("origin", "")),
            "destination": countries.name(detail.get("destination", "")),
        }
    if kind == "assessed":
        return _("Needs assessed")
    if kind == "plan_added":
        return _("Added to the service plan: %(service)s") % {"service": _named(detail)}
    if kind == "plan_removed":
        return _("Taken off the service plan: %(service)s") % {"service": _named(detail)}
    if kind == "plan_submitted":
        return _("Service plan sent for approval")
    if kind == "plan_approved":
        return _("Service plan approved")
    if kind == "plan_returned":
        return _("Service plan returned for changes")
    if kind == "service_delivered":
        return _("Service delivered: %(service)s (%(provider)s)") % {
            "service": _named(detail),
            "provider": str(detail.get("provider", "")).upper(),
        }
    if kind == "placed":
        return _("Placement: %(placement)s") % {"placement": _label(PlacementKind, detail.get("placement", ""))}
    if kind == "step_done":
        return _("Step done: %(step)s") % {"step": _named(detail)}
    if kind == "stage":
        return _("Moved on to the stage: %(stage)s") % {"stage": _label(Stage, detail.get("stage", ""))}
    if kind == "returned":
        return _("Returned home; follow-up visits scheduled")
    if kind == "visited":
        return _("Follow-up visit: composite score %(score)s") % {"score": detail.get("composite", "")}
    if kind == "closure_requested":
        return _("Closure asked for: %(reason)s") % {"reason": _label(ClosureReason, detail.get("reason", ""))}
    if kind == "closure_refused":
        return _("Closure refused: the case stays open")
    if kind == "retrafficking_reviewed":
        return _("Re-trafficking flag reviewed: %(status)s") % {"status": _label(FlagStatus, detail.get("status", ""))}
    if kind == "closed":
        return _("Case closed: %(reason)s") % {"reason": _label(ClosureReason, detail.get("reason", ""))}
    return kind
