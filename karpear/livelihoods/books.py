"""A savings group's books in double entry, derived from its ledger (issue 12, item 3), never typed twice.

Each ledger entry becomes a balanced journal line: its `amount` is a debit of the cash account of its fund, its
`principal` a debit of loans receivable, and what balances the two goes to the one account its kind names
(shares to members' savings, a service charge to income, a write-off to expenses…). So every entry balances
by construction, a reversing entry (the same amounts negated) undoes exactly what its entry did, and the trial
balance of any period sums to zero. Pure functions over (kind, fund, amount, principal) sums: the selectors
fetch them in one grouped query.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from karpear.livelihoods import vsla

ZERO = Decimal(0)


class Nature(StrEnum):
    ASSET = "asset"
    EQUITY = "equity"
    INCOME = "income"
    EXPENSE = "expense"


@dataclass(frozen=True)
class Account:
    code: str
    name: str | Promise
    nature: Nature

    @property
    def debit_normal(self) -> bool:
        return self.nature in (Nature.ASSET, Nature.EXPENSE)


CASH_LOAN_FUND = Account("1010", _("Cash in the loan fund"), Nature.ASSET)
CASH_SOCIAL_FUND = Account("1020", _("Cash in the social fund"), Nature.ASSET)
LOANS = Account("1100", _("Loans to members"), Nature.ASSET)
SAVINGS = Account("3010", _("Members' savings (shares)"), Nature.EQUITY)
SOCIAL_FUND = Account("3020", _("Social fund"), Nature.EQUITY)
OPENING = Account("3030", _("Opening balances"), Nature.EQUITY)
DISTRIBUTED = Account("3040", _("Profit paid out at share-out"), Nature.EQUITY)
CHARGES = Account("4010", _("Service charges"), Nature.INCOME)
FINES = Account("4020", _("Fines"), Nature.INCOME)
OTHER_INCOME = Account("4030", _("Other income"), Nature.INCOME)
EXPENSES = Account("5010", _("Group expenses"), Nature.EXPENSE)
WRITTEN_OFF = Account("5020", _("Loans written off"), Nature.EXPENSE)
ACCOUNTS = [
    CASH_LOAN_FUND,
    CASH_SOCIAL_FUND,
    LOANS,
    SAVINGS,
    SOCIAL_FUND,
    OPENING,
    DISTRIBUTED,
    CHARGES,
    FINES,
    OTHER_INCOME,
    EXPENSES,
    WRITTEN_OFF,
]

# The account that balances an entry of each kind (ledger kinds: livelihoods.models.LedgerEntry.Kind).
COUNTER = {
    "opening": OPENING,
    vsla.SHARES: SAVINGS,
    vsla.SOCIAL: SOCIAL_FUND,
    vsla.REPAYMENT: CHARGES,  # a repayment's cash is its principal: nothing is left to balance
    vsla.CHARGE: CHARGES,
    vsla.FINE: FINES,
    vsla.SOCIAL_PAYOUT: SOCIAL_FUND,
    vsla.LOAN: CHARGES,  # as for a repayment: cash out equals principal lent
    "income": OTHER_INCOME,
    "expense": EXPENSES,
    "write_off": WRITTEN_OFF,
    "share_out_savings": SAVINGS,
    "share_out_profit": DISTRIBUTED,
}


@dataclass(frozen=True)
class Movement:
    """Ledger entries summed by kind and fund."""

    kind: str
    fund: str
    amount: Decimal  # cash into (+) or out of (−) the fund
    principal: Decimal  # change of the principal owed to the group


def journal(movement: Movement) -> dict[Account, Decimal]:
    """The debits (+) and credits (−) of a movement; they always sum to zero."""
    cash = CASH_SOCIAL_FUND if movement.fund == vsla.SOCIAL_FUND else CASH_LOAN_FUND
    lines: dict[Account, Decimal] = defaultdict(lambda: ZERO)
    lines[cash] += movement.amount
    lines[LOANS] += movement.principal
    lines[COUNTER[movement.kind]] -= movement.amount + movement.principal
    return {account: value for account, value in lines.items() if value}


def debits(movements: Iterable[Movement]) -> dict[Account, Decimal]:
    """Each account's balance as a debit (+) or a credit (−)."""
    totals: dict[Account, Decimal] = defaultdict(lambda: ZERO)
    for movement in movements:
        for account, value in journal(movement).items():
            totals[account] += value
    return totals


@dataclass(frozen=True)
class Line:
    account: Account
    debit: Decimal
    credit: Decimal

    @property
    def balance(self) -> Decimal:
        """In the account's normal direction: assets and expenses as debits, the others as credits."""
        return self.debit - self.credit if self.account.debit_normal else self.credit - self.debit


@dataclass(frozen=True)
class TrialBalance:
    lines: list[Line]

    @property
    def debit(self) -> Decimal:
        return sum((line.debit for line in self.lines), ZERO)

    @property
    def credit(self) -> Decimal:
        return sum((line.credit for line in self.lines), ZERO)

    @property
    def balances(self) -> bool:
        return self.debit == self.credit


def trial_balance(movements: Iterable[Movement]) -> TrialBalance:
    totals = debits(movements)
    return TrialBalance(
        [
            Line(account, max(totals[account], ZERO), max(-totals[account], ZERO))
            for account in ACCOUNTS
            if totals.get(account)
        ]
    )


@dataclass(frozen=True)
class IncomeStatement:
    income: list[Line]
    expenses: list[Line]

    @property
    def total_income(self) -> Decimal:
        return sum((line.balance for line in self.income), ZERO)

    @property
    def total_expenses(self) -> Decimal:
        return sum((line.balance for line in self.expenses), ZERO)

    @property
    def net(self) -> Decimal:
        return self.total_income - self.total_expenses


def income_statement(movements: Iterable[Movement]) -> IncomeStatement:
    """What the group earned and spent over the movements' period."""
    lines = trial_balance(movements).lines
    return IncomeStatement(
        [line for line in lines if line.account.nature == Nature.INCOME],
        [line for line in lines if line.account.nature == Nature.EXPENSE],
    )


@dataclass(frozen=True)
class BalanceSheet:
    assets: list[Line]
    equity: list[Line]
    earnings: Decimal  # income less expenses since the group began, kept in the group

    @property
    def total_assets(self) -> Decimal:
        return sum((line.balance for line in self.assets), ZERO)

    @property
    def total_equity(self) -> Decimal:
        return sum((line.balance for line in self.equity), ZERO) + self.earnings


def balance_sheet(movements: Iterable[Movement]) -> BalanceSheet:
    """What the group holds and whose it is, on a day: give it every movement up to that day."""
    lines = trial_balance(list(movements)).lines
    statement = IncomeStatement(
        [line for line in lines if line.account.nature == Nature.INCOME],
        [line for line in lines if line.account.nature == Nature.EXPENSE],
    )
    return BalanceSheet(
        [line for line in lines if line.account.nature == Nature.ASSET],
        [line for line in lines if line.account.nature == Nature.EQUITY],
        statement.net,
    )
