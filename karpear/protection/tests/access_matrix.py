"""The protection part of the access matrix: its routes and the kinds of objects they take
(karpear/core/tests/matrix.py collects it; the expected answers come from the role table)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils import timezone

from karpear.core.models import Person, Referral, User
from karpear.core.roles import Capability, role_specs
from karpear.core.tests.matrix import ObjectKind, RouteSpec, World, sees_scoped
from karpear.protection.declarations import ProtectionCapability
from karpear.protection.models import FollowUp, ProtectionCase, Screening, ServiceDelivery, ServiceKind

C = ProtectionCapability


def _case(world: World, user: User, actor: str) -> ProtectionCase:
    key = f"prot-case:{actor}:{user.pk if actor == 'owner' else ''}"
    if key not in world.cache:
        owner = world.owner_of(user, actor)
        person = world.person(user, actor)
        world.cache[key] = ProtectionCase.objects.create(
            organisation=world.organisation_of(actor),
            person=person,
            number=f"M-P-{key}",
            assigned_to=owner,
            created_by=owner,
            team=world.team_b if actor == "same_org" else None,
            transit_centre="svay_rieng",
            arrived_on=dt.date(2026, 1, 5),
            origin_country="TH",
            return_type="deported",
            handed_over_by="foreign_immigration",
        )
    case: ProtectionCase = world.cache[key]
    return case


def _screening(world: World, user: User, actor: str) -> Screening:
    case = _case(world, user, actor)
    return Screening.objects.create(
        organisation=case.organisation,
        case=case,
        person=case.person,
        list="adult_labour",
        screened_on=dt.date(2026, 1, 6),
        screened_by=case.created_by,
    )


def _delivery(world: World, user: User, actor: str) -> ServiceDelivery:
    case = _case(world, user, actor)
    kind, _ = ServiceKind.objects.get_or_create(
        code="meals", defaults={"category": "basic_needs", "name_en": "Meals", "name_km": "អាហារ"}
    )
    return ServiceDelivery.objects.create(
        organisation=case.organisation,
        case=case,
        person=case.person,
        kind=kind,
        delivered_on=dt.date(2026, 1, 6),
        recorded_by=case.created_by,
        recorded_by_organisation=case.organisation,
    )


def _follow_up(world: World, user: User, actor: str) -> FollowUp:
    case = _case(world, user, actor)
    return FollowUp.objects.create(
        organisation=case.organisation, case=case, person=case.person, due_on=dt.date(2026, 2, 6), months=1
    )


def _referral(world: World, user: User, actor: str) -> Referral:
    case = _case(world, user, actor)
    return Referral.objects.create(
        organisation=case.organisation,
        person=case.person,
        receiver=world.donor,
        reason="matrix",
        created_by=case.created_by,
        expires_at=timezone.now() + dt.timedelta(days=3),
    )


def _referred(world: World, user: User, actor: str) -> Referral:
    """An accepted referral to the user's organisation, no intake registered from it yet, assigned to the user
    (owner) or to a colleague in another team (same_org); for other_org, one between two other organisations."""
    sender, receiver = (world.donor, world.other) if actor == "other_org" else (world.other, world.own)
    person = Person.objects.create(
        organisation=sender, case_number=f"R-{uuid.uuid4().hex[:12]}", sex="female", created_by=world.stranger
    )
    return Referral.objects.create(
        organisation=sender,
        person=person,
        receiver=receiver,
        reason="Repatriated",
        status=Referral.Status.ACCEPTED,
        created_by=world.stranger,
        expires_at=timezone.now() + dt.timedelta(days=7),
        assigned_to=world.owner_of(user, actor) if actor != "other_org" else world.stranger,
    )


def _sees_referred(role: str, actor: str) -> bool:
    if actor == "owner":
        return True
    return actor == "same_org" and Capability.RECEIVE_REFERRALS in role_specs()[role].capabilities


def _sees_case(role: str, actor: str) -> bool:
    return sees_scoped(C.VIEW_CASE, role, actor)


KINDS = {
    "prot_referred": ObjectKind(
        lambda world, user, actor, name: {"uuid": _referred(world, user, actor).uuid}, _sees_referred
    ),
    "prot_screening": ObjectKind(
        lambda world, user, actor, name: {"uuid": _screening(world, user, actor).uuid}, _sees_case
    ),
    "prot_service": ObjectKind(
        lambda world, user, actor, name: {"uuid": _delivery(world, user, actor).uuid}, _sees_case
    ),
    "prot_follow_up": ObjectKind(
        lambda world, user, actor, name: {"uuid": _follow_up(world, user, actor).uuid}, _sees_case
    ),
    "prot_referral": ObjectKind(
        lambda world, user, actor, name: {"uuid": _referral(world, user, actor).uuid},
        lambda role, actor: _sees_case(role, actor) and sees_scoped(Capability.VIEW_PERSON, role, actor),
    ),
    "prot_case": ObjectKind(
        lambda world, user, actor, name: {"uuid": _case(world, user, actor).uuid},
        lambda role, actor: sees_scoped(C.VIEW_CASE, role, actor),
    ),
}
ROUTES = {
    "protection:case_list": RouteSpec("list", C.VIEW_CASE),
    "protection:case_register": RouteSpec("list", C.ADD_CASE),
    "protection:group_arrival": RouteSpec("list", C.ADD_CASE),
    "protection:referred_list": RouteSpec("list", C.ADD_CASE),
    "protection:referred_intake": RouteSpec("prot_referred", C.ADD_CASE, capability_first=True),
    "protection:case_detail": RouteSpec("prot_case"),
    "protection:case_edit": RouteSpec("prot_case", write=C.CHANGE_CASE),
    "protection:case_rights": RouteSpec("prot_case", write=C.CHANGE_CASE, method="post"),
    "protection:case_consent": RouteSpec("prot_case", write=C.CHANGE_CASE, method="post"),
    "protection:case_screening": RouteSpec("prot_case"),
    "protection:case_determination": RouteSpec("prot_case", write=C.CHANGE_CASE, method="post", also=(C.SCREEN,)),
    "protection:case_context": RouteSpec("prot_case"),
    "protection:context_event_add": RouteSpec("prot_case", write=C.CHANGE_CASE, method="post", also=(C.SCREEN,)),
    "protection:context_event_remove": RouteSpec("prot_case", write=C.CHANGE_CASE, method="post", also=(C.SCREEN,)),
    "protection:case_plan": RouteSpec("prot_case"),
    "protection:case_assessment": RouteSpec("prot_case", write=C.CHANGE_CASE, method="post", also=(C.PLAN,)),
    "protection:plan_add": RouteSpec("prot_case", write=C.CHANGE_CASE, method="post", also=(C.PLAN,)),
    "protection:plan_remove": RouteSpec("prot_case", write=C.CHANGE_CASE, method="post", also=(C.PLAN,)),
    "protection:plan_submit": RouteSpec("prot_case", write=C.CHANGE_CASE, method="post", also=(C.PLAN,)),
    "protection:plan_decision": RouteSpec("prot_case", write=C.CHANGE_CASE, method="post", also=(C.APPROVE,)),
    "protection:service_delivered": RouteSpec(
        "prot_case", write=C.CHANGE_CASE, method="post", also=(C.RECORD_SERVICE,)
    ),
    "protection:case_reintegration": RouteSpec("prot_case"),
    "protection:placement_add": RouteSpec("prot_case", write=C.CHANGE_CASE, method="post", also=(C.FOLLOW_UP,)),
    "protection:step_done": RouteSpec("prot_case", write=C.CHANGE_CASE, method="post", also=(C.FOLLOW_UP,)),
    "protection:stage_next": RouteSpec("prot_case", write=C.CHANGE_CASE, method="post", also=(C.FOLLOW_UP,)),
    "protection:return_home": RouteSpec("prot_case", write=C.CHANGE_CASE, method="post", also=(C.FOLLOW_UP,)),
    "protection:visit_record": RouteSpec("prot_case", write=C.CHANGE_CASE, method="post", also=(C.FOLLOW_UP,)),
    "protection:closure_request": RouteSpec("prot_case", write=C.CHANGE_CASE, method="post", also=(C.FOLLOW_UP,)),
    "protection:closure_decision": RouteSpec("prot_case", write=C.CHANGE_CASE, method="post", also=(C.APPROVE,)),
    "protection:case_file": RouteSpec("prot_case"),
    "protection_api:case-list": RouteSpec("list", C.VIEW_CASE, api=True),
    "protection_api:case-detail": RouteSpec("prot_case", api=True),
    "protection_api:case-context": RouteSpec("prot_case", C.VIEW_CASE, api=True, capability_first=True),
    "protection_api:case-context-steps": RouteSpec(
        "prot_case", C.SCREEN, write=C.CHANGE_CASE, method="post", api=True, capability_first=True
    ),
    "protection_api:case-determination": RouteSpec(
        "prot_case", C.SCREEN, write=C.CHANGE_CASE, method="post", api=True, capability_first=True
    ),
    "protection_api:case-return-home": RouteSpec(
        "prot_case", C.FOLLOW_UP, write=C.CHANGE_CASE, method="post", api=True, capability_first=True
    ),
    "protection_api:screening-list": RouteSpec("list", C.VIEW_CASE, api=True),
    "protection_api:screening-detail": RouteSpec("prot_screening", api=True),
    "protection_api:service-list": RouteSpec("list", C.VIEW_CASE, api=True),
    "protection_api:service-detail": RouteSpec("prot_service", api=True),
    "protection_api:follow-up-list": RouteSpec("list", C.VIEW_CASE, api=True),
    "protection_api:follow-up-detail": RouteSpec("prot_follow_up", api=True),
    "protection_api:referral-list": RouteSpec("list", C.VIEW_CASE, api=True),
    "protection_api:referral-detail": RouteSpec("prot_referral", C.VIEW_CASE, api=True, capability_first=True),
    "protection:retrafficking_review": RouteSpec("prot_case", write=C.CHANGE_CASE, method="post", also=(C.APPROVE,)),
    "protection:retrafficking_ask": RouteSpec(
        "prot_case", write=C.CHANGE_CASE, method="post", also=(C.APPROVE, Capability.REVIEW_DUPLICATES)
    ),
}
