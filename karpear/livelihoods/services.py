"""Writes of the livelihoods app: groups and members, savings cycles, meetings, corrections and share-outs.

Each service is keyword-only and `@transaction.atomic`, checks its caller through core.access first, validates
(raising ValidationError with the form's field names, in the user's language), saves and writes its audit
event last, inside the transaction. Nothing is saved half-done: a refused step leaves every table as it was.

Locks: a write to a group's savings (a meeting, a correction, a share-out, a new cycle) locks the group's row
first (`select_for_update`), so two phones recording at once take turns and each sees the other's entries;
no other row lock is taken before it, and the audit append comes last (as core.referrals does).
"""

from __future__ import annotations

import datetime as dt
import uuid as uuidlib
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from karpear.core import access, audit
from karpear.core import services as core_services
from karpear.core.models import Currency, Membership, Person, Programme, SubGrant, User
from karpear.core.services import PlaceChoice
from karpear.core.text import clean_text, name_key
from karpear.livelihoods import vsla
from karpear.livelihoods.declarations import LivelihoodsCapability as C
from karpear.livelihoods.models import (
    Attendance,
    BusinessPlan,
    BusinessPlanYear,
    CommitteeRole,
    Cycle,
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
from karpear.livelihoods.models.savings import FIGURES

ZERO = Decimal(0)
Kind = LedgerEntry.Kind


def _membership(actor: User) -> Membership:
    membership = access.membership_for(actor)
    if membership is None:
        raise PermissionDenied
    return membership


def _today() -> dt.date:
    return timezone.localdate()


def _require_own(actor: User, capability: str, obj: Any) -> None:
    """The actor may use `capability` on `obj`, which belongs to their own organisation."""
    access.require(actor, capability, obj)


def _locked_group(group: Group) -> Group:
    return Group.objects.select_for_update().get(pk=group.pk)


def _money_text(amount: Decimal, currency: str) -> str:
    unit = "៛" if currency == Currency.KHR else "$"
    text = f"{amount:,.0f}" if currency == Currency.KHR else f"{amount:,.2f}"
    return f"{text} {unit}"


# ---------------------------------------------------------------- groups
@dataclass
class GroupInput:
    name: str
    kind: str
    place: PlaceChoice
    formed_on: dt.date
    programme: Programme | None = None
    subgrant: SubGrant | None = None
    facilitator: User | None = None


def _validate_group(actor: User, data: GroupInput, organisation_id: int) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not clean_text(data.name):
        errors["name"] = _("Give the group a name.")
    if data.place.commune is None:
        errors["commune"] = _("Choose the commune (and the village) where the group meets.")
    if data.formed_on > _today():
        errors["formed_on"] = _("The group cannot be formed in the future.")
    if data.subgrant is not None and data.programme is not None and data.subgrant.programme_id != data.programme.pk:
        errors["subgrant"] = _("This sub-grant belongs to another programme.")
    if data.facilitator is not None:
        facilitates = Membership.objects.filter(
            user=data.facilitator, organisation_id=organisation_id, is_active=True
        ).exists()
        if not facilitates:
            errors["facilitator"] = _("Choose a member of your organisation.")
    return errors


@transaction.atomic
def group_create(*, actor: User, data: GroupInput) -> Group:
    """Form a group in the actor's organisation. Needs livelihoods_change_group."""
    access.require(actor, C.CHANGE_GROUP)
    membership = _membership(actor)
    errors = _validate_group(actor, data, membership.organisation_id)
    if errors:
        raise ValidationError(errors)
    assert data.place.commune is not None and data.place.district is not None and data.place.province is not None
    name = clean_text(data.name)
    group = Group(
        organisation=membership.organisation,
        name=name,
        name_key=name_key(name),
        kind=data.kind,
        province=data.place.province,
        district=data.place.district,
        commune=data.place.commune,
        village=data.place.village,
        programme=data.programme,
        subgrant=data.subgrant,
        facilitator=data.facilitator or actor,
        formed_on=data.formed_on,
        created_by=actor,
    )
    group.full_clean()
    group.save()
    audit.record(actor=actor, action="create", obj=group, kind=group.kind)
    return group


GROUP_FIELDS: tuple[str, ...] = (
    "name",
    "name_key",
    "kind",
    "province",
    "district",
    "commune",
    "village",
    "programme",
    "subgrant",
)
GROUP_FIELDS += ("facilitator", "formed_on")


@transaction.atomic
def group_update(*, actor: User, group: Group, data: GroupInput) -> Group:
    """Change a group's name, place, programme or field officer. Needs livelihoods_change_group."""
    _require_own(actor, C.CHANGE_GROUP, group)
    errors = _validate_group(actor, data, group.organisation_id)
    if data.kind != group.kind and group.cycles.exists():
        errors["kind"] = _("A group that has saved cannot change its kind.")
    if errors:
        raise ValidationError(errors)
    assert data.place.commune is not None and data.place.district is not None and data.place.province is not None
    before = {"name": group.name, "kind": group.kind, "commune": group.commune_id}
    group.name = clean_text(data.name)
    group.name_key = name_key(group.name)
    group.kind = data.kind
    group.province, group.district = data.place.province, data.place.district
    group.commune, group.village = data.place.commune, data.place.village
    group.programme, group.subgrant = data.programme, data.subgrant
    group.facilitator = data.facilitator or group.facilitator
    group.formed_on = data.formed_on
    group.full_clean()
    # The fields the form changes, never the member counts the member services keep (read before, maybe stale).
    group.save(update_fields=[*GROUP_FIELDS, "updated_at"])
    audit.record(actor=actor, action="update", obj=group, before=before)
    return group


@transaction.atomic
def group_dissolve(*, actor: User, group: Group, on: dt.date, reason: str, note: str = "") -> Group:
    """Dissolve a group. A savings group with money still in its box shares it out first."""
    _require_own(actor, C.CHANGE_GROUP, group)
    group = _locked_group(group)
    errors: dict[str, str] = {}
    if group.dissolved_on is not None:
        raise ValidationError(_("This group is dissolved already."))
    if reason not in Group.Dissolution.values:
        errors["reason"] = _("Choose why the group stops.")
    if on > _today():
        errors["on"] = _("The date cannot be in the future.")
    elif on < group.formed_on:
        errors["on"] = _("The group was formed after this date.")
    if group.cycles.filter(closed_on__isnull=True).exists():
        errors["on"] = _("The group's savings cycle is still open: share it out first.")
    if errors:
        raise ValidationError(errors)
    group.dissolved_on, group.dissolution_reason, group.dissolution_note = on, reason, clean_text(note)[:300]
    group.save(update_fields=["dissolved_on", "dissolution_reason", "dissolution_note", "updated_at"])
    GroupMember.objects.filter(group=group, left_on__isnull=True).update(left_on=on, exit_reason="other")
    Group.objects.filter(pk=group.pk).update(members_now=0, women_now=0)
    audit.record(actor=actor, action="update", obj=group, step="dissolved", reason=reason)
    return group


def _active(group: Group) -> None:
    if group.dissolved_on is not None:
        raise ValidationError(_("This group is dissolved: nothing more can be recorded for it."))


@transaction.atomic
def stage_record(*, actor: User, group: Group, stage: int, reached_on: dt.date, evidence: str) -> GroupStage:
    """Record that a group reached a stage of the ICC approach. Stages come in order, each on or after the one
    before; the evidence says what shows it."""
    _require_own(actor, C.CHANGE_GROUP, group)
    _active(group)
    errors: dict[str, str] = {}
    reached = {s.stage: s.reached_on for s in group.stages.all()}
    if stage not in GroupStage.Stage.values:
        errors["stage"] = _("Choose a stage.")
    elif stage in reached:
        errors["stage"] = _("The group reached this stage already.")
    elif stage > 1 and stage - 1 not in reached:
        errors["stage"] = _("The group must reach the stage before this one first.")
    elif stage > 1 and reached_on < reached[stage - 1]:
        errors["reached_on"] = _("This stage cannot be reached before the stage before it.")
    if reached_on > _today():
        errors["reached_on"] = _("The date cannot be in the future.")
    elif reached_on < group.formed_on:
        errors["reached_on"] = _("The group was formed after this date.")
    evidence = clean_text(evidence)
    if not evidence:
        errors["evidence"] = _("Say what shows the group reached this stage.")
    if errors:
        raise ValidationError(errors)
    record = GroupStage(
        organisation_id=group.organisation_id,
        group=group,
        stage=stage,
        reached_on=reached_on,
        evidence=evidence,
        recorded_by=actor,
    )
    record.full_clean()
    record.save()
    audit.record(actor=actor, action="create", obj=record, group=str(group.uuid), stage=stage)
    return record


# ---------------------------------------------------------------- business plans
@dataclass
class PlanYearInput:
    investment: Decimal
    income: Decimal
    costs: Decimal


@dataclass
class BusinessPlanInput:
    starts_on: dt.date
    activities: str
    funding_sources: str
    years: list[PlanYearInput]


@transaction.atomic
def business_plan_save(*, actor: User, group: Group, data: BusinessPlanInput) -> BusinessPlan:
    """Write or revise the group's three-year business plan. Amounts are never negative; a plan starts on or after
    the group was formed. Audited with what changed."""
    from karpear.livelihoods.models.plans import YEARS

    _require_own(actor, C.CHANGE_GROUP, group)
    group = _locked_group(group)  # two officers saving the first plan at once: the second waits, then revises it
    _active(group)
    errors: dict[str, str] = {}
    activities, funding = clean_text(data.activities), clean_text(data.funding_sources)
    if not activities:
        errors["activities"] = _("Say what the group plans to do.")
    if not funding:
        errors["funding_sources"] = _("Say where the money for the plan comes from.")
    if data.starts_on < group.formed_on:
        errors["starts_on"] = _("The plan cannot start before the group was formed.")
    if len(data.years) != YEARS:
        errors["years"] = _("A business plan covers three years.")
    for number, year in enumerate(data.years, start=1):
        for name in ("investment", "income", "costs"):
            if getattr(year, name) < 0:
                errors[f"year{number}_{name}"] = _("Year %(n)s: an amount cannot be negative.") % {"n": number}
    if errors:
        raise ValidationError(errors)
    plan = BusinessPlan.objects.filter(group=group).first()
    created = plan is None
    if plan is None:
        plan = BusinessPlan(organisation_id=group.organisation_id, group=group)
    plan.starts_on, plan.activities, plan.funding_sources = data.starts_on, activities[:2000], funding[:1000]
    plan.updated_by = actor
    plan.save()
    for number, year in enumerate(data.years, start=1):
        BusinessPlanYear.objects.update_or_create(
            plan=plan,
            number=number,
            defaults={
                "organisation_id": group.organisation_id,
                "investment": year.investment,
                "income": year.income,
                "costs": year.costs,
            },
        )
    audit.record(actor=actor, action="create" if created else "update", obj=plan, group=str(group.uuid))
    return plan


# ---------------------------------------------------------------- members
@transaction.atomic
def member_add(*, actor: User, group: Group, person: Person, joined_on: dt.date) -> GroupMember:
    """Add a person the actor may see to a group, with the next member number."""
    _require_own(actor, C.CHANGE_GROUP, group)
    _active(group)
    person = access.get_person_for_user(actor, person.uuid)
    errors: dict[str, str] = {}
    if GroupMember.objects.filter(group=group, person=person, left_on__isnull=True).exists():
        errors["person"] = _("This person is a member of the group already.")
    if joined_on > _today():
        errors["joined_on"] = _("The date cannot be in the future.")
    elif joined_on < group.formed_on:
        errors["joined_on"] = _("The group was formed after this date.")
    if errors:
        raise ValidationError(errors)
    number = (GroupMember.objects.filter(group=group).aggregate(n=Max("number"))["n"] or 0) + 1
    member = GroupMember(
        organisation_id=group.organisation_id,
        group=group,
        person=person,
        number=number,
        joined_on=joined_on,
        created_by=actor,
    )
    member.full_clean()
    member.save()
    _count_member(group.pk, person, +1)
    audit.record(actor=actor, action="create", obj=member, group=str(group.uuid), number=number)
    return member


def _count_member(group_id: int, person: Person, change: int) -> None:
    """Keep the group's count of current members, and of women, with a join (+1) or a departure (−1)."""
    counts: dict[str, Any] = {"members_now": F("members_now") + change}
    if person.sex == "female":
        counts["women_now"] = F("women_now") + change
    Group.objects.filter(pk=group_id).update(**counts)


@transaction.atomic
def member_register(*, actor: User, group: Group, data: core_services.PersonInput, joined_on: dt.date) -> GroupMember:
    """Register a new person (core) in the group's village and add them to the group, both or neither."""
    _require_own(actor, C.CHANGE_GROUP, group)
    _active(group)
    if not data.place.commune:
        data.place = (
            core_services.resolve_place(village=group.village_id)
            if group.village_id
            else PlaceChoice(group.province, group.district, group.commune, None)
        )
    person = core_services.person_create(actor=actor, data=data)
    return member_add(actor=actor, group=group, person=person, joined_on=joined_on)


@transaction.atomic
def member_leave(*, actor: User, member: GroupMember, on: dt.date, reason: str) -> GroupMember:
    """A member leaves the group. Whoever still owes a loan repays it (or has it netted at share-out) first."""
    _require_own(actor, C.CHANGE_GROUP, member)
    errors: dict[str, str] = {}
    if member.left_on is not None:
        raise ValidationError(_("This member has left the group already."))
    if reason not in GroupMember.Exit.values:
        errors["reason"] = _("Choose why the member leaves.")
    if on > _today():
        errors["on"] = _("The date cannot be in the future.")
    elif on < member.joined_on:
        errors["on"] = _("The member joined after this date.")
    if Loan.objects.filter(member=member, closed_on__isnull=True, cancelled=False).exists():
        errors["on"] = _("This member still owes a loan: it must be repaid first.")
    if errors:
        raise ValidationError(errors)
    member.left_on, member.exit_reason = on, reason
    member.save(update_fields=["left_on", "exit_reason", "updated_at"])
    _count_member(member.group_id, member.person, -1)
    CommitteeRole.objects.filter(member=member, until__isnull=True).update(until=on)
    audit.record(actor=actor, action="update", obj=member, step="left", reason=reason)
    return member


@transaction.atomic
def committee_assign(*, actor: User, member: GroupMember, role: str, since: dt.date) -> CommitteeRole:
    """Give a member a committee role (the previous holder's term ends that day), or make them one of the three
    key holders, who are never on the committee (DOMAIN §3: three locks, three keys outside the committee)."""
    _require_own(actor, C.CHANGE_GROUP, member)
    group = member.group
    _active(group)
    errors: dict[str, str] = {}
    current = list(CommitteeRole.objects.filter(group=group, until__isnull=True))
    mine = {r.role for r in current if r.member_id == member.pk}
    if member.left_on is not None:
        errors["member"] = _("This member has left the group.")
    if role not in CommitteeRole.Role.values:
        errors["role"] = _("Choose a role.")
    elif role in mine:
        errors["role"] = _("This member holds this role already.")
    elif role == CommitteeRole.Role.KEY_HOLDER:
        if mine & set(CommitteeRole.COMMITTEE):
            errors["role"] = _("A key holder may not sit on the committee: choose another member.")
        elif sum(r.role == CommitteeRole.Role.KEY_HOLDER for r in current) >= CommitteeRole.KEY_HOLDERS:
            errors["role"] = _("The box has three keys: the group has three key holders already.")
    elif CommitteeRole.Role.KEY_HOLDER in mine:
        errors["role"] = _("A key holder may not sit on the committee: choose another member.")
    if since > _today():
        errors["since"] = _("The date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    if role != CommitteeRole.Role.KEY_HOLDER:
        CommitteeRole.objects.filter(group=group, role=role, until__isnull=True).update(until=since)
    record = CommitteeRole(organisation_id=group.organisation_id, group=group, member=member, role=role, since=since)
    record.full_clean()
    record.save()
    audit.record(actor=actor, action="create", obj=record, group=str(group.uuid), role=role, member=member.number)
    return record


@transaction.atomic
def committee_end(*, actor: User, role: CommitteeRole, on: dt.date) -> CommitteeRole:
    _require_own(actor, C.CHANGE_GROUP, role)
    if role.until is not None:
        raise ValidationError(_("This term has ended already."))
    if on < role.since or on > _today():
        raise ValidationError({"on": _("Choose a day between the start of the term and today.")})
    role.until = on
    role.save(update_fields=["until", "updated_at"])
    audit.record(actor=actor, action="update", obj=role, step="ended")
    return role


# ---------------------------------------------------------------- cycles
@dataclass
class ConstitutionInput:
    started_on: dt.date
    planned_end_on: dt.date
    share_price: Decimal
    charge_rate: Decimal
    currency: str = Currency.KHR
    min_shares: int = 1
    max_shares: int = 5
    social_fund_contribution: Decimal = ZERO
    loan_multiple: Decimal = Decimal(3)
    charge_method: str = vsla.DECLINING
    loan_term_months: int = 3
    fine_absence: Decimal = ZERO
    fine_late: Decimal = ZERO
    meeting_every_days: int = 7
    membership_unit: str = Cycle.MembershipUnit.PERSON
    rounding_unit: Decimal = Decimal(100)


MONEY_FIELDS = ("share_price", "social_fund_contribution", "fine_absence", "fine_late", "rounding_unit")


@transaction.atomic
def cycle_open(*, actor: User, group: Group, data: ConstitutionInput) -> Cycle:
    """Open the next savings cycle of a savings or self-help group with its constitution. The previous cycle
    must have been shared out; the new one starts on or after that day."""
    _require_own(actor, C.CHANGE_GROUP, group)
    group = _locked_group(group)
    _active(group)
    errors: dict[str, str] = {}
    if not group.is_savings:
        raise ValidationError(_("Only savings groups and self-help groups save in cycles."))
    last = group.cycles.order_by("-number").first()
    if last is not None and last.closed_on is None:
        raise ValidationError(_("The group's current cycle is still open: share it out first."))
    if last is not None and last.closed_on is not None and data.started_on < last.closed_on:
        errors["started_on"] = _("The new cycle starts after the last share-out.")
    if data.started_on < group.formed_on:
        errors["started_on"] = _("The group was formed after this date.")
    if data.planned_end_on <= data.started_on:
        errors["planned_end_on"] = _("The share-out comes after the start of the cycle.")
    elif data.planned_end_on > vsla.add_months(data.started_on, 24):
        errors["planned_end_on"] = _("A cycle lasts at most two years (usually 8 to 12 months).")
    minor = Decimal(1) if data.currency == Currency.KHR else Decimal("0.01")
    for name in MONEY_FIELDS:
        value: Decimal = getattr(data, name)
        if value != vsla.round_to(value, minor):
            errors[name] = (
                _("Amounts in riel are whole riel.")
                if minor == 1
                else _("Amounts in dollars have at most two decimals.")
            )
    if data.min_shares > data.max_shares:
        errors["min_shares"] = _("The fewest shares cannot be more than the most shares.")
    if errors:
        raise ValidationError(errors)
    cycle = Cycle(
        organisation_id=group.organisation_id,
        group=group,
        number=(last.number + 1) if last else 1,
        created_by=actor,
        **{name: getattr(data, name) for name in ConstitutionInput.__dataclass_fields__},
    )
    if last is not None:  # what the cycles before left in the box (shared out: it never changes again)
        cycle.carried_loan_fund = last.carried_loan_fund + last.loan_fund
        cycle.carried_social_fund = last.carried_social_fund + last.social_fund
        cycle.carried_principal = last.carried_principal + last.principal
    cycle.full_clean()
    cycle.save()
    audit.record(actor=actor, action="create", obj=cycle, group=str(group.uuid), number=cycle.number)
    return cycle


# ---------------------------------------------------------------- the book of a group, from its ledger
def load_book(cycle: Cycle, *, as_of: dt.date | None = None, fresh: bool = False) -> tuple[vsla.Book, dict[int, Loan]]:
    """The group's box and open loans as the ledger has them (entries up to `as_of` when given), in the
    arithmetic of `vsla.Book`; and the open loans by id.

    The funds are the cycle's figures kept beside the ledger (what earlier cycles carried in, plus this
    cycle's sums), read with the cycle (`fresh`: `cycle` was just read, under the group's lock) unless an entry
    is dated after `as_of`; the shares are summed per member from this cycle's share entries alone. Two queries
    (one when fresh), one more when loans are owed."""
    entries = LedgerEntry.objects.filter(group_id=cycle.group_id)
    if as_of is not None:
        entries = entries.filter(on__lte=as_of)
    figures = cycle if fresh else Cycle.objects.only(*FIGURES).get(pk=cycle.pk)
    funds: dict[str, Decimal] = defaultdict(Decimal)
    shares: dict[int, int] = defaultdict(int)
    if as_of is None or figures.last_entry_on is None or figures.last_entry_on <= as_of:
        funds[vsla.LOAN_FUND] = figures.carried_loan_fund + figures.loan_fund
        funds[vsla.SOCIAL_FUND] = figures.carried_social_fund + figures.social_fund
        bought = (
            LedgerEntry.objects.filter(cycle=cycle, kind=Kind.SHARES)
            .values_list("member_id")
            .annotate(shares=Sum("shares"))
            .order_by()
        )
        shares.update({member_id: int(n) for member_id, n in bought if n})
    else:  # a day before the cycle's latest entry: from the entries (both funds and the shares, one query)
        sums = entries.values_list("fund", "member_id").annotate(
            total=Sum("amount"), shares=Sum("shares", filter=Q(cycle=cycle), default=0)
        )
        for fund, member_id, total, count in sums.order_by():
            funds[fund] += total
            if member_id is not None and count:
                shares[member_id] += int(count)
    book = vsla.Book(rules=cycle.rules(), loan_fund=funds[vsla.LOAN_FUND], social_fund=funds[vsla.SOCIAL_FUND])
    book.shares = {member: n for member, n in shares.items() if n}
    loans = {
        loan.pk: loan for loan in Loan.objects.filter(group_id=cycle.group_id, closed_on__isnull=True, cancelled=False)
    }
    if not loans:
        return book, loans
    for loan in loans.values():
        book.loans[loan.pk] = vsla.LoanState(loan.pk, loan.member_id, loan.terms(cycle.minor))
    moves = (
        entries.filter(loan_id__in=list(loans))
        .exclude(kind=Kind.LOAN)
        .values_list("loan_id", "kind", "on")
        .annotate(amount=Sum("amount"), principal=Sum("principal"))
        .order_by("loan_id", "on")
    )
    for loan_id, kind, on, amount, principal in moves:
        state = book.loans[loan_id]
        if kind == Kind.CHARGE:
            state.charges_paid += amount
        elif kind == Kind.REPAYMENT and principal:
            state.repaid.append((on, -principal))
        elif kind == Kind.WRITE_OFF:
            state.written_off += -principal
    return book, loans


# ---------------------------------------------------------------- the meeting screen
ATTENDANCE, SOCIAL, SHARES, REPAYMENT, FINE, PAYOUT, LOAN = (
    "attendance",
    "social",
    "shares",
    "repayment",
    "fine",
    "payout",
    "loan",
)
STEPS = (ATTENDANCE, SOCIAL, SHARES, REPAYMENT, FINE, PAYOUT, LOAN)  # the meeting order of DOMAIN §3


def field_name(step: str, number: int) -> str:
    """The name of a member's input for a step on the meeting screen (errors come back under it)."""
    return f"{step}-{number}"


@dataclass
class MemberRow:
    number: int  # the member number
    attendance: str = Attendance.Status.PRESENT
    social: Decimal = ZERO
    shares: int = 0
    repayment: Decimal = ZERO
    fine: Decimal = ZERO
    payout: Decimal = ZERO
    loan: Decimal = ZERO
    loan_purpose: str = ""


@dataclass
class MeetingInput:
    number: int
    held_on: dt.date
    rows: list[MemberRow]
    submission: uuidlib.UUID | None = None
    note: str = ""


@dataclass
class MeetingTotals:
    opening_loan_fund: Decimal
    opening_social_fund: Decimal
    closing_loan_fund: Decimal
    closing_social_fund: Decimal
    totals: dict[str, Decimal] = field(default_factory=dict)  # per step, money in (+) or out (−)

    @property
    def opening_cash(self) -> Decimal:
        return self.opening_loan_fund + self.opening_social_fund

    @property
    def closing_cash(self) -> Decimal:
        return self.closing_loan_fund + self.closing_social_fund


@dataclass
class MeetingResult:
    meeting: Meeting
    created: bool  # False: this submission was recorded before, nothing was saved again


def _rule_message(error: vsla.RuleError, currency: str) -> str:
    values = error.values
    money = {k: _money_text(v, currency) for k, v in values.items() if isinstance(v, Decimal)}
    messages = {
        "shares_negative": _("Shares cannot be fewer than none."),
        "shares_above_max": ngettext(
            "The constitution allows at most %(max)s share a meeting.",
            "The constitution allows at most %(max)s shares a meeting.",
            int(values.get("max", 0)),  # type: ignore[call-overload]
        )
        % {"max": values.get("max")},
        "shares_below_min": _("The constitution asks for at least %(min)s shares, or none.")
        % {"min": values.get("min")},
        "no_loan": _("This member has no loan to repay."),
        "repayment_not_positive": _("A repayment is more than zero."),
        "repayment_above_owed": _("This is more than the member owes (%(owed)s).") % {"owed": money.get("owed")},
        "amount_negative": _("An amount cannot be below zero."),
        "social_fund_short": _("The social fund holds only %(available)s.") % {"available": money.get("available")},
        "loan_not_positive": _("A loan is more than zero."),
        "amount_not_whole": _("Amounts in riel are whole riel."),
        "loan_already_open": _("This member still owes a loan: it must be repaid before a new one."),
        "loan_above_limit": _("The loan limit is %(multiple)s times the member's savings: %(limit)s.")
        % {"multiple": values.get("multiple"), "limit": money.get("limit")},
        "loan_above_cash": _("The loan fund holds only %(available)s at this point of the meeting.")
        % {"available": money.get("available")},
    }
    return messages.get(error.code, error.code)


def _parse_rows(cycle: Cycle, data: MeetingInput, members: dict[int, GroupMember]) -> dict[str, str]:
    """Field errors that need no arithmetic: unknown members, attendance, money typed for someone absent,
    amounts that are not whole riel."""
    errors: dict[str, str] = {}
    seen = {row.number for row in data.rows}
    for number in sorted(set(members) - seen):
        errors[field_name(ATTENDANCE, number)] = _("Say whether this member came.")
    for row in data.rows:
        if row.number not in members:
            errors[field_name(ATTENDANCE, row.number)] = _("There is no such member in this group.")
            continue
        if row.attendance not in Attendance.Status.values:
            errors[field_name(ATTENDANCE, row.number)] = _("Say whether this member came.")
        money = {SOCIAL: row.social, REPAYMENT: row.repayment, FINE: row.fine, PAYOUT: row.payout, LOAN: row.loan}
        for step, amount in money.items():
            if amount < 0:
                errors[field_name(step, row.number)] = _("An amount cannot be below zero.")
            elif amount != vsla.round_to(amount, cycle.minor):
                errors[field_name(step, row.number)] = (
                    _("Amounts in riel are whole riel.")
                    if cycle.minor == 1
                    else _("Amounts in dollars have at most two decimals.")
                )
        absent = row.attendance not in Attendance.PRESENT_STATUSES
        moved = row.shares or row.social or row.repayment or row.fine or row.loan or row.payout
        if absent and moved:
            errors[field_name(ATTENDANCE, row.number)] = _(
                "This member is marked absent but money is written for them: mark them present, or say they "
                "sent someone."
            )
    return errors


def _apply(book: vsla.Book, cycle: Cycle, data: MeetingInput, errors: dict[str, str]) -> dict[int, object]:
    """Apply the rows in the meeting order (each step for every member before the next step); collect every
    refused step's message under its field. Returns the new loans' keys by member number."""
    rows = sorted(data.rows, key=lambda r: r.number)
    new_loans: dict[int, object] = {}
    # member ids in the book are member numbers here; the service maps them back
    for step in STEPS[1:]:
        for row in rows:
            name = field_name(step, row.number)
            if name in errors or field_name(ATTENDANCE, row.number) in errors:
                continue
            try:
                if step == SOCIAL:
                    book.contribute_social(row.number, row.social)
                elif step == SHARES:
                    book.buy_shares(row.number, row.shares)
                elif step == REPAYMENT:
                    book.repay(row.number, row.repayment, data.held_on)
                elif step == FINE:
                    book.fine(row.number, row.fine)
                elif step == PAYOUT:
                    book.social_payout(row.number, row.payout)
                elif step == LOAN and row.loan:
                    key = f"new-{row.number}"
                    book.lend(row.number, row.loan, data.held_on, key)
                    new_loans[row.number] = key
            except vsla.RuleError as exc:
                errors[name] = _rule_message(exc, cycle.currency)
    return new_loans


def _book_by_number(book: vsla.Book, members: dict[int, GroupMember]) -> vsla.Book:
    """The same book keyed by member number (the screen's key) instead of member id."""
    by_id = {m.pk: number for number, m in members.items()}
    book.shares = {by_id[m]: n for m, n in book.shares.items() if m in by_id}
    for state in book.loans.values():
        state.member = by_id.get(state.member, -state.member)
    return book


def _meetings_near(cycle: Cycle, data: MeetingInput) -> list[Meeting]:
    """In one query, the cycle's meetings a new one is checked against: its latest, any with the same number or
    day, and one recorded from the same submission; by number."""
    latest = Meeting.objects.filter(cycle=cycle).order_by("-number").values("pk")[:1]
    near = Q(number=data.number) | Q(held_on=data.held_on) | Q(pk__in=Subquery(latest))
    if data.submission is not None:
        near |= Q(submission=data.submission)
    return list(Meeting.objects.filter(near, cycle=cycle).select_related("recorded_by").order_by("number"))


def _check_meeting(cycle: Cycle, data: MeetingInput, near: list[Meeting]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if cycle.closed_on is not None:
        raise ValidationError(_("This cycle is shared out: its meetings are closed."))
    last = near[-1] if near else None
    clash = next((m for m in near if m.number == data.number or m.held_on == data.held_on), None)
    if clash is not None:
        raise ValidationError(
            _(
                "Meeting %(number)s of this cycle (%(day)s) was recorded already by %(user)s. Nothing was saved: "
                "open the meeting to see it."
            )
            % {"number": clash.number, "day": clash.held_on.strftime("%d/%m/%Y"), "user": clash.recorded_by}
        )
    if data.number < 1:
        errors["number"] = _("Meetings are numbered from 1.")
    elif last is not None and data.number != last.number + 1:
        errors["number"] = _("The next meeting of this cycle is number %(number)s.") % {"number": last.number + 1}
    elif last is None and data.number != 1:
        errors["number"] = _("The next meeting of this cycle is number %(number)s.") % {"number": 1}
    if data.held_on > _today():
        errors["held_on"] = _("A meeting cannot be recorded before it is held.")
    elif data.held_on < cycle.started_on:
        errors["held_on"] = _("The cycle started after this date.")
    elif last is not None and data.held_on <= last.held_on:
        errors["held_on"] = _("Meeting %(number)s was held on %(day)s: this one comes after it.") % {
            "number": last.number,
            "day": last.held_on.strftime("%d/%m/%Y"),
        }
    return errors


def _members_on(group: Group, day: dt.date) -> dict[int, GroupMember]:
    members = GroupMember.objects.filter(group=group, joined_on__lte=day).filter(
        Q(left_on__isnull=True) | Q(left_on__gt=day)
    )
    return {m.number: m for m in members.order_by("number")}


def _run_meeting(
    cycle: Cycle, data: MeetingInput, near: list[Meeting] | None = None, fresh: bool = False
) -> tuple[vsla.Book, dict[int, GroupMember], dict[int, Loan], dict[int, object], MeetingTotals]:
    members = _members_on(cycle.group, data.held_on)
    errors = _check_meeting(cycle, data, _meetings_near(cycle, data) if near is None else near)
    errors.update(_parse_rows(cycle, data, members))
    book, loans = load_book(cycle, fresh=fresh)
    book = _book_by_number(book, members)
    opening = (book.loan_fund, book.social_fund)
    new_loans = _apply(book, cycle, data, errors)
    if errors:
        raise ValidationError(errors)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for entry in book.entries:
        totals[entry.kind] += entry.amount
    summary = MeetingTotals(opening[0], opening[1], book.loan_fund, book.social_fund, dict(totals))
    return book, members, loans, new_loans, summary


def meeting_preview(*, actor: User, cycle: Cycle, data: MeetingInput) -> MeetingTotals:
    """What the meeting would do, checked as `meeting_record` checks it, without saving anything: the
    screen's "check the totals" button."""
    _require_own(actor, C.RECORD_MEETING, cycle)
    return _run_meeting(cycle, data)[4]


@transaction.atomic
def meeting_record(*, actor: User, cycle: Cycle, data: MeetingInput) -> MeetingResult:
    """Record a whole meeting from the meeting screen, in the meeting order: attendance, social fund, shares,
    repayments, fines, social-fund payouts, new loans; the closing balances follow from the entries.

    Recorded once: the same submission sent again (a double tap, a queued offline form) returns the meeting
    recorded the first time and saves nothing; another phone recording the same meeting (same number or day)
    is refused with a message naming who recorded it. Any refused step refuses the whole meeting.
    """
    _require_own(actor, C.RECORD_MEETING, cycle)
    # The cycle as it is now, and the group's row locked (one query; see the module's docstring on locks).
    cycle = Cycle.objects.select_related("group").select_for_update(of=("group",)).get(pk=cycle.pk)
    group = cycle.group
    near = _meetings_near(cycle, data)
    done = next((m for m in near if data.submission is not None and m.submission == data.submission), None)
    if done is not None:
        return MeetingResult(done, created=False)
    _active(group)
    book, members, loans, new_loans, totals = _run_meeting(cycle, data, near, fresh=True)
    meeting = Meeting(
        organisation_id=cycle.organisation_id,
        group=group,
        cycle=cycle,
        number=data.number,
        held_on=data.held_on,
        submission=data.submission,
        note=clean_text(data.note)[:500],
        recorded_by=actor,
        attendance_count=len(data.rows),
        present_count=sum(row.attendance in Attendance.PRESENT_STATUSES for row in data.rows),
    )
    try:
        with transaction.atomic():
            meeting.save()
    except IntegrityError as exc:  # the same submission or meeting, saved by another request meanwhile
        raise ValidationError(_("This meeting was recorded already. Nothing was saved twice.")) from exc
    org = cycle.organisation_id
    Attendance.objects.bulk_create(
        Attendance(organisation_id=org, meeting=meeting, member=members[row.number], status=row.attendance)
        for row in sorted(data.rows, key=lambda r: r.number)
    )
    Cycle.objects.filter(pk=cycle.pk).update(
        attended=F("attended") + meeting.present_count, expected=F("expected") + meeting.attendance_count
    )
    made: dict[object, Loan] = {}
    purposes = {row.number: clean_text(row.loan_purpose)[:200] for row in data.rows}
    for number, key in new_loans.items():
        state = book.loans[key]
        loan = Loan(
            organisation_id=org,
            group=group,
            cycle=cycle,
            member=members[number],
            meeting=meeting,
            principal=state.terms.principal,
            charge_method=cycle.charge_method,
            charge_rate=cycle.charge_rate,
            term_months=cycle.loan_term_months,
            disbursed_on=data.held_on,
            purpose=purposes.get(number, ""),
        )
        loan.save()
        made[key] = loan
        LoanInstalment.objects.bulk_create(
            LoanInstalment(
                organisation_id=org,
                loan=loan,
                number=i.number,
                due_on=i.due_on,
                principal=i.principal,
                charge=i.charge,
            )
            for i in vsla.schedule(state.terms)
        )
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            organisation_id=org,
            group=group,
            cycle=cycle,
            meeting=meeting,
            member=members[e.member] if e.member is not None else None,
            loan=made[e.loan] if e.loan in made else (loans[e.loan] if e.loan is not None else None),  # type: ignore[index]
            kind=e.kind,
            fund=e.fund,
            amount=e.amount,
            principal=e.principal,
            shares=e.shares,
            on=data.held_on,
            recorded_by=actor,
        )
        for e in book.entries
    )
    repaid_loans = {e.loan for e in book.entries if e.kind in (vsla.REPAYMENT, vsla.CHARGE)}
    closed = [
        loans[key].pk for key in repaid_loans if key in loans and book.loans[key].position(data.held_on).owed == 0
    ]
    if closed:
        Loan.objects.filter(pk__in=closed).update(closed_on=data.held_on)
    audit.record(
        actor=actor,
        action="create",
        obj=meeting,
        group=str(group.uuid),
        number=meeting.number,
        entries=len(book.entries),
        loan_fund=str(totals.closing_loan_fund),
        social_fund=str(totals.closing_social_fund),
    )
    return MeetingResult(meeting, created=True)


@transaction.atomic
def attendance_correct(*, actor: User, meeting: Meeting, member: GroupMember, status: str) -> Attendance:
    """Correct a member's attendance at a meeting (attendance is not money: it is changed, with an audit
    event). A member with money recorded at the meeting cannot be marked absent."""
    _require_own(actor, C.RECORD_MEETING, meeting)
    record = Attendance.objects.get(meeting=meeting, member=member)
    if status not in Attendance.Status.values:
        raise ValidationError({"status": _("Say whether this member came.")})
    if status not in Attendance.PRESENT_STATUSES:
        moved = (
            LedgerEntry.objects.filter(meeting=meeting, member=member)
            .exclude(kind=Kind.FINE)
            .aggregate(total=Sum("amount"))["total"]
        )
        if moved:
            raise ValidationError({"status": _("Money was recorded for this member at this meeting.")})
    before = record.status
    record.status = status
    record.save(update_fields=["status", "updated_at"])
    came = (status in Attendance.PRESENT_STATUSES) - (before in Attendance.PRESENT_STATUSES)
    if came:
        Meeting.objects.filter(pk=meeting.pk).update(present_count=F("present_count") + came)
        Cycle.objects.filter(pk=meeting.cycle_id).update(attended=F("attended") + came)
    audit.record(actor=actor, action="update", obj=meeting, member=member.number, before=before, after=status)
    return record


# ---------------------------------------------------------------- corrections: reversing entries
NOT_REVERSIBLE = (Kind.SHARE_OUT_SAVINGS, Kind.SHARE_OUT_PROFIT)


@transaction.atomic
def entry_reverse(*, actor: User, entry: LedgerEntry, reason: str) -> LedgerEntry:
    """Correct a ledger entry by a reversing entry (the same amounts with the opposite sign, the same day and
    meeting); the entry itself is never changed. Refused when the box would hold less than nothing, when the
    entry is a reversal or reversed already, when its cycle is shared out, and for a loan that has been
    repaid in part (reverse the repayments first)."""
    _require_own(actor, C.RECORD_MEETING, entry)
    group = _locked_group(entry.group)
    entry = LedgerEntry.objects.select_related("cycle", "loan").get(pk=entry.pk)
    reason = clean_text(reason)
    if not reason:
        raise ValidationError({"reason": _("Say why the entry is corrected.")})
    if entry.reverses_id is not None:
        raise ValidationError(_("This entry is itself a correction: it cannot be reversed."))
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise ValidationError(_("This entry was reversed already."))
    if entry.kind in NOT_REVERSIBLE or entry.cycle.closed_on is not None:
        raise ValidationError(_("The cycle of this entry is shared out: it cannot be changed any more."))
    balance = LedgerEntry.objects.filter(group=group, fund=entry.fund).aggregate(total=Sum("amount"))["total"] or ZERO
    if balance - entry.amount < 0:
        raise ValidationError(
            _("Reversing this entry would leave the %(fund)s with less than nothing (it holds %(balance)s).")
            % {"fund": entry.get_fund_display().lower(), "balance": _money_text(balance, entry.cycle.currency)}
        )
    loan = entry.loan
    if entry.kind == Kind.LOAN and loan is not None:
        others = LedgerEntry.objects.filter(loan=loan).exclude(pk=entry.pk).exclude(kind=Kind.LOAN)
        if others.aggregate(total=Sum("amount"))["total"]:
            raise ValidationError(_("This loan has repayments: reverse them first."))
    reversal = LedgerEntry(
        organisation_id=entry.organisation_id,
        group=group,
        cycle=entry.cycle,
        meeting=entry.meeting,
        member=entry.member,
        loan=loan,
        kind=entry.kind,
        fund=entry.fund,
        amount=-entry.amount,
        principal=-entry.principal,
        shares=-entry.shares,
        on=entry.on,
        reverses=entry,
        note=reason[:300],
        recorded_by=actor,
    )
    reversal.save()
    if loan is not None:
        if entry.kind == Kind.LOAN:
            loan.cancelled, loan.closed_on = True, entry.on
            loan.save(update_fields=["cancelled", "closed_on", "updated_at"])
        elif entry.kind in (Kind.REPAYMENT, Kind.CHARGE) and loan.closed_on is not None:
            loan.closed_on = None
            loan.save(update_fields=["closed_on", "updated_at"])
    audit.record(
        actor=actor,
        action="create",
        obj=reversal,
        step="reversal",
        reverses=str(entry.uuid),
        kind=entry.kind,
        amount=str(entry.amount),
        reason=reason[:300],
    )
    return reversal


# ---------------------------------------------------------------- share-out
@dataclass
class ShareOutPlan:
    cycle: Cycle
    meeting: Meeting
    result: vsla.ShareOut
    members: dict[int, GroupMember]  # by member id
    owed: dict[int, list[tuple[Loan, vsla.Position]]]  # member id -> loans netted
    social_fund: Decimal


def _plan(cycle: Cycle, carry_forward: Decimal) -> ShareOutPlan:
    if cycle.closed_on is not None:
        raise ValidationError(_("This cycle is shared out already."))
    # The latest meeting with its cycle as it is now: the cycle's figures kept beside the ledger, in the same query.
    meeting = Meeting.objects.filter(cycle=cycle).select_related("cycle").order_by("-number").first()
    if meeting is None:
        raise ValidationError(_("Record the share-out meeting first: the share-out is made at a meeting."))
    if carry_forward != vsla.round_to(carry_forward, cycle.minor) or carry_forward < 0:
        raise ValidationError({"carry_forward": _("Amounts in riel are whole riel.")})
    book, loans = load_book(meeting.cycle, as_of=meeting.held_on, fresh=True)
    shares = book.shares
    wanted = set(shares) | {loan.member_id for loan in loans.values()}
    members = {
        m.pk: m for m in GroupMember.objects.filter(group_id=cycle.group_id, pk__in=wanted).select_related("person")
    }
    owed: dict[int, list[tuple[Loan, vsla.Position]]] = defaultdict(list)
    for loan_id, state in book.loans.items():
        pos = state.position(meeting.held_on)
        if pos.owed > 0:
            owed[state.member].append((loans[loan_id], pos))  # type: ignore[index]
    holdings = [
        vsla.Holding(member_id, shares.get(member_id, 0), sum((p.owed for _l, p in owed.get(member_id, [])), ZERO))
        for member_id in sorted(set(shares) | set(owed))
    ]
    try:
        result = vsla.share_out(holdings, book.loan_fund, carry_forward, cycle.rounding_unit)
    except vsla.RuleError as exc:
        if exc.code == "cannot_net":
            numbers = ", ".join(str(members[m].number) for m in exc.values["members"])  # type: ignore[attr-defined]
            raise ValidationError(
                _(
                    "Members %(numbers)s owe more than their share of the pool: their loans must be repaid at the "
                    "meeting before the share-out."
                )
                % {"numbers": numbers}
            ) from exc
        if exc.code == "carry_forward_above_pool":
            raise ValidationError(
                {"carry_forward": _("The group cannot carry forward more than the loan fund holds.")}
            ) from exc
        raise ValidationError(_("Nobody bought shares in this cycle: there is nothing to share out.")) from exc
    return ShareOutPlan(cycle, meeting, result, members, dict(owed), book.social_fund)


def share_out_preview(*, actor: User, cycle: Cycle, carry_forward: Decimal = ZERO) -> ShareOutPlan:
    """The share-out as it would be made now, computed from the shares actually bought (nothing saved)."""
    _require_own(actor, C.VIEW_GROUP, cycle)
    return _plan(cycle, carry_forward)


@transaction.atomic
def share_out_confirm(*, actor: User, cycle: Cycle, carry_forward: Decimal = ZERO) -> ShareOut:
    """Close the cycle with its share-out at its last meeting: loans still owed are netted from their
    borrowers' payouts (recorded as repayments), each member takes home their payout, the social fund and
    what the group carries forward stay in the box. Payouts add up exactly to the pool."""
    _require_own(actor, C.SHARE_OUT, cycle)
    group = _locked_group(cycle.group)
    cycle = Cycle.objects.get(pk=cycle.pk)
    plan = _plan(cycle, carry_forward)
    result, meeting, org, on = plan.result, plan.meeting, cycle.organisation_id, plan.meeting.held_on
    share_out = ShareOut(
        organisation_id=org,
        cycle=cycle,
        meeting=meeting,
        group=group,
        held_on=on,
        total_shares=result.total_shares,
        loan_fund_cash=result.loan_fund_cash,
        netted=result.netted,
        carried_forward=result.carried_forward,
        residue=result.residue,
        pool=result.pool,
        value_per_share=vsla.round_to(result.value_per_share, Decimal("0.000001")),
        social_fund_kept=plan.social_fund,
        recorded_by=actor,
    )
    share_out.save()
    entries: list[LedgerEntry] = []

    def entry(**values: Any) -> None:
        entries.append(
            LedgerEntry(
                organisation_id=org, group=group, cycle=cycle, meeting=meeting, on=on, recorded_by=actor, **values
            )
        )

    lines = []
    for payout in result.payouts:
        member = plan.members[payout.key]
        for loan, pos in plan.owed.get(payout.key, []):
            if pos.charges:
                entry(
                    member=member, loan=loan, kind=Kind.CHARGE, fund=vsla.LOAN_FUND, amount=pos.charges, note="netted"
                )
            if pos.principal:
                entry(
                    member=member,
                    loan=loan,
                    kind=Kind.REPAYMENT,
                    fund=vsla.LOAN_FUND,
                    amount=pos.principal,
                    principal=-pos.principal,
                    note="netted",
                )
        savings = payout.shares * cycle.share_price
        if payout.shares:
            entry(
                member=member, kind=Kind.SHARE_OUT_SAVINGS, fund=vsla.LOAN_FUND, amount=-savings, shares=-payout.shares
            )
        if payout.gross - savings:
            entry(member=member, kind=Kind.SHARE_OUT_PROFIT, fund=vsla.LOAN_FUND, amount=-(payout.gross - savings))
        lines.append(
            ShareOutLine(
                organisation_id=org,
                share_out=share_out,
                member=member,
                shares=payout.shares,
                savings=savings,
                gross=payout.gross,
                netted=payout.netted,
                payout=payout.payout,
            )
        )
    LedgerEntry.objects.bulk_create(entries)
    ShareOutLine.objects.bulk_create(lines)
    netted_loans = [loan.pk for loans in plan.owed.values() for loan, _p in loans]
    if netted_loans:
        Loan.objects.filter(pk__in=netted_loans).update(closed_on=on)
    cycle.closed_on = on
    cycle.save(update_fields=["closed_on", "updated_at"])
    audit.record(
        actor=actor,
        action="create",
        obj=share_out,
        group=str(group.uuid),
        cycle=cycle.number,
        pool=str(result.pool),
        paid_out=str(result.paid_out),
        kept=str(result.kept),
    )
    return share_out
