"""Small-cell suppression, golden cases: what an aggregates-only viewer sees of a table and its total."""

from __future__ import annotations

from karpear.monitoring.suppression import COMPLEMENTARY as X
from karpear.monitoring.suppression import PRIMARY as P
from karpear.monitoring.suppression import suppress


def test_nothing_is_hidden_when_every_cell_is_five_or_more_or_zero() -> None:
    result = suppress([5, 0, 12], 17)
    assert result.cells == [None, None, None] and result.total is None


def test_one_small_cell_takes_the_next_smallest_with_it() -> None:
    # 3 alone hidden would be 25 - 10 - 12; hiding 10 too leaves 13 split two ways.
    result = suppress([3, 12, 10], 25)
    assert result.cells == [P, None, X] and result.total is None


def test_two_small_cells_whose_sum_is_under_five_take_a_third() -> None:
    # 1 + 2 = 3 hidden: the pair could only be (1, 2) or (2, 1); a third cell widens it.
    result = suppress([1, 2, 7, 9], 19)
    assert result.cells == [P, P, X, None]


def test_two_small_cells_adding_to_five_or_more_are_enough() -> None:
    result = suppress([3, 4, 20], 27)
    assert result.cells == [P, P, None]


def test_a_small_total_hides_every_non_zero_cell_and_itself() -> None:
    result = suppress([3, 0], 3)
    assert result.cells == [P, None] and result.total == P


def test_when_nothing_else_can_be_hidden_the_total_is() -> None:
    # One small cell, the other cells all zero: the total would give it away.
    result = suppress([0, 4, 0, 6], 10)
    assert result.cells == [None, P, None, X] and result.total is None
    lone = suppress([4, 0], 9)  # a unit counted elsewhere too: the total exceeds the cells
    assert lone.cells == [P, None] and lone.total == X
