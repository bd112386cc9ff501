"""The figures kept beside the records (each group's members and women, each cycle's sums and attendance, each
loan's principal owed and the day it falls behind) equal the figures recomputed from the records
(`figures.fill`, the backfill of migration 0007) after every kind of write; and today's SAVIX facts read from them
equal the facts summed from the ledger, term by term."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from karpear.core.tests.factories import register
from karpear.livelihoods import figures, savix, selectors, services
from karpear.livelihoods.models import Cycle, Group, GroupMember, LedgerEntry, Loan, Meeting
from karpear.livelihoods.tests import factories as f

pytestmark = pytest.mark.django_db
D = Decimal
ALL = [1, 2, 3, 4, 5]
SHARES = {1: 3, 2: 2, 3: 5, 4: 1, 5: 4}


def _agree(officer, *cycles: Cycle) -> None:
    """What the services kept equals what `figures.fill` recomputes; today's facts of the group's latest cycle,
    read from the kept figures, equal those summed from the ledger (`_savix`, which sums a group's whole ledger
    whatever the cycle asked for)."""
    ids = [cycle.pk for cycle in cycles]
    kept = figures.stored(ids)
    figures.fill()
    assert figures.stored(ids) == kept
    today = timezone.localdate()
    chosen = Cycle.objects.filter(pk=Cycle.objects.filter(pk__in=ids).order_by("-number").values("pk")[:1])
    from_ledger = selectors._savix(officer, chosen, today)[0]
    assert selectors.savix_facts(user=officer, cycles=chosen) == from_ledger
    assert selectors.savix_total(user=officer, cycles=chosen) == savix.total(from_ledger.values())


@pytest.fixture
def officer(db):
    return f.officer()


def test_the_figures_kept_equal_the_figures_recomputed_after_every_kind_of_write(officer):
    group = f.group(officer)
    members = f.members(officer, group, 5)  # three women (numbers 2, 3 and 5)
    group.refresh_from_db()
    assert (group.members_now, group.women_now) == (5, 3)
    cycle = f.cycle(officer, group)
    _agree(officer, cycle)

    # A meeting: shares, social fund, a fine and two loans.
    f.meet(
        officer,
        cycle,
        1,
        f.START,
        ALL,
        shares=SHARES,
        social=dict.fromkeys(ALL, 500),
        fine={4: 500},
        loan={1: 10_000, 3: 10_000},
    )
    _agree(officer, cycle)
    cycle.refresh_from_db()
    assert (cycle.shares, cycle.loans_given, cycle.lent, cycle.principal) == (15, 2, D(20_000), D(20_000))
    assert (cycle.attended, cycle.expected, cycle.last_entry_on) == (5, 5, f.START)
    first = Loan.objects.get(member__number=1, cycle=cycle)
    assert (first.owed, first.late_from) == (D(10_000), first.instalments.order_by("number")[0].due_on)

    # A repayment, someone absent (attendance counted), another loan.
    second = f.meet(
        officer,
        cycle,
        2,
        f.weeks(1),
        ALL,
        attendance={5: "absent"},
        shares=dict.fromkeys([1, 2, 3, 4], 1),
        repayment={1: 5_000},
        loan={2: 5_000},
    )
    _agree(officer, cycle)

    # A corrected attendance, then reversals: a repayment (the loan owes it again) and a loan never repaid
    # (cancelled: it counts as never given).
    services.attendance_correct(
        actor=officer, meeting=second, member=GroupMember.objects.get(group=group, number=5), status="late"
    )
    _agree(officer, cycle)
    repaid = LedgerEntry.objects.get(meeting=second, kind="repayment")
    services.entry_reverse(actor=officer, entry=repaid, reason="typed for the wrong member")
    _agree(officer, cycle)
    lent = LedgerEntry.objects.get(meeting=second, kind="loan")
    services.entry_reverse(actor=officer, entry=lent, reason="never given")
    _agree(officer, cycle)
    cycle.refresh_from_db()
    assert (cycle.loans_given, cycle.lent) == (2, D(20_000))

    # A member without a loan leaves.
    services.member_leave(actor=officer, member=members[4], on=f.weeks(2), reason="migrated")
    group.refresh_from_db()
    assert (group.members_now, group.women_now) == (4, 2)
    _agree(officer, cycle)

    # The share-out nets the loans still owed; the next cycle starts with what was carried forward.
    f.meet(officer, cycle, 3, f.weeks(3), [1, 2, 3, 4], shares={1: 1})
    services.share_out_confirm(actor=officer, cycle=cycle, carry_forward=D(10_000))
    _agree(officer, cycle)
    assert not Loan.objects.filter(cycle=cycle, owed__gt=0).exists()
    nxt = f.cycle(officer, group, started_on=f.weeks(4))
    cycle.refresh_from_db()
    assert nxt.carried_loan_fund == cycle.carried_loan_fund + cycle.loan_fund >= D(10_000)  # and the remainder
    f.meet(officer, nxt, 1, f.weeks(5), [1, 2, 3, 4], shares={1: 2, 2: 2, 4: 2}, loan={4: 5_000})
    _agree(officer, cycle, nxt)

    # A new member joins; another group is dissolved with its members.
    person = register(officer, name_latin="New member", sex="female")
    services.member_add(actor=officer, group=group, person=person, joined_on=f.weeks(5))
    other = f.group(officer, name="Short-lived group")
    f.members(officer, other, 3)
    services.group_dissolve(actor=officer, group=other, on=f.weeks(6), reason="members_decided")
    other.refresh_from_db()
    assert (other.members_now, other.women_now) == (0, 0)
    _agree(officer, cycle, nxt)


def test_a_loan_falls_behind_on_the_due_day_of_the_first_instalment_its_repayments_do_not_cover(officer):
    group = f.group(officer)
    f.members(officer, group, 2)
    cycle = f.cycle(officer, group)
    f.meet(officer, cycle, 1, f.START, [1, 2], shares={1: 5, 2: 5})
    f.meet(officer, cycle, 2, f.weeks(1), [1, 2], loan={1: 30_000})
    loan = Loan.objects.get(cycle=cycle)
    due = list(loan.instalments.order_by("number").values_list("due_on", "principal"))
    assert loan.late_from == due[0][0]
    # Repaying more than the first instalment's principal (the service charge is paid first) moves the day to
    # the second instalment's.
    f.meet(officer, cycle, 3, f.weeks(2), [1, 2], repayment={1: int(due[0][1]) + 5_000})
    loan.refresh_from_db()
    repaid = loan.principal - loan.owed
    assert due[0][1] < repaid < due[0][1] + due[1][1]
    assert loan.late_from == due[1][0]
    _agree(officer, cycle)


def test_the_backfill_recomputes_figures_that_were_never_kept(officer):
    group = f.group(officer)
    f.members(officer, group, 3)
    cycle = f.cycle(officer, group)
    f.meet(officer, cycle, 1, f.START, [1, 2, 3], shares={1: 1, 2: 2, 3: 3}, loan={3: 10_000})
    kept = figures.stored([cycle.pk])
    # As rows written before migration 0007 were: nothing kept.
    Group.objects.update(members_now=0, women_now=0)
    Cycle.objects.update(**dict.fromkeys(("loan_fund", "shares", "attended", "expected", "lent"), 0))
    Loan.objects.update(owed=0, late_from=None)
    figures.fill()
    assert figures.stored([cycle.pk]) == kept


def test_a_person_whose_sex_core_corrected_is_recounted_on_their_group(officer):
    group = f.group(officer)
    [member] = f.members(officer, group, 1)  # a man
    person = member.person
    person.sex = "female"
    person.save()
    assert figures.recount_recent_people() == 1
    group.refresh_from_db()
    assert (group.members_now, group.women_now) == (1, 1)
    assert figures.recount_recent_people(since=timezone.now() + dt.timedelta(minutes=1)) == 0


def test_todays_programme_indicators_read_three_grouped_queries_whatever_the_number_of_groups(officer):
    for index in range(3):
        group = f.group(officer, name=f"Group {index}")
        f.members(officer, group, 3)
        cycle = f.cycle(officer, group)
        f.meet(officer, cycle, 1, f.START, [1, 2, 3], shares={1: 1, 2: 2, 3: 3}, loan={1: 5_000} if index else {})
    selectors.programme_savix(user=officer)  # the membership, cached
    with CaptureQueriesContext(connection) as queries:
        [row] = selectors.programme_savix(user=officer)
    assert len(queries.captured_queries) == 3
    assert (row.facts.groups, row.facts.members, row.facts.outstanding_loans) == (3, 9, 2)


def test_a_meetings_figures_cost_one_update_for_the_cycle_and_two_for_its_loans(officer):
    group = f.group(officer)
    f.members(officer, group, 2)
    cycle = f.cycle(officer, group)
    f.meet(officer, cycle, 1, f.START, [1, 2], shares={1: 5, 2: 5})
    with CaptureQueriesContext(connection) as without_loans:
        f.meet(officer, cycle, 2, f.weeks(1), [1, 2], shares={1: 1, 2: 1})
    with CaptureQueriesContext(connection) as with_a_loan:
        f.meet(officer, cycle, 3, f.weeks(2), [1, 2], shares={1: 1, 2: 1}, loan={1: 10_000})
    updates = [q["sql"] for q in without_loans.captured_queries if q["sql"].startswith("UPDATE")]
    assert sum('"livelihoods_cycle"' in sql for sql in updates) == 2  # the sums, the attendance
    loan_updates = [q["sql"] for q in with_a_loan.captured_queries if q["sql"].startswith('UPDATE "livelihoods_loan"')]
    assert len(loan_updates) == 2  # owed, then the day it falls behind
    assert Meeting.objects.filter(cycle=cycle).count() == 3
