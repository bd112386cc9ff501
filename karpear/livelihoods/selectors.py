"""Reads of the livelihoods app, each starting from core.access.visible(). Balances are sums over the ledger,
computed when asked: today's from the per-cycle totals kept beside it (`CycleTotal`), an earlier day's from the
entries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from karpear.core import access
from karpear.core.models import Person, User
from karpear.core.text import name_key, to_ascii_digits
from karpear.livelihoods import books, savix, vsla
from karpear.livelihoods.models import (
    Attendance,
    BusinessPlan,
    CommitteeRole,
    Cycle,
    CycleTotal,
    Group,
    GroupMember,
    GroupStage,
    LedgerEntry,
    Loan,
    LoanInstalment,
    Meeting,
    ShareOut,
    ShareOutLine,
)

ZERO = Decimal(0)
Kind = LedgerEntry.Kind


# ---------------------------------------------------------------- groups
def group_list(
    *,
    user: User,
    query: str = "",
    kind: str = "",
    mine: bool = False,
    due: bool = False,
    active: bool | None = None,
) -> QuerySet[Group]:
    """Groups the user may see, by name, filtered: `query` matches the start of the name (Khmer or Latin, any
    word order the key keeps) — one index walk; `mine` the groups the user follows; `due` those whose open
    cycle has reached its planned share-out."""
    groups = access.visible(user, Group.objects.all())
    query = query.strip()
    if query:
        groups = groups.filter(name_key__startswith=name_key(to_ascii_digits(query)))
    if kind:
        groups = groups.filter(kind=kind)
    if mine:
        groups = groups.filter(facilitator_id=user.pk, dissolved_on__isnull=True)
    if due:
        due_cycles = Cycle.objects.filter(closed_on__isnull=True, planned_end_on__lte=timezone.localdate())
        groups = groups.filter(pk__in=due_cycles.values("group_id"))
    if active is not None:
        groups = groups.filter(dissolved_on__isnull=active)
    return groups.order_by("name_key", "id")


def group_rows(groups: QuerySet[Group]) -> QuerySet[Group]:
    """What the list shows of each group: its place and its number of members (kept on the group by the member
    services), in the same query."""
    return groups.select_related("commune", "village").annotate(member_count=F("members_now"))


def cycles_due_for_share_out(*, user: User) -> QuerySet[Cycle]:
    """Open cycles past their planned share-out, of the groups the user may see (one query)."""
    return access.visible(user, Cycle.objects.filter(closed_on__isnull=True, planned_end_on__lte=timezone.localdate()))


def group_for_user(*, user: User, uuid: Any, write: bool = False) -> Group:
    return access.get_for_user(
        user,
        Group,
        uuid,
        write=write,
        queryset=Group.objects.select_related("province", "commune", "village", "programme", "subgrant", "facilitator"),
    )


def members_of(*, user: User, group: Group, current: bool = True) -> QuerySet[GroupMember]:
    members = access.visible(user, GroupMember.objects.filter(group=group))
    if current:
        members = members.filter(left_on__isnull=True)
    return members.select_related("person", "person__household").order_by("number")


def member_for_user(*, user: User, uuid: Any, write: bool = False) -> GroupMember:
    return access.get_for_user(
        user,
        GroupMember,
        uuid,
        write=write,
        queryset=GroupMember.objects.select_related("group", "person", "person__household"),
    )


def committee_of(*, user: User, group: Group) -> QuerySet[CommitteeRole]:
    return (
        access.visible(user, CommitteeRole.objects.filter(group=group, until__isnull=True))
        .select_related("member", "member__person")
        .order_by("role", "member__number")
    )


def stages_of(*, user: User, group: Group) -> QuerySet[GroupStage]:
    return access.visible(user, GroupStage.objects.filter(group=group)).order_by("stage")


def cycles_of(*, user: User, group: Group) -> QuerySet[Cycle]:
    return access.visible(user, Cycle.objects.filter(group=group)).order_by("-number")


def open_cycle(*, user: User, group: Group) -> Cycle | None:
    return cycles_of(user=user, group=group).filter(closed_on__isnull=True).first()


def cycle_for_user(*, user: User, uuid: Any, write: bool = False) -> Cycle:
    return access.get_for_user(
        user, Cycle, uuid, write=write, queryset=Cycle.objects.select_related("group", "group__commune")
    )


# ---------------------------------------------------------------- balances, from the ledger
@dataclass(frozen=True)
class Balances:
    loan_fund: Decimal
    social_fund: Decimal
    loans_outstanding: Decimal  # principal still owed

    @property
    def cash(self) -> Decimal:
        """The cash box: both funds."""
        return self.loan_fund + self.social_fund


def balances(*, user: User, group: Group, as_of: dt.date | None = None) -> Balances:
    """The group's cash box, by fund, and the principal owed to it, summed from the ledger (one query): today's
    from the cycle totals kept beside the ledger, an earlier day's from the entries up to that day."""
    if as_of is None:
        totals = access.visible(user, CycleTotal.objects.filter(group=group)).aggregate(
            loan_fund=Sum("amount", filter=Q(fund=vsla.LOAN_FUND), default=ZERO),
            social_fund=Sum("amount", filter=Q(fund=vsla.SOCIAL_FUND), default=ZERO),
            principal=Sum("principal", default=ZERO),
        )
        return Balances(totals["loan_fund"], totals["social_fund"], totals["principal"])
    entries = access.visible(user, LedgerEntry.objects.filter(group=group))
    if as_of is not None:
        entries = entries.filter(on__lte=as_of)
    sums = entries.aggregate(
        loan_fund=Sum("amount", filter=Q(fund=vsla.LOAN_FUND), default=ZERO),
        social_fund=Sum("amount", filter=Q(fund=vsla.SOCIAL_FUND), default=ZERO),
        principal=Sum("principal", default=ZERO),
    )
    return Balances(sums["loan_fund"], sums["social_fund"], sums["principal"])


@dataclass(frozen=True)
class MemberPosition:
    member: GroupMember
    shares: int
    savings: Decimal
    owed: Decimal  # principal and charges still owed
    social_fund: Decimal  # contributions in the cycle
    fines: Decimal


def member_positions(
    *, user: User, cycle: Cycle, as_of: dt.date | None = None, loans: list[LoanPosition] | None = None
) -> list[MemberPosition]:
    """Each member's shares and savings in the cycle, and what they owe (three queries; two when the open
    loans are given)."""
    as_of = as_of or timezone.localdate()
    members = list(members_of(user=user, group=cycle.group, current=False))
    entries = access.visible(user, LedgerEntry.objects.filter(cycle=cycle, member__isnull=False, on__lte=as_of))
    sums: dict[int, dict[str, Any]] = {
        row["member_id"]: dict(row)
        for row in entries.values("member_id")
        .annotate(
            shares=Sum("shares", filter=Q(kind=Kind.SHARES), default=0),
            social=Sum("amount", filter=Q(kind=Kind.SOCIAL_FUND), default=ZERO),
            fines=Sum("amount", filter=Q(kind=Kind.FINE), default=ZERO),
        )
        .order_by()
    }
    pairs = (
        [(lp.loan.member_id, lp.position) for lp in loans] if loans is not None else _loan_positions(user, cycle, as_of)
    )
    owed: dict[int, Decimal] = {}
    for member_id, pos in pairs:
        owed[member_id] = owed.get(member_id, ZERO) + pos.owed
    positions = []
    for member in members:
        row: dict[str, Any] = sums.get(member.pk, {})
        if member.left_on is not None and not row:
            continue
        shares = int(row.get("shares", 0))
        positions.append(
            MemberPosition(
                member,
                shares,
                shares * cycle.share_price,
                owed.get(member.pk, ZERO),
                row.get("social", ZERO),
                row.get("fines", ZERO),
            )
        )
    return positions


@dataclass(frozen=True)
class LoanPosition:
    loan: Loan
    position: vsla.Position
    charges_paid: Decimal
    principal_paid: Decimal


def _loan_states(user: User, loans: list[Loan], minor: Decimal, as_of: dt.date) -> list[LoanPosition]:
    states = {loan.pk: vsla.LoanState(loan.pk, loan.member_id, loan.terms(minor)) for loan in loans}
    moves = (
        access.visible(user, LedgerEntry.objects.filter(loan_id__in=list(states), on__lte=as_of))
        .exclude(kind=Kind.LOAN)
        .values_list("loan_id", "kind", "on")
        .annotate(amount=Sum("amount"), principal=Sum("principal"))
        .order_by("loan_id", "on")
    )
    for loan_id, kind, on, amount, principal in moves:
        state = states[loan_id]
        if kind == Kind.CHARGE:
            state.charges_paid += amount
        elif kind == Kind.REPAYMENT and principal:
            state.repaid.append((on, -principal))
        elif kind == Kind.WRITE_OFF:
            state.written_off -= principal
    return [
        LoanPosition(
            loan,
            states[loan.pk].position(as_of),
            states[loan.pk].charges_paid,
            sum((a for _d, a in states[loan.pk].repaid), ZERO),
        )
        for loan in loans
    ]


def open_loans(*, user: User, cycle: Cycle, as_of: dt.date | None = None) -> list[LoanPosition]:
    """The cycle's loans still owed, with what is owed on each and its arrears, in ONE query: the loans'
    entries with their loan (every loan has its disbursement entry)."""
    as_of = as_of or timezone.localdate()
    entries = (
        access.visible(
            user,
            LedgerEntry.objects.filter(cycle=cycle, loan__closed_on__isnull=True, loan__cancelled=False, on__lte=as_of),
        )
        .select_related("loan", "loan__member", "loan__member__person")
        .order_by("loan_id", "on", "id")
    )
    loans: dict[int, Loan] = {}
    states: dict[int, vsla.LoanState] = {}
    for entry in entries:
        loan = entry.loan
        assert loan is not None
        if loan.pk not in states:
            loans[loan.pk] = loan
            states[loan.pk] = vsla.LoanState(loan.pk, loan.member_id, loan.terms(cycle.minor))
        state = states[loan.pk]
        if entry.kind == Kind.CHARGE:
            state.charges_paid += entry.amount
        elif entry.kind == Kind.REPAYMENT and entry.principal:
            state.repaid.append((entry.on, -entry.principal))
        elif entry.kind == Kind.WRITE_OFF:
            state.written_off -= entry.principal
    return [
        LoanPosition(
            loan, states[pk].position(as_of), states[pk].charges_paid, sum((a for _d, a in states[pk].repaid), ZERO)
        )
        for pk, loan in sorted(loans.items(), key=lambda item: (item[1].disbursed_on, item[0]), reverse=True)
    ]


def _loan_positions(user: User, cycle: Cycle, as_of: dt.date) -> list[tuple[int, vsla.Position]]:
    return [(lp.loan.member_id, lp.position) for lp in open_loans(user=user, cycle=cycle, as_of=as_of)]


def loans_of(*, user: User, cycle: Cycle, as_of: dt.date | None = None, open_only: bool = False) -> list[LoanPosition]:
    """The cycle's loans with what is owed on each and its arrears (two queries)."""
    loans = access.visible(user, Loan.objects.filter(cycle=cycle, cancelled=False)).select_related("member")
    if open_only:
        loans = loans.filter(closed_on__isnull=True)
    return _loan_states(user, list(loans.order_by("-disbursed_on", "-id")), cycle.minor, as_of or timezone.localdate())


def loan_for_user(*, user: User, uuid: Any) -> Loan:
    return access.get_for_user(
        user, Loan, uuid, queryset=Loan.objects.select_related("cycle", "group", "member", "member__person", "meeting")
    )


def loan_detail(
    *, user: User, loan: Loan, as_of: dt.date | None = None
) -> tuple[LoanPosition, list[LoanInstalment], list[LedgerEntry]]:
    as_of = as_of or timezone.localdate()
    [position] = _loan_states(user, [loan], loan.cycle.minor, as_of)
    instalments = list(access.visible(user, LoanInstalment.objects.filter(loan=loan)).order_by("number"))
    entries = list(access.visible(user, LedgerEntry.objects.filter(loan=loan)).select_related("meeting").order_by("id"))
    return position, instalments, entries


# ---------------------------------------------------------------- meetings
def meetings_of(*, user: User, cycle: Cycle) -> QuerySet[Meeting]:
    return access.visible(user, Meeting.objects.filter(cycle=cycle)).order_by("-number")


def meeting_for_user(*, user: User, uuid: Any, write: bool = False) -> Meeting:
    return access.get_for_user(
        user, Meeting, uuid, write=write, queryset=Meeting.objects.select_related("cycle", "group", "recorded_by")
    )


def cycle_for_meeting(*, user: User, uuid: Any) -> Cycle:
    """The cycle of the meeting screen with its group and its latest meeting's number and day (one query)."""
    latest = access.visible(user, Meeting.objects.filter(cycle=OuterRef("pk"))).order_by("-number")
    return access.get_for_user(
        user,
        Cycle,
        uuid,
        queryset=Cycle.objects.select_related("group", "group__commune").annotate(
            last_number=Subquery(latest.values("number")[:1]), last_held_on=Subquery(latest.values("held_on")[:1])
        ),
    )


def next_meeting(*, user: User, cycle: Cycle) -> tuple[int, dt.date]:
    """The number and the expected day of the cycle's next meeting (no query for a cycle from
    `cycle_for_meeting`)."""
    last: tuple[int, dt.date] | None
    if hasattr(cycle, "last_number"):
        found = getattr(cycle, "last_number", None)
        last = (found, getattr(cycle, "last_held_on", None)) if found is not None else None  # type: ignore[assignment]
    else:
        last = meetings_of(user=user, cycle=cycle).values_list("number", "held_on").first()
    if last is None:
        return 1, min(cycle.started_on, timezone.localdate())
    number, held_on = last
    expected = held_on + dt.timedelta(days=cycle.meeting_every_days)
    return number + 1, min(max(expected, held_on + dt.timedelta(days=1)), timezone.localdate())


def meeting_members(*, user: User, group: Group) -> list[GroupMember]:
    """The group's current members for the meeting screen, each with `owes`: whether they owe a loan (one
    query)."""
    owing = access.visible(user, Loan.objects.filter(member=OuterRef("pk"), closed_on__isnull=True, cancelled=False))
    return list(members_of(user=user, group=group).annotate(owes=Exists(owing)))


def meeting_entries(*, user: User, meeting: Meeting) -> QuerySet[LedgerEntry]:
    return (
        access.visible(user, LedgerEntry.objects.filter(meeting=meeting))
        .select_related("member", "member__person", "reverses", "reversed_by")
        .order_by("id")
    )


def meeting_attendance(*, user: User, meeting: Meeting) -> QuerySet[Attendance]:
    return (
        access.visible(user, Attendance.objects.filter(meeting=meeting))
        .select_related("member__person")
        .order_by("member__number")
    )


def entry_for_user(*, user: User, uuid: Any, write: bool = False) -> LedgerEntry:
    return access.get_for_user(
        user,
        LedgerEntry,
        uuid,
        write=write,
        queryset=LedgerEntry.objects.select_related("group", "cycle", "meeting", "member", "loan"),
    )


def ledger_of(*, user: User, group: Group) -> QuerySet[LedgerEntry]:
    return access.visible(user, LedgerEntry.objects.filter(group=group)).order_by("id")


# ---------------------------------------------------------------- share-outs and passbooks
def share_out_for_user(*, user: User, uuid: Any) -> ShareOut:
    return access.get_for_user(
        user, ShareOut, uuid, queryset=ShareOut.objects.select_related("cycle", "group", "group__commune", "meeting")
    )


def share_out_lines(*, user: User, share_out: ShareOut) -> QuerySet[ShareOutLine]:
    return (
        access.visible(user, ShareOutLine.objects.filter(share_out=share_out))
        .select_related("member", "member__person")
        .order_by("member__number")
    )


@dataclass(frozen=True)
class PassbookLine:
    entry: LedgerEntry
    shares: int  # the member's shares after this entry, in its cycle
    savings: Decimal


def passbook(*, user: User, member: GroupMember) -> list[PassbookLine]:
    """A member's passbook: every entry of theirs, oldest first, with their shares after each (one query)."""
    entries = (
        access.visible(user, LedgerEntry.objects.filter(member=member))
        .select_related("cycle", "meeting", "loan")
        .order_by("cycle__number", "on", "id")
    )
    lines, shares, cycle_id = [], 0, None
    for entry in entries:
        if entry.cycle_id != cycle_id:
            shares, cycle_id = 0, entry.cycle_id
        shares += entry.shares
        lines.append(PassbookLine(entry, shares, shares * entry.cycle.share_price))
    return lines


def member_share_outs(*, user: User, member: GroupMember) -> QuerySet[ShareOutLine]:
    return access.visible(user, ShareOutLine.objects.filter(member=member)).select_related(
        "share_out", "share_out__cycle"
    )


def person_by_case_number(*, user: User, case_number: str) -> Person | None:
    """A person the user may see, by their exact case number (to add them to a group)."""
    return access.visible(user, Person.objects.filter(case_number=case_number)).first()


def recent_meetings(*, user: User, group: Group, limit: int = 10) -> list[Meeting]:
    return list(
        access.visible(user, Meeting.objects.filter(group=group)).select_related("cycle").order_by("-held_on")[:limit]
    )


# ---------------------------------------------------------------- API lists
def cycle_list(*, user: User, group: Group | None = None) -> QuerySet[Cycle]:
    """The savings cycles the user may see, of one group or of all (the API's list)."""
    rows = access.visible(user, Cycle.objects.select_related("group"))
    return (rows.filter(group=group) if group is not None else rows).order_by("-started_on", "-id")


def member_list(*, user: User, group: Group | None = None) -> QuerySet[GroupMember]:
    members = access.visible(user, GroupMember.objects.all())
    if group is not None:
        members = members.filter(group=group)
    return members.select_related("group", "person").order_by("group_id", "number")


def meeting_list(*, user: User, group: Group | None = None) -> QuerySet[Meeting]:
    meetings = access.visible(user, Meeting.objects.all())
    if group is not None:
        meetings = meetings.filter(group=group)
    return meetings.select_related("group", "cycle").order_by("-held_on", "-id")


def entry_list(*, user: User, group: Group | None = None) -> QuerySet[LedgerEntry]:
    entries = access.visible(user, LedgerEntry.objects.all())
    if group is not None:
        entries = entries.filter(group=group)
    return entries.select_related("group", "meeting", "member", "loan", "reverses").order_by("id")


def loan_list(*, user: User, group: Group | None = None) -> QuerySet[Loan]:
    loans = access.visible(user, Loan.objects.filter(cancelled=False))
    if group is not None:
        loans = loans.filter(group=group)
    return loans.select_related("member", "cycle").order_by("-disbursed_on", "-id")


def share_out_list(*, user: User) -> QuerySet[ShareOut]:
    return (
        access.visible(user, ShareOut.objects.all())
        .select_related("group", "cycle")
        .prefetch_related("lines__member")
        .order_by("-held_on", "-id")
    )


# ---------------------------------------------------------------- SAVIX indicators (livelihoods.savix)
def _ledger_sums(
    user: User, group_ids: QuerySet[Cycle, Any], as_of: dt.date
) -> dict[int, list[tuple[int, int, str, str, Decimal, Decimal, int]]]:
    """Per group, the sums of its ledger by cycle (with the cycle's number), kind and fund up to `as_of`: from the
    cycle totals kept beside the ledger (a few rows a cycle), and from the ledger itself only for the groups with
    an entry after `as_of` (a day in the past: one more query)."""
    ledger: dict[int, list[tuple[int, int, str, str, Decimal, Decimal, int]]] = {}
    later: set[int] = set()
    for group_id, cycle_id, number, kind, fund, amount, principal, shares, last_on in (
        access.visible(user, CycleTotal.objects.filter(group__in=group_ids))
        .values_list(
            "group_id", "cycle_id", "cycle__number", "kind", "fund", "amount", "principal", "shares", "last_on"
        )
        .order_by()
    ):
        if last_on > as_of:
            later.add(group_id)
        ledger.setdefault(group_id, []).append((cycle_id, number, kind, fund, amount, principal, shares))
    if not later:
        return ledger
    for group_id in later:
        ledger.pop(group_id, None)
    for group_id, cycle_id, number, kind, fund, amount, principal, shares in (
        access.visible(user, LedgerEntry.objects.filter(group__in=later, on__lte=as_of))
        .values_list("group_id", "cycle_id", "cycle__number", "kind", "fund")
        .annotate(amount=Sum("amount"), principal=Sum("principal"), shares=Sum("shares"))
        .order_by()
    ):
        ledger.setdefault(group_id, []).append((cycle_id, number, kind, fund, amount, principal, shares))
    return ledger


SAVIX_FIELDS = ("id", "group_id", "number", "started_on", "share_price", "currency", "group__programme__name")


def savix_facts(*, user: User, cycles: QuerySet[Cycle], as_of: dt.date | None = None) -> dict[int, savix.Facts]:
    """The SAVIX facts of each cycle on a day, in a fixed number of grouped queries whatever the number of cycles:
    today's (`as_of` None, today or later) from the figures kept beside the records (three queries: the cycles
    with their groups' counts, the members who left, the loans owed); an earlier day's from the ledger (six; seven
    for a day before a group's latest entry). Sums and counts by cycle, never a row per member or entry."""
    today = timezone.localdate()
    if as_of is None or as_of >= today:
        return {key[0]: facts for key, facts in _stored_facts(user, cycles, ("id",), today).items()}
    return _savix(user, cycles, as_of)[0]


def savix_total(*, user: User, cycles: QuerySet[Cycle], as_of: dt.date | None = None) -> savix.Facts:
    """The SAVIX facts of all these cycles together (ratios come from these totals): today's summed by the
    database in three queries of a few rows, an earlier day's as the sum of each cycle's facts."""
    today = timezone.localdate()
    if as_of is None or as_of >= today:
        return savix.total(_stored_facts(user, cycles, (), today).values())
    return savix.total(savix_facts(user=user, cycles=cycles, as_of=as_of).values())


def _stored_facts(
    user: User, cycles: QuerySet[Cycle], key: tuple[str, ...], today: dt.date
) -> dict[tuple[Any, ...], savix.Facts]:
    """Today's facts of the cycles the user sees, summed by the database by `key` (fields of the cycle: ("id",)
    for each cycle, the programme and currency for a programme's rows, () for one total) from the figures kept
    beside the records: the cycle's sums and attendance (`Cycle`), its group's current members and women
    (`Group`), each loan's principal owed and the day it falls behind (`Loan`). Three grouped queries; the
    definitions are `_savix`'s, term by term (the tests hold them equal). Each result is also split by the
    cycle's start (for the days it has run), then added up."""
    cycles = access.visible(user, cycles)
    by = (*key, "started_on")
    money = DecimalField(max_digits=20, decimal_places=2)
    parts: dict[tuple[Any, ...], dict[str, Any]] = {}

    def add(rows: Any, *names: str) -> None:
        for row in rows:
            part = parts.setdefault(tuple(row[: len(by)]), {})
            for name, value in zip(names, row[len(by) :], strict=True):
                part[name] = value or 0

    names: tuple[str, ...] = ("groups", "members", "women", "attended", "expected", "savings", "loan_fund")
    names += ("social_fund", "outstanding", "start_fund", "written_off", "loans_disbursed", "disbursed")
    add(
        cycles.values_list(*by)
        .annotate(
            groups=Count("id"),
            members=Sum("group__members_now"),
            women=Sum("group__women_now"),
            attended=Sum("attended"),
            expected=Sum("expected"),
            savings=Sum(F("shares") * F("share_price"), output_field=money),
            loan_fund=Sum(F("carried_loan_fund") + F("loan_fund")),
            social_fund=Sum(F("carried_social_fund") + F("social_fund")),
            outstanding=Sum(F("carried_principal") + F("principal")),
            start_fund=Sum("carried_loan_fund"),
            written_off=Sum("written_off"),
            loans_disbursed=Sum("loans_given"),
            disbursed=Sum("lent"),
        )
        .order_by(),
        *names,
    )
    if not parts:
        return {}
    # Members who left during the cycle (a partial index holds only those who left).
    add(
        access.visible(
            user,
            GroupMember.objects.filter(
                left_on__isnull=False,
                left_on__lte=today,
                joined_on__lte=today,
                group__cycles__in=cycles.values("pk"),
                left_on__gte=F("group__cycles__started_on"),
            ),
        )
        .values_list(*(name if name.startswith("group__") else f"group__cycles__{name}" for name in by))
        .annotate(n=Count("id"))
        .order_by(),
        "members_left",
    )
    # Loans still owed (a partial index holds only those): how many, by how many members, and the principal
    # owed on those behind their schedule today.
    add(
        access.visible(user, Loan.objects.filter(owed__gt=0, cycle__in=cycles.values("pk")))
        .values_list(*(f"cycle__{name}" for name in by))
        .annotate(
            n=Count("id"),
            borrowers=Count("member", distinct=True),
            at_risk=Sum("owed", filter=Q(late_from__lte=today)),
        )
        .order_by(),
        "outstanding_loans",
        "borrowers",
        "at_risk",
    )
    summed: dict[tuple[Any, ...], savix.Facts] = {}
    for (*group_key, started_on), part in parts.items():
        days = max((today - started_on).days, 0)
        groups = part.get("groups", 0)
        savings = Decimal(part.get("savings", 0))
        facts = savix.Facts(
            groups=groups,
            members=part.get("members", 0),
            women=part.get("women", 0),
            members_left=part.get("members_left", 0),
            attended=part.get("attended", 0),
            expected=part.get("expected", 0),
            savings=savings,
            loan_fund=Decimal(part.get("loan_fund", 0)),
            social_fund=Decimal(part.get("social_fund", 0)),
            outstanding=Decimal(part.get("outstanding", 0)),
            outstanding_loans=part.get("outstanding_loans", 0),
            borrowers=part.get("borrowers", 0),
            at_risk=Decimal(part.get("at_risk", 0)),
            disbursed=Decimal(part.get("disbursed", 0)),
            loans_disbursed=part.get("loans_disbursed", 0),
            written_off=Decimal(part.get("written_off", 0)),
            start_fund=Decimal(part.get("start_fund", 0)),
            days=days * groups,
            savings_days=savings * days,
        )
        summed[tuple(group_key)] = summed.get(tuple(group_key), savix.Facts()) + facts
    return summed


def _savix(
    user: User, cycles: QuerySet[Cycle], as_of: dt.date | None
) -> tuple[dict[int, savix.Facts], dict[int, dict[str, Any]]]:
    as_of = as_of or timezone.localdate()
    cycles = access.visible(user, cycles)
    rows = list(cycles.values(*SAVIX_FIELDS))
    if not rows:
        return {}, {}
    group_ids = cycles.values("group_id")

    members: dict[int, list[tuple[dt.date | None, str, int]]] = {}
    for group_id, left_on, sex, n in (
        access.visible(user, GroupMember.objects.filter(group__in=group_ids, joined_on__lte=as_of))
        .values_list("group_id", "left_on", "person__sex")
        .annotate(n=Count("id"))
        .order_by()
    ):
        members.setdefault(group_id, []).append((left_on, sex, n))

    attendance: dict[int, list[int]] = {
        cycle_id: [attended or 0, expected or 0]
        for cycle_id, attended, expected in (
            access.visible(user, Meeting.objects.filter(cycle__in=cycles, held_on__lte=as_of))
            .values_list("cycle_id")
            .annotate(attended=Sum("present_count"), expected=Sum("attendance_count"))
            .order_by()
        )
    }

    ledger = _ledger_sums(user, group_ids, as_of)

    lent = {
        cycle_id: (n, value)
        for cycle_id, n, value in access.visible(
            user, Loan.objects.filter(cycle__in=cycles, cancelled=False, disbursed_on__lte=as_of)
        )
        .values_list("cycle_id")
        .annotate(n=Count("id"), value=Sum("principal"))
        .order_by()
    }

    # Each loan's principal still owed and its principal due by now; a loan is late when it owes more than
    # the schedule leaves (paid = principal − owed < due).
    owed = Subquery(
        LedgerEntry.objects.filter(loan=OuterRef("pk"), on__lte=as_of)
        .values("loan")
        .annotate(total=Sum("principal"))
        .values("total")[:1]
    )
    due = Subquery(
        LoanInstalment.objects.filter(loan=OuterRef("pk"), due_on__lte=as_of)
        .values("loan")
        .annotate(total=Sum("principal"))
        .values("total")[:1]
    )
    # A loan closed by `as_of` owes nothing then (closing is the day nothing was owed; a reversal reopens it).
    open_loans = (
        access.visible(user, Loan.objects.filter(group__in=group_ids, cancelled=False, disbursed_on__lte=as_of))
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=as_of))
        .annotate(owed_now=Coalesce(owed, ZERO), due=Coalesce(due, ZERO))
        .filter(owed_now__gt=0)
    )
    outstanding: dict[int, list[Any]] = {}
    for group_id, member_id, principal, owed_now, due_now in open_loans.values_list(
        "group_id", "member_id", "principal", "owed_now", "due"
    ):
        entry = outstanding.setdefault(group_id, [0, set(), ZERO])
        entry[0] += 1
        entry[1].add(member_id)
        if principal - owed_now < due_now:
            entry[2] += owed_now

    facts: dict[int, savix.Facts] = {}
    for row in rows:
        cycle_id, group_id, number = row["id"], row["group_id"], row["number"]
        started_on: dt.date = row["started_on"]
        now = left = women = 0
        for left_on, sex, n in members.get(group_id, []):
            if left_on is None or left_on > as_of:
                now += n
                women += n if sex == "female" else 0
            elif left_on >= started_on:
                left += n
        loan_fund = social_fund = principal_owed = start_fund = written_off = ZERO
        shares = 0
        for entry_cycle, entry_number, kind, fund, amount, principal, entry_shares in ledger.get(group_id, []):
            principal_owed += principal
            if fund == vsla.LOAN_FUND:
                loan_fund += amount
                if entry_number < number:
                    start_fund += amount
            else:
                social_fund += amount
            if entry_cycle == cycle_id and kind == Kind.SHARES:
                shares += entry_shares
            if entry_cycle == cycle_id and kind == Kind.WRITE_OFF:
                written_off -= principal
        loans_now, borrowers, at_risk = outstanding.get(group_id, [0, set(), ZERO])
        attended, expected = attendance.get(cycle_id, [0, 0])
        n_lent, value_lent = lent.get(cycle_id, (0, ZERO))
        savings = shares * row["share_price"]
        days = max((as_of - started_on).days, 0)
        facts[cycle_id] = savix.Facts(
            groups=1,
            members=now,
            women=women,
            members_left=left,
            attended=attended,
            expected=expected,
            savings=savings,
            loan_fund=loan_fund,
            social_fund=social_fund,
            outstanding=principal_owed,
            outstanding_loans=loans_now,
            borrowers=len(borrowers),
            at_risk=at_risk,
            disbursed=value_lent or ZERO,
            loans_disbursed=n_lent,
            written_off=written_off,
            start_fund=start_fund,
            days=days,
            savings_days=savings * days,
        )
    return facts, {row["id"]: row for row in rows}


@dataclass(frozen=True)
class SavixRow:
    """The indicators of a set of cycles in one currency: one group's, or a programme's."""

    label: str
    currency: str
    facts: savix.Facts
    values: list[savix.Value]


def group_savix(*, user: User, group: Group, as_of: dt.date | None = None) -> tuple[Cycle | None, SavixRow | None]:
    """The indicators of the group's cycle under way (else its latest)."""
    cycle = cycles_of(user=user, group=group).order_by("-number").first()
    if cycle is None:
        return None, None
    facts = savix_facts(user=user, cycles=Cycle.objects.filter(pk=cycle.pk), as_of=as_of)[cycle.pk]
    return cycle, SavixRow(group.name, cycle.currency, facts, savix.values(facts))


def programme_savix(*, user: User, as_of: dt.date | None = None) -> list[SavixRow]:
    """The indicators of every savings group the user sees with a cycle under way, by programme and currency
    (ratios from the totals, never averages of the groups' ratios). Today's are summed by the database from the
    figures kept beside the records, by programme, currency and starting day of the cycles (three grouped
    queries, a few rows each, whatever the number of groups); an earlier day's cycle by cycle from the ledger
    (`savix_facts`)."""
    from django.utils.translation import gettext as _

    today = timezone.localdate()
    as_of = min(as_of or today, today)
    cycles = Cycle.objects.filter(closed_on__isnull=True)
    summed: dict[tuple[str | None, str], savix.Facts] = {}
    if as_of == today:
        by_programme = _stored_facts(user, cycles, ("group__programme__name", "currency"), today)
        summed = {(key[0], key[1]): facts_of for key, facts_of in by_programme.items()}
    else:
        facts, rows = _savix(user, access.visible(user, cycles), as_of)
        for cycle_id, cycle_facts in facts.items():
            row = rows[cycle_id]
            key = (row["group__programme__name"], row["currency"])
            summed[key] = summed.get(key, savix.Facts()) + cycle_facts
    totals: dict[tuple[str, str], savix.Facts] = {}
    for (programme, currency), facts_of in summed.items():
        key = (programme or _("No programme"), currency)
        totals[key] = totals.get(key, savix.Facts()) + facts_of
    return [
        SavixRow(label, currency, total, savix.values(total)) for (label, currency), total in sorted(totals.items())
    ]


# ---------------------------------------------------------------- the group's books (livelihoods.books)
def _movements(user: User, group: Group, start: dt.date | None, end: dt.date) -> list[books.Movement]:
    entries = access.visible(user, LedgerEntry.objects.filter(group=group, on__lte=end))
    if start is not None:
        entries = entries.filter(on__gte=start)
    return [
        books.Movement(kind, fund, amount, principal)
        for kind, fund, amount, principal in entries.values_list("kind", "fund")
        .annotate(amount=Sum("amount"), principal=Sum("principal"))
        .order_by()
    ]


@dataclass(frozen=True)
class Books:
    start: dt.date
    end: dt.date
    trial_balance: books.TrialBalance  # the period's movements
    income_statement: books.IncomeStatement
    balance_sheet: books.BalanceSheet  # on the last day


def group_books(*, user: User, group: Group, start: dt.date, end: dt.date) -> Books:
    """The group's trial balance and income statement over a period and its balance sheet at the period's end,
    from the ledger (two grouped queries)."""
    period = _movements(user, group, start, end)
    return Books(
        start,
        end,
        books.trial_balance(period),
        books.income_statement(period),
        books.balance_sheet(_movements(user, group, None, end)),
    )


# ---------------------------------------------------------------- the business plan against the books
@dataclass(frozen=True)
class PlanQuarter:
    year: int  # 1, 2 or 3
    start: dt.date
    end: dt.date
    planned_income: Decimal  # a quarter of the year's plan
    planned_costs: Decimal
    income: Decimal  # from the books
    costs: Decimal

    @property
    def net(self) -> Decimal:
        return self.income - self.costs

    @property
    def planned_net(self) -> Decimal:
        return self.planned_income - self.planned_costs


def business_plan_of(*, user: User, group: Group) -> BusinessPlan | None:
    return access.visible(user, BusinessPlan.objects.filter(group=group)).prefetch_related("years").first()


def plan_quarters(*, user: User, plan: BusinessPlan, as_of: dt.date | None = None) -> list[PlanQuarter]:
    """Each quarter of the plan begun by `as_of`, the plan's figures beside the books' (one query for the books):
    income and costs are the income statement's, so they count service charges, fines, other income, expenses and
    write-offs exactly as the books do."""
    from karpear.livelihoods.models.plans import YEARS

    as_of = as_of or timezone.localdate()
    years = {year.number: year for year in plan.years.all()}
    quarters = []
    for index in range(YEARS * 4):
        start = vsla.add_months(plan.starts_on, 3 * index)
        if start > as_of:
            break
        quarters.append(
            (index // 4 + 1, start, vsla.add_months(plan.starts_on, 3 * (index + 1)) - dt.timedelta(days=1))
        )
    if not quarters:
        return []
    by_quarter: dict[int, list[books.Movement]] = {}
    rows = (
        access.visible(user, LedgerEntry.objects.filter(group=plan.group_id, on__gte=plan.starts_on))
        .filter(on__lte=quarters[-1][2])
        .values_list("on", "kind", "fund")
        .annotate(amount=Sum("amount"), principal=Sum("principal"))
        .order_by()
    )
    for on, kind, fund, amount, principal in rows:
        index = next(i for i, (_y, start, end) in enumerate(quarters) if start <= on <= end)
        by_quarter.setdefault(index, []).append(books.Movement(kind, fund, amount, principal))
    result = []
    for index, (number, start, end) in enumerate(quarters):
        statement = books.income_statement(by_quarter.get(index, []))
        year = years.get(number)
        result.append(
            PlanQuarter(
                number,
                start,
                end,
                (year.income / 4) if year else ZERO,
                (year.costs / 4) if year else ZERO,
                statement.total_income,
                statement.total_expenses,
            )
        )
    return result
