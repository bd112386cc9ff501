"""The screening engine: from answers to the ILO–EC indicators, a *suggestion* (DOMAIN §1). Plain functions of
plain data, no database: services.py loads the indicators and the list's rule (both data an administrator may
correct) and stores what this returns.

- A dimension is positive when the indicators present in it reach one of the rule's thresholds, each a count of
  [strong, medium, weak] indicators (DOMAIN: 2 strong; or 1 strong + 1 medium or weak; or 3 medium; or 2 medium
  + 1 weak).
- Presumed victim: every group of the rule has a positive dimension (adult: a recruitment dimension AND
  exploitative conditions AND a destination dimension; child: recruitment — the act itself is enough, no means —
  AND exploitative conditions).
- Possible victim: at least one dimension is positive, the rule is not met.
- Not identified: no dimension is positive.
- No suggestion while any indicator (or, for a child, the recruitment question) is unanswered: the missing ones
  are named instead. A list with no indicators gives no suggestion either.

The result is a suggestion with the indicators and dimensions that produced it; the determination is a human
decision (services.determination_record).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

POSSIBLE = "possible"
PRESUMED = "presumed"
NOT_IDENTIFIED = "not_identified"
RECRUITMENT_ACT = "recruitment_act"  # a child's recruitment group: the act itself, without means
STRENGTHS = ("strong", "medium", "weak")


@dataclass(frozen=True)
class IndicatorFact:
    code: str
    dimension: str
    strength: str  # strong / medium / weak


@dataclass(frozen=True)
class Rule:
    thresholds: tuple[tuple[int, int, int], ...]  # [strong, medium, weak] minimums; any one suffices
    groups: tuple[tuple[str, ...], ...]  # every group needs a positive dimension (or the recruitment act)

    @classmethod
    def of(cls, thresholds: Iterable[Iterable[int]], groups: Iterable[Iterable[str]]) -> Rule:
        return cls(
            tuple((a, b, c) for a, b, c in (tuple(t) for t in thresholds)),
            tuple(tuple(g) for g in groups),
        )

    @property
    def asks_recruitment_act(self) -> bool:
        return any(RECRUITMENT_ACT in group for group in self.groups)


@dataclass(frozen=True)
class DimensionResult:
    dimension: str
    positive: bool
    counts: tuple[int, int, int]  # strong, medium, weak indicators present
    present: tuple[str, ...]  # codes of the indicators present


@dataclass(frozen=True)
class Suggestion:
    outcome: str | None  # possible / presumed / not_identified; None: no suggestion (see `missing`, `empty`)
    dimensions: tuple[DimensionResult, ...] = ()
    missing: tuple[str, ...] = ()  # indicator codes not answered (and RECRUITMENT_ACT when it is asked)
    groups_met: tuple[bool, ...] = ()
    empty: bool = False  # the list has no indicators yet
    positive: tuple[str, ...] = field(default=())  # the positive dimensions

    def as_evidence(self) -> dict[str, object]:
        """What is stored with the screening: the dimensions and indicators that produced the outcome."""
        return {
            "outcome": self.outcome,
            "positive": list(self.positive),
            "dimensions": {
                d.dimension: {"positive": d.positive, "counts": list(d.counts), "present": list(d.present)}
                for d in self.dimensions
            },
            "groups_met": list(self.groups_met),
            "missing": list(self.missing),
            "empty": self.empty,
        }


def dimension_positive(counts: tuple[int, int, int], thresholds: Iterable[tuple[int, int, int]]) -> bool:
    """Do these [strong, medium, weak] counts reach any of the thresholds?"""
    return any(all(have >= need for have, need in zip(counts, threshold, strict=True)) for threshold in thresholds)


def suggest(
    indicators: Iterable[IndicatorFact],
    answers: Mapping[str, bool],
    rule: Rule,
    *,
    recruited: bool | None = None,
) -> Suggestion:
    """The suggestion for these answers (indicator code → present), by `rule`."""
    indicators = list(indicators)
    if not indicators:
        return Suggestion(None, empty=True)
    missing = [i.code for i in indicators if i.code not in answers]
    if rule.asks_recruitment_act and recruited is None:
        missing.append(RECRUITMENT_ACT)
    if missing:
        return Suggestion(None, missing=tuple(missing))
    dimensions: dict[str, list[IndicatorFact]] = {}
    for indicator in indicators:
        dimensions.setdefault(indicator.dimension, [])
        if answers[indicator.code]:
            dimensions[indicator.dimension].append(indicator)
    results = []
    for name, present in dimensions.items():
        counts = (
            sum(1 for i in present if i.strength == "strong"),
            sum(1 for i in present if i.strength == "medium"),
            sum(1 for i in present if i.strength == "weak"),
        )
        results.append(
            DimensionResult(name, dimension_positive(counts, rule.thresholds), counts, tuple(i.code for i in present))
        )
    positive = {r.dimension for r in results if r.positive}
    if recruited:
        positive.add(RECRUITMENT_ACT)
    groups_met = tuple(any(d in positive for d in group) for group in rule.groups)
    if rule.groups and all(groups_met):
        outcome = PRESUMED
    elif positive - {RECRUITMENT_ACT}:
        outcome = POSSIBLE
    else:
        outcome = NOT_IDENTIFIED
    return Suggestion(
        outcome,
        dimensions=tuple(results),
        groups_met=groups_met,
        positive=tuple(r.dimension for r in results if r.positive),
    )
