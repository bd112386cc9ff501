"""Cascade training, advisors, small grants and markets in the livelihoods access matrix (access_matrix.py merges it)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from karpear.core.models import User
from karpear.core.tests.matrix import ObjectKind, RouteSpec, World, sees_scoped
from karpear.livelihoods.declarations import LivelihoodsCapability
from karpear.livelihoods.models import (
    AdvisorHousehold,
    Buyer,
    Employer,
    FarmerRole,
    Grant,
    GrantFollowUp,
    GrantGate,
    JobPlacement,
    Sale,
    Training,
)

C = LivelihoodsCapability


def kinds(group_of: Any, member_of: Any, day: Any) -> dict[str, ObjectKind]:
    def training(world: World, user: User, actor: str) -> Training:
        group = group_of(world, user, actor)
        found = group.trainings.first()
        if found is None:
            found = Training.objects.create(
                organisation_id=group.organisation_id,
                group=group,
                topic=Training.Topic.FINANCIAL_LITERACY,
                held_on=day,
                hours=Decimal(2),
                trainer_staff=world.owner_of(user, actor),
                created_by=world.owner_of(user, actor),
            )
        return found

    def advisor(world: World, user: User, actor: str) -> FarmerRole:
        member = member_of(world, user, actor)
        found = FarmerRole.objects.filter(member=member, kind=FarmerRole.Kind.ADVISOR).first()
        if found is None:
            found = FarmerRole.objects.create(
                organisation_id=member.organisation_id,
                member=member,
                group=member.group,
                person=member.person,
                kind=FarmerRole.Kind.ADVISOR,
                since=day,
                created_by=world.owner_of(user, actor),
            )
        return found

    def follow(world: World, user: User, actor: str) -> AdvisorHousehold:
        role = advisor(world, user, actor)
        found = role.households.first()
        if found is None:
            found = AdvisorHousehold.objects.create(
                organisation_id=role.organisation_id,
                advisor=role,
                person=world.person(user, actor),
                since=day,
                created_by=world.owner_of(user, actor),
            )
        return found

    def kind(make: Any) -> ObjectKind:
        return ObjectKind(
            lambda world, user, actor, name: {"uuid": make(world, user, actor).uuid},
            lambda role, actor: sees_scoped(C.VIEW_GROUP, role, actor),
        )

    def grant(world: World, user: User, actor: str) -> Grant:
        key = f"liv-grant:{actor}:{user.pk if actor == 'owner' else ''}"
        if key not in world.cache:
            member = member_of(world, user, actor)
            world.cache[key] = Grant.objects.create(
                organisation_id=member.organisation_id,
                person=member.person,
                member=member,
                purpose="Matrix business",
                amount_requested=Decimal(100),
                applied_on=day,
                created_by=world.owner_of(user, actor),
            )
        found: Grant = world.cache[key]
        return found

    def follow_up(world: World, user: User, actor: str) -> GrantFollowUp:
        made = grant(world, user, actor)
        found, _created = GrantFollowUp.objects.get_or_create(
            grant=made, month=3, defaults={"organisation_id": made.organisation_id, "due_on": day}
        )
        return found

    def sale(world: World, user: User, actor: str) -> Sale:
        group = group_of(world, user, actor)
        found = group.sales.first()
        if found is None:
            found = Sale.objects.create(
                organisation_id=group.organisation_id,
                group=group,
                product="eggs",
                on=day,
                quantity=Decimal(10),
                unit="piece",
                unit_price=Decimal(500),
                amount=Decimal(5000),
                recorded_by=world.owner_of(user, actor),
            )
        return found

    def buyer(world: World, user: User, actor: str) -> Buyer:
        owner = world.owner_of(user, actor)
        group = group_of(world, user, actor)
        found, _created = Buyer.objects.get_or_create(
            organisation_id=group.organisation_id,
            name=f"Matrix buyer {actor} {owner.pk}",
            defaults={"kind": Buyer.Kind.TRADER, "created_by": owner},
        )
        return found

    def employer(world: World, user: User, actor: str) -> Employer:
        owner = world.owner_of(user, actor)
        group = group_of(world, user, actor)
        found, _created = Employer.objects.get_or_create(
            organisation_id=group.organisation_id,
            name=f"Matrix employer {actor} {owner.pk}",
            defaults={"created_by": owner},
        )
        return found

    def placement(world: World, user: User, actor: str) -> JobPlacement:
        member = member_of(world, user, actor)
        found = JobPlacement.objects.filter(member=member).first()
        if found is None:
            found = JobPlacement.objects.create(
                organisation_id=member.organisation_id,
                member=member,
                employer=employer(world, user, actor),
                job="Matrix job",
                started_on=day,
                created_by=world.owner_of(user, actor),
            )
        return found

    def gate(world: World, user: User, actor: str) -> GrantGate:
        owner = world.owner_of(user, actor)
        organisation_id = group_of(world, user, actor).organisation_id
        found = GrantGate.objects.filter(organisation_id=organisation_id, created_by=owner).first()
        if found is None:
            found = GrantGate.objects.create(
                organisation_id=organisation_id, kind=GrantGate.Kind.GROUP_MEMBER, created_by=owner
            )
        return found

    def grant_kind(make: Any) -> ObjectKind:
        return ObjectKind(
            lambda world, user, actor, name: {"uuid": make(world, user, actor).uuid},
            lambda role, actor: sees_scoped(C.VIEW_GRANT, role, actor),
        )

    return {
        "liv_training": kind(training),
        "liv_farmer": kind(advisor),
        "liv_follow": kind(follow),
        "liv_sale": kind(sale),
        "liv_grant": grant_kind(grant),
        "liv_grant_follow_up": grant_kind(follow_up),
        "liv_buyer": kind(buyer),
        "liv_employer": kind(employer),
        "liv_placement": kind(placement),
        "liv_gate": ObjectKind(  # an organisation's conditions are read by everyone there who reads grants
            lambda world, user, actor, name: {"uuid": gate(world, user, actor).uuid},
            lambda role, actor: actor != "other_org" and sees_scoped(C.VIEW_GRANT, role, "owner"),
        ),
    }


ROUTES = {
    "livelihoods:training_list": RouteSpec("list", C.VIEW_GROUP),
    "livelihoods:cascade": RouteSpec("list", C.VIEW_GROUP),
    "livelihoods:group_trainings": RouteSpec("liv_group"),
    "livelihoods:training_create": RouteSpec("liv_group", write=C.RECORD_TRAINING),
    "livelihoods:farmer_add": RouteSpec("liv_group", write=C.RECORD_TRAINING),
    "livelihoods:training_detail": RouteSpec("liv_training"),
    "livelihoods:training_attendance": RouteSpec("liv_training", write=C.RECORD_TRAINING),
    "livelihoods:farmer_detail": RouteSpec("liv_farmer"),
    "livelihoods:farmer_end": RouteSpec("liv_farmer", write=C.RECORD_TRAINING, method="post"),
    "livelihoods:advisor_follow": RouteSpec("liv_farmer", write=C.RECORD_TRAINING),
    "livelihoods:follow_visit": RouteSpec("liv_follow", write=C.RECORD_TRAINING, method="post"),
    "livelihoods:follow_end": RouteSpec("liv_follow", write=C.RECORD_TRAINING, method="post"),
    "livelihoods:grant_list": RouteSpec("list", C.VIEW_GRANT),
    "livelihoods:gate_list": RouteSpec("list", C.VIEW_GRANT),
    "livelihoods:gate_add": RouteSpec("list", C.APPROVE_GRANT),
    "livelihoods:gate_retire": RouteSpec("liv_gate", write=C.APPROVE_GRANT, method="post"),
    "livelihoods:grant_apply": RouteSpec("liv_member", write=C.MANAGE_GRANT),
    "livelihoods:grant_from_referral": RouteSpec("referral", C.MANAGE_GRANT, capability_first=True),
    "livelihoods:grant_detail": RouteSpec("liv_grant"),
    "livelihoods:grant_decide": RouteSpec("liv_grant", write=C.APPROVE_GRANT),
    "livelihoods:grant_disburse": RouteSpec("liv_grant", write=C.MANAGE_GRANT),
    "livelihoods:follow_up_record": RouteSpec("liv_grant_follow_up", write=C.MANAGE_GRANT),
    "livelihoods:group_market": RouteSpec("liv_group"),
    "livelihoods:production_add": RouteSpec("liv_group", write=C.RECORD_MEETING),
    "livelihoods:sale_add": RouteSpec("liv_group", write=C.RECORD_MEETING),
    "livelihoods:milling_add": RouteSpec("liv_group", write=C.RECORD_MEETING),
    "livelihoods:market_link_add": RouteSpec("liv_group", write=C.CHANGE_GROUP),
    "livelihoods:buyer_list": RouteSpec("list", C.VIEW_GROUP),
    "livelihoods:buyer_add": RouteSpec("list", C.CHANGE_GROUP),
    "livelihoods:buyer_edit": RouteSpec("liv_buyer", write=C.CHANGE_GROUP),
    "livelihoods:employer_list": RouteSpec("list", C.VIEW_GROUP),
    "livelihoods:employer_add": RouteSpec("list", C.CHANGE_GROUP),
    "livelihoods:employer_edit": RouteSpec("liv_employer", write=C.CHANGE_GROUP),
    "livelihoods:placement_end": RouteSpec("liv_placement", write=C.CHANGE_GROUP),
    "livelihoods:placement_add": RouteSpec("liv_member", write=C.CHANGE_GROUP),
    "livelihoods_api:training-list": RouteSpec("list", C.VIEW_GROUP, api=True),
    "livelihoods_api:training-cascade": RouteSpec("list", C.VIEW_GROUP, api=True),
    "livelihoods_api:training-detail": RouteSpec("liv_training", api=True),
    "livelihoods_api:training-attendance": RouteSpec("liv_training", write=C.RECORD_TRAINING, api=True, method="post"),
    "livelihoods_api:farmer-list": RouteSpec("list", C.VIEW_GROUP, api=True),
    "livelihoods_api:farmer-detail": RouteSpec("liv_farmer", api=True),
    "livelihoods_api:grant-list": RouteSpec("list", C.VIEW_GRANT, api=True),
    "livelihoods_api:grant-detail": RouteSpec("liv_grant", api=True),
    "livelihoods_api:grant-decide": RouteSpec("liv_grant", write=C.APPROVE_GRANT, api=True, method="post"),
    "livelihoods_api:grant-disburse": RouteSpec("liv_grant", write=C.MANAGE_GRANT, api=True, method="post"),
    "livelihoods_api:grant-follow-up-list": RouteSpec("list", C.VIEW_GRANT, api=True),
    "livelihoods_api:grant-follow-up-detail": RouteSpec("liv_grant_follow_up", api=True),
    "livelihoods_api:grant-follow-up-record": RouteSpec(
        "liv_grant_follow_up", write=C.MANAGE_GRANT, api=True, method="post"
    ),
    "livelihoods_api:sale-list": RouteSpec("list", C.VIEW_GROUP, api=True),
    "livelihoods_api:sale-detail": RouteSpec("liv_sale", api=True),
}
