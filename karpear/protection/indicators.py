"""What monitoring may count of protection (docs/writing-a-module.md): cases opened and screenings done, by the
survivor's sex, age group and province. Protection cases name no programme: a programme counts those of the
organisations taking part in it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from karpear.core.indicators import Indicator, Records, declare
from karpear.protection.models import (
    ProtectionCase,
    Screening,
    TraffickingEvent,
    TraffickingEventType,
    VictimContext,
)

PROTECTION_CASES_OPENED = declare(
    Indicator(
        code="protection_cases_opened",
        name=_("Protection cases opened"),
        definition=_("Survivors received (arrival date in the period), each case once."),
        unit="cases",
        app_label="protection",
        records=Records(
            queryset=lambda: ProtectionCase.objects.all(),
            date="arrived_on",
            province="person__province",
            person="person",
        ),
        drilldown="protection:case_detail",
    )
)

SURVIVORS_SCREENED = declare(
    Indicator(
        code="survivors_screened",
        name=_("Survivors screened"),
        definition=_("People screened against the trafficking indicators in the period (each person once)."),
        unit="people",
        app_label="protection",
        records=Records(
            queryset=lambda: Screening.objects.all(),
            date="screened_on",
            distinct="person",
            province="person__province",
            person="person",
        ),
    )
)


# ---------------------------------------------------------------- the victim context, for the standard exports
@dataclass(frozen=True)
class VictimContextRow:
    """What the HTCDS export reads of a case's victim context: codes and countries, never a name, a typed place or
    an exact date (the first event's year gives the age when trafficked)."""

    recruitment_methods: list[str]
    relationship_to_trafficker: str
    control_methods: list[str]
    exploitation_types: list[str]
    industry: str
    destination_country: str
    first_event_year: int | None
    exploitation_country: str  # the destination of the latest exploitation event (or of the latest event)
    exploitation_province: str  # its province's Latin name, when in Cambodia


def victim_context_rows(case_ids: Iterable[int]) -> dict[int, VictimContextRow]:
    """The victim context of each of these cases that has one or a trafficking event (two queries, whatever the
    number). The ids are the rows monitoring's scope already chose through PROTECTION_CASES_OPENED; nothing else is
    read and nothing identifying is returned."""
    ids = list(case_ids)
    contexts: dict[int, dict[str, Any]] = {
        row["case_id"]: dict(row)
        for row in VictimContext.objects.filter(case_id__in=ids).values(
            "case_id",
            "recruitment_methods",
            "relationship_to_trafficker",
            "control_methods",
            "exploitation_types",
            "industry",
            "destination_country",
        )
    }
    events: dict[int, list[dict[str, Any]]] = {}
    for event in (
        TraffickingEvent.objects.filter(case_id__in=ids, removed=False)
        .order_by("happened_on", "id")
        .values("case_id", "kind", "happened_on", "destination_country", "destination_province__name_en")
    ):
        events.setdefault(event["case_id"], []).append(dict(event))
    rows: dict[int, VictimContextRow] = {}
    for case_id in set(contexts) | set(events):
        context: dict[str, Any] = contexts.get(case_id, {})
        steps = events.get(case_id, [])
        exploited = [e for e in steps if e["kind"] == TraffickingEventType.EXPLOITATION] or steps
        last = exploited[-1] if exploited else None
        rows[case_id] = VictimContextRow(
            recruitment_methods=list(context.get("recruitment_methods") or []),
            relationship_to_trafficker=context.get("relationship_to_trafficker", ""),
            control_methods=list(context.get("control_methods") or []),
            exploitation_types=list(context.get("exploitation_types") or []),
            industry=context.get("industry", ""),
            destination_country=context.get("destination_country", ""),
            first_event_year=steps[0]["happened_on"].year if steps else None,
            exploitation_country=last["destination_country"] if last else "",
            exploitation_province=(last["destination_province__name_en"] or "") if last else "",
        )
    return rows
