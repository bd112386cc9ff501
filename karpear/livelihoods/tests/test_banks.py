"""In-kind banks (issue 12, item 5; DOMAIN §3), through the services: a rice bank lending at 10 % (100 kg →
110 kg) repaid in kg and in cash at the committee's price, its refusals, and a cow through two generations
with the pass-on refused before the holding period and allowed after it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from conftest import make_org
from karpear.core.models import AuditEvent
from karpear.livelihoods import bank_selectors, bank_services, inkind
from karpear.livelihoods.bank_views import lineage_svg
from karpear.livelihoods.models import Animal, AnimalEvent, Bank, BankLoan, StockMovement
from karpear.livelihoods.tests import factories as f

pytestmark = pytest.mark.django_db
D = Decimal
OPENED = dt.date(2025, 1, 10)


@pytest.fixture
def officer():
    return f.officer()


@pytest.fixture
def group(officer):
    grp = f.group(officer, "Svay Rieng group", formed_on=dt.date(2024, 12, 1))
    f.members(officer, grp, 4, joined_on=dt.date(2024, 12, 1))
    return grp


def rice_bank(officer, group, **fields) -> Bank:
    data = bank_services.BankInput(
        name="Rice bank of Prey Kokir",
        kind=Bank.Kind.RICE,
        commodity="paddy",
        opened_on=OPENED,
        interest_percent=D(10),
        term_months=12,
        price_per_kg=D(1200),
    )
    for key, value in fields.items():
        setattr(data, key, value)
    return bank_services.bank_open(actor=officer, group=group, data=data)


def member(group, number):
    return group.members.get(number=number)


def message(exc: pytest.ExceptionInfo[ValidationError], field: str | None = None) -> str:
    if field is None:
        return " ".join(exc.value.messages)
    return " ".join(exc.value.message_dict[field])


# ---------------------------------------------------------------- arithmetic
def test_a_loan_of_100_kg_at_10_percent_repays_110_kg_within_12_months():
    assert inkind.due_kg(D(100), D(10)) == D("110.00")
    assert inkind.due_kg(D("37.5"), D(20)) == D("45.00")
    assert inkind.due_on(dt.date(2025, 1, 31), 12) == dt.date(2026, 1, 31)


def test_cash_at_the_committees_price_settles_kg_and_never_more_than_is_owed():
    assert inkind.kg_settled_by(D(60_000), D(1200), D(110)) == D(50)
    assert inkind.cash_for(D(110), D(1150)) == D(126_500)
    assert inkind.kg_settled_by(D(126_500), D(1150), D(110)) == D(110)
    assert inkind.kg_settled_by(D(126_501), D(1150), D(110)) is None
    # a fraction of a riel is rounded up, and that cash settles exactly what was owed
    assert inkind.cash_for(D("0.33"), D(1000)) == D(330)
    assert inkind.cash_for(D("0.333"), D(1000)) == D(333)


# ---------------------------------------------------------------- the rice bank
def test_a_rice_bank_lends_100_kg_at_10_percent_and_is_repaid_110_kg(officer, group):
    bank = rice_bank(officer, group)
    bank_services.stock_deposit(actor=officer, bank=bank, kg=D(500), on=OPENED, initial=True)
    loan = bank_services.bank_lend(actor=officer, bank=bank, member=member(group, 1), kg=D(100), on=OPENED)

    assert (loan.due_kg, loan.due_on) == (D(110), dt.date(2026, 1, 10))
    assert bank_selectors.stock(user=officer, bank=bank).on_hand == D(400)
    [position] = bank_selectors.loans_of(user=officer, bank=bank, as_of=dt.date(2025, 6, 1))
    assert (position.owed, position.overdue) == (D(110), False)

    bank_services.loan_repay(actor=officer, loan=loan, kg=D(110), on=dt.date(2025, 12, 20))

    stock = bank_selectors.stock(user=officer, bank=bank)
    assert (stock.on_hand, stock.owed, stock.cash) == (D(510), D(0), D(0))
    loan.refresh_from_db()
    assert loan.closed_on == dt.date(2025, 12, 20)
    assert AuditEvent.objects.filter(object_type__endswith="stockmovement").count() == 3


def test_a_rice_loan_repaid_partly_in_cash_at_the_committees_price_then_in_kg(officer, group):
    bank = rice_bank(officer, group)
    bank_services.stock_deposit(actor=officer, bank=bank, kg=D(300), on=OPENED, initial=True)
    loan = bank_services.bank_lend(actor=officer, bank=bank, member=member(group, 2), kg=D(100), on=OPENED)

    # 60,000 riel at the committee's 1,200 riel a kg settle 50 kg of the 110 owed; the store is unchanged.
    cash = bank_services.loan_repay(actor=officer, loan=loan, cash=D(60_000), on=dt.date(2025, 7, 1))
    assert (cash.kind, cash.kg, cash.owed_kg, cash.price) == (StockMovement.Kind.CASH_REPAYMENT, 0, D(-50), D(1200))
    position = bank_selectors.loan_position(user=officer, loan=loan, as_of=dt.date(2025, 7, 1))
    assert (position.owed, position.repaid_cash, position.settled_in_cash) == (D(60), D(60_000), D(50))
    assert bank_selectors.stock(user=officer, bank=bank).on_hand == D(200)

    # The committee changes its price: the repayment made keeps the price it was made at.
    data = bank_services.BankInput(name=bank.name, kind=bank.kind, opened_on=OPENED, price_per_kg=D(1500))
    bank_services.bank_update(actor=officer, bank=bank, data=data)
    bank_services.loan_repay(actor=officer, loan=loan, kg=D(60), on=dt.date(2025, 12, 1))
    stock = bank_selectors.stock(user=officer, bank=bank)
    assert (stock.on_hand, stock.owed, stock.cash) == (D(260), D(0), D(60_000))
    assert StockMovement.objects.get(pk=cash.pk).price == D(1200)


def test_a_loan_not_repaid_by_its_due_date_is_in_arrears(officer, group):
    bank = rice_bank(officer, group)
    bank_services.stock_deposit(actor=officer, bank=bank, kg=D(100), on=OPENED)
    loan = bank_services.bank_lend(actor=officer, bank=bank, member=member(group, 1), kg=D(50), on=OPENED)
    bank_services.loan_repay(actor=officer, loan=loan, kg=D(20), on=dt.date(2025, 5, 1))

    late = bank_selectors.loan_position(user=officer, loan=loan, as_of=dt.date(2026, 1, 20))
    assert (late.owed, late.arrears, late.days_overdue) == (D(35), D(35), 10)


def test_a_rice_bank_refuses_a_loan_above_its_stock_over_repayment_and_quantities_below_zero(officer, group):
    bank = rice_bank(officer, group)
    bank_services.stock_deposit(actor=officer, bank=bank, kg=D(80), on=OPENED)
    with pytest.raises(ValidationError) as exc:
        bank_services.bank_lend(actor=officer, bank=bank, member=member(group, 1), kg=D(100), on=OPENED)
    assert message(exc, "kg") == "The store holds only 80 kg: a loan of 100 kg is more than that."

    loan = bank_services.bank_lend(actor=officer, bank=bank, member=member(group, 1), kg=D(50), on=OPENED)
    with pytest.raises(ValidationError) as exc:
        bank_services.loan_repay(actor=officer, loan=loan, kg=D(60), on=OPENED)
    assert message(exc, "kg") == "55 kg are still owed on this loan: 60 kg is more than that."
    with pytest.raises(ValidationError) as exc:
        bank_services.loan_repay(actor=officer, loan=loan, cash=D(70_000), on=OPENED)
    assert message(exc, "cash") == (
        "55 kg are still owed: at 1,200 ៛ a kg, 66,000 ៛ settles all of it. 70,000 ៛ is more."
    )
    for bad in (D(-5), D(0)):
        with pytest.raises(ValidationError) as exc:
            bank_services.stock_deposit(actor=officer, bank=bank, kg=bad, on=OPENED)
        assert message(exc, "kg") == "Enter a quantity above zero."
    with pytest.raises(ValidationError) as exc:
        bank_services.stock_loss(actor=officer, bank=bank, kg=D(31), on=OPENED, note="rats")
    assert message(exc, "kg") == "The store holds only 30 kg: it cannot lose 31 kg."
    with pytest.raises(ValidationError) as exc:
        bank_services.stock_deposit(actor=officer, bank=bank, kg=D("1.005"), on=OPENED)
    assert message(exc, "kg") == "Quantities are counted to 10 grams (two decimals)."

    assert bank_selectors.stock(user=officer, bank=bank).on_hand == D(30)  # nothing saved by the refusals
    assert StockMovement.objects.filter(bank=bank).count() == 2


def test_a_correction_is_a_reversing_movement_and_a_lent_loan_is_cancelled_only_after_its_repayments(officer, group):
    bank = rice_bank(officer, group)
    deposit = bank_services.stock_deposit(actor=officer, bank=bank, kg=D(200), on=OPENED)
    loan = bank_services.bank_lend(actor=officer, bank=bank, member=member(group, 3), kg=D(100), on=OPENED)
    repayment = bank_services.loan_repay(actor=officer, loan=loan, kg=D(110), on=dt.date(2025, 3, 1))
    lent = StockMovement.objects.get(loan=loan, kind=StockMovement.Kind.LOAN)

    with pytest.raises(ValidationError) as exc:
        bank_services.movement_reverse(actor=officer, movement=lent, reason="wrong member")
    assert message(exc) == "This loan has repayments: reverse them first."

    bank_services.movement_reverse(actor=officer, movement=repayment, reason="typed twice")
    loan.refresh_from_db()
    assert loan.closed_on is None  # owed again
    bank_services.movement_reverse(actor=officer, movement=lent, reason="wrong member")
    loan.refresh_from_db()
    assert loan.cancelled
    assert bank_selectors.stock(user=officer, bank=bank).on_hand == D(200)
    assert bank_selectors.loans_of(user=officer, bank=bank) == []

    with pytest.raises(ValidationError) as exc:
        bank_services.movement_reverse(actor=officer, movement=lent, reason="again")
    assert message(exc) == "This movement was reversed already."
    # The deposit cannot be reversed once part of it is gone: the store would hold less than nothing.
    bank_services.stock_loss(actor=officer, bank=bank, kg=D(10), on=OPENED, note="damp")
    with pytest.raises(ValidationError) as exc:
        bank_services.movement_reverse(actor=officer, movement=deposit, reason="never came")
    assert "less than nothing" in message(exc)
    # Movements are never changed.
    with pytest.raises(PermissionError):
        deposit.save()
    with pytest.raises(PermissionError):
        StockMovement.objects.filter(pk=deposit.pk).update(kg=1)


def test_a_rice_bank_lends_only_to_current_members_of_its_group(officer, group):
    bank = rice_bank(officer, group)
    bank_services.stock_deposit(actor=officer, bank=bank, kg=D(100), on=OPENED)
    other = f.group(officer, "Another group", formed_on=dt.date(2024, 12, 1))
    stranger = f.members(officer, other, 1)[0]
    with pytest.raises(ValidationError) as exc:
        bank_services.bank_lend(actor=officer, bank=bank, member=stranger, kg=D(10), on=OPENED)
    assert message(exc, "member") == "Choose a member of this group."


def test_another_organisation_cannot_move_a_banks_stock(officer, group):
    bank = rice_bank(officer, group)
    outsider = f.officer(make_org("cedac"), username="cedac-officer")

    with pytest.raises((PermissionDenied, Http404)):
        bank_services.stock_deposit(actor=outsider, bank=bank, kg=D(10), on=OPENED)
    assert not StockMovement.objects.exists()


# ---------------------------------------------------------------- the cow bank
def cow_bank(officer, group, holding_months: int = 6) -> Bank:
    data = bank_services.BankInput(
        name="Cow bank", kind=Bank.Kind.ANIMAL, opened_on=OPENED, holding_months=holding_months
    )
    return bank_services.bank_open(actor=officer, group=group, data=data)


def test_a_cow_through_two_generations_passes_on_its_first_female_calf_after_the_holding_period(
    officer, group, settings
):
    bank = cow_bank(officer, group)
    cow = bank_services.animal_receive(
        actor=officer,
        bank=bank,
        data=bank_services.AnimalInput(
            species="cow", sex="female", holder=member(group, 1), received_on=OPENED, tag="Srey"
        ),
    )
    bull_calf = bank_services.animal_birth(actor=officer, mother=cow, sex="male", born_on=dt.date(2025, 3, 1))
    calf = bank_services.animal_birth(
        actor=officer, mother=cow, sex="female", born_on=dt.date(2025, 4, 15), tag="Srey 2"
    )
    assert (calf.generation, calf.root_id, calf.holder_id) == (2, cow.pk, member(group, 1).pk)

    # Before the holding period (6 months after birth) the calf stays with its mother.
    with pytest.raises(ValidationError) as exc:
        bank_services.animal_pass_on(actor=officer, animal=calf, to=member(group, 2), on=dt.date(2025, 10, 14))
    assert message(exc, "on") == (
        "Too early: the bank's holding period is 6 months after birth, so this animal can be passed on from 15/10/2025."
    )
    with pytest.raises(ValidationError) as exc:
        bank_services.animal_pass_on(actor=officer, animal=bull_calf, to=member(group, 2), on=dt.date(2025, 10, 15))
    assert "not a male" in message(exc)
    with pytest.raises(ValidationError) as exc:
        bank_services.animal_pass_on(actor=officer, animal=calf, to=member(group, 1), on=dt.date(2025, 10, 15))
    assert message(exc, "to") == "Choose the next household: this one holds the animal now."

    bank_services.animal_pass_on(actor=officer, animal=calf, to=member(group, 2), on=dt.date(2025, 10, 15))
    calf.refresh_from_db()
    assert (calf.holder.number, calf.passed_on) == (2, True)

    # The second household's cow has its own first female calf: the third generation, passed on in turn.
    grand = bank_services.animal_birth(actor=officer, mother=calf, sex="female", born_on=dt.date(2026, 11, 1))
    assert (grand.generation, grand.root_id, grand.holder.number) == (3, cow.pk, 2)
    later = bank_services.animal_birth(actor=officer, mother=cow, sex="female", born_on=dt.date(2026, 2, 1))
    with pytest.raises(ValidationError) as exc:
        bank_services.animal_pass_on(actor=officer, animal=later, to=member(group, 3), on=dt.date(2026, 9, 1))
    assert message(exc) == "Its mother's household has passed on a female offspring already."

    # The male calf is sold and the bank repaid; the herd counts what is on hand.
    bank_services.animal_end(actor=officer, animal=bull_calf, kind="sale", on=dt.date(2026, 3, 1), amount=D(900_000))
    bank_services.animal_repayment(actor=officer, animal=bull_calf, amount=D(400_000), on=dt.date(2026, 3, 2))
    herd = bank_selectors.herd(user=officer, bank=bank)
    assert (herd.on_hand, herd.originals, herd.born, herd.passed_on, herd.sold) == (4, 1, 4, 1, 1)
    assert bank_selectors.animal_cash(user=officer, bank=bank) == D(400_000)

    # The lineage: the original cow, her three offspring, and her granddaughter under the calf passed on.
    family = bank_selectors.lineage(user=officer, animal=grand)
    assert [(a.generation, a.mother_id) for a in family] == [
        (1, None),
        (2, cow.pk),
        (2, cow.pk),
        (2, cow.pk),
        (3, calf.pk),
    ]
    svg = str(lineage_svg(family, cow))
    assert svg.startswith('<svg class="lineage" viewBox="0 0 320 300"')
    assert svg.count("<rect") == 5 and svg.count("<path") == 4
    assert "Srey 2" in svg and "Generation 3 · household 2" in svg


def test_a_cow_that_died_is_replaced_in_its_place_and_a_dead_cow_neither_calves_nor_passes_on(officer, group):
    bank = cow_bank(officer, group, holding_months=0)
    cow = bank_services.animal_receive(
        actor=officer,
        bank=bank,
        data=bank_services.AnimalInput(species="cow", sex="female", holder=member(group, 1), received_on=OPENED),
    )
    calf = bank_services.animal_birth(actor=officer, mother=cow, sex="female", born_on=dt.date(2025, 2, 1))
    bank_services.animal_end(actor=officer, animal=calf, kind="death", on=dt.date(2025, 2, 20), note="sick")
    with pytest.raises(ValidationError) as exc:
        bank_services.animal_pass_on(actor=officer, animal=calf, to=member(group, 2), on=dt.date(2025, 3, 1))
    assert message(exc) == "This animal died on 20/02/2025."

    new = bank_services.animal_replace(actor=officer, animal=calf, sex="female", on=dt.date(2025, 3, 1))
    assert (new.generation, new.mother_id, new.root_id, new.origin) == (2, cow.pk, cow.pk, "replacement")
    with pytest.raises(ValidationError):
        bank_services.animal_replace(actor=officer, animal=calf, sex="female", on=dt.date(2025, 3, 1))
    with pytest.raises(ValidationError) as exc:
        bank_services.animal_birth(actor=officer, mother=calf, sex="male", born_on=dt.date(2025, 3, 1))
    assert message(exc) == "This animal died on 20/02/2025."
    assert bank_selectors.herd(user=officer, bank=bank).on_hand == 2
    assert AnimalEvent.objects.filter(bank=bank).count() == 4  # received, birth, death, replacement
    with pytest.raises(PermissionError):
        AnimalEvent.objects.filter(bank=bank).delete()


def test_an_animal_bank_does_not_lend_kg_and_a_rice_bank_holds_no_animals(officer, group):
    cows, rice = cow_bank(officer, group), rice_bank(officer, group)
    with pytest.raises(ValidationError):
        bank_services.stock_deposit(actor=officer, bank=cows, kg=D(10), on=OPENED)
    with pytest.raises(ValidationError):
        bank_services.animal_receive(
            actor=officer,
            bank=rice,
            data=bank_services.AnimalInput(species="cow", sex="female", holder=member(group, 1), received_on=OPENED),
        )
    assert not Animal.objects.exists() and not BankLoan.objects.exists()


def _receive(officer, bank, group, number=1, tag=""):
    return bank_services.animal_receive(
        actor=officer,
        bank=bank,
        data=bank_services.AnimalInput(
            species="cow", sex="female", holder=member(group, number), received_on=OPENED, tag=tag
        ),
    )


def _reverse(officer, event, reason="Wrong entry"):
    return bank_services.animal_event_reverse(actor=officer, event=event, reason=reason)


def test_a_pass_on_to_the_wrong_household_is_reversed_and_the_calf_passed_on_again_to_the_right_one(officer, group):
    bank = cow_bank(officer, group, holding_months=0)
    cow = _receive(officer, bank, group, tag="Srey")
    calf = bank_services.animal_birth(actor=officer, mother=cow, sex="female", born_on=dt.date(2025, 2, 1))
    bank_services.animal_pass_on(actor=officer, animal=calf, to=member(group, 3), on=dt.date(2025, 3, 1))
    wrong = AnimalEvent.objects.get(animal=calf, kind="pass_on")
    with pytest.raises(ValidationError) as exc:
        _reverse(officer, wrong, reason="  ")
    assert message(exc, "reason") == "Say why the entry is corrected."

    reversal = _reverse(officer, wrong, reason="Household 2 received it, not 3")
    calf.refresh_from_db()
    assert (calf.holder.number, calf.passed_on) == (1, False)  # back with its mother's household
    assert (reversal.kind, reversal.reverses_id, reversal.on) == ("pass_on", wrong.pk, wrong.on)
    assert AnimalEvent.objects.filter(pk=wrong.pk, to_member=member(group, 3)).exists()  # the entry is untouched
    with pytest.raises(ValidationError) as exc:
        _reverse(officer, wrong)
    assert message(exc) == "This entry was reversed already."
    with pytest.raises(ValidationError) as exc:
        _reverse(officer, reversal)
    assert message(exc) == "This entry is itself a correction: it cannot be reversed."

    bank_services.animal_pass_on(actor=officer, animal=calf, to=member(group, 2), on=dt.date(2025, 3, 1))
    calf.refresh_from_db()
    assert (calf.holder.number, calf.passed_on) == (2, True)
    assert AuditEvent.objects.filter(action="create", details__step="reversal").count() == 1


def test_a_death_recorded_in_error_is_reversed_only_after_its_replacement_and_the_cow_is_alive_again(officer, group):
    bank = cow_bank(officer, group, holding_months=0)
    cow = _receive(officer, bank, group)
    bank_services.animal_end(actor=officer, animal=cow, kind="death", on=dt.date(2025, 2, 20))
    new = bank_services.animal_replace(actor=officer, animal=cow, sex="female", on=dt.date(2025, 3, 1))
    death = AnimalEvent.objects.get(animal=cow, kind="death")
    with pytest.raises(ValidationError) as exc:
        _reverse(officer, death)
    assert message(exc) == "Later entries about this animal come after this one: correct them first."

    _reverse(officer, AnimalEvent.objects.get(animal=cow, kind="replacement"))
    new.refresh_from_db()
    assert new.status == Animal.Status.VOID
    _reverse(officer, death, reason="It was another farmer's cow")
    cow.refresh_from_db()
    assert (cow.status, cow.ended_on) == (Animal.Status.ALIVE, None)
    herd = bank_selectors.herd(user=officer, bank=bank)
    assert (herd.on_hand, herd.originals, herd.died) == (1, 1, 0)
    assert [a.pk for a in bank_selectors.lineage(user=officer, animal=cow)] == [cow.pk]  # no void replacement


def test_a_birth_in_error_leaves_the_herd_and_the_lineage_unless_the_calf_has_history_and_a_repayment_nets_out(
    officer, group
):
    bank = cow_bank(officer, group, holding_months=0)
    cow = _receive(officer, bank, group)
    twin = bank_services.animal_birth(actor=officer, mother=cow, sex="male", born_on=dt.date(2025, 2, 1))
    calf = bank_services.animal_birth(actor=officer, mother=cow, sex="female", born_on=dt.date(2025, 2, 2))
    bank_services.animal_end(actor=officer, animal=calf, kind="sale", on=dt.date(2025, 4, 1), amount=D(500_000))
    birth = AnimalEvent.objects.get(kind="birth", other=calf)
    with pytest.raises(ValidationError) as exc:
        _reverse(officer, birth)
    assert "has entries of its own: correct them first" in message(exc)
    _reverse(officer, AnimalEvent.objects.get(animal=calf, kind="sale"))
    _reverse(officer, birth, reason="The twin was counted twice")
    calf.refresh_from_db()
    assert calf.status == Animal.Status.VOID
    herd = bank_selectors.herd(user=officer, bank=bank)
    assert (herd.on_hand, herd.born, herd.sold) == (2, 1, 0)
    assert {a.pk for a in bank_selectors.lineage(user=officer, animal=cow)} == {cow.pk, twin.pk}

    paid = bank_services.animal_repayment(actor=officer, animal=cow, amount=D(300_000), on=dt.date(2025, 5, 1))
    _reverse(officer, paid)
    assert bank_selectors.animal_cash(user=officer, bank=bank) == 0
    assert AnimalEvent.objects.filter(bank=bank).count() == 8  # 5 entries and 3 corrections, none changed


def test_an_original_animal_received_in_error_is_void_and_another_organisation_cannot_correct(officer, group):
    bank = cow_bank(officer, group)
    cow = _receive(officer, bank, group)
    received = AnimalEvent.objects.get(animal=cow, kind="received")
    stranger = f.officer(make_org("cedac"), username="stranger")
    with pytest.raises((PermissionDenied, Http404)):
        _reverse(stranger, received)
    _reverse(officer, received, reason="Entered in the wrong bank")
    cow.refresh_from_db()
    assert cow.status == Animal.Status.VOID
    assert bank_selectors.herd(user=officer, bank=bank).on_hand == 0
    assert list(bank_selectors.animals_of(user=officer, bank=bank)) == []
