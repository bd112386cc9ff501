"""Reads of the in-kind banks, each starting from core.access.visible(). Stock on hand, what each borrower
owes and the bank's cash are sums over the movements, computed when asked (never stored)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from karpear.core import access
from karpear.core.models import User
from karpear.livelihoods import inkind
from karpear.livelihoods.models import Animal, AnimalEvent, Bank, BankLoan, Group, GroupMember, StockMovement

ZERO = Decimal(0)


def banks_of(*, user: User, group: Group) -> QuerySet[Bank]:
    return access.visible(user, Bank.objects.filter(group=group)).order_by("name", "id")


def bank_list(*, user: User, group: Group | None = None) -> QuerySet[Bank]:
    banks = access.visible(user, Bank.objects.all())
    if group is not None:
        banks = banks.filter(group=group)
    return banks.select_related("group").order_by("group_id", "name", "id")


def bank_for_user(*, user: User, uuid: Any, write: bool = False) -> Bank:
    return access.get_for_user(
        user, Bank, uuid, write=write, queryset=Bank.objects.select_related("group", "group__commune")
    )


@dataclass(frozen=True)
class Stock:
    on_hand: Decimal  # kg in store
    owed: Decimal  # kg still owed by borrowers
    cash: Decimal  # cash received in repayment
    lent: Decimal  # kg lent out, ever (net of reversals)
    lost: Decimal  # kg lost, ever


def stock(*, user: User, bank: Bank, as_of: dt.date | None = None) -> Stock:
    """The bank's stock on hand and what is owed to it, summed from its movements (one query)."""
    moves = access.visible(user, StockMovement.objects.filter(bank=bank))
    if as_of is not None:
        moves = moves.filter(on__lte=as_of)
    sums = moves.aggregate(
        on_hand=Sum("kg", default=ZERO),
        owed=Sum("owed_kg", default=ZERO),
        cash=Sum("cash", default=ZERO),
        lent=Sum("kg", filter=Q(kind=StockMovement.Kind.LOAN), default=ZERO),
        lost=Sum("kg", filter=Q(kind=StockMovement.Kind.LOSS), default=ZERO),
    )
    q = inkind.kg  # exact sums: SQLite adds decimals up in floating point
    return Stock(q(sums["on_hand"]), q(sums["owed"]), q(sums["cash"]), -q(sums["lent"]), -q(sums["lost"]))


@dataclass(frozen=True)
class LoanPosition:
    loan: BankLoan
    owed: Decimal  # kg still owed
    repaid_kg: Decimal  # kg repaid in kind
    repaid_cash: Decimal  # cash paid
    as_of: dt.date

    @property
    def overdue(self) -> bool:
        return self.owed > 0 and self.loan.due_on < self.as_of

    @property
    def arrears(self) -> Decimal:
        """What is late: everything still owed once the due date has passed (a bank loan is repaid at once)."""
        return self.owed if self.overdue else ZERO

    @property
    def days_overdue(self) -> int:
        return (self.as_of - self.loan.due_on).days if self.overdue else 0

    @property
    def settled_in_cash(self) -> Decimal:
        return self.loan.due_kg - self.owed - self.repaid_kg


def _positions(user: User, loans: QuerySet[BankLoan], as_of: dt.date | None) -> list[LoanPosition]:
    day = as_of or timezone.localdate()
    rows = loans.annotate(
        owed=Sum("movements__owed_kg", default=ZERO),
        repaid_kg=Sum(
            "movements__kg",
            filter=Q(movements__kind=StockMovement.Kind.REPAYMENT),
            default=ZERO,
        ),
        repaid_cash=Sum("movements__cash", default=ZERO),
    )
    q = inkind.kg
    return [LoanPosition(loan, q(loan.owed), q(loan.repaid_kg), q(loan.repaid_cash), day) for loan in rows]


def loans_of(*, user: User, bank: Bank, open_only: bool = False, as_of: dt.date | None = None) -> list[LoanPosition]:
    """The bank's loans with what is owed on each, its due date and arrears (one query)."""
    loans = access.visible(user, BankLoan.objects.filter(bank=bank, cancelled=False))
    if open_only:
        loans = loans.filter(closed_on__isnull=True)
    still_owed_first = F("closed_on").asc(nulls_first=True)
    loans = loans.select_related("member", "member__person").order_by(still_owed_first, "due_on", "id")
    return _positions(user, loans, as_of)


def bank_loan_for_user(*, user: User, uuid: Any, write: bool = False) -> BankLoan:
    return access.get_for_user(
        user,
        BankLoan,
        uuid,
        write=write,
        queryset=BankLoan.objects.select_related("bank", "group", "member", "member__person"),
    )


def loan_position(*, user: User, loan: BankLoan, as_of: dt.date | None = None) -> LoanPosition:
    [position] = _positions(user, access.visible(user, BankLoan.objects.filter(pk=loan.pk)), as_of)
    return position


def movements_of(*, user: User, bank: Bank | None = None, loan: BankLoan | None = None) -> QuerySet[StockMovement]:
    moves = access.visible(user, StockMovement.objects.all())
    if bank is not None:
        moves = moves.filter(bank=bank)
    if loan is not None:
        moves = moves.filter(loan=loan)
    return moves.select_related("member", "member__person", "loan", "reverses", "reversed_by").order_by("-id")


def movement_for_user(*, user: User, uuid: Any, write: bool = False) -> StockMovement:
    movement: StockMovement = access.get_for_user(
        user, StockMovement, uuid, write=write, queryset=StockMovement.objects.select_related("bank", "loan")
    )
    return movement


def active_members(*, user: User, group: Group) -> list[GroupMember]:
    return list(
        access.visible(user, GroupMember.objects.filter(group=group, left_on__isnull=True))
        .select_related("person")
        .order_by("number")
    )


# ---------------------------------------------------------------- animals
def animals_of(*, user: User, bank: Bank) -> QuerySet[Animal]:
    return (
        access.visible(user, Animal.objects.filter(bank=bank).exclude(status=Animal.Status.VOID))
        .select_related("holder", "holder__person", "mother")
        .order_by("root_id", "generation", "born_on", "id")
    )


@dataclass(frozen=True)
class Herd:
    on_hand: int
    by_kind: list[tuple[str, str, int]]  # (species label, sex label, count) of the animals with households
    originals: int
    born: int
    passed_on: int
    died: int
    sold: int


def herd(*, user: User, bank: Bank) -> Herd:
    """The animals on hand (alive, with a household) by kind and sex, and the bank's counts (one query)."""
    rows = (
        access.visible(user, Animal.objects.filter(bank=bank).exclude(status=Animal.Status.VOID))
        .values("species", "sex", "status", "origin", "passed_on")
        .annotate(n=Count("id"))
        .order_by()
    )
    alive: Counter[tuple[str, str]] = Counter()
    counts: Counter[str] = Counter()
    for row in rows:
        if row["status"] == Animal.Status.ALIVE:
            alive[(row["species"], row["sex"])] += row["n"]
        counts[row["status"]] += row["n"]
        counts[row["origin"]] += row["n"]
        if row["passed_on"]:
            counts["passed_on"] += row["n"]
    species, sexes = dict(Animal.Species.choices), dict(Animal.Sex.choices)
    by_kind = [(str(species[s]), str(sexes[x]), n) for (s, x), n in sorted(alive.items())]
    return Herd(
        on_hand=sum(alive.values()),
        by_kind=by_kind,
        originals=counts[Animal.Origin.ORIGINAL],
        born=counts[Animal.Origin.BIRTH],
        passed_on=counts["passed_on"],
        died=counts[Animal.Status.DIED],
        sold=counts[Animal.Status.SOLD],
    )


def animal_cash(*, user: User, bank: Bank) -> Decimal:
    """Cash repaid to an animal bank."""
    events = access.visible(user, AnimalEvent.objects.filter(bank=bank, kind=AnimalEvent.Kind.REPAYMENT))
    return inkind.kg(events.aggregate(total=Sum("amount", default=ZERO))["total"])  # to the cent


def animal_for_user(*, user: User, uuid: Any, write: bool = False) -> Animal:
    return access.get_for_user(
        user,
        Animal,
        uuid,
        write=write,
        queryset=Animal.objects.select_related("bank", "group", "holder", "holder__person", "mother", "replaces"),
    )


def animal_events(*, user: User, animal: Animal) -> QuerySet[AnimalEvent]:
    """What happened to an animal, and its birth (recorded on its mother), with the corrections."""
    return (
        access.visible(user, AnimalEvent.objects.filter(Q(animal=animal) | Q(other=animal)))
        .select_related("animal", "other", "from_member__person", "to_member__person", "reversed_by")
        .order_by("on", "id")
    )


def _reversed(event: AnimalEvent) -> bool:
    try:
        return event.reversed_by is not None
    except AnimalEvent.DoesNotExist:
        return False


def correctable_events(events: list[AnimalEvent], animal: Animal) -> set[int]:
    """Which of an animal's entries (from animal_events) its page offers to correct: the latest entry about
    the animal that is neither a correction nor corrected already, and the birth or arrival as a replacement of
    an animal with nothing else standing. The service has the last word (bank_services.animal_event_reverse)."""
    standing = [e for e in events if e.reverses_id is None and not _reversed(e)]
    own = [e for e in standing if e.animal_id == animal.pk]
    offered = {max(own, key=lambda e: (e.on, e.pk)).pk} if own else set()
    if not [e for e in own if e.kind != AnimalEvent.Kind.RECEIVED]:
        offered |= {e.pk for e in standing if e.other_id == animal.pk and e.animal_id != animal.pk}
    return offered


def bank_events(*, user: User, bank: Bank, limit: int = 50) -> list[AnimalEvent]:
    return list(
        access.visible(user, AnimalEvent.objects.filter(bank=bank))
        .select_related("animal", "other", "from_member__person", "to_member__person", "reversed_by")
        .order_by("-on", "-id")[:limit]
    )


def event_for_user(*, user: User, uuid: Any, write: bool = False) -> AnimalEvent:
    event: AnimalEvent = access.get_for_user(
        user,
        AnimalEvent,
        uuid,
        write=write,
        queryset=AnimalEvent.objects.select_related("bank", "animal", "other", "from_member", "to_member"),
    )
    return event


def event_list(*, user: User, bank: Bank | None = None) -> QuerySet[AnimalEvent]:
    events = access.visible(user, AnimalEvent.objects.all())
    if bank is not None:
        events = events.filter(bank=bank)
    return events.select_related("bank", "animal", "other", "from_member", "to_member").order_by("id")


def animal_list(*, user: User, bank: Bank | None = None) -> QuerySet[Animal]:
    animals = access.visible(user, Animal.objects.all())
    if bank is not None:
        animals = animals.filter(bank=bank)
    return animals.select_related("bank", "holder", "mother", "root").order_by("bank_id", "id")


def lineage(*, user: User, animal: Animal) -> list[Animal]:
    """Every animal of the lineage `animal` belongs to: its original animal and all descended from it or
    replacing one of them (one query); none entered in error but `animal` itself."""
    root = animal.lineage_root_id
    family = Animal.objects.filter(Q(pk=root) | Q(root_id=root)).filter(~Q(status=Animal.Status.VOID) | Q(pk=animal.pk))
    return list(
        access.visible(user, family).select_related("holder", "holder__person").order_by("generation", "born_on", "id")
    )


def pass_on_from(animal: Animal) -> dt.date | None:
    """The day the animal may be passed on (its birth + the bank's holding period), for an offspring."""
    if animal.mother_id is None:
        return None
    return inkind.pass_on_from(animal.born_on or animal.received_on, animal.bank.holding_months)
