"""The arithmetic of in-kind banks (DOMAIN §3), without the database: what a loan of kg costs, what cash at
the committee's price settles, when an offspring may be passed on. Pure functions, unit-tested."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from karpear.livelihoods.vsla import add_months

KG = Decimal("0.01")
HUNDRED = Decimal(100)


def kg(value: Decimal | int | float | str) -> Decimal:
    """A quantity to 10 grams (also a sum that SQLite added up in floating point: 0.0599999… → 0.06)."""
    return Decimal(value).quantize(KG, rounding=ROUND_HALF_UP)


def due_kg(borrowed: Decimal, interest_percent: Decimal) -> Decimal:
    """What a loan of `borrowed` kg repays: 100 kg at 10 % → 110 kg."""
    return kg(borrowed * (HUNDRED + interest_percent) / HUNDRED)


def due_on(lent_on: dt.date, term_months: int) -> dt.date:
    return add_months(lent_on, term_months)


def cash_for(owed: Decimal, price: Decimal, minor: Decimal = Decimal(1)) -> Decimal:
    """The cash that settles `owed` kg at `price` a kg, rounded up to the currency's smallest amount."""
    return (owed * price / minor).to_integral_value(rounding=ROUND_CEILING) * minor


def kg_settled_by(cash: Decimal, price: Decimal, owed: Decimal, minor: Decimal = Decimal(1)) -> Decimal | None:
    """The kg that `cash` at `price` a kg settles of `owed` kg; None when it is more than settles all of it.
    The cash that settles everything (rounded up to a whole riel) settles exactly `owed`."""
    full = cash_for(owed, price, minor)
    if cash > full:
        return None
    if cash == full:
        return owed
    return min(kg(cash / price), owed)


def pass_on_from(born_on: dt.date, holding_months: int) -> dt.date:
    """The first day an offspring born on `born_on` may go to the next household."""
    return add_months(born_on, holding_months)
