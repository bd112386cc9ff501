"""Small-cell suppression (DESIGN §5, DOMAIN §2): what aggregates-only viewers see of a table of counts.

A cell counting 1 to 4 people is shown as "<5" (primary suppression). A table's total is shown, so one hidden
cell could be worked out as total − the others: complementary suppression hides further cells, smallest first,
until at least two cells are hidden and the hidden cells add up to 5 or more (else their sum would pin them
down); when there is nothing left to hide, the total is hidden too. A zero is shown: "nobody" reveals no one.
Pure functions; the selectors apply them.
"""

from __future__ import annotations

from dataclasses import dataclass

SMALL = 5  # a cell under this many is never shown to an aggregates-only viewer

PRIMARY = "<5"
COMPLEMENTARY = "x"  # hidden so that a small cell cannot be worked out from the total


@dataclass(frozen=True)
class Suppressed:
    cells: list[str | None]  # per cell: None (shown), PRIMARY or COMPLEMENTARY
    total: str | None  # None (shown) or PRIMARY/COMPLEMENTARY


def small(value: int) -> bool:
    return 0 < value < SMALL


def suppress(values: list[int], total: int) -> Suppressed:
    """Which cells of a one-way table (and its total) to hide. `total` is what the table shows as its total
    (it may exceed the sum of the cells when a unit counts in several of them)."""
    marks: list[str | None] = [PRIMARY if small(value) else None for value in values]
    if small(total):
        return Suppressed([PRIMARY if value else None for value in values], PRIMARY)

    def hidden() -> list[int]:
        return [i for i, mark in enumerate(marks) if mark]

    while hidden() and (len(hidden()) < 2 or sum(values[i] for i in hidden()) < SMALL):
        candidates = [i for i, mark in enumerate(marks) if mark is None and values[i] > 0]
        if not candidates:
            # Nothing left to hide: hiding the total is the only way the hidden cells stay unknown.
            return Suppressed(marks, COMPLEMENTARY)
        marks[min(candidates, key=lambda i: (values[i], i))] = COMPLEMENTARY
    return Suppressed(marks, None)


def shown(value: int, mark: str | None) -> str:
    return mark if mark else str(value)
