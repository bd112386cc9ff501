"""Stock-bank invariants through the services and the database (hypothesis): whatever is recorded, the stock
on hand is the sum of the movements, no movement makes the store hold less than nothing, and a reversing
movement restores the stock and what is owed. Each example runs in a savepoint that is rolled back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from karpear.livelihoods import bank_selectors, bank_services
from karpear.livelihoods.models import Bank, BankLoan, StockMovement
from karpear.livelihoods.tests import factories as f

pytestmark = pytest.mark.django_db
D = Decimal
DAY = dt.date(2025, 2, 1)

KG = st.decimals(min_value=D("0.01"), max_value=D(400), places=2)
STEP = st.one_of(
    st.tuples(st.just("deposit"), KG),
    st.tuples(st.just("lend"), KG, st.integers(min_value=1, max_value=3)),
    st.tuples(st.just("repay_kg"), KG, st.integers(min_value=0, max_value=5)),
    st.tuples(
        st.just("repay_cash"), st.integers(min_value=1, max_value=300_000), st.integers(min_value=0, max_value=5)
    ),
    st.tuples(st.just("loss"), KG),
    st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=20)),
)


@pytest.fixture
def setting():
    officer = f.officer()
    group = f.group(officer, formed_on=dt.date(2024, 12, 1))
    f.members(officer, group, 3, joined_on=dt.date(2024, 12, 1))
    data = bank_services.BankInput(
        name="Rice bank", kind=Bank.Kind.RICE, opened_on=DAY, interest_percent=D(10), price_per_kg=D(1150)
    )
    return officer, bank_services.bank_open(actor=officer, group=group, data=data)


def _run(officer, bank, step) -> None:
    members = list(bank.group.members.order_by("number"))
    loans = list(BankLoan.objects.filter(bank=bank).order_by("id"))
    kind = step[0]
    if kind == "deposit":
        bank_services.stock_deposit(actor=officer, bank=bank, kg=step[1], on=DAY)
    elif kind == "lend":
        bank_services.bank_lend(actor=officer, bank=bank, member=members[step[2] - 1], kg=step[1], on=DAY)
    elif kind == "loss":
        bank_services.stock_loss(actor=officer, bank=bank, kg=step[1], on=DAY, note="rats")
    elif kind in ("repay_kg", "repay_cash") and loans:
        loan = loans[step[2] % len(loans)]
        amount = {"kg": step[1]} if kind == "repay_kg" else {"cash": D(step[1])}
        bank_services.loan_repay(actor=officer, loan=loan, on=DAY, **amount)
    elif kind == "reverse":
        moves = list(StockMovement.objects.filter(bank=bank).order_by("id"))
        if moves:
            bank_services.movement_reverse(actor=officer, movement=moves[step[1] % len(moves)], reason="test")


def _check(officer, bank) -> None:
    running = D(0)
    for movement in StockMovement.objects.filter(bank=bank).order_by("id"):
        running += movement.kg
        assert running >= 0, "a movement made the store hold less than nothing"
    stock = bank_selectors.stock(user=officer, bank=bank)
    assert stock.on_hand == running
    for position in bank_selectors.loans_of(user=officer, bank=bank):
        owed = sum((m.owed_kg for m in StockMovement.objects.filter(loan=position.loan)), D(0))
        assert position.owed == owed >= 0
        assert (position.loan.closed_on is None) == (owed > 0)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(STEP, min_size=1, max_size=10))
def test_stock_on_hand_is_always_the_sum_of_the_movements_and_never_below_zero(setting, steps):
    officer, bank = setting
    with transaction.atomic():
        for step in steps:
            try:
                with transaction.atomic():
                    _run(officer, bank, step)
            except ValidationError:
                pass  # refused as a whole: nothing of it was saved
            _check(officer, bank)
        transaction.set_rollback(True)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(STEP, min_size=1, max_size=8), STEP)
def test_a_reversing_movement_restores_the_stock_and_what_is_owed(setting, steps, last):
    officer, bank = setting
    with transaction.atomic():
        bank_services.stock_deposit(actor=officer, bank=bank, kg=D(500), on=DAY)
        for step in steps:
            try:
                with transaction.atomic():
                    _run(officer, bank, step)
            except ValidationError:
                pass
        before = bank_selectors.stock(user=officer, bank=bank)
        newest = StockMovement.objects.filter(bank=bank).order_by("-id").first()
        try:
            with transaction.atomic():
                _run(officer, bank, last)
        except ValidationError:
            pass
        made = StockMovement.objects.filter(bank=bank).order_by("-id").first()
        if made is not None and made != newest and made.reverses_id is None:
            bank_services.movement_reverse(actor=officer, movement=made, reason="undo")
            after = bank_selectors.stock(user=officer, bank=bank)
            assert (after.on_hand, after.owed, after.cash) == (before.on_hand, before.owed, before.cash)
            _check(officer, bank)
        transaction.set_rollback(True)
