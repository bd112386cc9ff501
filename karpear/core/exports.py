"""Writing what users typed into files other programs open: no cell may become a formula.

A spreadsheet program runs a cell that starts with = + - or @ as a formula (and a tab or carriage return in
front can hide the sign), so a case number typed as `=HYPERLINK("http://…","Open")` would put a live link
into the M&E officer's file. Every export writes user-typed text through these helpers:

- XLSX: `text_cells` writes strings as text cells (never a formula) and marks those that start with such a
  character with Excel's quote prefix, so they stay text even when someone edits the cell;
- CSV: `safe_cell` puts an apostrophe in front of such a value, the usual defence (OWASP, "CSV injection").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def is_risky(value: str) -> bool:
    return value.startswith(FORMULA_TRIGGERS)


def safe_cell(value: Any) -> Any:
    """A value for a CSV cell: text that a spreadsheet would read as a formula gets a leading apostrophe."""
    if isinstance(value, str) and is_risky(value):
        return "'" + value
    return value


def text_cells(sheet: WriteOnlyWorksheet, values: Iterable[Any]) -> list[Any]:
    """A row for a write-only XLSX sheet: strings as text cells, dates as date cells (day/month/year), other
    values (numbers, None) as they are.

    Characters XML cannot carry (control characters) are dropped rather than failing the whole export.
    """
    row: list[Any] = []
    for value in values:
        if isinstance(value, dt.date):  # a date cell, shown day/month/year, that sorts and filters as a date
            date_cell = WriteOnlyCell(sheet, value=value)
            date_cell.number_format = "DD/MM/YYYY"
            row.append(date_cell)
            continue
        if not isinstance(value, str):
            row.append(value)
            continue
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"  # openpyxl would otherwise store a string starting with "=" as a formula
        if is_risky(value):
            cell.quotePrefix = True
        row.append(cell)
    return row


# ---------------------------------------------------------------- tables in any of the export formats
class TableWriter:
    """Rows of a table written as XLSX, CSV or JSON, with the protections above (for an export kind's runner).

        writer = TableWriter("csv", title="people")
        writer.header(["case_number", "sex"])
        writer.row(["CCPCR-2026-00001", "female"])
        content = writer.finish()

    CSV is UTF-8 with a byte-order mark (so Excel reads Khmer), every cell through `safe_cell`; XLSX cells
    through `text_cells`; JSON is a list of objects keyed by the header.
    """

    def __init__(self, fmt: str, *, title: str) -> None:
        if fmt not in ("xlsx", "csv", "json"):
            raise ValueError(f"a table cannot be written as {fmt!r}")
        self.fmt = fmt
        self._names: list[str] = []
        self._rows: list[dict[str, Any]] = []
        if fmt == "xlsx":
            from openpyxl import Workbook

            self._book = Workbook(write_only=True)
            self._sheet = self._book.create_sheet(title[:31])
        elif fmt == "csv":
            import csv
            import io

            self._text = io.StringIO()
            self._text.write("\ufeff")
            self._csv = csv.writer(self._text)

    def header(self, names: list[str]) -> None:
        self._names = list(names)
        if self.fmt == "xlsx":
            self._sheet.append(text_cells(self._sheet, names))
        elif self.fmt == "csv":
            self._csv.writerow([safe_cell(name) for name in names])

    def row(self, values: list[Any]) -> None:
        if self.fmt == "xlsx":
            self._sheet.append(text_cells(self._sheet, values))
        elif self.fmt == "csv":
            self._csv.writerow([safe_cell("" if value is None else value) for value in values])
        else:
            self._rows.append(dict(zip(self._names, values, strict=True)))

    def finish(self) -> bytes:
        if self.fmt == "xlsx":
            import io

            buffer = io.BytesIO()
            self._book.save(buffer)
            return buffer.getvalue()
        if self.fmt == "csv":
            return self._text.getvalue().encode("utf-8")
        import json

        return json.dumps(self._rows, ensure_ascii=False, default=str, indent=1).encode("utf-8")
