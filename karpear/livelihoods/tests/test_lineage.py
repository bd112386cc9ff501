"""The lineage tree's layout and drawing (no database): each animal after its mother, indented one step, a line
from the mother to each offspring, the width fixed whatever the depth, every text escaped."""

from __future__ import annotations

from karpear.livelihoods.lineage import INDENT, WIDTH, Node, draw, layout


def test_each_offspring_comes_after_its_mother_one_step_in_and_an_unknown_mother_starts_a_new_tree():
    nodes = [
        Node(1, None, "cow", "g1"),
        Node(2, 1, "calf a", "g2"),
        Node(3, 1, "calf b", "g2"),
        Node(4, 2, "grandcalf", "g3"),
        Node(5, 99, "replacement of an original", "g1"),
    ]
    rows = [(row.node.key, row.depth) for row in layout(nodes)]
    assert rows == [(1, 0), (2, 1), (4, 2), (3, 1), (5, 0)]


def test_the_tree_keeps_its_width_for_a_phone_and_escapes_its_text():
    chain = [Node(1, None, "<b>cow</b>", "g1", href="/a?x=1&y=2")] + [
        Node(n, n - 1, f"calf {n}", f"generation {n}", ended=n == 3) for n in range(2, 7)
    ]
    svg = str(draw(chain, 'Lineage of "Srey"'))
    assert f'viewBox="0 0 {WIDTH} {6 * 60}"' in svg and 'width="100%"' in svg
    assert svg.count("<path") == 5 and svg.count("stroke-dasharray") == 1  # one line per offspring; one ended
    assert "&lt;b&gt;cow&lt;/b&gt;" in svg and "/a?x=1&amp;y=2" in svg and "&quot;Srey&quot;" in svg
    deepest = 2 + 5 * INDENT
    assert f'<rect x="{deepest}" y="300" width="{WIDTH - 2 - deepest}"' in svg
