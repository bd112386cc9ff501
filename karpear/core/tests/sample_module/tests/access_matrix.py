"""The sample module's part of the access matrix: collected by core's matrix test without any change to core."""

from __future__ import annotations

from typing import Any

from karpear.core.models import User
from karpear.core.tests.matrix import ObjectKind, RouteSpec, World, sees_scoped
from karpear.core.tests.sample_module.declarations import SampleCapability
from karpear.core.tests.sample_module.models import Visit

C = SampleCapability


def _visit(world: World, user: User, actor: str, name: str) -> dict[str, Any]:
    person = world.person(user, actor)
    visit = Visit.objects.create(
        organisation=person.organisation, person=person, made_by=world.owner_of(user, actor), note="visit"
    )
    return {"uuid": visit.uuid}


KINDS = {"sample_visit": ObjectKind(_visit, lambda role, actor: sees_scoped(C.VIEW_VISIT, role, actor))}
ROUTES = {
    "sample_module:visit_list": RouteSpec("list", C.VIEW_VISIT),
    "sample_module:visit_detail": RouteSpec("sample_visit"),
    "sample_module_api:visit-list": RouteSpec("list", api=True),
    "sample_module_api:visit-detail": RouteSpec("sample_visit", api=True),
}
