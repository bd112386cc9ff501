"""Writing what users typed into files other programs open: no cell may become a formula.

A spreadsheet program runs a cell that starts with = + - or @ as a formula (and a tab or carriage return in
front can hide the sign), so a case number typed as `=HYPERLINK("http://…","Open")` would put a live link
into the M&E officer's file. Every export writes user-typed text through these helpers:

- XLSX: `text_cells` writes strings as text cells (never a formula) and marks those that start with such a
  character with Excel's quote prefix, so they stay text even when someone edits the cell;
- CSV: `safe_cell` puts an apostrophe in front of such a value, the usual defence (OWASP, "CSV injection").
"""

from __future__ import annotations

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
    """A row for a write-only XLSX sheet: strings as text cells, other values (numbers, dates, None) as they are.

    Characters XML cannot carry (control characters) are dropped rather than failing the whole export.
    """
    row: list[Any] = []
    for value in values:
        if not isinstance(value, str):
            row.append(value)
            continue
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"  # openpyxl would otherwise store a string starting with "=" as a formula
        if is_risky(value):
            cell.quotePrefix = True
        row.append(cell)
    return row
