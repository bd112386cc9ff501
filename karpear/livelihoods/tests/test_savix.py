"""SAVIX indicators: each definition on worked figures, a group's indicators from its ledger, and a programme's
from its totals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from karpear.livelihoods import savix, selectors, services
from karpear.livelihoods.models import Cycle, GroupMember, Meeting
from karpear.livelihoods.tests import factories as f

D = Decimal
ALL = [1, 2, 3, 4, 5]
SHARES = {1: 5, 2: 4, 3: 3, 4: 2, 5: 1}  # 15 shares of 5,000 riel a meeting
SOCIAL = dict.fromkeys(ALL, 500)


# ---------------------------------------------------------------- the definitions, without a database
def test_a_programmes_share_of_women_comes_from_its_totals_not_an_average_of_its_groups():
    small = savix.Facts(groups=1, members=10, women=9)
    large = savix.Facts(groups=1, members=30, women=3)
    assert savix.value("women_pct", small + large) == D(30)  # 12 of 40, where the average of 90 % and 10 % is 50 %


def test_an_indicator_with_nothing_to_divide_by_has_no_value_rather_than_zero():
    empty = savix.Facts(groups=1)
    assert savix.value("women_pct", empty) is None
    assert savix.value("average_loan", empty) is None
    assert savix.value("return_on_savings_pct", empty) is None
    assert savix.value("members", empty) == 0


def test_drop_out_counts_those_who_left_against_everyone_who_was_a_member():
    assert savix.value("dropout_pct", savix.Facts(members=18, members_left=2)) == D(10)


def test_return_on_savings_is_the_cycles_profit_per_year():
    # 295,000 saved, 5,000 earned in 73 days: 5,000 / 295,000 × 365 / 73 = 8.47 % a year.
    facts = savix.Facts(groups=1, savings=D(295_000), loan_fund=D(190_000), outstanding=D(110_000), days=73)
    facts = savix.Facts(**{**facts.__dict__, "savings_days": facts.savings * 73})
    assert facts.profit == D(5_000)
    assert round(savix.value("return_on_savings_pct", facts), 2) == D("8.47")
    assert round(savix.value("return_on_assets_pct", facts), 2) == D("8.33")  # 5,000 / 300,000 × 5 × 100


def test_every_definition_shows_its_formula_and_a_code_used_once():
    codes = [d.code for d in savix.DEFINITIONS]
    assert len(codes) == len(set(codes))
    assert all(str(d.formula) and str(d.name) for d in savix.DEFINITIONS)


# ---------------------------------------------------------------- a group's indicators from its ledger
@pytest.fixture
def officer(db):
    return f.officer()


@pytest.fixture
def worked(officer):
    """Five members (three women); four meetings; member 5 absent from the third; two loans."""
    group = f.group(officer)
    f.members(officer, group, 5)
    cycle = f.cycle(officer, group)
    f.meet(officer, cycle, 1, f.START, ALL, shares=SHARES, social=SOCIAL)
    f.meet(officer, cycle, 2, f.weeks(1), ALL, shares=SHARES, social=SOCIAL, loan={1: 100_000})
    four = [1, 2, 3, 4]
    f.meet(
        officer,
        cycle,
        3,
        f.weeks(2),
        ALL,
        attendance={5: "absent"},
        shares={n: SHARES[n] for n in four},
        social=dict.fromkeys(four, 500),
        loan={2: 60_000},
    )
    f.meet(officer, cycle, 4, dt.date(2026, 2, 12), ALL, shares=SHARES, social=SOCIAL, repayment={1: 55_000})
    return cycle


def _values(officer, cycle, as_of):
    facts = selectors.savix_facts(user=officer, cycles=Cycle.objects.filter(pk=cycle.pk), as_of=as_of)[cycle.pk]
    return facts, {v.definition.code: v.value for v in savix.values(facts)}


def test_a_worked_group_gives_each_indicator_from_its_ledger(officer, worked):
    facts, values = _values(officer, worked, dt.date(2026, 2, 12))

    assert values["members"] == 5 and values["women_pct"] == D(60)
    assert values["attendance_pct"] == D(95)  # 19 of 20
    assert values["savings"] == D(295_000)  # 59 shares
    assert values["savings_per_member"] == D(59_000)
    # The loan fund: 75,000 + 75,000 − 100,000 + 70,000 − 60,000 + 75,000 + 55,000 (5,000 of it a charge).
    assert (facts.loan_fund, facts.social_fund) == (D(190_000), D(9_500))
    assert values["loans_outstanding"] == 2 and values["loans_outstanding_value"] == D(110_000)
    assert values["members_with_loans_pct"] == D(40)
    assert values["average_loan"] == D(80_000)
    assert round(values["loan_fund_utilisation_pct"], 2) == D("36.67")  # 110,000 / 300,000
    assert values["portfolio_at_risk_pct"] == D(0)  # nothing is due yet that is not paid
    assert values["net_worth"] == D(309_500)
    assert facts.profit == D(5_000)  # the service charge
    # 5,000 / 295,000 a year over the 38 days since 5 January.
    assert round(values["return_on_savings_pct"], 2) == round(D(5_000) / D(295_000) * 365 / 38 * 100, 2)


def test_a_loan_with_an_instalment_overdue_puts_its_whole_balance_at_risk(officer, worked):
    # On 1 March member 2's first instalment (due 19 February) is unpaid; member 1 paid ahead of schedule.
    _facts, values = _values(officer, worked, dt.date(2026, 3, 1))
    assert round(values["portfolio_at_risk_pct"], 2) == D("54.55")  # 60,000 of 110,000


def test_the_indicators_on_an_earlier_day_count_only_what_happened_by_then(officer, worked):
    _facts, values = _values(officer, worked, f.weeks(1))
    assert values["savings"] == D(150_000) and values["loans_outstanding_value"] == D(100_000)
    assert values["attendance_pct"] == D(100)


def test_a_corrected_attendance_changes_the_attendance_rate_the_meeting_counts(officer, worked):
    third = Meeting.objects.get(cycle=worked, number=3)
    member5 = GroupMember.objects.get(group=worked.group, number=5)
    assert (third.attendance_count, third.present_count) == (5, 4)

    services.attendance_correct(actor=officer, meeting=third, member=member5, status="excused")  # absent still
    services.attendance_correct(actor=officer, meeting=third, member=member5, status="late")

    third.refresh_from_db()
    assert (third.attendance_count, third.present_count) == (5, 5)
    _facts, values = _values(officer, worked, dt.date(2026, 2, 12))
    assert values["attendance_pct"] == D(100)  # 20 of 20


def test_many_groups_cost_the_same_queries_as_one(officer, worked):
    selectors.savix_facts(user=officer, cycles=Cycle.objects.filter(pk=worked.pk))  # the membership, cached
    with CaptureQueriesContext(connection) as one:
        selectors.savix_facts(user=officer, cycles=Cycle.objects.filter(pk=worked.pk))
    for index in range(2):
        group = f.group(officer, name=f"Group {index}")
        f.members(officer, group, 3)
        cycle = f.cycle(officer, group)
        f.meet(officer, cycle, 1, f.START, [1, 2, 3], shares={1: 1, 2: 2, 3: 3})
    with CaptureQueriesContext(connection) as three:
        facts = selectors.savix_facts(user=officer, cycles=Cycle.objects.all())
    assert len(facts) == 3 and len(three.captured_queries) == len(one.captured_queries) == 3  # today's: kept figures


def test_an_earlier_day_sums_the_ledger_of_the_groups_with_later_entries_in_one_more_query(officer, worked):
    selectors.savix_facts(user=officer, cycles=Cycle.objects.filter(pk=worked.pk))  # the membership, cached
    with CaptureQueriesContext(connection) as today:
        now = selectors.savix_facts(user=officer, cycles=Cycle.objects.filter(pk=worked.pk))[worked.pk]
    with CaptureQueriesContext(connection) as last_meeting:
        same = selectors.savix_facts(
            user=officer, cycles=Cycle.objects.filter(pk=worked.pk), as_of=dt.date(2026, 2, 12)
        )
    with CaptureQueriesContext(connection) as before:
        earlier = selectors.savix_facts(
            user=officer, cycles=Cycle.objects.filter(pk=worked.pk), as_of=dt.date(2026, 2, 11)
        )[worked.pk]
    # On the day of the latest entry the totals kept beside the ledger give the same sums as today's.
    assert (
        (same[worked.pk].loan_fund, same[worked.pk].savings)
        == (now.loan_fund, now.savings)
        == (
            D(190_000),
            D(295_000),
        )
    )
    assert len(today.captured_queries) == 3  # the figures kept beside the records
    assert len(last_meeting.captured_queries) == 6
    # The day before, the fourth meeting (75,000 of shares, 55,000 repaid, 2,500 of social fund) is not counted.
    assert (earlier.loan_fund, earlier.social_fund, earlier.savings) == (D(60_000), D(7_000), D(220_000))
    assert len(before.captured_queries) == 7


def test_a_programme_row_adds_its_groups_facts(officer, worked):
    other = f.group(officer, name="Second group")
    f.members(officer, other, 3)
    cycle = f.cycle(officer, other)
    f.meet(officer, cycle, 1, f.START, [1, 2, 3], shares={1: 1, 2: 1, 3: 1})

    [row] = selectors.programme_savix(user=officer, as_of=dt.date(2026, 2, 12))
    assert row.currency == "KHR"
    assert (row.facts.groups, row.facts.members, row.facts.women) == (2, 8, 5)  # 3 of 5 and 2 of 3
    assert row.facts.savings == D(295_000) + D(15_000)


def test_todays_programme_rows_summed_by_the_database_equal_the_sum_of_each_cycles_facts(officer, worked):
    # A second group in its second cycle (what the first left in the box), with a member who left and a loan;
    # a third group without a programme.
    from karpear.core.models import Programme

    programme = Programme.objects.create(
        organisation=officer.memberships.get().organisation,
        donor=officer.memberships.get().organisation,
        code="ctip",
        name="CTIP",
        start_date=dt.date(2025, 1, 1),
        end_date=dt.date(2027, 12, 31),
    )
    second = f.group(officer, name="Second group")
    second.programme = programme
    second.save()
    f.members(officer, second, 3)
    first = f.cycle(officer, second)
    f.meet(officer, first, 1, f.START, [1, 2, 3], shares={1: 2, 2: 2, 3: 2}, social=dict.fromkeys([1, 2, 3], 500))
    services.share_out_confirm(actor=officer, cycle=first, carry_forward=D(10_000))
    cycle = f.cycle(officer, second, started_on=f.weeks(1))
    f.meet(officer, cycle, 1, f.weeks(2), [1, 2, 3], shares={1: 1, 2: 3, 3: 1}, loan={2: 20_000})
    services.member_leave(
        actor=officer, member=GroupMember.objects.get(group=second, number=3), on=f.weeks(3), reason="migrated"
    )
    third = f.group(officer, name="Third group")
    f.members(officer, third, 2)
    f.cycle(officer, third)

    open_cycles = Cycle.objects.filter(closed_on__isnull=True)
    selectors.programme_savix(user=officer)  # the membership, cached
    with CaptureQueriesContext(connection) as queries:
        rows = selectors.programme_savix(user=officer)
    per_cycle = selectors._savix(officer, open_cycles, timezone.localdate())[0]  # from the ledger
    expected = {
        ("CTIP", "KHR"): savix.total([per_cycle[cycle.pk]]),
        ("No programme", "KHR"): savix.total([per_cycle[pk] for pk in per_cycle if pk != cycle.pk]),
    }
    assert {(row.label, row.currency): row.facts for row in rows} == expected
    ctip = expected[("CTIP", "KHR")]
    assert (ctip.start_fund, ctip.members, ctip.members_left, ctip.outstanding_loans) == (D(10_000), 2, 1, 1)
    assert expected[("No programme", "KHR")].at_risk == D(110_000)  # every instalment of the worked loans is due
    assert len(queries.captured_queries) == 3


def test_another_organisations_officer_gets_no_facts(officer, worked):
    from conftest import make_org

    stranger = f.officer(make_org("cedac"), username="stranger")
    assert selectors.savix_facts(user=stranger, cycles=Cycle.objects.all()) == {}
    assert selectors.programme_savix(user=stranger) == []


# ---------------------------------------------------------------- the pages
def test_the_group_indicators_page_shows_each_figure_with_its_formula(client, officer, worked):
    from conftest import login

    login(client, officer)
    page = client.get(f"/livelihoods/groups/{worked.group.uuid}/indicators/?on=2026-02-12").content.decode()
    assert "Portfolio at risk" in page and "Balance-based" in page
    assert "295,000 ៛" in page and "60 %" in page and "36.7 %" in page  # savings; women; utilisation
    assert "<dt>Groups</dt>" not in page  # one group: not counted as a figure
    assert (
        f'href="/livelihoods/groups/{worked.group.uuid}/indicators/"'
        in client.get(f"/livelihoods/groups/{worked.group.uuid}/").content.decode()
    )


def test_a_day_in_the_future_or_unreadable_shows_today(client, officer, worked):
    from conftest import login

    login(client, officer)
    for on in ("2099-01-01", "yesterday"):
        response = client.get(f"/livelihoods/groups/{worked.group.uuid}/indicators/?on={on}")
        assert response.status_code == 200
        assert response.context["as_of"] == selectors.timezone.localdate()


def test_the_programme_page_in_khmer_uses_khmer_digits(client, officer, worked):
    from conftest import login

    officer.language = "km"
    officer.save(update_fields=["language"])
    login(client, officer)
    client.cookies["karpear_language"] = "km"
    page = client.get("/livelihoods/indicators/?on=2026-02-12").content.decode()
    assert "២៩៥,០០០ ៛" in page or "២៩៥.០០០ ៛" in page, page[page.find("<main") : page.find("<main") + 2000]


def test_a_case_supervisor_without_the_capability_is_refused_the_indicators(client, worked):
    from conftest import login, make_user
    from karpear.core.roles import Role

    supervisor = make_user(worked.organisation, Role.CASE_SUPERVISOR, username="sup")
    login(client, supervisor)
    assert client.get("/livelihoods/indicators/").status_code == 403
    assert client.get(f"/livelihoods/groups/{worked.group.uuid}/indicators/").status_code == 403
