"""Writes of monitoring: the figures of manual indicators (DESIGN §4: keyword-only, atomic, access first,
audit last)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from karpear.core import access, audit
from karpear.core import indicators as declared
from karpear.core import services as core_services
from karpear.core.models import ExportJob, Programme, SubGrant, Target, User
from karpear.core.roles import Capability
from karpear.monitoring import selectors, standards
from karpear.monitoring.declarations import MonitoringCapability
from karpear.monitoring.models import ManualValue, Narrative, NarrativeSection, PeriodTarget

NARRATIVE_LIMIT = 8000


@transaction.atomic
def manual_value_record(
    *,
    actor: User,
    indicator: str,
    programme: Programme,
    subgrant: SubGrant | None,
    period_start: dt.date,
    period_end: dt.date,
    value: Decimal,
    source: str,
) -> ManualValue:
    """Record a figure of a manual indicator for the actor's organisation, in a programme it takes part in."""
    access.require(actor, MonitoringCapability.ENTER_FIGURES)
    membership = access.membership_for(actor)
    assert membership is not None  # require() passed
    # The programme row is locked: two officers entering the same period at once cannot both pass the check below.
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    errors: dict[str, str] = {}
    declaration = declared.indicator_for(indicator)
    if declaration is None or not declaration.manual:
        errors["indicator"] = _("Only the figures no record holds are entered by hand; this one is counted.")
    if period_end < period_start:
        errors["period_end"] = _("The end of the period is before its start.")
    if value < 0:
        errors["value"] = _("A figure cannot be negative.")
    if not source.strip():
        errors["source"] = _("Say where the figure comes from (an attendance sheet, a head count).")
    takes_part = (
        programme.organisation_id == membership.organisation_id
        or SubGrant.objects.filter(programme=programme, organisation_id=membership.organisation_id).exists()
    )
    if not takes_part:
        errors["programme"] = _("Your organisation takes no part in this programme.")
    if subgrant is not None and (
        subgrant.programme_id != programme.pk or subgrant.organisation_id != membership.organisation_id
    ):
        errors["subgrant"] = _("Choose one of your organisation's sub-grants of this programme.")
    if (
        not errors
        and ManualValue.objects.filter(
            indicator=indicator,
            programme=programme,
            organisation_id=membership.organisation_id,
            period_start__lte=period_end,
            period_end__gte=period_start,
        ).exists()
    ):
        errors["period_start"] = _("A figure of this indicator is already entered for a period overlapping this one.")
    if errors:
        raise ValidationError(errors)
    entry = ManualValue.objects.create(
        organisation_id=membership.organisation_id,
        indicator=indicator,
        programme=programme,
        subgrant=subgrant,
        period_start=period_start,
        period_end=period_end,
        value=value,
        source=source.strip(),
        entered_by=actor,
    )
    audit.record(actor=actor, action="create", obj=entry, indicator=indicator, value=str(value))
    return entry


def report_request(*, actor: User, programme: Programme, period: str, fmt: str = "xlsx") -> ExportJob:
    """Ask for the programme's donor report for a period (XLSX or PDF; a year's is the annual report), built in the background as the actor (their
    reach and small-cell suppression hold in the file). Needs view_aggregates; audited as an export by core."""
    access.require(actor, Capability.VIEW_AGGREGATES)
    programme = access.get_programme_for_user(actor, programme.uuid)
    chosen = selectors.parse_period(period)
    return core_services.export_request(
        actor=actor,
        kind="monitoring_donor_report",
        fmt=fmt,
        params={"programme": str(programme.uuid), "period": chosen.key},
        programme=programme.code,
        period=chosen.key,
    )


@dataclass(frozen=True)
class CtdcPreview:
    """What the CTDC export would do now: how many cases it reads and how many k-anonymity would suppress."""

    records: int
    suppressed: int
    without_consent: int

    @property
    def exported(self) -> int:
        return self.records - self.suppressed


def ctdc_preview(*, actor: User, period: str) -> CtdcPreview:
    access.require(actor, MonitoringCapability.EXPORT_CASES)
    chosen = selectors.parse_period(period)
    found = standards.cases(actor, start=chosen.start, end=chosen.end)
    result = standards.anonymise([standards.ctdc_row(case) for case in found.cases], standards.K)
    return CtdcPreview(result.records, result.suppressed, found.without_consent)


def standard_export_request(
    *, actor: User, kind: str, fmt: str, period: str, accept_suppression: bool = False
) -> ExportJob:
    """Ask for a standard export (HTCDS, CTDC, Primero) of the organisation's protection cases with consent for
    statistics. Needs monitoring_export_cases; audited as an export by core. Refused when no case has that consent;
    for CTDC, refused when k cannot be met by any case, and — when some would be suppressed — unless the officer
    accepts that they are left out."""
    access.require(actor, MonitoringCapability.EXPORT_CASES)
    if kind not in standards.KINDS:
        raise ValidationError({"kind": _("Choose one of the standard exports.")})
    chosen = selectors.parse_period(period)
    found = standards.cases(actor, start=chosen.start, end=chosen.end)
    if not found.cases:
        raise ValidationError(
            {
                "period": _(
                    "No case of your organisation in this period has consent for data sharing for statistics "
                    "(%(without)s without it): there is nothing to export."
                )
                % {"without": found.without_consent}
            }
        )
    details: dict[str, Any] = {"period": chosen.key, "without_consent": found.without_consent}
    if kind == standards.CTDC:
        preview = standards.anonymise([standards.ctdc_row(case) for case in found.cases], standards.K)
        if not preview.rows:
            raise ValidationError(
                {
                    "period": _(
                        "k = %(k)s cannot be met: all %(records)s cases would be suppressed. Choose a longer period."
                    )
                    % {"k": standards.K, "records": preview.records}
                }
            )
        if preview.suppressed and not accept_suppression:
            raise ValidationError(
                {
                    "accept_suppression": _(
                        "To reach k = %(k)s, %(suppressed)s of %(records)s cases would be left out. "
                        "Tick the box to export the others."
                    )
                    % {"k": standards.K, "suppressed": preview.suppressed, "records": preview.records}
                }
            )
        details |= {"k": standards.K, "suppressed": preview.suppressed}
    return core_services.export_request(actor=actor, kind=kind, fmt=fmt, params={"period": chosen.key}, **details)


@transaction.atomic
def period_target_set(*, actor: User, target: Target, period: str, value: Decimal) -> PeriodTarget:
    """Set a programme target's value for a year or a quarter (again: the new value replaces the old). Only the
    organisation that manages the programme sets its targets (manage_programmes); audited."""
    access.require(actor, Capability.MANAGE_PROGRAMMES)
    membership = access.membership_for(actor)
    assert membership is not None
    # The target row is locked: two officers setting the same period at once leave one value, not an error.
    target = Target.objects.select_for_update().select_related("programme").get(pk=target.pk)
    programme = access.get_programme_for_user(actor, target.programme.uuid)
    errors: dict[str, str] = {}
    if programme.organisation_id != membership.organisation_id:
        errors["target"] = _("Only the organisation that manages the programme sets its targets.")
    chosen = selectors.parse_period(period)
    if not chosen.key:
        errors["period"] = _("Give a year (2026) or a quarter (2026-Q3).")
    elif chosen.end and chosen.start and (chosen.end < programme.start_date or chosen.start > programme.end_date):
        errors["period"] = _("This period is outside the programme's dates.")
    if value < 0:
        errors["value"] = _("A target cannot be negative.")
    if errors:
        raise ValidationError(errors)
    entry, _created = PeriodTarget.objects.update_or_create(
        target=target, period=chosen.key, defaults={"value": value, "set_by": actor}
    )
    audit.record(
        actor=actor, action="update", obj=entry, indicator=target.indicator, period=chosen.key, value=str(value)
    )
    return entry


@transaction.atomic
def narrative_save(
    *, actor: User, programme: Programme, period: str, texts: dict[str, str], seen: dict[str, int] | None = None
) -> list[Narrative]:
    """Save the donor report's written sections of a programme for a period. A section whose text changed gets its
    next version (the earlier ones are kept); an unchanged one is left alone. `seen` gives the version each
    section had when the writer opened it: if someone saved the section since, it is refused (nothing is
    overwritten unseen). Only an officer of the organisation managing the programme writes; each version is
    audited."""
    access.require(actor, MonitoringCapability.WRITE_NARRATIVE)
    membership = access.membership_for(actor)
    assert membership is not None  # require() passed
    # The programme row is locked: two writers saving the same section at once cannot take the same version.
    programme = access.get_programme_for_user(actor, programme.uuid)
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    if programme.organisation_id != membership.organisation_id:
        raise ValidationError(_("Only the organisation that manages the programme writes its report."))
    chosen = selectors.parse_period(period)
    errors: dict[str, str] = {}
    latest: dict[str, Narrative] = {}
    for row in Narrative.objects.filter(programme=programme, period=chosen.key).order_by("section", "-version"):
        latest.setdefault(row.section, row)
    changed: list[tuple[str, str]] = []
    for section, text in texts.items():
        if section not in NarrativeSection.values:
            errors[section] = _("There is no such section in the report.")
            continue
        text = text.strip().replace("\r\n", "\n")
        current = latest.get(section)
        if text == (current.text if current else ""):
            continue
        if len(text) > NARRATIVE_LIMIT:
            errors[section] = _("Keep a section under %(limit)s characters.") % {"limit": NARRATIVE_LIMIT}
            continue
        if seen is not None and seen.get(section, 0) != (current.version if current else 0):
            errors[section] = _(
                "Someone saved this section after you opened it. Your text is still in the box: read the "
                "latest version below, then save again."
            )
            continue
        changed.append((section, text))
    if errors:
        raise ValidationError(errors)
    saved = []
    for section, text in changed:
        current = latest.get(section)
        row = Narrative(
            programme=programme,
            period=chosen.key,
            section=section,
            version=(current.version if current else 0) + 1,
            text=text,
            written_by=actor,
        )
        row.full_clean()
        row.save()
        audit.record(
            actor=actor,
            action="update" if current else "create",
            obj=row,
            programme=programme.code,
            period=chosen.key,
            section=section,
            version=row.version,
        )
        saved.append(row)
    return saved
