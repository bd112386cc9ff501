"""The in-kind banks' part of the livelihoods access matrix (access_matrix.py merges it): their routes and the
kinds of objects they take."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from karpear.core.models import User
from karpear.core.tests.matrix import ObjectKind, RouteSpec, World, sees_scoped
from karpear.livelihoods.declarations import LivelihoodsCapability
from karpear.livelihoods.models import Animal, AnimalEvent, Bank, BankLoan, StockMovement

C = LivelihoodsCapability


def _bank(world: World, user: User, actor: str, group_of: Any, day: Any) -> Bank:
    group = group_of(world, user, actor)
    bank = group.banks.first()
    if bank is None:
        bank = Bank.objects.create(
            organisation_id=group.organisation_id,
            group=group,
            name="Matrix rice bank",
            kind=Bank.Kind.RICE,
            opened_on=day,
            created_by=world.owner_of(user, actor),
        )
    return bank


def kinds(group_of: Any, member_of: Any, day: Any) -> dict[str, ObjectKind]:
    def bank(world: World, user: User, actor: str) -> Bank:
        return _bank(world, user, actor, group_of, day)

    def loan(world: World, user: User, actor: str) -> BankLoan:
        b = bank(world, user, actor)
        found = b.loans.first()
        if found is None:
            found = BankLoan.objects.create(
                organisation_id=b.organisation_id,
                bank=b,
                group=b.group,
                member=member_of(world, user, actor),
                kg=Decimal(10),
                interest_percent=Decimal(10),
                due_kg=Decimal(11),
                lent_on=day,
                due_on=day,
            )
        return found

    def movement(world: World, user: User, actor: str) -> StockMovement:
        b = bank(world, user, actor)
        move = StockMovement(
            organisation_id=b.organisation_id,
            bank=b,
            group=b.group,
            kind=StockMovement.Kind.DEPOSIT,
            kg=Decimal(100),
            on=day,
            recorded_by=world.owner_of(user, actor),
        )
        move.save()
        return move

    def animal(world: World, user: User, actor: str) -> Animal:
        b = bank(world, user, actor)
        found = b.animals.first()
        if found is None:
            found = Animal.objects.create(
                organisation_id=b.organisation_id,
                bank=b,
                group=b.group,
                species=Animal.Species.COW,
                sex=Animal.Sex.FEMALE,
                origin=Animal.Origin.ORIGINAL,
                received_on=day,
                holder=member_of(world, user, actor),
                created_by=world.owner_of(user, actor),
            )
        return found

    def event(world: World, user: User, actor: str) -> AnimalEvent:
        beast = animal(world, user, actor)
        made = AnimalEvent(
            organisation_id=beast.organisation_id,
            bank=beast.bank,
            group=beast.group,
            animal=beast,
            kind=AnimalEvent.Kind.RECEIVED,
            on=day,
            recorded_by=world.owner_of(user, actor),
        )
        made.save()
        return made

    def kind(make: Any) -> ObjectKind:
        return ObjectKind(
            lambda world, user, actor, name: {"uuid": make(world, user, actor).uuid},
            lambda role, actor: sees_scoped(C.VIEW_GROUP, role, actor),
        )

    return {
        "liv_bank": kind(bank),
        "liv_bank_loan": kind(loan),
        "liv_bank_movement": kind(movement),
        "liv_animal": kind(animal),
        "liv_animal_event": kind(event),
    }


ROUTES = {
    "livelihoods:group_banks": RouteSpec("liv_group"),
    "livelihoods:bank_create": RouteSpec("liv_group", write=C.CHANGE_GROUP),
    "livelihoods:bank_detail": RouteSpec("liv_bank"),
    "livelihoods:bank_edit": RouteSpec("liv_bank", write=C.CHANGE_GROUP),
    "livelihoods:bank_deposit": RouteSpec("liv_bank", write=C.RECORD_MEETING),
    "livelihoods:bank_loss": RouteSpec("liv_bank", write=C.RECORD_MEETING),
    "livelihoods:bank_lend": RouteSpec("liv_bank", write=C.RECORD_MEETING),
    "livelihoods:animal_create": RouteSpec("liv_bank", write=C.RECORD_MEETING),
    "livelihoods:bank_loan_detail": RouteSpec("liv_bank_loan"),
    "livelihoods:bank_loan_repay": RouteSpec("liv_bank_loan", write=C.RECORD_MEETING),
    "livelihoods:movement_reverse": RouteSpec("liv_bank_movement", write=C.RECORD_MEETING, method="post"),
    "livelihoods:animal_detail": RouteSpec("liv_animal"),
    "livelihoods:animal_birth": RouteSpec("liv_animal", write=C.RECORD_MEETING, method="post"),
    "livelihoods:animal_pass_on": RouteSpec("liv_animal", write=C.RECORD_MEETING, method="post"),
    "livelihoods:animal_end": RouteSpec("liv_animal", write=C.RECORD_MEETING, method="post"),
    "livelihoods:animal_replace": RouteSpec("liv_animal", write=C.RECORD_MEETING, method="post"),
    "livelihoods:animal_repay": RouteSpec("liv_animal", write=C.RECORD_MEETING, method="post"),
    "livelihoods:animal_event_reverse": RouteSpec("liv_animal_event", write=C.RECORD_MEETING, method="post"),
    "livelihoods_api:bank-list": RouteSpec("list", C.VIEW_GROUP, api=True),
    "livelihoods_api:bank-detail": RouteSpec("liv_bank", api=True),
    "livelihoods_api:bank-movement-list": RouteSpec("list", C.VIEW_GROUP, api=True),
    "livelihoods_api:bank-movement-detail": RouteSpec("liv_bank_movement", api=True),
    "livelihoods_api:bank-loan-list": RouteSpec("list", C.VIEW_GROUP, api=True),
    "livelihoods_api:bank-loan-detail": RouteSpec("liv_bank_loan", api=True),
    "livelihoods_api:animal-list": RouteSpec("list", C.VIEW_GROUP, api=True),
    "livelihoods_api:animal-detail": RouteSpec("liv_animal", api=True),
    "livelihoods_api:animal-event-list": RouteSpec("list", C.VIEW_GROUP, api=True),
    "livelihoods_api:animal-event-detail": RouteSpec("liv_animal_event", api=True),
}
