"""The screening engine, rule by rule (DOMAIN §1), on plain data: no database."""

from __future__ import annotations

import pytest

from karpear.protection.screening import (
    NOT_IDENTIFIED,
    POSSIBLE,
    PRESUMED,
    RECRUITMENT_ACT,
    IndicatorFact,
    Rule,
    dimension_positive,
    suggest,
)

THRESHOLDS = [[2, 0, 0], [1, 1, 0], [1, 0, 1], [0, 3, 0], [0, 2, 1]]
RECRUITMENT = ["deceptive_recruitment", "coercive_recruitment", "recruitment_abuse_of_vulnerability"]
ADULT = Rule.of(
    THRESHOLDS,
    [RECRUITMENT, ["exploitative_conditions"], ["coercion_at_destination", "abuse_of_vulnerability_at_destination"]],
)
CHILD = Rule.of(THRESHOLDS, [[RECRUITMENT_ACT, *RECRUITMENT], ["exploitative_conditions"]])
DIMENSIONS = [
    *RECRUITMENT,
    "exploitative_conditions",
    "coercion_at_destination",
    "abuse_of_vulnerability_at_destination",
]


def _list() -> list[IndicatorFact]:
    """Per dimension: 2 strong, 3 medium, 2 weak indicators (codes `<dimension>:<s|m|w><n>`)."""
    facts = []
    for dimension in DIMENSIONS:
        for strength, letter, count in (("strong", "s", 2), ("medium", "m", 3), ("weak", "w", 2)):
            facts += [IndicatorFact(f"{dimension}:{letter}{n}", dimension, strength) for n in range(1, count + 1)]
    return facts


def _answers(*present: str) -> dict[str, bool]:
    """Every indicator answered: those named present, the rest absent."""
    return {fact.code: fact.code in present for fact in _list()}


# ---------------------------------------------------------------- when a dimension is positive
@pytest.mark.parametrize(
    ("counts", "positive"),
    [
        ((2, 0, 0), True),  # 2 strong
        ((1, 1, 0), True),  # 1 strong + 1 medium
        ((1, 0, 1), True),  # 1 strong + 1 weak
        ((0, 3, 0), True),  # 3 medium
        ((0, 2, 1), True),  # 2 medium + 1 weak
        ((1, 0, 0), False),  # 1 strong alone
        ((0, 2, 0), False),  # 2 medium
        ((0, 1, 2), False),  # 1 medium + 2 weak
        ((0, 0, 2), False),  # weak only
        ((0, 0, 0), False),
    ],
)
def test_a_dimension_is_positive_by_the_rule_of_domain_1(counts, positive):
    assert dimension_positive(counts, ADULT.thresholds) is positive


# ---------------------------------------------------------------- the adult rule
ADULT_PRESUMED = (
    "deceptive_recruitment:s1",
    "deceptive_recruitment:m1",  # recruitment: 1 strong + 1 medium
    "exploitative_conditions:m1",
    "exploitative_conditions:m2",
    "exploitative_conditions:m3",  # exploitation: 3 medium
    "coercion_at_destination:s1",
    "coercion_at_destination:s2",  # destination: 2 strong
)


def test_an_adult_with_recruitment_exploitation_and_destination_positive_is_a_presumed_victim():
    result = suggest(_list(), _answers(*ADULT_PRESUMED), ADULT)

    assert result.outcome == PRESUMED
    assert result.positive == ("deceptive_recruitment", "exploitative_conditions", "coercion_at_destination")
    assert result.groups_met == (True, True, True)
    by_dimension = {d.dimension: d for d in result.dimensions}
    assert by_dimension["deceptive_recruitment"].present == ("deceptive_recruitment:s1", "deceptive_recruitment:m1")
    assert by_dimension["exploitative_conditions"].counts == (0, 3, 0)


@pytest.mark.parametrize("left_out", ["recruitment", "exploitation", "destination"])
def test_an_adult_missing_one_group_is_a_possible_victim(left_out):
    groups = {"recruitment": ADULT_PRESUMED[:2], "exploitation": ADULT_PRESUMED[2:5], "destination": ADULT_PRESUMED[5:]}
    present = [code for name, codes in groups.items() if name != left_out for code in codes]

    result = suggest(_list(), _answers(*present), ADULT)

    assert result.outcome == POSSIBLE
    assert result.groups_met.count(False) == 1


def test_the_destination_group_takes_abuse_of_vulnerability_at_destination_too():
    present = [
        *ADULT_PRESUMED[:5],
        "abuse_of_vulnerability_at_destination:m1",
        "abuse_of_vulnerability_at_destination:m2",
    ]
    present.append("abuse_of_vulnerability_at_destination:w1")  # 2 medium + 1 weak

    assert suggest(_list(), _answers(*present), ADULT).outcome == PRESUMED


def test_indicators_that_make_no_dimension_positive_give_not_identified():
    present = ["deceptive_recruitment:s1", "exploitative_conditions:m1", "exploitative_conditions:m2"]

    result = suggest(_list(), _answers(*present), ADULT)

    assert result.outcome == NOT_IDENTIFIED
    assert result.positive == ()


def test_nothing_present_gives_not_identified():
    assert suggest(_list(), _answers(), ADULT).outcome == NOT_IDENTIFIED


# ---------------------------------------------------------------- the child rule: no means needed
def test_a_child_recruited_and_exploited_is_a_presumed_victim_without_any_means():
    present = ADULT_PRESUMED[2:5]  # exploitative conditions only: no deception, coercion or abuse

    result = suggest(_list(), _answers(*present), CHILD, recruited=True)

    assert result.outcome == PRESUMED
    assert result.groups_met == (True, True)


def test_a_child_exploited_but_not_recruited_is_a_possible_victim():
    assert suggest(_list(), _answers(*ADULT_PRESUMED[2:5]), CHILD, recruited=False).outcome == POSSIBLE


def test_a_child_recruited_but_not_exploited_is_not_identified():
    assert suggest(_list(), _answers(), CHILD, recruited=True).outcome == NOT_IDENTIFIED


# ---------------------------------------------------------------- no suggestion
def test_unanswered_indicators_give_no_suggestion_and_are_named():
    answers = _answers(*ADULT_PRESUMED)
    del answers["coercion_at_destination:w2"], answers["deceptive_recruitment:m3"]

    result = suggest(_list(), answers, ADULT)

    assert result.outcome is None
    assert result.missing == ("deceptive_recruitment:m3", "coercion_at_destination:w2")


def test_a_childs_recruitment_question_unanswered_gives_no_suggestion():
    result = suggest(_list(), _answers(*ADULT_PRESUMED), CHILD, recruited=None)

    assert (result.outcome, result.missing) == (None, (RECRUITMENT_ACT,))


def test_a_list_without_indicators_gives_no_suggestion():
    result = suggest([], {}, ADULT)

    assert (result.outcome, result.empty) == (None, True)


def test_a_corrected_rule_changes_the_suggestion_without_a_code_change():
    """An administrator who decides that 2 medium suffice (data, not code) gets that rule applied."""
    lenient = Rule.of([[0, 2, 0]], [["exploitative_conditions"]])

    result = suggest(_list(), _answers("exploitative_conditions:m1", "exploitative_conditions:m2"), lenient)

    assert result.outcome == PRESUMED
