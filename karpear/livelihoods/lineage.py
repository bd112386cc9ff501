"""The lineage tree of an original animal, drawn on the server as SVG (no script, no library).

One row per animal, indented by its place in the tree (a daughter under her mother), with a line from the
mother down to each of her offspring: the drawing keeps its width however many generations and calves there
are, so it stays readable on a 360 px phone (it only grows longer).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

WIDTH = 320  # drawn at the width of a 360 px phone's card: one unit is about one pixel
ROW = 60
BOX = 52
INDENT = 20
PAD = 2


@dataclass(frozen=True)
class Node:
    key: int
    parent: int | None
    title: str  # first line, e.g. "♀ Cow · Srey 1"
    detail: str  # second line, e.g. "Generation 2 · household 4"
    ended: bool = False  # died or sold: drawn faded
    href: str = ""


@dataclass(frozen=True)
class Row:
    node: Node
    depth: int
    index: int


def layout(nodes: list[Node]) -> list[Row]:
    """The nodes in tree order (each after its parent, siblings in the order given), with their depth. A node
    whose parent is not among the nodes is drawn at the top level."""
    keys = {n.key for n in nodes}
    children: dict[int | None, list[Node]] = {}
    for node in nodes:
        parent = node.parent if node.parent in keys else None
        children.setdefault(parent, []).append(node)
    rows: list[Row] = []

    def walk(parent: int | None, depth: int) -> None:
        for node in children.get(parent, []):
            rows.append(Row(node, depth, len(rows)))
            walk(node.key, depth + 1)

    walk(None, 0)
    return rows


def draw(nodes: list[Node], label: str) -> SafeString:
    """The tree as an inline SVG element; `label` says what it shows to a screen reader."""
    rows = layout(nodes)
    height = max(len(rows), 1) * ROW
    where = {row.node.key: row for row in rows}
    parts: list[str] = []
    for row in rows:
        parent = where.get(row.node.parent) if row.node.parent is not None else None
        if parent is not None:  # the line from the mother down to her offspring
            x = PAD + parent.depth * INDENT + 10
            top = parent.index * ROW + BOX
            middle = row.index * ROW + BOX // 2
            parts.append(
                f'<path d="M{x} {top}V{middle}H{PAD + row.depth * INDENT}" fill="none" stroke="currentColor" '
                'stroke-opacity=".5"/>'
            )
    for row in rows:
        node, x, y = row.node, PAD + row.depth * INDENT, row.index * ROW
        style = ' stroke-dasharray="4 3" fill-opacity=".04"' if node.ended else ' fill-opacity=".08"'
        box = (
            f'<rect x="{x}" y="{y}" width="{WIDTH - PAD - x}" height="{BOX}" rx="6" fill="currentColor" '
            f'stroke="currentColor" stroke-opacity=".6"{style}/>'
            f'<text x="{x + 8}" y="{y + 21}" font-size="16" font-weight="600" fill="currentColor">'
            f"{escape(node.title)}</text>"
            f'<text x="{x + 8}" y="{y + 43}" font-size="14" fill="currentColor" fill-opacity=".8">'
            f"{escape(node.detail)}</text>"
        )
        if node.href:
            box = f'<a href="{escape(node.href)}">{box}</a>'
        parts.append(box)
    return format_html(
        '<svg class="lineage" viewBox="0 0 {} {}" width="100%" role="img" aria-label="{}"><title>{}</title>{}</svg>',
        WIDTH,
        height,
        label,
        label,
        mark_safe("".join(parts)),  # noqa: S308  # every text in it is escaped above
    )
