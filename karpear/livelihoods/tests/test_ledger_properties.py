"""Ledger invariants through the services and the database (hypothesis): whatever a meeting screen sends, the
cash box is the sum of the entries, no fund goes below zero, and reversing a meeting's entries restores every
balance. Each example runs in a savepoint that is rolled back, so examples do not see each other."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from karpear.livelihoods import figures, selectors, services, vsla
from karpear.livelihoods.models import CycleTotal, LedgerEntry, Loan
from karpear.livelihoods.tests import factories as f

pytestmark = pytest.mark.django_db
D = Decimal
NUMBERS = [1, 2, 3, 4]

STEPS = ("shares", "social", "repayment", "fine", "payout", "loan")
ROW = st.fixed_dictionaries(
    {
        "shares": st.integers(min_value=0, max_value=6),
        "social": st.sampled_from([0, 500]),
        "repayment": st.sampled_from([0, 5_000, 20_000, 60_000]),
        "fine": st.sampled_from([0, 500]),
        "payout": st.sampled_from([0, 1_000, 4_000]),
        "loan": st.sampled_from([0, 10_000, 40_000, 90_000]),
    }
)
MEETINGS = st.lists(st.lists(ROW, min_size=4, max_size=4), min_size=2, max_size=4)


@pytest.fixture
def setting():
    officer = f.officer()
    group = f.group(officer)
    f.members(officer, group, len(NUMBERS))
    return officer, f.cycle(officer, group)


def _snapshot(officer, cycle):
    balances = selectors.balances(user=officer, group=cycle.group)
    positions = [(p.member.number, p.shares, p.owed) for p in selectors.member_positions(user=officer, cycle=cycle)]
    return balances, positions


def _totals_match_the_ledger(cycle):
    """The cycle totals kept beside the ledger are, row for row, the ledger's sums by cycle, kind and fund."""
    kept = {
        (t.cycle_id, t.kind, t.fund): (t.amount, t.principal, t.shares, t.entries, t.last_on)
        for t in CycleTotal.objects.filter(group=cycle.group)
    }
    summed = {
        (row["cycle_id"], row["kind"], row["fund"]): (row["a"], row["p"], row["s"], row["n"], row["on"])
        for row in LedgerEntry.objects.filter(group=cycle.group)
        .values("cycle_id", "kind", "fund")
        .annotate(a=Sum("amount"), p=Sum("principal"), s=Sum("shares"), n=Count("id"), on=Max("on"))
        .order_by()
    }
    assert kept == summed
    # So are the figures kept on the cycle and its loans: recomputed from the records, they are the same.
    stored = figures.stored([cycle.pk])
    figures.fill()
    assert figures.stored([cycle.pk]) == stored


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(MEETINGS)
def test_whatever_the_screens_send_the_box_is_the_sum_of_its_entries_and_reversals_restore_it(setting, meetings):
    officer, cycle = setting
    with transaction.atomic():
        before_last = None
        for index, values in enumerate(meetings, start=1):
            data = {step: {n: row[step] for n, row in zip(NUMBERS, values, strict=True)} for step in STEPS}
            if index == len(meetings):
                before_last = _snapshot(officer, cycle)
            try:
                last = f.meet(officer, cycle, index, f.weeks(index - 1), NUMBERS, **data)
            except ValidationError:
                last = None  # refused as a whole: the next meeting takes its number
                if index < len(meetings):
                    data = {}
                    last = f.meet(officer, cycle, index, f.weeks(index - 1), NUMBERS)
            # The box is the sum of the entries, and neither fund is below zero after any entry.
            running = {vsla.LOAN_FUND: D(0), vsla.SOCIAL_FUND: D(0)}
            for entry in LedgerEntry.objects.filter(group=cycle.group).order_by("id"):
                running[entry.fund] += entry.amount
                assert running[entry.fund] >= 0
            balances = selectors.balances(user=officer, group=cycle.group)
            assert (balances.loan_fund, balances.social_fund) == (running[vsla.LOAN_FUND], running[vsla.SOCIAL_FUND])
            owed = LedgerEntry.objects.filter(group=cycle.group).aggregate(p=Sum("principal"))["p"] or D(0)
            assert balances.loans_outstanding == owed >= 0
            _totals_match_the_ledger(cycle)
        if last is not None and before_last is not None:
            for entry in reversed(list(LedgerEntry.objects.filter(meeting=last).exclude(kind="loan"))):
                services.entry_reverse(actor=officer, entry=entry, reason="property test")
            for entry in LedgerEntry.objects.filter(meeting=last, kind="loan"):
                services.entry_reverse(actor=officer, entry=entry, reason="property test")
            assert _snapshot(officer, cycle) == before_last
            _totals_match_the_ledger(cycle)
            assert not Loan.objects.filter(meeting=last, cancelled=False).exists()
        transaction.set_rollback(True)
