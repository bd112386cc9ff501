"""Standard exports of protection cases (issue 15 item 7, DOMAIN §2): HTCDS v2.0, a CTDC-shaped anonymised file
with k-anonymity, and a Primero-shaped case file. Built by core's export worker as the M&E officer who asked.

What is exported: the protection cases of the officer's organisation (the rows protection's indicator
`protection_cases_opened` counts — monitoring reads the module through its indicators only), of people whose latest
answer for "data sharing for statistics" is "given". No name, phone, case number or exact date leaves: these files
are for statistics, and they say how many cases were left out for want of consent.

The CTDC file follows the 2024 synthetic-data codebook (`data/ctdc_variables_v2024.csv`): age coarsened to
`ageBroad`, dates to a year, countries to ISO alpha-3. Then k-anonymity over the quasi-identifiers: a country
shared by fewer than k cases becomes NULL (the codebook's "some countries suppressed"), and every case whose
combination of quasi-identifiers is still shared by fewer than k cases is suppressed (left out). The file states k,
the quasi-identifiers and how many cases were suppressed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from babel.core import get_global
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from karpear.core import access, audit
from karpear.core import indicators as declared
from karpear.core.exports import TableWriter
from karpear.core.indicators import Scope
from karpear.core.models import Consent, ExportJob, User
from karpear.core.registry import ExportOutput
from karpear.monitoring import selectors
from karpear.protection import indicators as protection_indicators
from karpear.protection.indicators import VictimContextRow

DATA = Path(__file__).parent / "data"
CASES = "protection_cases_opened"  # the indicator whose rows are the cases exported

HTCDS = "monitoring_htcds"
CTDC = "monitoring_ctdc"
PRIMERO = "monitoring_primero"
KINDS = (HTCDS, CTDC, PRIMERO)

K = 11
QUASI_IDENTIFIERS = ("yearOfRegistration", "gender", "ageBroad", "citizenship", "CountryOfExploitation")
COUNTRY_QUASI_IDENTIFIERS = ("citizenship", "CountryOfExploitation")


# ---------------------------------------------------------------- reading the cases
@dataclass(frozen=True)
class Case:
    """What the standard exports read of one protection case (nothing that names the person)."""

    sex: str
    birth_year: int | None
    nationality: str
    province: str | None
    arrived_on: dt.date
    origin_country: str
    industry: str
    identification: str
    status: str
    context: VictimContextRow | None = None  # what happened (protection's victim context), when recorded

    @property
    def age(self) -> int | None:
        """Completed years reached in the year of arrival."""
        if self.birth_year is None or self.birth_year > self.arrived_on.year:
            return None
        return self.arrived_on.year - self.birth_year


@dataclass(frozen=True)
class Cases:
    cases: list[Case]
    without_consent: int  # cases of the scope left out: no "given" answer for statistics


FIELDS = {
    "sex": "person__sex",
    "birth_year": "person__birth_year",
    "nationality": "person__nationality",
    "province": "person__province_id",
    "arrived_on": "arrived_on",
    "origin_country": "origin_country",
    "industry": "industry",
    "identification": "identification",
    "status": "status",
}


def cases(user: User, *, start: dt.date | None = None, end: dt.date | None = None) -> Cases:
    """The organisation's protection cases arrived in the period, of people who consented to statistics."""
    indicator = declared.indicator_for(CASES)
    if indicator is None or indicator.records is None:
        raise ValidationError(_("No module records protection cases here, so there is nothing to export."))
    membership = access.membership_for(user)
    assert membership is not None
    qs = selectors.rows(indicator, Scope(frozenset({membership.organisation_id}), None, start, end))
    latest = Consent.objects.filter(person=OuterRef("person"), purpose=Consent.Purpose.STATISTICS).order_by(
        "-created_at", "-id"
    )
    qs = qs.annotate(
        statistics_given=Subquery(latest.values("given")[:1]),
        statistics_withdrawn=Subquery(latest.values("withdrawn_at")[:1]),
    )
    given: list[dict[str, Any]] = []
    without = 0
    for row in qs.values("pk", *FIELDS.values(), "statistics_given", "statistics_withdrawn").order_by(
        "arrived_on", "pk"
    ):
        if not row["statistics_given"] or row["statistics_withdrawn"] is not None:
            without += 1
            continue
        given.append(row)
    contexts = protection_indicators.victim_context_rows(row["pk"] for row in given)
    found = [
        Case(**{name: row[path] for name, path in FIELDS.items()}, context=contexts.get(row["pk"])) for row in given
    ]
    return Cases(found, without)


# ---------------------------------------------------------------- codes
@cache
def htcds_fields() -> dict[str, dict[str, Any]]:
    fields = json.loads((DATA / "htcds_fields_v2.0.json").read_text(encoding="utf-8"))["fields"]
    return {field["api_name"]: field for field in fields if "api_name" in field}


def htcds_values(api_name: str) -> list[str]:
    return [value["name"] for value in htcds_fields()[api_name]["values"] or []]


# CLDR aliases a withdrawn alpha-3 code to the same country as the current one (BUR and MMR both to MM): the current.
CURRENT_ALPHA3 = {"MM": "MMR", "CD": "COD", "DE": "DEU", "FR": "FRA", "TL": "TLS", "YE": "YEM"}


@cache
def _alpha3() -> dict[str, str]:
    """ISO 3166-1 alpha-2 → alpha-3, from CLDR's territory aliases (Babel)."""
    result: dict[str, str] = dict(CURRENT_ALPHA3)
    for alias, targets in get_global("territory_aliases").items():
        if len(alias) == 3 and alias.isalpha() and len(targets) == 1 and len(targets[0]) == 2:
            result.setdefault(targets[0], alias)
    return result


def alpha3(code: str) -> str | None:
    return _alpha3().get(code.upper()) if code else None


HTCDS_GENDER = {"female": "Feminine", "male": "Masculine", "other": "NonConforming", "unknown": "NonSpecifiedUnknown"}
HTCDS_CASE_STATUS = {
    "active": "Active",
    "follow_up": "FollowUp",
    "closed": "Closed",
    "closed_referred": "ClosedReferred",
}
# Screening says possible or presumed; only a formal identification makes an actual victim. "Not identified" at
# screening is no decision that the person is not a victim, so it is left empty, as is "not screened yet".
HTCDS_TRAFFICKING_STATUS = {
    "possible": "PossibleVictimOfTrafficking",
    "presumed": "PossibleVictimOfTrafficking",
    "identified": "ActualVictimOfTrafficking",
    "not_a_victim": "NotAVictimOfTrafficking",
}


def htcds_industry(letter: str) -> str | None:
    """An ISIC section letter as HTCDS names it (e.g. "F" → "F_Construction")."""
    if len(letter) != 1:
        return None
    return next((value for value in htcds_values("vic_ForcedLabourIndustry") if value.startswith(f"{letter}_")), None)


HTCDS_COLUMNS = (
    "prs_Gender",
    "prs_Citizenship",
    "vic_TraffickingStatus",
    "vic_AgeWhenTrafficked",
    "vic_MethodOfRecruitment",
    "vic_RelationshipToTrafficker",
    "vic_MethodsOfControl",
    "vic_TypeOfExploitation",
    "vic_ForcedLabourIndustry",
    "cas_Status",
    "hte_Type",
    "hte_Country",
    "hte_State",
)


def _age_when_trafficked(case: Case) -> int | None:
    """The age reached in the year of the first trafficking event recorded (to a year, as the birth year)."""
    year = case.context.first_event_year if case.context else None
    if year is None or case.birth_year is None or case.birth_year > year:
        return None
    return year - case.birth_year


def htcds_row(case: Case) -> dict[str, Any]:
    """One case in HTCDS v2.0 field names and value names. Multi-selects are lists (joined with ";" in CSV, as
    HTCDS's Salesforce origin stores them). The victim context (protection's, its values HTCDS's own names) fills
    recruitment, control, exploitation and the trafficking event; without one, the intake's industry and the
    country the person returned from stand for them. vic_AgeWhenTrafficked is the age in the year of the first
    trafficking event recorded, empty without one rather than guessed. The event is the case's exploitation (the
    latest recorded, else the intake's country), as one event per row; its exact date does not leave."""
    context = case.context
    industry = htcds_industry((context.industry if context else "") or case.industry)
    exploitation = list(context.exploitation_types) if context else []
    if not exploitation and industry:
        exploitation = ["ForcedLabour"]
    country = (context.exploitation_country or context.destination_country if context else "") or case.origin_country
    return {
        "prs_Gender": HTCDS_GENDER.get(case.sex),
        "prs_Citizenship": [alpha3(case.nationality)] if alpha3(case.nationality) else [],
        "vic_TraffickingStatus": HTCDS_TRAFFICKING_STATUS.get(case.identification),
        "vic_AgeWhenTrafficked": _age_when_trafficked(case),
        "vic_MethodOfRecruitment": list(context.recruitment_methods) if context else [],
        "vic_RelationshipToTrafficker": (context.relationship_to_trafficker or None) if context else None,
        "vic_MethodsOfControl": list(context.control_methods) if context else [],
        "vic_TypeOfExploitation": exploitation,
        "vic_ForcedLabourIndustry": industry if "ForcedLabour" in exploitation else None,
        "cas_Status": HTCDS_CASE_STATUS.get(case.status),
        "hte_Type": "Exploitation" if country else None,
        "hte_Country": alpha3(country),
        "hte_State": (context.exploitation_province or None) if context else None,
    }


# ---------------------------------------------------------------- CTDC
CTDC_GENDER = {"female": "Woman", "male": "Man", "other": "Trans/Transgender/NonConforming"}
CTDC_AGES = ((0, 8), (9, 17), (18, 20), (21, 23), (24, 26), (27, 29), (30, 38), (39, 47), (48, None))
CTDC_LABOUR = {
    "A": "typeOfLabourAgriculture",
    "F": "typeOfLabourConstruction",
    "T": "typeOfLabourDomesticWork",
    "I": "typeOfLabourHospitality",
}


@cache
def ctdc_columns() -> list[str]:
    import csv

    with (DATA / "ctdc_variables_v2024.csv").open(encoding="utf-8") as file:
        return [row["variable"] for row in csv.DictReader(file)]


def age_broad(age: int | None) -> str | None:
    if age is None:
        return None
    for first, last in CTDC_AGES:
        if age >= first and (last is None or age <= last):
            return f"{first}-{last}" if last is not None else f"{first}+"
    return None  # pragma: no cover (the last band is open)


def ctdc_row(case: Case) -> dict[str, Any]:
    """One case in the 27 variables of the CTDC 2024 codebook (NULL where Karpear records nothing)."""
    row: dict[str, Any] = dict.fromkeys(ctdc_columns())
    row["yearOfRegistration"] = case.arrived_on.year
    row["gender"] = CTDC_GENDER.get(case.sex)
    row["ageBroad"] = age_broad(case.age)
    row["citizenship"] = alpha3(case.nationality)
    row["CountryOfExploitation"] = alpha3(case.origin_country)
    if case.industry and case.industry not in ("other", "unknown"):
        row["isForcedLabour"] = 1
        labour = CTDC_LABOUR.get(case.industry)
        if labour:
            row[labour] = 1
    return row


@dataclass
class Anonymised:
    rows: list[dict[str, Any]]
    k: int
    records: int  # before suppression
    suppressed: int  # cases left out
    generalised: dict[str, int]  # per quasi-identifier, how many values were set to NULL

    @property
    def smallest_class(self) -> int:
        return smallest_class(self.rows)

    def summary(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "quasi_identifiers": list(QUASI_IDENTIFIERS),
            "records": self.records,
            "suppressed": self.suppressed,
            "exported": len(self.rows),
            "values_generalised": self.generalised,
        }


def _key(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[name] for name in QUASI_IDENTIFIERS)


def smallest_class(rows: Iterable[dict[str, Any]]) -> int:
    """The size of the smallest group of rows sharing every quasi-identifier (0 for no row)."""
    sizes = Counter(_key(row) for row in rows)
    return min(sizes.values(), default=0)


def anonymise(rows: list[dict[str, Any]], k: int = K) -> Anonymised:
    """Generalise rare countries to NULL, then suppress every row whose quasi-identifiers fewer than k share."""
    rows = [dict(row) for row in rows]
    generalised: dict[str, int] = {}
    for name in COUNTRY_QUASI_IDENTIFIERS:
        frequency = Counter(row[name] for row in rows)
        rare = {value for value, n in frequency.items() if value is not None and n < k}
        generalised[name] = sum(frequency[value] for value in rare)
        for row in rows:
            if row[name] in rare:
                row[name] = None
    sizes = Counter(_key(row) for row in rows)
    kept = [row for row in rows if sizes[_key(row)] >= k]
    return Anonymised(kept, k, len(rows), len(rows) - len(kept), generalised)


# ---------------------------------------------------------------- Primero
PRIMERO_STATUS = {"active": "open", "follow_up": "open", "closed": "closed", "closed_referred": "closed"}


def primero_row(case: Case) -> dict[str, Any]:
    """A case as Primero v2's API takes one (`{"data": {...}}`, field names of Primero's default case forms: to be
    checked against MoSVY's CPIMS+ configuration before the first transfer). Nothing identifying."""
    return {
        "data": {
            "sex": case.sex if case.sex in ("female", "male") else None,
            "age": case.age,
            "registration_date": case.arrived_on.replace(day=1).isoformat(),
            "status": PRIMERO_STATUS.get(case.status, "open"),
            "nationality": [case.nationality.lower()] if case.nationality else [],
            "protection_concerns": ["trafficked"],
            "location_current": case.province,
        }
    }


PRIMERO_COLUMNS = (
    "sex",
    "age",
    "registration_date",
    "status",
    "nationality",
    "protection_concerns",
    "location_current",
)


# ---------------------------------------------------------------- the export runners
def _flat(value: Any) -> Any:
    return ";".join(str(item) for item in value) if isinstance(value, list) else value


def _period(job: ExportJob) -> selectors.Period:
    return selectors.parse_period(job.params.get("period"))


def _table(fmt: str, title: str, columns: Iterable[str], rows: Iterable[dict[str, Any]]) -> bytes:
    writer = TableWriter(fmt, title=title)
    names = list(columns)
    writer.header(names)
    for row in rows:
        writer.row([row[name] if fmt == "json" else _flat(row[name]) for name in names])
    return writer.finish()


def _audited(job: ExportJob, **details: Any) -> Callable[[], None]:
    def commit() -> None:
        audit.record(actor=job.requested_by, action="export", obj=job, built=True, **details)

    return commit


def htcds_export(job: ExportJob, progress: Callable[[int, int], None]) -> ExportOutput:
    period = _period(job)
    found = cases(job.requested_by, start=period.start, end=period.end)
    rows = [htcds_row(case) for case in found.cases]
    progress(len(rows), len(rows))
    content = _table(job.format, "HTCDS", HTCDS_COLUMNS, rows)
    commit = _audited(job, standard="htcds", exported=len(rows), without_consent=found.without_consent)
    return ExportOutput(content, f"htcds-{period.key or 'all'}.{job.format}", rows=len(rows), commit=commit)


def ctdc_export(job: ExportJob, progress: Callable[[int, int], None]) -> ExportOutput:
    period = _period(job)
    found = cases(job.requested_by, start=period.start, end=period.end)
    result = anonymise([ctdc_row(case) for case in found.cases], K)
    if result.rows and result.smallest_class < K:  # pragma: no cover (anonymise() keeps only classes of k or more)
        raise RuntimeError("k-anonymity not reached")
    progress(result.records, result.records)
    summary = {**result.summary(), "without_consent": found.without_consent}
    if job.format == "json":
        content = json.dumps({**summary, "rows": result.rows}, ensure_ascii=False, indent=1).encode("utf-8")
    else:
        content = _table(job.format, "CTDC", ctdc_columns(), result.rows)
    commit = _audited(job, standard="ctdc", **summary)
    return ExportOutput(content, f"ctdc-k{K}-{period.key or 'all'}.{job.format}", rows=len(result.rows), commit=commit)


def primero_export(job: ExportJob, progress: Callable[[int, int], None]) -> ExportOutput:
    period = _period(job)
    found = cases(job.requested_by, start=period.start, end=period.end)
    records = [primero_row(case) for case in found.cases]
    progress(len(records), len(records))
    if job.format == "json":
        content = json.dumps(records, ensure_ascii=False, indent=1).encode("utf-8")
    else:
        content = _table(job.format, "Primero", PRIMERO_COLUMNS, [record["data"] for record in records])
    commit = _audited(job, standard="primero", exported=len(records), without_consent=found.without_consent)
    return ExportOutput(content, f"primero-{period.key or 'all'}.{job.format}", rows=len(records), commit=commit)


RUNNERS: dict[str, Callable[[ExportJob, Callable[[int, int], None]], ExportOutput]] = {
    HTCDS: htcds_export,
    CTDC: ctdc_export,
    PRIMERO: primero_export,
}
