"""The protection part of the access matrix: its routes and the kinds of objects they take
(karpear/core/tests/matrix.py collects it; the expected answers come from the role table)."""

from __future__ import annotations

import datetime as dt

from karpear.core.models import User
from karpear.core.roles import Capability
from karpear.core.tests.matrix import ObjectKind, RouteSpec, World, sees_scoped
from karpear.protection.declarations import ProtectionCapability
from karpear.protection.models import ProtectionCase

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


KINDS = {
    "prot_case": ObjectKind(
        lambda world, user, actor, name: {"uuid": _case(world, user, actor).uuid},
        lambda role, actor: sees_scoped(C.VIEW_CASE, role, actor),
    ),
}
ROUTES = {
    "protection:case_list": RouteSpec("list", C.VIEW_CASE),
    "protection:case_register": RouteSpec("list", C.ADD_CASE),
    "protection:group_arrival": RouteSpec("list", C.ADD_CASE),
    "protection:case_detail": RouteSpec("prot_case"),
    "protection:case_edit": RouteSpec("prot_case", write=C.CHANGE_CASE),
    "protection:case_rights": RouteSpec("prot_case", write=C.CHANGE_CASE, method="post"),
    "protection:case_consent": RouteSpec("prot_case", write=C.CHANGE_CASE, method="post"),
    "protection:case_screening": RouteSpec("prot_case"),
    "protection:case_determination": RouteSpec("prot_case", write=C.CHANGE_CASE, method="post", also=(C.SCREEN,)),
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
    "protection:retrafficking_review": RouteSpec("prot_case", write=C.CHANGE_CASE, method="post", also=(C.APPROVE,)),
    "protection:retrafficking_ask": RouteSpec(
        "prot_case", write=C.CHANGE_CASE, method="post", also=(C.APPROVE, Capability.REVIEW_DUPLICATES)
    ),
}
