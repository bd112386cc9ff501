"""The livelihoods part of the access matrix: its routes and the kinds of objects they take
(karpear/core/tests/matrix.py collects it; the expected answers come from the role table)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from karpear.core.models import User
from karpear.core.tests.matrix import ObjectKind, RouteSpec, World, sees_scoped
from karpear.livelihoods.declarations import LivelihoodsCapability
from karpear.livelihoods.models import Cycle, Group, GroupMember, LedgerEntry, Loan, Meeting, ShareOut
from karpear.livelihoods.tests import access_matrix_banks as banks
from karpear.livelihoods.tests import access_matrix_training as training

C = LivelihoodsCapability
DAY = dt.date(2026, 1, 5)


def _group(world: World, user: User, actor: str) -> Group:
    key = f"liv-group:{actor}:{user.pk if actor == 'owner' else ''}"
    if key not in world.cache:
        owner = world.owner_of(user, actor)
        place = world.place
        world.cache[key] = Group.objects.create(
            organisation=world.organisation_of(actor),
            name="Matrix group",
            name_key="matrix group",
            kind=Group.Kind.SAVINGS,
            province=place.province,
            district=place.district,
            commune=place.commune,
            village=place.village,
            facilitator=owner,
            formed_on=dt.date(2025, 12, 1),
            created_by=owner,
        )
    group: Group = world.cache[key]
    return group


def _member(world: World, user: User, actor: str) -> GroupMember:
    group = _group(world, user, actor)
    member = group.members.first()
    if member is None:
        member = GroupMember.objects.create(
            organisation_id=group.organisation_id,
            group=group,
            person=world.person(user, actor),
            number=1,
            joined_on=dt.date(2025, 12, 1),
            created_by=world.owner_of(user, actor),
        )
    return member


def _cycle(world: World, user: User, actor: str) -> Cycle:
    group = _group(world, user, actor)
    cycle = group.cycles.first()
    if cycle is None:
        cycle = Cycle.objects.create(
            organisation_id=group.organisation_id,
            group=group,
            number=1,
            started_on=DAY,
            planned_end_on=dt.date(2026, 12, 28),
            share_price=Decimal(5000),
            charge_rate=Decimal(5),
            created_by=world.owner_of(user, actor),
        )
    return cycle


def _meeting(world: World, user: User, actor: str) -> Meeting:
    cycle = _cycle(world, user, actor)
    meeting = cycle.meetings.first()
    if meeting is None:
        meeting = Meeting.objects.create(
            organisation_id=cycle.organisation_id,
            group=cycle.group,
            cycle=cycle,
            number=1,
            held_on=DAY,
            recorded_by=world.owner_of(user, actor),
        )
    return meeting


def _entry(world: World, user: User, actor: str) -> LedgerEntry:
    meeting, member = _meeting(world, user, actor), _member(world, user, actor)
    entry = LedgerEntry(
        organisation_id=meeting.organisation_id,
        group=meeting.group,
        cycle=meeting.cycle,
        meeting=meeting,
        member=member,
        kind=LedgerEntry.Kind.SHARES,
        fund=LedgerEntry.Fund.LOAN_FUND,
        amount=Decimal(10000),
        shares=2,
        on=DAY,
        recorded_by=world.owner_of(user, actor),
    )
    entry.save()
    return entry


def _loan(world: World, user: User, actor: str) -> Loan:
    meeting, member = _meeting(world, user, actor), _member(world, user, actor)
    return Loan.objects.create(
        organisation_id=meeting.organisation_id,
        group=meeting.group,
        cycle=meeting.cycle,
        member=member,
        meeting=meeting,
        principal=Decimal(10000),
        charge_method="declining",
        charge_rate=Decimal(5),
        term_months=3,
        disbursed_on=DAY,
    )


def _share_out(world: World, user: User, actor: str) -> ShareOut:
    meeting = _meeting(world, user, actor)
    existing = ShareOut.objects.filter(meeting=meeting).first()
    if existing is not None:
        return existing
    zero = Decimal(0)
    return ShareOut.objects.create(
        organisation_id=meeting.organisation_id,
        cycle=meeting.cycle,
        meeting=meeting,
        group=meeting.group,
        held_on=DAY,
        total_shares=0,
        loan_fund_cash=zero,
        netted=zero,
        carried_forward=zero,
        residue=zero,
        pool=zero,
        value_per_share=zero,
        social_fund_kept=zero,
        recorded_by=world.owner_of(user, actor),
    )


def _kind(make: Any) -> ObjectKind:
    return ObjectKind(
        lambda world, user, actor, name: {"uuid": make(world, user, actor).uuid},
        lambda role, actor: sees_scoped(C.VIEW_GROUP, role, actor),
    )


KINDS = {
    "liv_group": _kind(_group),
    "liv_member": _kind(_member),
    "liv_cycle": _kind(_cycle),
    "liv_meeting": _kind(_meeting),
    "liv_entry": _kind(_entry),
    "liv_loan": _kind(_loan),
    "liv_share_out": _kind(_share_out),
}
ROUTES = {
    "livelihoods:group_list": RouteSpec("list", C.VIEW_GROUP),
    "livelihoods:group_create": RouteSpec("list", C.CHANGE_GROUP),
    "livelihoods:group_detail": RouteSpec("liv_group"),
    "livelihoods:indicators": RouteSpec("list", C.VIEW_INDICATORS),
    "livelihoods:group_books": RouteSpec("liv_group"),
    "livelihoods:business_plan": RouteSpec("liv_group"),
    "livelihoods:group_indicators": RouteSpec("liv_group", C.VIEW_INDICATORS, capability_first=True),
    "livelihoods:group_edit": RouteSpec("liv_group", write=C.CHANGE_GROUP),
    "livelihoods:group_dissolve": RouteSpec("liv_group", write=C.CHANGE_GROUP),
    "livelihoods:stage_add": RouteSpec("liv_group", write=C.CHANGE_GROUP, method="post"),
    "livelihoods:committee_add": RouteSpec("liv_group", write=C.CHANGE_GROUP, method="post"),
    "livelihoods:member_add": RouteSpec("liv_group", write=C.CHANGE_GROUP),
    "livelihoods:cycle_create": RouteSpec("liv_group", write=C.CHANGE_GROUP),
    "livelihoods:member_detail": RouteSpec("liv_member"),
    "livelihoods:member_leave": RouteSpec("liv_member", write=C.CHANGE_GROUP, method="post"),
    "livelihoods:cycle_detail": RouteSpec("liv_cycle"),
    "livelihoods:meeting_create": RouteSpec("liv_cycle", write=C.RECORD_MEETING),
    "livelihoods:share_out": RouteSpec("liv_cycle", write=C.SHARE_OUT),
    "livelihoods:meeting_detail": RouteSpec("liv_meeting"),
    "livelihoods:entry_reverse": RouteSpec("liv_entry", write=C.RECORD_MEETING, method="post"),
    "livelihoods:loan_detail": RouteSpec("liv_loan"),
    "livelihoods:share_out_detail": RouteSpec("liv_share_out"),
    "livelihoods_api:group-list": RouteSpec("list", C.VIEW_GROUP, api=True),
    "livelihoods_api:group-detail": RouteSpec("liv_group", api=True),
    "livelihoods_api:member-list": RouteSpec("list", C.VIEW_GROUP, api=True),
    "livelihoods_api:member-detail": RouteSpec("liv_member", api=True),
    "livelihoods_api:member-leave": RouteSpec("liv_member", write=C.CHANGE_GROUP, method="post", api=True),
    "livelihoods_api:cycle-list": RouteSpec("list", C.VIEW_GROUP, api=True),
    "livelihoods_api:cycle-detail": RouteSpec("liv_cycle", api=True),
    "livelihoods_api:entry-reverse": RouteSpec("liv_entry", write=C.RECORD_MEETING, method="post", api=True),
    "livelihoods_api:meeting-list": RouteSpec("list", C.VIEW_GROUP, api=True),
    "livelihoods_api:meeting-detail": RouteSpec("liv_meeting", api=True),
    "livelihoods_api:entry-list": RouteSpec("list", C.VIEW_GROUP, api=True),
    "livelihoods_api:entry-detail": RouteSpec("liv_entry", api=True),
    "livelihoods_api:loan-list": RouteSpec("list", C.VIEW_GROUP, api=True),
    "livelihoods_api:loan-detail": RouteSpec("liv_loan", api=True),
    "livelihoods_api:share-out-list": RouteSpec("list", C.VIEW_GROUP, api=True),
    "livelihoods_api:share-out-detail": RouteSpec("liv_share_out", api=True),
}
KINDS.update(banks.kinds(_group, _member, DAY))
ROUTES.update(banks.ROUTES)
KINDS.update(training.kinds(_group, _member, DAY))
ROUTES.update(training.ROUTES)
