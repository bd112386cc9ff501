"""Server-rendered SVG charts: no script, no inline style (CSP), readable at 360 px (a viewBox that scales to the
page's width) and printable. Hidden cells are drawn as hidden, never as zero.

The province map draws `data/provinces.json`: the ADM1 boundaries of geoBoundaries, projected and simplified
once, offline (`data/simplify_provinces.py`), 21 kB for the 25 provinces.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from karpear.core.templatetags.karpear import local_digits
from karpear.monitoring.selectors import Cell, Table

# Sequential palette, light to dark (readable in greyscale print); hidden cells in a neutral grey.
PALETTE = ("#e8f1f8", "#b9d3e9", "#7fb0d6", "#3f86bd", "#175e96")
EMPTY = "#f4f4f4"
HIDDEN = "#c8c8c8"
BAR = "#3f86bd"

type CellUrl = Callable[[Cell], str | None]


@cache
def _geo() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((Path(__file__).parent / "data" / "provinces.json").read_text())
    return data


def _n(value: float) -> str:
    return f"{value:.1f}"


def _link(url: str | None, inner: SafeString) -> SafeString:
    return format_html('<a href="{}">{}</a>', url, inner) if url else inner


def progress_bar(percent: Decimal | None, label: str) -> SafeString:
    """A bar of percent achieved (capped at the bar's end; the figure beside it says more than 100)."""
    width = 0 if percent is None else max(0, min(100, int(percent)))
    return format_html(
        '<svg class="bar" viewBox="0 0 100 8" preserveAspectRatio="none" role="img" aria-label="{}">'
        '<rect width="100" height="8" fill="{}"/><rect width="{}" height="8" fill="{}"/></svg>',
        label,
        EMPTY,
        width,
        BAR,
    )


def trend(table: Table, url_for: CellUrl) -> SafeString:
    """Bars, one a quarter; a hidden quarter is an outlined bar marked with its mark."""
    cells = table.cells
    if not cells:
        return mark_safe("")  # a constant
    width, height, top, bottom = 320, 170, 18, 30
    step = width / len(cells)
    peak = max([cell.value for cell in cells if not cell.mark] + [1])
    parts = []
    for index, cell in enumerate(cells):
        x = _n(index * step + step * 0.15)
        bar_width = _n(step * 0.7)
        label_x = _n(index * step + step / 2)
        if cell.mark:
            bar_height = (height - top - bottom) * 0.15
            shape = format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="{}" stroke-dasharray="3 2"/>',
                x,
                _n(height - bottom - bar_height),
                bar_width,
                _n(bar_height),
                HIDDEN,
            )
        else:
            bar_height = (height - top - bottom) * cell.value / peak
            shape = format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect>',
                x,
                _n(height - bottom - bar_height),
                bar_width,
                _n(bar_height),
                BAR,
                cell.label,
                local_digits(cell.shown),
            )
        value = format_html(
            '<text x="{}" y="{}" text-anchor="middle" font-size="11">{}</text>',
            label_x,
            _n(height - bottom - bar_height - 4),
            local_digits(cell.shown),
        )
        axis = format_html(
            '<text x="{}" y="{}" text-anchor="middle" font-size="10">{}</text>',
            label_x,
            height - bottom + 14,
            local_digits(cell.key.replace("-", " ")),
        )
        parts.append(_link(url_for(cell), mark_safe(shape + value)) + axis)  # noqa: S308  # escaped above
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}"><line x1="0" y1="{}" x2="{}" y2="{}" '
        'stroke="#888"/>{}</svg>',
        width,
        height,
        _("%(name)s by quarter") % {"name": table.label},
        height - bottom,
        width,
        height - bottom,
        mark_safe("".join(parts)),  # noqa: S308  # each part escaped above
    )


def _colour(value: int, peak: int) -> str:
    if value <= 0:
        return EMPTY
    return PALETTE[min(len(PALETTE) - 1, (value * len(PALETTE) - 1) // max(peak, 1))]


def province_map(table: Table, url_for: CellUrl, title: str, names: dict[str, str]) -> SafeString:
    """Cambodia's provinces coloured by the figure of each (darker: more); hidden provinces grey."""
    geo = _geo()
    by_code = {cell.key: cell for cell in table.cells}
    peak = table.peak
    shapes = []
    for code, path in sorted(geo["paths"].items()):
        cell = by_code.get(code)
        if cell is None:
            fill, text = EMPTY, "0"
        elif cell.mark:
            fill, text = HIDDEN, cell.shown
        else:
            fill, text = _colour(cell.value, peak), cell.shown
        name = cell.label if cell else names.get(code, code)
        shape = format_html(
            '<path d="{}" fill="{}" stroke="#555" stroke-width="0.6"><title>{}: {}</title></path>',
            path,
            fill,
            name,
            local_digits(text),
        )
        shapes.append(_link(url_for(cell) if cell else None, shape))
    legend = []
    for index, colour in enumerate((EMPTY, *PALETTE, HIDDEN)):
        legend.append(
            format_html(
                '<rect x="{}" y="{}" width="14" height="10" fill="{}" stroke="#555" stroke-width="0.4"/>',
                8 + index * 18,
                geo["height"] + 6,
                colour,
            )
        )
    legend.append(
        format_html(
            '<text x="{}" y="{}" font-size="10">{}</text>',
            8 + 7 * 18 + 4,
            geo["height"] + 15,
            _("0 · fewer → more · hidden"),
        )
    )
    return format_html(
        '<svg class="map" viewBox="0 0 {} {}" role="img" aria-label="{}">{}{}</svg>',
        int(geo["width"]),
        int(geo["height"] + 24),
        title,
        mark_safe("".join(shapes)),  # noqa: S308  # each shape escaped above
        mark_safe("".join(legend)),  # noqa: S308
    )
