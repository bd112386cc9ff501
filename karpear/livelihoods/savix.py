"""SAVIX-style indicators of savings groups (DOMAIN §3), each defined once, here, with the formula shown to users.

Published definitions disagree (loan-fund utilisation is a stock ratio in one tool and a flow ratio in another;
portfolio at risk is balance-based or overdue-based), so Karpear states which it uses beside every figure and
in every export: the `formula` of each definition.

`Facts` are what the ledger says about one cycle on a day. They are sums and counts only, so the facts of many
groups add up (`Facts.__add__`) and a programme's ratios are computed from its totals — a programme's percentage of
women is women over members, never an average of the groups' percentages. Pure functions: no database here
(the selectors build the facts).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ZERO = Decimal(0)
HUNDRED = Decimal(100)
YEAR_DAYS = Decimal(365)


@dataclass(frozen=True)
class Facts:
    """One cycle (or the sum of several) on a day. Amounts in the cycle's currency; never mix currencies."""

    groups: int = 0
    members: int = 0  # members on the day
    women: int = 0  # of them, women
    members_left: int = 0  # members who left during the cycle
    attended: int = 0  # present, late or sent someone, over the cycle's meetings
    expected: int = 0  # members × meetings: who should have been there
    savings: Decimal = ZERO  # value of the shares bought in the cycle
    loan_fund: Decimal = ZERO  # cash in the loan fund
    social_fund: Decimal = ZERO  # cash in the social fund
    outstanding: Decimal = ZERO  # principal still owed
    outstanding_loans: int = 0
    borrowers: int = 0  # members with a loan outstanding
    at_risk: Decimal = ZERO  # principal still owed on loans with anything overdue
    disbursed: Decimal = ZERO  # principal lent in the cycle
    loans_disbursed: int = 0
    written_off: Decimal = ZERO  # principal written off in the cycle
    start_fund: Decimal = ZERO  # loan fund the cycle started with (carried over from the cycle before)
    days: int = 0  # days since the cycle started
    savings_days: Decimal = ZERO  # savings × days, so a sum of groups can be annualised

    def __add__(self, other: Facts) -> Facts:
        return Facts(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in dataclasses.fields(Facts)})

    @property
    def profit(self) -> Decimal:
        """What the loan fund earned in the cycle: what it holds and is owed, less what it started with and the
        members' savings (service charges, fines and other income, less expenses and write-offs)."""
        return self.loan_fund + self.outstanding - self.start_fund - self.savings

    @property
    def assets(self) -> Decimal:
        return self.loan_fund + self.social_fund + self.outstanding


def total(facts: Iterable[Facts]) -> Facts:
    result = Facts()
    for item in facts:
        result += item
    return result


def _ratio(part: Decimal | int, whole: Decimal | int, scale: Decimal = HUNDRED) -> Decimal | None:
    return None if not whole else Decimal(part) * scale / Decimal(whole)


def _annualised(part: Decimal, whole: Decimal, facts: Facts) -> Decimal | None:
    """part ÷ whole per year, over the cycle's days so far (for a sum of groups, days weighted by savings)."""
    if not whole or facts.days <= 0:
        return None
    days = facts.savings_days / facts.savings if facts.savings else Decimal(facts.days) / max(facts.groups, 1)
    if days <= 0:
        return None
    return part / whole * YEAR_DAYS / days * HUNDRED


class Unit:
    COUNT = "count"
    PERCENT = "percent"
    MONEY = "money"


@dataclass(frozen=True)
class Definition:
    code: str
    name: str | Promise
    formula: str | Promise
    unit: str
    compute: Callable[[Facts], Decimal | int | None]


DEFINITIONS: list[Definition] = [
    Definition("groups", _("Groups"), _("Groups with a cycle under way."), Unit.COUNT, lambda f: f.groups),
    Definition("members", _("Members"), _("Members on the day (joined, not left)."), Unit.COUNT, lambda f: f.members),
    Definition(
        "women_pct",
        _("Women"),
        _("Women members ÷ members × 100."),
        Unit.PERCENT,
        lambda f: _ratio(f.women, f.members),
    ),
    Definition(
        "attendance_pct",
        _("Attendance"),
        _("Members present, late or represented at the cycle's meetings ÷ members expected at them × 100."),
        Unit.PERCENT,
        lambda f: _ratio(f.attended, f.expected),
    ),
    Definition(
        "dropout_pct",
        _("Drop-out"),
        _("Members who left during the cycle ÷ (members now + members who left) × 100."),
        Unit.PERCENT,
        lambda f: _ratio(f.members_left, f.members + f.members_left),
    ),
    Definition(
        "savings",
        _("Savings"),
        _("Shares bought in the cycle × share price."),
        Unit.MONEY,
        lambda f: f.savings,
    ),
    Definition(
        "savings_per_member",
        _("Savings per member"),
        _("Savings ÷ members."),
        Unit.MONEY,
        lambda f: _ratio(f.savings, f.members, Decimal(1)),
    ),
    Definition(
        "loans_outstanding",
        _("Loans outstanding"),
        _("Loans not fully repaid on the day (how many)."),
        Unit.COUNT,
        lambda f: f.outstanding_loans,
    ),
    Definition(
        "loans_outstanding_value",
        _("Value of loans outstanding"),
        _("Principal still owed on the day."),
        Unit.MONEY,
        lambda f: f.outstanding,
    ),
    Definition(
        "members_with_loans_pct",
        _("Members with loans"),
        _("Members with a loan outstanding ÷ members × 100."),
        Unit.PERCENT,
        lambda f: _ratio(f.borrowers, f.members),
    ),
    Definition(
        "average_loan",
        _("Average loan"),
        _("Principal lent in the cycle ÷ loans given in the cycle."),
        Unit.MONEY,
        lambda f: _ratio(f.disbursed, f.loans_disbursed, Decimal(1)),
    ),
    Definition(
        "loan_fund_utilisation_pct",
        _("Loan-fund utilisation"),
        _(
            "A stock ratio: principal outstanding ÷ (principal outstanding + cash in the loan fund) × 100. "
            "(Some tools use a flow ratio, lent ÷ savings, instead.)"
        ),
        Unit.PERCENT,
        lambda f: _ratio(f.outstanding, f.outstanding + f.loan_fund),
    ),
    Definition(
        "portfolio_at_risk_pct",
        _("Portfolio at risk"),
        _(
            "Balance-based: principal still owed on loans with any repayment overdue ÷ principal outstanding × 100 "
            "(the whole balance of a late loan counts, not only the late instalment)."
        ),
        Unit.PERCENT,
        lambda f: _ratio(f.at_risk, f.outstanding),
    ),
    Definition(
        "written_off",
        _("Written off"),
        _("Principal written off in the cycle."),
        Unit.MONEY,
        lambda f: f.written_off,
    ),
    Definition(
        "net_worth",
        _("Net worth"),
        _(
            "Cash in the loan fund + cash in the social fund + principal outstanding (a savings group owes "
            "nothing to outsiders in Karpear's records, so its assets are its net worth)."
        ),
        Unit.MONEY,
        lambda f: f.assets,
    ),
    Definition(
        "return_on_savings_pct",
        _("Return on savings (a year)"),
        _(
            "Profit of the cycle so far ÷ savings, per year: × 365 ÷ days since the cycle started, × 100. "
            "Profit = loan fund + principal outstanding − loan fund at the start − savings."
        ),
        Unit.PERCENT,
        lambda f: _annualised(f.profit, f.savings, f),
    ),
    Definition(
        "return_on_assets_pct",
        _("Return on assets (a year)"),
        _("Profit of the cycle so far ÷ (loan fund + principal outstanding), × 365 ÷ days since the start, × 100."),
        Unit.PERCENT,
        lambda f: _annualised(f.profit, f.loan_fund + f.outstanding, f),
    ),
]
BY_CODE = {definition.code: definition for definition in DEFINITIONS}


@dataclass(frozen=True)
class Value:
    definition: Definition
    value: Decimal | int | None  # None: not defined for these facts (no members, no savings yet…)


def values(facts: Facts) -> list[Value]:
    return [Value(definition, definition.compute(facts)) for definition in DEFINITIONS]


def value(code: str, facts: Facts) -> Decimal | int | None:
    return BY_CODE[code].compute(facts)
