"""Reading a list of people to check for likely matches (issue 16, item 4): a CSV or XLSX file a supervisor
uploads (a partner's list of returnees, a list of deportees handed over at the border), read into the
engine's records. Pure functions, no database.

The first row names the columns; each is recognised by its name in English or Khmer, in any case, and the
others are left out. At least one of the name columns is needed. A value that cannot be read (a birth year
that is not a year, a village code that is not eight digits) is left out of the row, not the row out of the
list: the row is matched on what remains. A row with nothing to match on is reported, not checked.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from karpear.core.text import has_khmer
from karpear.matching.engine import model as engine

MAX_BYTES = 5 * 1024 * 1024  # an uploaded list of at most 5 MB
MAX_ROWS = 20_000
MAX_LINES = 2 * MAX_ROWS  # lines read at most, empty ones included
MAX_COLUMNS = 60  # columns read at most

# column -> the header names it is known by (compared in lower case, spaces and "_" alike)
COLUMNS: dict[str, tuple[str, ...]] = {
    "reference": ("reference", "ref", "number", "no", "id", "លេខយោង", "លេខ"),
    "name_km": ("name_km", "name in khmer", "khmer name", "ឈ្មោះជាអក្សរខ្មែរ", "ឈ្មោះខ្មែរ"),
    "name_latin": ("name_latin", "name in latin letters", "latin name", "name in english", "ឈ្មោះជាអក្សរឡាតាំង"),
    "name": ("name", "full name", "ឈ្មោះ"),
    "sex": ("sex", "gender", "ភេទ"),
    "birth_year": ("birth_year", "birth year", "year of birth", "ឆ្នាំកំណើត"),
    "date_of_birth": ("date_of_birth", "date of birth", "dob", "ថ្ងៃខែឆ្នាំកំណើត"),
    "village": ("village", "village_code", "village code", "ភូមិ"),
    "commune": ("commune", "commune_code", "commune code", "ឃុំ", "ឃុំ/សង្កាត់"),
    "phone": ("phone", "telephone", "phone number", "លេខទូរស័ព្ទ"),
    "national_id": ("national_id", "national id", "id card", "id number", "អត្តសញ្ញាណប័ណ្ណ"),
    "passport": ("passport", "passport_number", "passport number", "លិខិតឆ្លងដែន"),
    "mother_name": ("mother_name", "mother's name", "mother", "ឈ្មោះម្ដាយ", "ម្ដាយ"),
}
NAME_COLUMNS = ("name_km", "name_latin", "name")
TEMPLATE_HEADER = [
    "reference",
    "name_km",
    "name_latin",
    "sex",
    "birth_year",
    "commune",
    "village",
    "phone",
    "national_id",
    "passport",
    "mother_name",
]
TEMPLATE_EXAMPLE = ["TH-0412", "សុខ ចាន់ធា", "Sok Chantha", "female", "1998", "200103", "", "012 345 678", "", "", ""]

_SEX = {
    "f": "female",
    "female": "female",
    "woman": "female",
    "girl": "female",
    "ស្រី": "female",
    "m": "male",
    "male": "male",
    "man": "male",
    "boy": "male",
    "ប្រុស": "male",
}
_YEAR = re.compile(r"(?<!\d)(19\d\d|20\d\d)(?!\d)")
_KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")


@dataclass(frozen=True)
class Row:
    """One row of the list: its number in the file (the header is row 1), its own reference, and what the
    engine compares."""

    number: int
    reference: str
    record: engine.Record | None  # None: nothing to match on

    def as_params(self) -> dict[str, Any]:
        r = self.record
        return {
            "number": self.number,
            "reference": self.reference,
            "record": None
            if r is None
            else {
                "name_km": r.name_km,
                "name_latin": r.name_latin,
                "birth_year": r.birth_year,
                "sex": r.sex,
                "village": r.village,
                "commune": r.commune,
                "phone": r.phone,
                "ids": list(r.ids),
                "mother_name": r.mother_name,
            },
        }

    @classmethod
    def from_params(cls, data: dict[str, Any]) -> Row:
        values = data.get("record")
        record = None
        if values is not None:
            record = engine.Record(key=f"row:{data['number']}", **{**values, "ids": tuple(values.get("ids") or ())})
        return cls(int(data["number"]), str(data.get("reference") or ""), record)


def read(name: str, content: bytes) -> list[Row]:
    """The rows of an uploaded list (CSV or XLSX, by its file name). Raises ValidationError, with a message for
    the user, when the file cannot be read as a list of people."""
    if len(content) > MAX_BYTES:
        raise ValidationError(_("The file is larger than 5 MB. Split the list and check each part."))
    lowered = name.lower()
    if lowered.endswith(".xlsx"):
        table = _xlsx_rows(content)
    elif lowered.endswith((".csv", ".txt")):
        table = _csv_rows(content)
    else:
        raise ValidationError(_("Choose a CSV or Excel (XLSX) file."))
    header = next(table, None)
    if header is None:
        raise ValidationError(_("The file is empty."))
    columns = _columns(header)
    if not any(c in columns.values() for c in NAME_COLUMNS):
        raise ValidationError(
            _("No column of names was found. The first row must name the columns, e.g. name_km, name_latin.")
        )
    rows: list[Row] = []
    for number, cells in enumerate(table, start=2):
        if number > MAX_LINES:  # empty lines count too: a sheet of a million empty rows is no list
            raise ValidationError(
                _("The list has more than %(limit)s people. Split it and check each part.") % {"limit": f"{MAX_ROWS:,}"}
            )
        if not any(str(cell or "").strip() for cell in cells[:MAX_COLUMNS]):
            continue  # an empty line
        if len(rows) >= MAX_ROWS:
            raise ValidationError(
                _("The list has more than %(limit)s people. Split it and check each part.") % {"limit": f"{MAX_ROWS:,}"}
            )
        rows.append(_row(number, {columns[i]: cell for i, cell in enumerate(cells) if i in columns}))
    if not rows:
        raise ValidationError(_("The file has no one to check below its first row."))
    return rows


def _csv_rows(content: bytes) -> Iterator[list[Any]]:
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        break
    else:
        raise ValidationError(_("The file could not be read as text. Save it as CSV (UTF-8) and try again."))
    if "\x00" in text:
        raise ValidationError(_("The file could not be read as text. Save it as CSV (UTF-8) and try again."))
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    for cells in csv.reader(io.StringIO(text, newline=""), dialect):
        yield cells[:MAX_COLUMNS]


def _xlsx_rows(content: bytes) -> Iterator[list[Any]]:
    """The first sheet's rows. openpyxl parses through defusedxml (a dependency), so a workbook carrying an XML
    bomb is refused like any unreadable one."""
    from xml.etree.ElementTree import ParseError
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    # defusedxml's refusals are ValueErrors; malformed XML is a ParseError
    unreadable = (BadZipFile, KeyError, IndexError, OSError, ValueError, ParseError)
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except unreadable as exc:
        raise ValidationError(_("The file could not be read as an Excel (XLSX) workbook.")) from exc
    try:
        for values in book.worksheets[0].iter_rows(max_col=MAX_COLUMNS, values_only=True):
            yield list(values)
    except unreadable as exc:
        raise ValidationError(_("The file could not be read as an Excel (XLSX) workbook.")) from exc
    finally:
        book.close()


def _columns(header: list[Any]) -> dict[int, str]:
    known = {_header_key(alias): column for column, aliases in COLUMNS.items() for alias in (column, *aliases)}
    found: dict[int, str] = {}
    for index, cell in enumerate(header[:MAX_COLUMNS]):
        column = known.get(_header_key(str(cell or "")))
        if column is not None and column not in found.values():
            found[index] = column
    return found


def _header_key(value: str) -> str:
    return re.sub(r"[\s_]+", " ", value.strip().lower())


def _text(value: Any, limit: int = 150) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()[:limit]


def _row(number: int, cells: dict[str, Any]) -> Row:
    name_km, name_latin = _text(cells.get("name_km")), _text(cells.get("name_latin"))
    either = _text(cells.get("name"))
    if either:
        if has_khmer(either) and not name_km:
            name_km = either
        elif not has_khmer(either) and not name_latin:
            name_latin = either
    names = []
    for value in (name_km, name_latin):
        try:
            names.append(engine.check_name(value))
        except engine.EmptyName:
            names.append("")  # only invisible characters or punctuation: no name
    name_km, name_latin = names
    ids = tuple(v for v in (_text(cells.get("national_id"), 30), _text(cells.get("passport"), 30)) if v)
    phone = _text(cells.get("phone"), 30)
    record = engine.Record(
        key=f"row:{number}",
        name_km=name_km,
        name_latin=name_latin,
        birth_year=_year(cells.get("birth_year")) or _year(cells.get("date_of_birth")),
        sex=_SEX.get(_text(cells.get("sex")).lower(), ""),
        village=_code(cells.get("village"), 8),
        commune=_code(cells.get("commune"), 6),
        phone=phone,
        ids=ids,
        mother_name=_text(cells.get("mother_name")),
    )
    has_something = name_km or name_latin or engine.phone_key(phone) or any(engine.id_key(v) for v in ids)
    return Row(number, _text(cells.get("reference"), 60), record if has_something else None)


def _year(value: Any) -> int | None:
    if isinstance(value, dt.date):
        return value.year
    found = _YEAR.search(_text(value).translate(_KHMER_DIGITS))
    if found is None:
        return None
    year = int(found.group())
    return year if 1900 <= year <= timezone.localdate().year else None


def _code(value: Any, width: int) -> str:
    digits = re.sub(r"\D", "", _text(value).translate(_KHMER_DIGITS))
    if len(digits) == width - 1:  # a spreadsheet dropped the leading zero (provinces 01-09)
        digits = "0" + digits
    return digits if len(digits) == width else ""


def template() -> bytes:
    """A CSV with the recognised columns and one example row (UTF-8 with a byte-order mark, for Excel)."""
    text = io.StringIO()
    text.write("\ufeff")
    writer = csv.writer(text)
    writer.writerow(TEMPLATE_HEADER)
    writer.writerow(TEMPLATE_EXAMPLE)
    return text.getvalue().encode()
