"""Savings cycles through the services: the meeting screen's rules, corrections by reversing entries, and a
whole cycle of a 5-member group to its share-out."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Sum
from django.http import Http404

from conftest import make_org, make_user
from karpear.core import access
from karpear.core.models import AuditEvent
from karpear.core.roles import Role
from karpear.livelihoods import selectors, services
from karpear.livelihoods.models import Attendance, Cycle, CycleTotal, LedgerEntry, Loan, Meeting, ShareOut, ShareOutLine
from karpear.livelihoods.tests import factories as f

pytestmark = pytest.mark.django_db
D = Decimal
ALL = [1, 2, 3, 4, 5]
EVERYONE = dict.fromkeys(ALL, 500)


@pytest.fixture
def officer():
    return f.officer()


@pytest.fixture
def five(officer):
    """A savings group of five members and its first cycle (5,000-riel shares, 500 social fund, declining 5 %
    a month over 3 months, loans up to 3× savings, 100-riel share-out rounding)."""
    group = f.group(officer)
    f.members(officer, group, 5)
    return f.cycle(officer, group)


def _counts():
    return (Meeting.objects.count(), LedgerEntry.objects.count(), Attendance.objects.count(), Loan.objects.count())


def _bal(officer, cycle):
    b = selectors.balances(user=officer, group=cycle.group)
    return b.loan_fund, b.social_fund


# ---------------------------------------------------------------- a whole cycle
def test_a_five_member_cycle_runs_to_its_share_out_with_a_loan_netted_and_100_riel_rounding(officer, five):
    shares = {1: 5, 2: 4, 3: 3, 4: 2, 5: 1}  # 15 shares, 75,000 riel a meeting
    f.meet(officer, five, 1, f.START, ALL, shares=shares, social=EVERYONE)
    assert _bal(officer, five) == (D(75_000), D(2_500))

    f.meet(officer, five, 2, f.weeks(1), ALL, shares=shares, social=EVERYONE, loan={1: 100_000})
    assert _bal(officer, five) == (D(50_000), D(5_000))

    f.meet(
        officer,
        five,
        3,
        f.weeks(2),
        ALL,
        shares=shares,
        social=EVERYONE,
        loan={2: 60_000},
        fine={5: 1_050},
        payout={3: 2_000},
    )
    assert _bal(officer, five) == (D(66_050), D(5_500))

    # Member 1 repays 55,000 a month after the loan: 5,000 of charge (5 % of 100,000), 50,000 of principal.
    f.meet(officer, five, 4, dt.date(2026, 2, 12), ALL, shares=shares, social=EVERYONE, repayment={1: 55_000})
    [first] = [lp for lp in selectors.loans_of(user=officer, cycle=five) if lp.loan.member.number == 1]
    assert (first.position.principal, first.charges_paid) == (D(50_000), D(5_000))

    # The last meeting: member 1 repays the rest (50,000 + 2,500 + 2,500 declining); member 2 repays nothing.
    f.meet(officer, five, 5, dt.date(2026, 3, 16), ALL, shares=shares, social=EVERYONE, repayment={1: 55_000})
    assert _bal(officer, five) == (D(326_050), D(10_500))

    share_out = services.share_out_confirm(actor=officer, cycle=five)

    # 75 shares; member 2 owes 60,000 + 3,000 + 3,000 (months from 19 Jan and 19 Feb): netted, added to the pool.
    # pool = 326,050 + 66,000 = 392,050 -> 392,000 in 100-riel units, 50 riel stay in the box.
    assert (share_out.total_shares, share_out.netted, share_out.pool, share_out.residue) == (
        75,
        D(66_000),
        D(392_000),
        D(50),
    )
    lines = [(line.member.number, line.shares, line.gross, line.netted, line.payout) for line in share_out.lines.all()]
    assert lines == [
        (1, 25, D(130_700), D(0), D(130_700)),  # 130,666.67: a largest remainder, rounded up
        (2, 20, D(104_500), D(66_000), D(38_500)),
        (3, 15, D(78_400), D(0), D(78_400)),
        (4, 10, D(52_300), D(0), D(52_300)),  # 52,266.67: the other largest remainder
        (5, 5, D(26_100), D(0), D(26_100)),
    ]
    assert sum(line[2] for line in lines) == share_out.pool
    # The box keeps the social fund and the 50 riel; no loan is owed; every share was paid out.
    assert _bal(officer, five) == (D(50), D(10_500))
    assert selectors.balances(user=officer, group=five.group).loans_outstanding == D(0)
    assert not Loan.objects.filter(cycle=five, closed_on__isnull=True).exists()
    assert [p.shares for p in selectors.member_positions(user=officer, cycle=five, as_of=dt.date(2026, 3, 16))] == [
        25,
        20,
        15,
        10,
        5,
    ]
    five.refresh_from_db()
    assert five.closed_on == dt.date(2026, 3, 16)
    assert AuditEvent.objects.filter(object_type="livelihoods.shareout").count() == 1


def test_the_next_cycle_starts_with_what_the_box_kept(officer, five):
    f.meet(officer, five, 1, f.START, ALL, shares=dict.fromkeys(ALL, 1), social=EVERYONE)
    services.share_out_confirm(actor=officer, cycle=five)
    second = f.cycle(officer, five.group, started_on=f.weeks(1))

    book, _loans = services.load_book(second)
    assert (second.number, book.loan_fund, book.social_fund, book.shares) == (2, D(0), D(2_500), {})


# ---------------------------------------------------------------- bad input: clear, and nothing saved
def test_more_shares_than_the_constitution_allows_is_refused_and_nothing_is_saved(officer, five):
    before = _counts()
    with pytest.raises(ValidationError) as error:
        f.meet(officer, five, 1, f.START, ALL, shares={1: 6, 2: 1})

    assert error.value.message_dict == {"shares-1": ["The constitution allows at most 5 shares a meeting."]}
    assert _counts() == before


def test_a_loan_above_the_limit_or_the_cash_is_refused_with_the_figures(officer, five):
    f.meet(officer, five, 1, f.START, ALL, shares={1: 1, 2: 5})
    before = _counts()
    with pytest.raises(ValidationError) as error:
        # member 1 has saved 10,000 after this meeting: limit 30,000; member 2's 70,000 is above the 60,000 left
        f.meet(officer, five, 2, f.weeks(1), ALL, shares={1: 1}, loan={1: 30_001, 2: 70_000})

    assert error.value.message_dict == {
        "loan-1": ["The loan limit is 3.0 times the member's savings: 30,000 ៛."],
        "loan-2": ["The loan fund holds only 35,000 ៛ at this point of the meeting."],
    }
    assert _counts() == before


def test_a_repayment_larger_than_what_is_owed_is_refused(officer, five):
    f.meet(officer, five, 1, f.START, ALL, shares={1: 5, 2: 5})
    f.meet(officer, five, 2, f.weeks(1), ALL, loan={1: 40_000})
    before = _counts()
    with pytest.raises(ValidationError) as error:
        f.meet(officer, five, 3, f.weeks(2), ALL, repayment={1: 42_001, 3: 1_000})

    assert error.value.message_dict == {
        "repayment-1": ["This is more than the member owes (42,000 ៛)."],  # 40,000 + 5 % of the first month
        "repayment-3": ["This member has no loan to repay."],
    }
    assert _counts() == before


def test_money_for_a_member_marked_absent_is_refused(officer, five):
    with pytest.raises(ValidationError) as error:
        f.meet(officer, five, 1, f.START, ALL, attendance={4: "absent"}, shares={4: 2})

    assert list(error.value.message_dict) == ["attendance-4"]
    assert _counts() == (0, 0, 0, 0)


def test_the_same_submission_sent_twice_is_saved_once(officer, five):
    key = uuid.uuid4()
    first = services.meeting_record(
        actor=officer,
        cycle=five,
        data=services.MeetingInput(1, f.START, f.rows(ALL, shares=dict.fromkeys(ALL, 2)), submission=key),
    )
    again = services.meeting_record(
        actor=officer,
        cycle=five,
        data=services.MeetingInput(1, f.START, f.rows(ALL, shares=dict.fromkeys(ALL, 2)), submission=key),
    )

    assert (first.created, again.created, again.meeting.pk) == (True, False, first.meeting.pk)
    assert _counts() == (1, 5, 5, 0)
    assert _bal(officer, five) == (D(50_000), D(0))


def test_a_second_phone_recording_the_same_meeting_is_refused_with_who_recorded_it(officer, five):
    f.meet(officer, five, 1, f.START, ALL, shares=dict.fromkeys(ALL, 1))
    other_phone = make_user(officer.memberships.get().organisation, Role.FIELD_OFFICER, username="second-phone")
    before = _counts()

    with pytest.raises(ValidationError) as error:
        f.meet(other_phone, five, 1, f.START, ALL, shares=dict.fromkeys(ALL, 1))

    assert error.value.messages == [
        f"Meeting 1 of this cycle (05/01/2026) was recorded already by {officer.username}. Nothing was saved: open "
        "the meeting to see it."
    ]
    assert _counts() == before


def test_a_meeting_out_of_order_or_in_the_future_is_refused(officer, five):
    f.meet(officer, five, 1, f.weeks(1), ALL)
    with pytest.raises(ValidationError) as error:
        f.meet(officer, five, 3, f.START, ALL)
    assert error.value.message_dict == {
        "number": ["The next meeting of this cycle is number 2."],
        "held_on": ["Meeting 1 was held on 12/01/2026: this one comes after it."],
    }


def test_a_share_out_before_every_loan_can_be_settled_or_netted_is_refused(officer, five):
    f.meet(officer, five, 1, f.START, ALL, shares={1: 5, 2: 1})
    f.meet(officer, five, 2, f.weeks(1), ALL, loan={2: 15_000})  # member 2 saved 5,000, owes 15,000
    before = (*_counts(), ShareOut.objects.count(), ShareOutLine.objects.count())

    with pytest.raises(ValidationError) as error:
        services.share_out_confirm(actor=officer, cycle=five)

    assert error.value.messages == [
        "Members 2 owe more than their share of the pool: their loans must be repaid at the meeting before the "
        "share-out."
    ]
    assert (*_counts(), ShareOut.objects.count(), ShareOutLine.objects.count()) == before
    assert Cycle.objects.get(pk=five.pk).closed_on is None


# ---------------------------------------------------------------- corrections
def test_a_reversing_entry_restores_every_balance(officer, five):
    f.meet(officer, five, 1, f.START, ALL, shares={1: 5, 2: 5}, social=EVERYONE)
    f.meet(officer, five, 2, f.weeks(1), ALL, loan={1: 30_000})
    before = (_bal(officer, five), [p.shares for p in selectors.member_positions(user=officer, cycle=five)])
    meeting = f.meet(officer, five, 3, f.weeks(2), ALL, shares={2: 3}, repayment={1: 10_000}, fine={3: 500})

    for entry in reversed(list(LedgerEntry.objects.filter(meeting=meeting))):
        services.entry_reverse(actor=officer, entry=entry, reason="typed at the wrong meeting")

    after = (_bal(officer, five), [p.shares for p in selectors.member_positions(user=officer, cycle=five)])
    assert after == before
    [loan] = selectors.loans_of(user=officer, cycle=five)
    assert (loan.position.principal, loan.charges_paid) == (D(30_000), D(0))
    assert LedgerEntry.objects.filter(meeting=meeting).count() == 8  # 4 entries and their 4 reversals, none edited


def test_a_reversal_that_would_empty_the_box_below_zero_is_refused(officer, five):
    first = f.meet(officer, five, 1, f.START, ALL, shares={1: 5})
    f.meet(officer, five, 2, f.weeks(1), ALL, loan={1: 25_000})  # all the cash is lent out
    purchase = LedgerEntry.objects.get(meeting=first)
    before = LedgerEntry.objects.count()

    with pytest.raises(ValidationError) as error:
        services.entry_reverse(actor=officer, entry=purchase, reason="wrong member")

    assert error.value.messages == [
        "Reversing this entry would leave the loan fund with less than nothing (it holds 0 ៛)."
    ]
    assert LedgerEntry.objects.count() == before


def test_an_entry_is_reversed_once_and_a_reversal_is_not_reversed(officer, five):
    meeting = f.meet(officer, five, 1, f.START, ALL, shares={1: 2})
    entry = LedgerEntry.objects.get(meeting=meeting)
    reversal = services.entry_reverse(actor=officer, entry=entry, reason="double")

    with pytest.raises(ValidationError, match="reversed already"):
        services.entry_reverse(actor=officer, entry=entry, reason="again")
    with pytest.raises(ValidationError, match="itself a correction"):
        services.entry_reverse(actor=officer, entry=reversal, reason="undo")
    assert LedgerEntry.objects.count() == 2


def test_ledger_entries_cannot_be_edited_or_deleted(officer, five):
    f.meet(officer, five, 1, f.START, ALL, shares={1: 2})
    entry = LedgerEntry.objects.get()
    entry.amount = D(1)

    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        LedgerEntry.objects.update(amount=0)
    with pytest.raises(PermissionError):
        LedgerEntry.objects.all().delete()
    assert LedgerEntry.objects.get().amount == D(10_000)


def test_the_cycle_totals_follow_every_entry_of_meetings_corrections_and_the_share_out(officer, five):
    f.meet(officer, five, 1, f.START, ALL, shares={1: 5, 2: 5, 3: 1}, social=EVERYONE)
    f.meet(officer, five, 2, f.weeks(1), ALL, shares={1: 1}, loan={1: 30_000}, fine={4: 500})
    meeting = f.meet(officer, five, 3, f.weeks(2), ALL, shares={2: 3}, repayment={1: 10_000})
    services.entry_reverse(
        actor=officer, entry=LedgerEntry.objects.get(meeting=meeting, kind="shares"), reason="typed twice"
    )
    services.share_out_confirm(actor=officer, cycle=five)

    def by_key(rows):
        return {(r["kind"], r["fund"]): (r["amount"], r["principal"], r["shares"], r["entries"]) for r in rows}

    kept = by_key(
        CycleTotal.objects.filter(cycle=five).values("kind", "fund", "amount", "principal", "shares", "entries")
    )
    summed = by_key(
        LedgerEntry.objects.filter(cycle=five)
        .values("kind", "fund")
        .annotate(amount=Sum("amount"), principal=Sum("principal"), shares=Sum("shares"), entries=Count("id"))
        .order_by()
    )
    assert kept == summed
    assert kept[("shares", "loan_fund")] == (D(60_000), D(0), 12, 6)  # five purchases and the reversal of one
    assert kept[("share_out_savings", "loan_fund")][2] == -12  # every share still held was paid out
    assert _bal(officer, five) == (
        LedgerEntry.objects.filter(group=five.group, fund="loan_fund").aggregate(t=Sum("amount"))["t"],
        D(2_500),
    )


# ---------------------------------------------------------------- who may
def test_an_me_officer_cannot_record_a_meeting_and_nothing_changes(officer, five):
    monitor = make_user(officer.memberships.get().organisation, Role.ME_OFFICER, username="monitor")

    with pytest.raises(PermissionDenied):
        f.meet(monitor, five, 1, f.START, ALL, shares={1: 1})
    assert _counts() == (0, 0, 0, 0)


def test_another_organisations_field_officer_neither_sees_nor_records_the_group(officer, five):
    stranger = make_user(make_org("cedac"), Role.FIELD_OFFICER, username="stranger")

    with pytest.raises(Http404):
        selectors.cycle_for_user(user=stranger, uuid=five.uuid)
    with pytest.raises(PermissionDenied):
        f.meet(stranger, five, 1, f.START, ALL, shares={1: 1})
    assert not access.visible(stranger, LedgerEntry.objects.all()).exists()
    assert _counts() == (0, 0, 0, 0)
