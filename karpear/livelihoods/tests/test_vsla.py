"""The savings-group arithmetic (karpear/livelihoods/vsla.py): DOMAIN §3's golden numbers, worked examples and
the invariants, as property tests over the arithmetic the services use."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from karpear.livelihoods import vsla
from karpear.livelihoods.vsla import DECLINING, FLAT, ONE_OFF, Book, Holding, RuleError, Rules, Terms

D = Decimal
START = dt.date(2026, 1, 5)


def _terms(method: str, principal: int = 300_000, rate: int = 10, months: int = 3) -> Terms:
    return Terms(D(principal), D(rate), months, method, START)


# ---------------------------------------------------------------- golden numbers (DOMAIN §3)
@pytest.mark.parametrize(("method", "charges"), [(DECLINING, 60_000), (FLAT, 90_000), (ONE_OFF, 30_000)])
def test_the_300000_riel_loan_over_3_months_at_10_percent_costs_60000_90000_or_30000(method, charges):
    plan = vsla.schedule(_terms(method))

    assert [i.principal for i in plan] == [D(100_000)] * 3
    assert sum(i.charge for i in plan) == D(charges)
    assert [i.due_on for i in plan] == [dt.date(2026, 2, 5), dt.date(2026, 3, 5), dt.date(2026, 4, 5)]


def test_declining_charges_30000_then_20000_then_10000():
    assert [i.charge for i in vsla.schedule(_terms(DECLINING))] == [D(30_000), D(20_000), D(10_000)]


@pytest.mark.parametrize(("method", "charges"), [(DECLINING, 60_000), (FLAT, 90_000), (ONE_OFF, 30_000)])
def test_the_charge_owed_when_repaid_on_schedule_is_the_golden_number(method, charges):
    repaid = [(vsla.add_months(START, 1), D(100_000)), (vsla.add_months(START, 2), D(100_000))]

    assert vsla.accrued_charges(_terms(method), repaid, vsla.add_months(START, 3)) == D(charges)


def test_share_out_of_a_member_with_45_of_900_shares_and_a_profit_of_900_is_270_at_value_6():
    # Share price 5: 900 shares are 4,500 of savings; with 900 of profit the pool is 5,400.
    others = [Holding(n, 45) for n in range(2, 21)]  # 19 members × 45 = 855 shares
    result = vsla.share_out([Holding(1, 45), *others], D(5_400), D(0), D(1))

    assert result.value_per_share == Fraction(6)
    assert result.payouts[0].payout == D(270)
    assert result.paid_out == D(5_400)


# ---------------------------------------------------------------- worked examples
def test_a_member_who_repays_everything_after_one_month_pays_one_months_declining_charge():
    repaid = [(vsla.add_months(START, 1), D(300_000))]
    position = vsla.position(_terms(DECLINING), repaid, D(0), vsla.add_months(START, 2))

    assert (position.principal, position.charges, position.arrears) == (D(0), D(30_000), D(30_000))


def test_a_loan_not_repaid_at_its_first_due_date_is_in_arrears_by_its_instalment():
    as_of = vsla.add_months(START, 1) + dt.timedelta(days=10)
    position = vsla.position(_terms(DECLINING), [], D(0), as_of)

    # The first month's 30,000 and the second month's (begun) are owed; late are the first instalment's
    # 100,000 of principal and its 30,000 of charge (the second month's charge falls due at its end).
    assert position.charges == D(60_000)
    assert position.arrears == D(130_000)
    assert position.days_overdue == 10


def test_a_repayment_pays_the_charge_first_then_the_principal():
    assert vsla.allocate_repayment(D(130_000), D(30_000), D(300_000)) == (D(30_000), D(100_000))


def test_a_repayment_above_what_is_owed_is_refused():
    with pytest.raises(RuleError) as error:
        vsla.allocate_repayment(D(330_001), D(30_000), D(300_000))
    assert error.value.code == "repayment_above_owed"
    assert error.value.values == {"owed": D(330_000)}


def test_share_out_rounds_to_100_riel_by_largest_remainder_and_keeps_what_is_less_than_100():
    # 3 members with 7, 5 and 1 shares; 1,000,050 riel in the loan fund; 100-riel unit.
    result = vsla.share_out([Holding(1, 7), Holding(2, 5), Holding(3, 1)], D(1_000_050), D(0), D(100))

    # pool 1,000,000 (50 riel stay in the box): exact 538,461.5 / 384,615.4 / 76,923.1
    assert result.pool == D(1_000_000) and result.residue == D(50)
    assert [p.gross for p in result.payouts] == [D(538_500), D(384_600), D(76_900)]
    assert sum(p.gross for p in result.payouts) == result.pool


def test_share_out_nets_a_loan_from_its_borrowers_payout():
    # Member 2 still owes 60,000: it is added to the pool and taken from their payout.
    result = vsla.share_out([Holding(1, 10), Holding(2, 10, D(60_000))], D(940_000), D(0), D(100))

    assert result.pool == D(1_000_000)
    assert [(p.gross, p.netted, p.payout) for p in result.payouts] == [
        (D(500_000), D(0), D(500_000)),
        (D(500_000), D(60_000), D(440_000)),
    ]
    assert result.paid_out == D(940_000)


def test_share_out_refuses_to_net_a_loan_larger_than_the_payout():
    with pytest.raises(RuleError) as error:
        vsla.share_out([Holding(1, 10), Holding(2, 1, D(200_000))], D(900_000), D(0), D(100))
    assert (error.value.code, error.value.values) == ("cannot_net", {"members": [2]})


def test_carrying_forward_more_than_the_pool_is_refused():
    with pytest.raises(RuleError) as error:
        vsla.share_out([Holding(1, 10)], D(50_000), D(60_000), D(100))
    assert error.value.code == "carry_forward_above_pool"


# ---------------------------------------------------------------- the book refuses what the rules refuse
RULES = Rules(
    share_price=D(5_000),
    min_shares=1,
    max_shares=5,
    social_fund=D(500),
    loan_multiple=D(3),
    method=DECLINING,
    rate=D(5),
    months=3,
)


def test_the_book_refuses_more_shares_than_the_constitution_allows():
    book = Book(RULES)
    with pytest.raises(RuleError) as error:
        book.buy_shares(1, 6)
    assert (error.value.code, book.entries, book.cash) == ("shares_above_max", [], D(0))


def test_the_book_refuses_a_loan_above_three_times_the_savings_and_above_the_cash():
    book = Book(RULES)
    book.buy_shares(1, 2)  # 10,000 saved: limit 30,000
    book.buy_shares(2, 5)
    with pytest.raises(RuleError) as above_limit:
        book.lend(1, D(30_001), START, "a")
    with pytest.raises(RuleError) as above_cash:
        book.lend(2, D(35_001), START, "b")  # limit 75,000 but only 35,000 in the box
    assert above_limit.value.code == "loan_above_limit"
    assert above_cash.value.code == "loan_above_cash"
    assert book.loan_fund == D(35_000) and book.loans == {}


# ---------------------------------------------------------------- property tests
OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["shares", "social", "repay", "fine", "payout", "lend"]),
        st.integers(min_value=1, max_value=6),  # member
        st.integers(min_value=0, max_value=400_000),  # amount (or shares)
        st.integers(min_value=0, max_value=120),  # day
    ),
    max_size=60,
)


def _run(operations: list[tuple[str, int, int, int]]) -> Book:
    book = Book(RULES)
    for index, (operation, member, amount, day) in enumerate(sorted(operations, key=lambda o: o[3])):
        on = START + dt.timedelta(days=day)
        value = D(amount)
        try:
            if operation == "shares":
                book.buy_shares(member, amount % 7)
            elif operation == "social":
                book.contribute_social(member, D(500))
            elif operation == "repay":
                book.repay(member, value, on)
            elif operation == "fine":
                book.fine(member, D(amount % 5_000))
            elif operation == "payout":
                book.social_payout(member, D(amount % 3_000))
            else:
                book.lend(member, value, on, index)
        except RuleError:
            pass
    return book


@settings(max_examples=300, deadline=None)
@given(OPERATIONS)
def test_the_cash_box_is_always_the_sum_of_the_entries_and_never_below_zero(operations):
    book = _run(operations)
    running = {vsla.LOAN_FUND: D(0), vsla.SOCIAL_FUND: D(0)}
    for entry in book.entries:
        running[entry.fund] += entry.amount
        assert running[entry.fund] >= 0  # no entry makes the box (either fund) negative
    assert book.cash == sum((e.amount for e in book.entries), D(0))
    assert (book.loan_fund, book.social_fund) == (running[vsla.LOAN_FUND], running[vsla.SOCIAL_FUND])


@settings(max_examples=300, deadline=None)
@given(OPERATIONS)
def test_what_borrowers_owe_is_the_sum_of_the_loan_entries(operations):
    book = _run(operations)
    for loan in book.loans.values():
        principal = sum((e.principal for e in book.entries if e.loan == loan.key), D(0))
        assert principal == loan.terms.principal - sum((a for _d, a in loan.repaid), D(0)) >= 0
        assert loan.charges_paid == sum(
            (e.amount for e in book.entries if e.loan == loan.key and e.kind == "charge"), D(0)
        )


HOLDINGS = st.lists(
    st.tuples(st.integers(min_value=0, max_value=300), st.integers(min_value=0, max_value=50_000)),
    min_size=1,
    max_size=35,
)


@settings(max_examples=500, deadline=None)
@given(
    HOLDINGS,
    st.integers(min_value=0, max_value=50_000_000),
    st.integers(min_value=0, max_value=200_000),
    st.sampled_from([D(1), D(100), D(500), D("0.01")]),
)
def test_payouts_always_add_up_exactly_to_the_pool(holdings, cash, carry, unit):
    members = [Holding(i, shares, D(owed) if shares else D(0)) for i, (shares, owed) in enumerate(holdings, start=1)]
    try:
        result = vsla.share_out(members, D(cash), D(carry), unit)
    except RuleError as error:
        assert error.code in {"no_shares", "cannot_net", "carry_forward_above_pool"}
        return
    assert sum(p.gross for p in result.payouts) == result.pool
    assert sum(p.payout for p in result.payouts) + result.netted == result.pool
    assert result.paid_out + result.kept == D(cash)  # what leaves the box and what stays are the loan fund
    assert 0 <= result.residue < unit
    assert all(p.gross % unit == 0 and p.payout >= 0 for p in result.payouts)
    # Rounding moves no member more than one unit from their exact share.
    for p in result.payouts:
        exact = Fraction(p.shares) * result.value_per_share
        assert abs(Fraction(p.gross) - exact) < Fraction(unit)
