"""A savings group's books in double entry, derived from its ledger: a whole cycle worked through to its
share-out, and the invariants (hypothesis) that every set of entries balances and a reversal undoes its entry."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from karpear.livelihoods import books, selectors, services, vsla
from karpear.livelihoods.tests import factories as f

D = Decimal
ALL = [1, 2, 3, 4, 5]
SHARES = {1: 5, 2: 4, 3: 3, 4: 2, 5: 1}
SOCIAL = dict.fromkeys(ALL, 500)

KINDS = sorted(books.COUNTER)
MOVEMENT = st.builds(
    books.Movement,
    kind=st.sampled_from(KINDS),
    fund=st.sampled_from([vsla.LOAN_FUND, vsla.SOCIAL_FUND]),
    amount=st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False, allow_infinity=False),
    principal=st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False, allow_infinity=False),
)


# ---------------------------------------------------------------- invariants
@given(st.lists(MOVEMENT, max_size=30))
def test_the_trial_balance_always_balances(movements):
    trial = books.trial_balance(movements)
    assert trial.debit == trial.credit
    sheet = books.balance_sheet(movements)
    assert sheet.total_assets == sheet.total_equity  # what the group holds is always somebody's


@given(st.lists(MOVEMENT, min_size=1, max_size=20))
def test_a_reversing_entry_undoes_exactly_what_its_entry_did(movements):
    reversed_ = [books.Movement(m.kind, m.fund, -m.amount, -m.principal) for m in movements]
    assert all(value == 0 for value in books.debits(movements + reversed_).values())


def test_every_ledger_kind_has_an_account_to_balance_it():
    from karpear.livelihoods.models import LedgerEntry

    assert set(LedgerEntry.Kind.values) == set(books.COUNTER)


# ---------------------------------------------------------------- a whole cycle
@pytest.fixture
def officer(db):
    return f.officer()


def test_a_whole_cycle_in_the_books_from_first_meeting_to_share_out(officer):
    group = f.group(officer)
    f.members(officer, group, 5)
    cycle = f.cycle(officer, group)
    f.meet(officer, cycle, 1, f.START, ALL, shares=SHARES, social=SOCIAL)
    f.meet(officer, cycle, 2, f.weeks(1), ALL, shares=SHARES, social=SOCIAL, loan={1: 100_000})
    f.meet(officer, cycle, 3, f.weeks(2), ALL, shares=SHARES, social=SOCIAL, fine={5: 1_000}, payout={3: 2_000})
    f.meet(officer, cycle, 4, dt.date(2026, 2, 12), ALL, shares=SHARES, social=SOCIAL, repayment={1: 55_000})

    mid = selectors.group_books(user=officer, group=group, start=f.START, end=dt.date(2026, 2, 12))
    # Income: the 5,000 service charge in member 1's repayment and a 1,000 fine; no expense.
    assert [(line.account.code, line.balance) for line in mid.income_statement.income] == [
        ("4010", D(5_000)),
        ("4020", D(1_000)),
    ]
    assert mid.income_statement.net == D(6_000)
    sheet = mid.balance_sheet
    # Cash: 4 × 75,000 of shares − 100,000 lent + 55,000 repaid + 1,000 fine; social fund 4 × 2,500 − 2,000.
    assert [(line.account.code, line.balance) for line in sheet.assets] == [
        ("1010", D(256_000)),
        ("1020", D(8_000)),
        ("1100", D(50_000)),
    ]
    assert [(line.account.code, line.balance) for line in sheet.equity] == [("3010", D(300_000)), ("3020", D(8_000))]
    assert sheet.earnings == D(6_000) and sheet.total_assets == sheet.total_equity == D(314_000)
    assert mid.trial_balance.balances

    # The share-out the same day nets member 1's remaining 50,000 (no further charge has accrued yet).
    services.share_out_confirm(actor=officer, cycle=cycle)
    after = selectors.group_books(user=officer, group=group, start=f.START, end=dt.date(2026, 2, 12))
    sheet = after.balance_sheet
    # Everything lent is back and every member is paid their savings and the profit: the box keeps the social
    # fund and the rounding remainder; the distributed profit is the cycle's earnings less that remainder.
    assert {line.account.code: line.balance for line in sheet.assets}.get("1100", D(0)) == D(0)
    assert {line.account.code: line.balance for line in sheet.equity}.get("3010", D(0)) == D(0)
    assert sheet.total_assets == sheet.total_equity
    assert after.income_statement.net == D(6_000)  # the share-out itself earns nothing
    residue = {line.account.code: line.balance for line in sheet.assets}.get("1010", D(0))
    distributed = {line.account.code: line.balance for line in sheet.equity}["3040"]
    assert distributed == -(D(6_000) - residue)  # paid out: it lowers what is the group's


def test_the_books_page_shows_the_three_statements_and_swaps_a_reversed_period(client, officer):
    from conftest import login

    group = f.group(officer)
    f.members(officer, group, 5)
    cycle = f.cycle(officer, group)
    f.meet(officer, cycle, 1, f.START, ALL, shares=SHARES, social=SOCIAL)
    login(client, officer)

    page = client.get(f"/livelihoods/groups/{group.uuid}/books/?from=2026-01-31&to=2026-01-01").content.decode()
    assert "The first day was after the last" in page
    assert "Balance sheet on" in page and "Trial balance of the period" in page
    assert "75,000 ៛" in page  # the shares bought at the first meeting
    assert (
        f'href="/livelihoods/groups/{group.uuid}/books/"'
        in client.get(f"/livelihoods/groups/{group.uuid}/").content.decode()
    )
