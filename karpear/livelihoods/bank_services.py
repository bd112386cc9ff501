"""Writes of the in-kind banks (issue 12, item 5): open a bank, move its stock (deposits, loans, repayments in
kg or in cash at the committee's price, losses, reversing entries), and the animals of an animal bank (an
original animal received, births, the pass-on of the first female offspring, deaths, sales, replacements,
repayments).

Like services.py: keyword-only, `@transaction.atomic`, the caller checked through core.access first,
ValidationError with the form's field names in the user's language, the audit event last. A write to a bank
locks the bank's row first, so two phones recording at once take turns and each sees the other's movements;
nothing is saved half-done.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from karpear.core import access, audit
from karpear.core.models import Currency, User
from karpear.core.text import clean_text
from karpear.livelihoods import inkind
from karpear.livelihoods.declarations import LivelihoodsCapability as C
from karpear.livelihoods.models import Animal, AnimalEvent, Bank, BankLoan, Group, GroupMember, StockMovement

ZERO = Decimal(0)
Move = StockMovement.Kind
Event = AnimalEvent.Kind


def _today() -> dt.date:
    return timezone.localdate()


def _locked(bank: Bank) -> Bank:
    return Bank.objects.select_for_update().select_related("group").get(pk=bank.pk)


def _kg_text(value: Decimal) -> str:
    shown = value.quantize(inkind.KG)
    text = f"{shown:,.0f}" if shown == shown.to_integral_value() else f"{shown:,.2f}"
    return _("%(kg)s kg") % {"kg": text}


def _money_text(amount: Decimal, currency: str) -> str:
    if currency == Currency.KHR:
        return f"{amount:,.0f} ៛"
    return f"${amount:,.2f}"


def _minor(bank: Bank) -> Decimal:
    return Decimal(1) if bank.currency == Currency.KHR else Decimal("0.01")


def _date_errors(on: dt.date, since: dt.date, field: str, errors: dict[str, str], before: str) -> None:
    if on > _today():
        errors[field] = _("The date cannot be in the future.")
    elif on < since:
        errors[field] = before


def _group_active(group: Group) -> None:
    if group.dissolved_on is not None:
        raise ValidationError(_("This group is dissolved: nothing more can be recorded for it."))


def _member_of(bank: Bank, member: GroupMember, field: str, errors: dict[str, str]) -> None:
    if member.group_id != bank.group_id:
        errors[field] = _("Choose a member of this group.")
    elif member.left_on is not None:
        errors[field] = _("This member has left the group.")


# ---------------------------------------------------------------- banks
@dataclass
class BankInput:
    name: str
    kind: str
    opened_on: dt.date
    commodity: str = ""
    interest_percent: Decimal = Decimal(10)
    term_months: int = 12
    currency: str = Currency.KHR
    price_per_kg: Decimal | None = None
    holding_months: int = 6


def _validate_bank(group: Group, data: BankInput, bank: Bank | None = None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not clean_text(data.name):
        errors["name"] = _("Give the bank a name.")
    if data.kind not in Bank.Kind.values:
        errors["kind"] = _("Choose the kind of bank.")
    elif bank is not None and data.kind != bank.kind:
        errors["kind"] = _("A bank cannot change its kind.")
    _date_errors(data.opened_on, group.formed_on, "opened_on", errors, _("The group was formed after this date."))
    if not ZERO <= data.interest_percent <= 100:
        errors["interest_percent"] = _("The interest is between 0 and 100 %.")
    if not 1 <= data.term_months <= 36:
        errors["term_months"] = _("The loan term is between 1 and 36 months.")
    if data.price_per_kg is not None and data.price_per_kg <= 0:
        errors["price_per_kg"] = _("The price must be more than zero.")
    if not 0 <= data.holding_months <= 60:
        errors["holding_months"] = _("The holding period is between 0 and 60 months.")
    if data.currency not in Currency.values:
        errors["currency"] = _("Choose a currency.")
    return errors


@transaction.atomic
def bank_open(*, actor: User, group: Group, data: BankInput) -> Bank:
    """Open a rice, crop, seed or animal bank for a group. Needs livelihoods_change_group."""
    access.require(actor, C.CHANGE_GROUP, group)
    _group_active(group)
    errors = _validate_bank(group, data)
    if errors:
        raise ValidationError(errors)
    bank = Bank(
        organisation_id=group.organisation_id,
        group=group,
        name=clean_text(data.name)[:120],
        kind=data.kind,
        commodity=clean_text(data.commodity)[:80],
        opened_on=data.opened_on,
        interest_percent=data.interest_percent,
        term_months=data.term_months,
        currency=data.currency,
        price_per_kg=data.price_per_kg,
        holding_months=data.holding_months,
        created_by=actor,
    )
    bank.full_clean()
    bank.save()
    audit.record(actor=actor, action="create", obj=bank, group=str(group.uuid), kind=bank.kind)
    return bank


@transaction.atomic
def bank_update(*, actor: User, bank: Bank, data: BankInput) -> Bank:
    """Change a bank's name, terms or the committee's price. Loans lent already keep the terms they were lent
    on; the price applies to repayments in cash from now on (each repayment keeps the price it was made at)."""
    access.require(actor, C.CHANGE_GROUP, bank)
    bank = _locked(bank)
    _group_active(bank.group)
    errors = _validate_bank(bank.group, data, bank)
    if errors:
        raise ValidationError(errors)
    before = {"interest_percent": str(bank.interest_percent), "price_per_kg": str(bank.price_per_kg)}
    bank.name, bank.commodity = clean_text(data.name)[:120], clean_text(data.commodity)[:80]
    bank.opened_on, bank.interest_percent, bank.term_months = data.opened_on, data.interest_percent, data.term_months
    bank.currency, bank.price_per_kg, bank.holding_months = data.currency, data.price_per_kg, data.holding_months
    bank.full_clean()
    bank.save()
    audit.record(actor=actor, action="update", obj=bank, before=before)
    return bank


# ---------------------------------------------------------------- stock
def stock_on_hand(bank: Bank) -> Decimal:
    """The kg in store: the sum of the bank's movements (call it with the bank's row locked)."""
    total = StockMovement.objects.filter(bank=bank).aggregate(total=Sum("kg"))["total"]
    return inkind.kg(total if total is not None else ZERO)


def owed_on(loan: BankLoan) -> Decimal:
    total = StockMovement.objects.filter(loan=loan).aggregate(total=Sum("owed_kg"))["total"]
    return inkind.kg(total if total is not None else ZERO)


def _stock_bank(bank: Bank) -> None:
    if bank.is_animal:
        raise ValidationError(_("An animal bank lends animals, not kg."))


def _positive_kg(value: Decimal, errors: dict[str, str], field: str = "kg") -> None:
    if value <= 0:
        errors[field] = _("Enter a quantity above zero.")
    elif value != inkind.kg(value):
        errors[field] = _("Quantities are counted to 10 grams (two decimals).")


def _move(bank: Bank, actor: User, **values: object) -> StockMovement:
    movement = StockMovement(organisation_id=bank.organisation_id, bank=bank, group=bank.group, recorded_by=actor)
    for key, value in values.items():
        setattr(movement, key, value)
    movement.save()
    return movement


@transaction.atomic
def stock_deposit(
    *, actor: User, bank: Bank, kg: Decimal, on: dt.date, initial: bool = False, note: str = ""
) -> StockMovement:
    """Put rice (or seed, or crop) into the store: the initial stock, or a later deposit."""
    access.require(actor, C.RECORD_MEETING, bank)
    bank = _locked(bank)
    _stock_bank(bank)
    _group_active(bank.group)
    errors: dict[str, str] = {}
    _positive_kg(kg, errors)
    _date_errors(on, bank.opened_on, "on", errors, _("The bank opened after this date."))
    if errors:
        raise ValidationError(errors)
    kind = Move.INITIAL if initial else Move.DEPOSIT
    movement = _move(bank, actor, kind=kind, kg=kg, on=on, note=clean_text(note)[:300])
    audit.record(actor=actor, action="create", obj=movement, bank=str(bank.uuid), kind=kind, kg=str(kg))
    return movement


@transaction.atomic
def stock_loss(*, actor: User, bank: Bank, kg: Decimal, on: dt.date, note: str) -> StockMovement:
    """Write off stock lost in the store (rats, damp, theft), with what happened."""
    access.require(actor, C.RECORD_MEETING, bank)
    bank = _locked(bank)
    _stock_bank(bank)
    _group_active(bank.group)
    errors: dict[str, str] = {}
    _positive_kg(kg, errors)
    _date_errors(on, bank.opened_on, "on", errors, _("The bank opened after this date."))
    if not clean_text(note):
        errors["note"] = _("Say what was lost and how.")
    stock = stock_on_hand(bank)
    if "kg" not in errors and kg > stock:
        errors["kg"] = _("The store holds only %(stock)s: it cannot lose %(kg)s.") % {
            "stock": _kg_text(stock),
            "kg": _kg_text(kg),
        }
    if errors:
        raise ValidationError(errors)
    movement = _move(bank, actor, kind=Move.LOSS, kg=-kg, on=on, note=clean_text(note)[:300])
    audit.record(actor=actor, action="create", obj=movement, bank=str(bank.uuid), kind=Move.LOSS, kg=str(kg))
    return movement


@transaction.atomic
def bank_lend(*, actor: User, bank: Bank, member: GroupMember, kg: Decimal, on: dt.date) -> BankLoan:
    """Lend a member kg from the store on the bank's terms: they repay kg × (1 + interest) by the due date
    (100 kg at 10 % → 110 kg within 12 months). Never more than the store holds."""
    access.require(actor, C.RECORD_MEETING, bank)
    bank = _locked(bank)
    _stock_bank(bank)
    _group_active(bank.group)
    errors: dict[str, str] = {}
    _member_of(bank, member, "member", errors)
    _positive_kg(kg, errors)
    _date_errors(on, bank.opened_on, "on", errors, _("The bank opened after this date."))
    stock = stock_on_hand(bank)
    if "kg" not in errors and kg > stock:
        errors["kg"] = _("The store holds only %(stock)s: a loan of %(kg)s is more than that.") % {
            "stock": _kg_text(stock),
            "kg": _kg_text(kg),
        }
    if errors:
        raise ValidationError(errors)
    due = inkind.due_kg(kg, bank.interest_percent)
    loan = BankLoan(
        organisation_id=bank.organisation_id,
        bank=bank,
        group=bank.group,
        member=member,
        kg=kg,
        interest_percent=bank.interest_percent,
        due_kg=due,
        lent_on=on,
        due_on=inkind.due_on(on, bank.term_months),
    )
    loan.save()
    movement = _move(bank, actor, kind=Move.LOAN, kg=-kg, owed_kg=due, member=member, loan=loan, on=on)
    audit.record(
        actor=actor, action="create", obj=movement, bank=str(bank.uuid), kind=Move.LOAN, kg=str(kg), due=str(due)
    )
    return loan


@transaction.atomic
def loan_repay(
    *,
    actor: User,
    loan: BankLoan,
    on: dt.date,
    kg: Decimal | None = None,
    cash: Decimal | None = None,
    note: str = "",
) -> StockMovement:
    """Record a repayment of a loan: in kg (into the store), or in cash at the committee's price (the kg it
    settles are counted off what is owed; the store is unchanged). Never more than is owed."""
    access.require(actor, C.RECORD_MEETING, loan)
    bank = _locked(loan.bank)
    loan = BankLoan.objects.select_related("member").get(pk=loan.pk)
    errors: dict[str, str] = {}
    if loan.cancelled:
        raise ValidationError(_("This loan was cancelled."))
    owed = owed_on(loan)
    if owed <= 0:
        raise ValidationError(_("Nothing is owed on this loan any more."))
    _date_errors(on, loan.lent_on, "on", errors, _("The loan was given after this date."))
    if (kg is None) == (cash is None):
        raise ValidationError(_("Enter either the kg repaid or the cash paid, not both."))
    settled: Decimal | None
    if kg is not None:
        field, settled = "kg", kg
        _positive_kg(kg, errors)
        if "kg" not in errors and kg > owed:
            errors["kg"] = _("%(owed)s are still owed on this loan: %(kg)s is more than that.") % {
                "owed": _kg_text(owed),
                "kg": _kg_text(kg),
            }
        values = {"kind": Move.REPAYMENT, "kg": kg, "owed_kg": -kg}
    else:
        assert cash is not None
        field, price, minor = "cash", bank.price_per_kg, _minor(bank)
        settled = None
        if price is None:
            errors["cash"] = _("The committee has set no price per kg for this bank: record the price first.")
        elif cash <= 0:
            errors["cash"] = _("Enter an amount above zero.")
        elif cash != cash.quantize(minor):
            errors["cash"] = _("Amounts in riel are whole riel.")
        else:
            settled = inkind.kg_settled_by(cash, price, owed, minor)
            if settled is None:
                errors["cash"] = _(
                    "%(owed)s are still owed: at %(price)s a kg, %(full)s settles all of it. %(cash)s is more."
                ) % {
                    "owed": _kg_text(owed),
                    "price": _money_text(price, bank.currency),
                    "full": _money_text(inkind.cash_for(owed, price, minor), bank.currency),
                    "cash": _money_text(cash, bank.currency),
                }
            elif settled <= 0:
                errors["cash"] = _("This amount settles less than 10 grams.")
        values = {"kind": Move.CASH_REPAYMENT, "kg": ZERO, "owed_kg": -(settled or ZERO), "cash": cash, "price": price}
    if errors:
        raise ValidationError(errors)
    assert settled is not None
    movement = _move(bank, actor, member=loan.member, loan=loan, on=on, note=clean_text(note)[:300], **values)
    if owed - settled == 0:
        loan.closed_on = on
        loan.save(update_fields=["closed_on", "updated_at"])
    audit.record(
        actor=actor,
        action="create",
        obj=movement,
        bank=str(bank.uuid),
        loan=str(loan.uuid),
        kind=movement.kind,
        settled_kg=str(settled),
        field=field,
    )
    return movement


@transaction.atomic
def movement_reverse(*, actor: User, movement: StockMovement, reason: str) -> StockMovement:
    """Correct a movement by a reversing one (the same quantities with the opposite sign, the same day); the
    movement itself is never changed. Refused when the store would hold less than nothing, for a reversal or a
    movement reversed already, and for a loan with repayments (reverse them first)."""
    access.require(actor, C.RECORD_MEETING, movement)
    bank = _locked(movement.bank)
    movement = StockMovement.objects.select_related("loan").get(pk=movement.pk)
    reason = clean_text(reason)
    if not reason:
        raise ValidationError({"reason": _("Say why the movement is corrected.")})
    if movement.reverses_id is not None:
        raise ValidationError(_("This movement is itself a correction: it cannot be reversed."))
    if StockMovement.objects.filter(reverses=movement).exists():
        raise ValidationError(_("This movement was reversed already."))
    stock = stock_on_hand(bank)
    if stock - movement.kg < 0:
        raise ValidationError(
            _("Reversing this movement would leave the store with less than nothing (it holds %(stock)s).")
            % {"stock": _kg_text(stock)}
        )
    loan = movement.loan
    if movement.kind == Move.LOAN and loan is not None:
        repaid = StockMovement.objects.filter(loan=loan).exclude(kind=Move.LOAN).aggregate(n=Sum("owed_kg"))["n"]
        if inkind.kg(repaid or ZERO):  # repayments not reversed
            raise ValidationError(_("This loan has repayments: reverse them first."))
    reversal = _move(
        bank,
        actor,
        kind=movement.kind,
        kg=-movement.kg,
        owed_kg=-movement.owed_kg,
        cash=-movement.cash,
        price=movement.price,
        member=movement.member,
        loan=loan,
        on=movement.on,
        reverses=movement,
        note=reason[:300],
    )
    if loan is not None:
        if movement.kind == Move.LOAN:
            loan.cancelled, loan.closed_on = True, movement.on
            loan.save(update_fields=["cancelled", "closed_on", "updated_at"])
        elif loan.closed_on is not None and owed_on(loan) > 0:
            loan.closed_on = None
            loan.save(update_fields=["closed_on", "updated_at"])
    audit.record(
        actor=actor,
        action="create",
        obj=reversal,
        step="reversal",
        reverses=str(movement.uuid),
        kind=movement.kind,
        kg=str(movement.kg),
        reason=reason[:300],
    )
    return reversal


# ---------------------------------------------------------------- animals
def _animal_bank(bank: Bank) -> None:
    if not bank.is_animal:
        raise ValidationError(_("This bank lends kg, not animals."))


def _event(animal: Animal, actor: User, kind: str, on: dt.date, **values: object) -> AnimalEvent:
    event = AnimalEvent(
        organisation_id=animal.organisation_id,
        bank_id=animal.bank_id,
        group_id=animal.group_id,
        animal=animal,
        kind=kind,
        on=on,
        recorded_by=actor,
    )
    for key, value in values.items():
        setattr(event, key, value)
    event.save()
    return event


def _locked_animal(animal: Animal) -> tuple[Bank, Animal]:
    bank = _locked(animal.bank)
    return bank, Animal.objects.select_related("holder", "mother").get(pk=animal.pk)


@dataclass
class AnimalInput:
    species: str
    sex: str
    holder: GroupMember
    received_on: dt.date
    tag: str = ""
    born_on: dt.date | None = None


@transaction.atomic
def animal_receive(*, actor: User, bank: Bank, data: AnimalInput) -> Animal:
    """A household receives an original animal from the bank (generation 1 of its lineage)."""
    access.require(actor, C.RECORD_MEETING, bank)
    bank = _locked(bank)
    _animal_bank(bank)
    _group_active(bank.group)
    errors: dict[str, str] = {}
    if data.species not in Animal.Species.values:
        errors["species"] = _("Choose the animal.")
    if data.sex not in Animal.Sex.values:
        errors["sex"] = _("Say whether it is female or male.")
    _member_of(bank, data.holder, "holder", errors)
    _date_errors(data.received_on, bank.opened_on, "received_on", errors, _("The bank opened after this date."))
    if data.born_on is not None and data.born_on > data.received_on:
        errors["born_on"] = _("An animal is born before it is received.")
    if errors:
        raise ValidationError(errors)
    animal = Animal(
        organisation_id=bank.organisation_id,
        bank=bank,
        group=bank.group,
        species=data.species,
        sex=data.sex,
        tag=clean_text(data.tag)[:40],
        origin=Animal.Origin.ORIGINAL,
        generation=1,
        born_on=data.born_on,
        received_on=data.received_on,
        holder=data.holder,
        created_by=actor,
    )
    animal.save()
    _event(animal, actor, Event.RECEIVED, data.received_on, to_member=data.holder)
    audit.record(actor=actor, action="create", obj=animal, bank=str(bank.uuid), step="received")
    return animal


def _alive(animal: Animal) -> None:
    if animal.status == Animal.Status.DIED:
        raise ValidationError(_("This animal died on %(day)s.") % {"day": _day(animal.ended_on)})
    if animal.status == Animal.Status.SOLD:
        raise ValidationError(_("This animal was sold on %(day)s.") % {"day": _day(animal.ended_on)})


def _day(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


@transaction.atomic
def animal_birth(*, actor: User, mother: Animal, sex: str, born_on: dt.date, tag: str = "") -> Animal:
    """An offspring is born to a female of the bank: it stays with its mother's household, one generation
    after her, in her lineage."""
    access.require(actor, C.RECORD_MEETING, mother)
    bank, mother = _locked_animal(mother)
    _group_active(bank.group)
    _alive(mother)
    errors: dict[str, str] = {}
    if mother.sex != Animal.Sex.FEMALE:
        raise ValidationError(_("Only a female gives birth."))
    if sex not in Animal.Sex.values:
        errors["sex"] = _("Say whether it is female or male.")
    _date_errors(
        born_on, mother.received_on, "born_on", errors, _("The mother was not yet with the bank on this date.")
    )
    if errors:
        raise ValidationError(errors)
    calf = Animal(
        organisation_id=bank.organisation_id,
        bank=bank,
        group=bank.group,
        species=mother.species,
        sex=sex,
        tag=clean_text(tag)[:40],
        origin=Animal.Origin.BIRTH,
        mother=mother,
        root_id=mother.lineage_root_id,
        generation=mother.generation + 1,
        born_on=born_on,
        received_on=born_on,
        holder=mother.holder,
        created_by=actor,
    )
    calf.save()
    _event(mother, actor, Event.BIRTH, born_on, other=calf, to_member=mother.holder)
    audit.record(actor=actor, action="create", obj=calf, bank=str(bank.uuid), step="birth", mother=str(mother.uuid))
    return calf


def first_female_waiting(mother: Animal) -> Animal | None:
    """The mother's first female offspring still alive and not passed on, when she has passed none on."""
    offspring = Animal.objects.filter(mother=mother, sex=Animal.Sex.FEMALE).order_by("received_on", "id")
    if offspring.filter(passed_on=True).exists():
        return None
    return offspring.filter(status=Animal.Status.ALIVE).first()


@transaction.atomic
def animal_pass_on(*, actor: User, animal: Animal, to: GroupMember, on: dt.date) -> Animal:
    """Pass a mother's first female offspring on to the next household, once the bank's holding period after
    its birth is over (after its arrival, for a replacement of one that died). The receiving household then
    passes on the first female offspring of its own."""
    access.require(actor, C.RECORD_MEETING, animal)
    bank, animal = _locked_animal(animal)
    _group_active(bank.group)
    _alive(animal)
    mother = animal.mother
    if mother is None:
        raise ValidationError(_("Only an offspring born in the bank (or its replacement) is passed on."))
    if animal.sex != Animal.Sex.FEMALE:
        raise ValidationError(_("The first female offspring is passed on, not a male: a male is sold or kept."))
    if animal.passed_on:
        raise ValidationError(_("This animal was passed on already."))
    if Animal.objects.filter(mother=mother, passed_on=True).exists():
        raise ValidationError(_("Its mother's household has passed on a female offspring already."))
    first = first_female_waiting(mother)
    if first is not None and first.pk != animal.pk:
        raise ValidationError(
            _("The first female offspring of this mother, %(first)s (since %(day)s), is passed on first.")
            % {"first": str(first), "day": _day(first.received_on)}
        )
    errors: dict[str, str] = {}
    _member_of(bank, to, "to", errors)
    if "to" not in errors and to.pk == animal.holder_id:
        errors["to"] = _("Choose the next household: this one holds the animal now.")
    possible = inkind.pass_on_from(animal.born_on or animal.received_on, bank.holding_months)
    if on > _today():
        errors["on"] = _("The date cannot be in the future.")
    elif on < possible:
        errors["on"] = _(
            "Too early: the bank's holding period is %(months)s months after birth, so this animal can be "
            "passed on from %(day)s."
        ) % {"months": bank.holding_months, "day": _day(possible)}
    if errors:
        raise ValidationError(errors)
    giver = animal.holder
    animal.holder, animal.passed_on = to, True
    animal.save(update_fields=["holder", "passed_on", "updated_at"])
    _event(animal, actor, Event.PASS_ON, on, from_member=giver, to_member=to)
    audit.record(actor=actor, action="update", obj=animal, step="pass_on", to=to.number, generation=animal.generation)
    return animal


@transaction.atomic
def animal_end(
    *, actor: User, animal: Animal, kind: str, on: dt.date, amount: Decimal = ZERO, note: str = ""
) -> Animal:
    """An animal died or was sold (a male offspring is sold and the bank repaid, as agreed)."""
    access.require(actor, C.RECORD_MEETING, animal)
    bank, animal = _locked_animal(animal)
    _group_active(bank.group)
    _alive(animal)
    errors: dict[str, str] = {}
    if kind not in (Event.DEATH, Event.SALE):
        errors["kind"] = _("Choose what happened.")
    _date_errors(on, animal.received_on, "on", errors, _("The animal was not yet with the household on this date."))
    if amount < 0:
        errors["amount"] = _("Enter an amount of zero or more.")
    if errors:
        raise ValidationError(errors)
    animal.status = Animal.Status.DIED if kind == Event.DEATH else Animal.Status.SOLD
    animal.ended_on = on
    animal.save(update_fields=["status", "ended_on", "updated_at"])
    _event(animal, actor, kind, on, from_member=animal.holder, amount=amount, note=clean_text(note)[:300])
    audit.record(actor=actor, action="update", obj=animal, step=kind, amount=str(amount))
    return animal


@transaction.atomic
def animal_replace(*, actor: User, animal: Animal, sex: str, on: dt.date, tag: str = "") -> Animal:
    """Replace an animal that died (as the agreement says): the new one takes its place in the lineage, with
    the same household and generation."""
    access.require(actor, C.RECORD_MEETING, animal)
    bank, animal = _locked_animal(animal)
    _group_active(bank.group)
    if animal.status != Animal.Status.DIED:
        raise ValidationError(_("Only an animal that died is replaced."))
    if Animal.objects.filter(replaces=animal).exists():
        raise ValidationError(_("This animal was replaced already."))
    errors: dict[str, str] = {}
    if sex not in Animal.Sex.values:
        errors["sex"] = _("Say whether it is female or male.")
    assert animal.ended_on is not None
    _date_errors(on, animal.ended_on, "on", errors, _("The animal died after this date."))
    if errors:
        raise ValidationError(errors)
    new = Animal(
        organisation_id=bank.organisation_id,
        bank=bank,
        group=bank.group,
        species=animal.species,
        sex=sex,
        tag=clean_text(tag)[:40],
        origin=Animal.Origin.REPLACEMENT,
        mother=animal.mother,
        root_id=animal.lineage_root_id,
        replaces=animal,
        generation=animal.generation,
        received_on=on,
        holder=animal.holder,
        created_by=actor,
    )
    new.save()
    _event(animal, actor, Event.REPLACEMENT, on, other=new, to_member=animal.holder)
    audit.record(actor=actor, action="create", obj=new, step="replacement", replaces=str(animal.uuid))
    return new


@transaction.atomic
def animal_repayment(*, actor: User, animal: Animal, amount: Decimal, on: dt.date, note: str = "") -> AnimalEvent:
    """The household repays the bank in cash for an animal (after selling a male offspring, or as agreed)."""
    access.require(actor, C.RECORD_MEETING, animal)
    bank, animal = _locked_animal(animal)
    _group_active(bank.group)
    errors: dict[str, str] = {}
    if amount <= 0:
        errors["amount"] = _("Enter an amount above zero.")
    elif amount != amount.quantize(_minor(bank)):
        errors["amount"] = _("Amounts in riel are whole riel.")
    _date_errors(on, animal.received_on, "on", errors, _("The animal was not yet with the household on this date."))
    if errors:
        raise ValidationError(errors)
    event = _event(animal, actor, Event.REPAYMENT, on, from_member=animal.holder, amount=amount, note=clean_text(note))
    audit.record(actor=actor, action="create", obj=event, step="repayment", amount=str(amount))
    return event


# ---------------------------------------------------------------- corrections
def _standing(events: QuerySet[AnimalEvent]) -> QuerySet[AnimalEvent]:
    """Events neither reversed nor reversing."""
    return events.filter(reverses__isnull=True, reversed_by__isnull=True)


def _still_blank(animal: Animal) -> None:
    """An animal whose arrival or birth is reversed must have no history of its own yet."""
    own = _standing(AnimalEvent.objects.filter(animal=animal))
    if animal.passed_on or own.exclude(kind=Event.RECEIVED).exists():
        raise ValidationError(_("%(animal)s has entries of its own: correct them first.") % {"animal": str(animal)})
    if Animal.objects.filter(Q(mother=animal) | Q(replaces=animal)).exclude(status=Animal.Status.VOID).exists():
        raise ValidationError(_("%(animal)s has offspring recorded: correct them first.") % {"animal": str(animal)})


@transaction.atomic
def animal_event_reverse(*, actor: User, event: AnimalEvent, reason: str) -> AnimalEvent:
    """Correct a wrong entry about an animal by a reversing one (the same kind and day, the amount negated,
    `reverses` pointing at it); the entry itself is never changed, and the animal is put back as it was before
    it: a pass-on returns the animal to the giving household, a death or sale makes it alive again, a birth,
    replacement or arrival recorded in error makes that animal "entered in error" (it leaves the herd, the
    counts and the lineage). Only the animal's latest standing entry can be corrected (correct later ones
    first), and not a correction nor an entry corrected already. The bank's row is locked."""
    access.require(actor, C.RECORD_MEETING, event)
    bank, animal = _locked_animal(event.animal)
    event = AnimalEvent.objects.select_related("other", "from_member").get(pk=event.pk)
    reason = clean_text(reason)
    if not reason:
        raise ValidationError({"reason": _("Say why the entry is corrected.")})
    if event.reverses_id is not None:
        raise ValidationError(_("This entry is itself a correction: it cannot be reversed."))
    if AnimalEvent.objects.filter(reverses=event).exists():
        raise ValidationError(_("This entry was reversed already."))
    later = _standing(AnimalEvent.objects.filter(animal=animal).exclude(pk=event.pk)).filter(
        Q(on__gt=event.on) | Q(on=event.on, id__gt=event.pk)
    )
    if later.exists():
        raise ValidationError(_("Later entries about this animal come after this one: correct them first."))
    kind = event.kind
    if kind == Event.RECEIVED:
        _still_blank(animal)
        animal.status = Animal.Status.VOID
        animal.save(update_fields=["status", "updated_at"])
    elif kind in (Event.BIRTH, Event.REPLACEMENT):
        other = event.other
        assert other is not None
        other = Animal.objects.get(pk=other.pk)
        _still_blank(other)
        other.status = Animal.Status.VOID
        other.save(update_fields=["status", "updated_at"])
    elif kind == Event.PASS_ON:
        assert event.from_member is not None
        animal.holder, animal.passed_on = event.from_member, False
        animal.save(update_fields=["holder", "passed_on", "updated_at"])
    elif kind in (Event.DEATH, Event.SALE):
        animal.status, animal.ended_on = Animal.Status.ALIVE, None
        animal.save(update_fields=["status", "ended_on", "updated_at"])
    reversal = _event(
        animal,
        actor,
        kind,
        event.on,
        other=event.other,
        from_member=event.from_member,
        to_member=event.to_member,
        amount=-event.amount,
        reverses=event,
        note=reason[:300],
    )
    audit.record(
        actor=actor,
        action="create",
        obj=reversal,
        step="reversal",
        reverses=str(event.uuid),
        kind=kind,
        bank=str(bank.uuid),
        reason=reason[:300],
    )
    return reversal
