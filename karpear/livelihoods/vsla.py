"""The arithmetic of a savings group (VSLA), free of the database (DOMAIN §3).

Everything a savings group computes is here, as plain functions over plain values, so that the services use
exactly what the golden and property tests check:

- `schedule()` and `accrued_charges()` — a loan's instalments and the service charge owed under each method:
  declining (rate × principal still owed, each month), flat (rate × original principal, each month the loan
  runs), one-off (rate × principal, once);
- `position()` — what a borrower owes on a day: principal, charges accrued and unpaid, and arrears against
  the schedule;
- `allocate_repayment()` — a repayment pays the charges owed first, then principal;
- `share_out()` — the end-of-cycle share-out: value per share, each member's payout with loans netted, the
  social fund left out, and largest-remainder rounding in the group's unit so the payouts add up exactly to the
  pool;
- `Book` — the group's cash box and loans as a meeting changes them, in the meeting order, refusing any step
  that breaks a rule (more shares than allowed, a loan above the limit or the cash, a repayment above what is
  owed, a fund going below zero). The meeting service loads a Book from the ledger, applies the screen's rows,
  and writes the entries the Book made.

Amounts are `Decimal`, in the cycle's currency; `minor` is the currency's smallest amount (1 riel, 0.01 dollar):
charges are rounded to it, half up.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from fractions import Fraction

DECLINING, FLAT, ONE_OFF = "declining", "flat", "one_off"
METHODS = (DECLINING, FLAT, ONE_OFF)
LOAN_FUND, SOCIAL_FUND = "loan_fund", "social_fund"
ZERO = Decimal(0)
HUNDRED = Decimal(100)


class RuleError(ValueError):
    """A step the group's rules refuse. `code` names the rule (tests and forms read it); the message is built
    by the caller in the user's language from `code` and `values`."""

    def __init__(self, code: str, **values: object) -> None:
        super().__init__(code)
        self.code = code
        self.values = values


# ---------------------------------------------------------------- small helpers
def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the last day of the month when it has fewer days)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def round_to(amount: Decimal | Fraction, unit: Decimal, rounding: str = ROUND_HALF_UP) -> Decimal:
    """`amount` rounded to a multiple of `unit` (half up by default)."""
    if isinstance(amount, Fraction):
        amount = Decimal(amount.numerator) / Decimal(amount.denominator)
    units = (amount / unit).quantize(Decimal(1), rounding=rounding)
    return units * unit


def percent_of(rate: Decimal, amount: Decimal, minor: Decimal) -> Decimal:
    return round_to(rate * amount / HUNDRED, minor)


# ---------------------------------------------------------------- loans
@dataclass(frozen=True)
class Terms:
    """A loan as it was given: principal, monthly rate in percent, term in months, method, the day it was
    given, and the currency's minor unit."""

    principal: Decimal
    rate: Decimal
    months: int
    method: str
    start: dt.date
    minor: Decimal = Decimal(1)

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown service-charge method {self.method!r}")
        if self.months < 1:
            raise ValueError("a loan runs at least one month")


@dataclass(frozen=True)
class Instalment:
    number: int
    due_on: dt.date
    principal: Decimal
    charge: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.charge


def schedule(terms: Terms) -> list[Instalment]:
    """The planned instalments: equal principal each month (the last takes what rounding left), and the
    charge of each month by the method: declining on the principal still owed that month, flat on the original
    principal, one-off once, with the last instalment."""
    base = round_to(terms.principal / terms.months, terms.minor, ROUND_DOWN)
    instalments = []
    owed = terms.principal
    for number in range(1, terms.months + 1):
        principal = base if number < terms.months else owed
        if terms.method == DECLINING:
            charge = percent_of(terms.rate, owed, terms.minor)
        elif terms.method == FLAT:
            charge = percent_of(terms.rate, terms.principal, terms.minor)
        else:
            charge = percent_of(terms.rate, terms.principal, terms.minor) if number == terms.months else ZERO
        instalments.append(Instalment(number, add_months(terms.start, number), principal, charge))
        owed -= principal
    return instalments


def _owed_at(terms: Terms, repaid: Sequence[tuple[dt.date, Decimal]], day: dt.date) -> Decimal:
    """Principal still owed after the repayments made on or before `day`."""
    return terms.principal - sum((amount for on, amount in repaid if on <= day), ZERO)


def accrued_charges(
    terms: Terms, repaid: Sequence[tuple[dt.date, Decimal]], as_of: dt.date, *, due_only: bool = False
) -> Decimal:
    """The service charge owed for the months of the term that have begun before `as_of` (a month begun is a
    month charged, as groups count it), on what was actually repaid:

    - declining: rate × the principal still owed when the month begins (after that day's repayments);
    - flat: rate × the original principal, for each month begun while principal is still owed;
    - one-off: rate × the principal, once, from the first day after the loan was given.

    No charge runs past the term: late repayment is fined by the group's rules instead. With `due_only`, only
    the months that have ended by `as_of` count (what is late when unpaid); a one-off charge is due at the end
    of the term.
    """
    total = ZERO
    if terms.method == ONE_OFF:
        due = add_months(terms.start, terms.months) <= as_of if due_only else as_of > terms.start
        return percent_of(terms.rate, terms.principal, terms.minor) if due else ZERO
    for month in range(1, terms.months + 1):
        begins = add_months(terms.start, month - 1)
        if begins >= as_of or (due_only and add_months(terms.start, month) > as_of):
            break
        owed = terms.principal if month == 1 else _owed_at(terms, repaid, begins)
        if owed <= 0:
            break
        base = owed if terms.method == DECLINING else terms.principal
        total += percent_of(terms.rate, base, terms.minor)
    return total


@dataclass(frozen=True)
class Position:
    """What a borrower owes on a day."""

    principal: Decimal  # still owed
    charges: Decimal  # accrued and not yet paid
    arrears: Decimal  # principal and charges due by the schedule and not paid
    days_overdue: int  # since the oldest instalment not fully paid fell due (0 when none)

    @property
    def owed(self) -> Decimal:
        return self.principal + self.charges


def position(
    terms: Terms,
    repaid: Sequence[tuple[dt.date, Decimal]],
    charges_paid: Decimal,
    as_of: dt.date,
    written_off: Decimal = ZERO,
) -> Position:
    """Principal and charges owed on `as_of`, and arrears against the schedule."""
    paid_principal = sum((amount for on, amount in repaid if on <= as_of), ZERO)
    principal = terms.principal - paid_principal - written_off
    charges = max(ZERO, accrued_charges(terms, repaid, as_of) - charges_paid)
    due_principal, oldest_unpaid = ZERO, None
    for instalment in schedule(terms):
        if instalment.due_on > as_of:
            break
        due_principal += instalment.principal
        if oldest_unpaid is None and due_principal > paid_principal + written_off:
            oldest_unpaid = instalment.due_on
    arrears = max(ZERO, due_principal - paid_principal - written_off)
    arrears += max(ZERO, accrued_charges(terms, repaid, as_of, due_only=True) - charges_paid)
    days = (as_of - oldest_unpaid).days if oldest_unpaid is not None and arrears > 0 else 0
    return Position(max(principal, ZERO), charges, arrears, days)


def allocate_repayment(amount: Decimal, charges_owed: Decimal, principal_owed: Decimal) -> tuple[Decimal, Decimal]:
    """(charge part, principal part) of a repayment: charges owed first, then principal. More than is owed is
    refused."""
    if amount <= 0:
        raise RuleError("repayment_not_positive")
    if amount > charges_owed + principal_owed:
        raise RuleError("repayment_above_owed", owed=charges_owed + principal_owed)
    charge = min(amount, charges_owed)
    return charge, amount - charge


# ---------------------------------------------------------------- share-out
@dataclass(frozen=True)
class Holding:
    """One member at the share-out: shares bought in the cycle and what they still owe (netted off)."""

    key: int
    shares: int
    owed: Decimal = ZERO


@dataclass(frozen=True)
class Payout:
    key: int
    shares: int
    gross: Decimal  # shares × value per share, rounded in the group's unit
    netted: Decimal  # the loan still owed, taken from the gross
    payout: Decimal  # what the member takes home


@dataclass(frozen=True)
class ShareOut:
    total_shares: int
    loan_fund_cash: Decimal
    netted: Decimal
    carried_forward: Decimal  # asked for by the group
    residue: Decimal  # less than one rounding unit: stays in the box with what is carried forward
    pool: Decimal  # loan-fund cash + loans netted − carried forward − residue: what the shares share
    value_per_share: Fraction
    payouts: tuple[Payout, ...]

    @property
    def paid_out(self) -> Decimal:
        """Cash taken out of the box."""
        return sum((p.payout for p in self.payouts), ZERO)

    @property
    def kept(self) -> Decimal:
        """Cash left in the box for the next cycle (besides the social fund)."""
        return self.carried_forward + self.residue


def share_out(holdings: Iterable[Holding], loan_fund_cash: Decimal, carry_forward: Decimal, unit: Decimal) -> ShareOut:
    """Divide the loan fund among the shares (DOMAIN §3).

    pool = loan-fund cash + loans still owed that are netted off − what the group carries forward; the social
    fund is not part of it. Value per share V = pool ÷ shares bought in the cycle. Each member's gross is
    shares × V, rounded down to the group's rounding unit; the units the rounding left are given one each to
    the members with the largest remainders (ties: more shares first, then the lower member number), so the
    gross amounts add up exactly to the pool. What is less than one unit stays in the box (`residue`). A
    member's payout is the gross less what they still owe; a member whose loan is larger than their gross
    cannot be netted (`RuleError("cannot_net")`): the loan must be repaid first.
    """
    holdings = sorted(holdings, key=lambda h: h.key)
    total_shares = sum(h.shares for h in holdings)
    if total_shares <= 0:
        raise RuleError("no_shares")
    if carry_forward < 0:
        raise RuleError("carry_forward_negative")
    netted = sum((h.owed for h in holdings), ZERO)
    available = loan_fund_cash + netted - carry_forward
    if available < 0:
        raise RuleError("carry_forward_above_pool", pool=loan_fund_cash + netted)
    units_total = int((available / unit).to_integral_value(rounding=ROUND_DOWN))
    pool = unit * units_total
    residue = available - pool
    exact = [Fraction(h.shares * units_total, total_shares) for h in holdings]
    units = [int(x) for x in exact]  # floor: shares and units are not negative
    left = units_total - sum(units)
    order = sorted(range(len(holdings)), key=lambda i: (-(exact[i] - units[i]), -holdings[i].shares, holdings[i].key))
    for i in order[:left]:
        units[i] += 1
    payouts = []
    unable = []
    for holding, count in zip(holdings, units, strict=True):
        gross = unit * count
        if holding.owed > gross:
            unable.append(holding.key)
        payouts.append(Payout(holding.key, holding.shares, gross, holding.owed, gross - holding.owed))
    if unable:
        raise RuleError("cannot_net", members=unable)
    return ShareOut(
        total_shares=total_shares,
        loan_fund_cash=loan_fund_cash,
        netted=netted,
        carried_forward=carry_forward,
        residue=residue,
        pool=pool,
        value_per_share=Fraction(pool) / total_shares,
        payouts=tuple(payouts),
    )


# ---------------------------------------------------------------- the book a meeting changes
@dataclass(frozen=True)
class Rules:
    """A cycle's constitution, as far as the arithmetic needs it."""

    share_price: Decimal
    min_shares: int
    max_shares: int
    social_fund: Decimal  # contribution per member per meeting
    loan_multiple: Decimal
    method: str
    rate: Decimal
    months: int
    minor: Decimal = Decimal(1)


@dataclass(frozen=True)
class Entry:
    """A ledger entry the book made: kind, fund, cash into (+) or out of (−) the fund, change of the loan's
    principal owed, change of the member's shares."""

    kind: str
    fund: str
    amount: Decimal
    member: int | None = None
    loan: object = None  # the loan's key in the book
    principal: Decimal = ZERO
    shares: int = 0


@dataclass
class LoanState:
    key: object
    member: int
    terms: Terms
    repaid: list[tuple[dt.date, Decimal]] = field(default_factory=list)
    charges_paid: Decimal = ZERO
    written_off: Decimal = ZERO

    def position(self, as_of: dt.date) -> Position:
        return position(self.terms, self.repaid, self.charges_paid, as_of, self.written_off)

    @property
    def open(self) -> bool:
        return self.terms.principal - sum((a for _d, a in self.repaid), ZERO) - self.written_off > 0


# Entry kinds (the ledger's; LedgerEntry.Kind has the same values).
SHARES, SOCIAL, REPAYMENT, CHARGE, FINE, SOCIAL_PAYOUT, LOAN = (
    "shares",
    "social_fund",
    "repayment",
    "charge",
    "fine",
    "social_payout",
    "loan",
)


@dataclass
class Book:
    """The group's box and loans during a meeting. Each step checks the rules against the running balances
    and records the entries it makes; a refused step raises RuleError and changes nothing."""

    rules: Rules
    loan_fund: Decimal = ZERO
    social_fund: Decimal = ZERO
    shares: dict[int, int] = field(default_factory=dict)
    loans: dict[object, LoanState] = field(default_factory=dict)
    entries: list[Entry] = field(default_factory=list)

    @property
    def cash(self) -> Decimal:
        return self.loan_fund + self.social_fund

    def savings(self, member: int) -> Decimal:
        return self.shares.get(member, 0) * self.rules.share_price

    def open_loans(self, member: int) -> list[LoanState]:
        return [loan for loan in self.loans.values() if loan.member == member and loan.open]

    def _add(self, entry: Entry) -> None:
        self.entries.append(entry)
        if entry.fund == LOAN_FUND:
            self.loan_fund += entry.amount
        else:
            self.social_fund += entry.amount
        if entry.shares and entry.member is not None:
            self.shares[entry.member] = self.shares.get(entry.member, 0) + entry.shares

    def buy_shares(self, member: int, count: int) -> None:
        if count == 0:
            return
        if count < 0:
            raise RuleError("shares_negative")
        if count > self.rules.max_shares:
            raise RuleError("shares_above_max", max=self.rules.max_shares)
        if count < self.rules.min_shares:
            raise RuleError("shares_below_min", min=self.rules.min_shares)
        self._add(Entry(SHARES, LOAN_FUND, count * self.rules.share_price, member, shares=count))

    def contribute_social(self, member: int, amount: Decimal) -> None:
        if amount <= 0:
            return
        self._add(Entry(SOCIAL, SOCIAL_FUND, amount, member))

    def repay(self, member: int, amount: Decimal, on: dt.date) -> None:
        if amount == 0:
            return
        loans = self.open_loans(member)
        if not loans:
            raise RuleError("no_loan")
        loan = loans[0]
        pos = loan.position(on)
        charge, principal = allocate_repayment(amount, pos.charges, pos.principal)
        if charge:
            self._add(Entry(CHARGE, LOAN_FUND, charge, member, loan.key))
            loan.charges_paid += charge
        if principal:
            self._add(Entry(REPAYMENT, LOAN_FUND, principal, member, loan.key, principal=-principal))
            loan.repaid.append((on, principal))

    def fine(self, member: int, amount: Decimal) -> None:
        if amount < 0:
            raise RuleError("amount_negative")
        if amount:
            self._add(Entry(FINE, LOAN_FUND, amount, member))

    def social_payout(self, member: int, amount: Decimal) -> None:
        if amount < 0:
            raise RuleError("amount_negative")
        if not amount:
            return
        if amount > self.social_fund:
            raise RuleError("social_fund_short", available=self.social_fund)
        self._add(Entry(SOCIAL_PAYOUT, SOCIAL_FUND, -amount, member))

    def loan_limit(self, member: int) -> Decimal:
        """The most a member may owe in all: the multiple of their savings (DOMAIN §3)."""
        return self.rules.loan_multiple * self.savings(member)

    def lend(self, member: int, amount: Decimal, on: dt.date, key: object) -> LoanState:
        if amount <= 0:
            raise RuleError("loan_not_positive")
        if amount != round_to(amount, self.rules.minor):
            raise RuleError("amount_not_whole", minor=self.rules.minor)
        if self.open_loans(member):
            raise RuleError("loan_already_open")
        limit = self.loan_limit(member)
        if amount > limit:
            raise RuleError("loan_above_limit", limit=limit, multiple=self.rules.loan_multiple)
        if amount > self.loan_fund:
            raise RuleError("loan_above_cash", available=self.loan_fund)
        terms = Terms(amount, self.rules.rate, self.rules.months, self.rules.method, on, self.rules.minor)
        loan = LoanState(key, member, terms)
        self.loans[key] = loan
        self._add(Entry(LOAN, LOAN_FUND, -amount, member, key, principal=amount))
        return loan
