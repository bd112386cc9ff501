"""The outreach part of the access matrix: its routes and the kinds of objects they take
(karpear/core/tests/matrix.py collects it; the expected answers come from the role table). The portal's public
pages are tested without login in test_portal.py and test_help_requests.py."""

from __future__ import annotations

from karpear.core.models import User
from karpear.core.tests.matrix import ObjectKind, RouteSpec, World, sees_scoped
from karpear.outreach import services
from karpear.outreach.declarations import OutreachCapability
from karpear.outreach.models import HelpRequest

C = OutreachCapability


def _help_request(world: World, user: User, actor: str) -> HelpRequest:
    key = f"out-help:{actor}:{user.pk if actor == 'owner' else ''}"
    if key not in world.cache:
        world.cache[key] = HelpRequest.objects.create(
            organisation=world.organisation_of(actor),
            code_hash=services.code_hash(services.code_for_key(services.new_form_key())),
            about=HelpRequest.About.MYSELF,
            message="Matrix request",
            triaged_by=world.owner_of(user, actor),
        )
    request: HelpRequest = world.cache[key]
    return request


KINDS = {
    "out_help_request": ObjectKind(
        lambda world, user, actor, name: {"uuid": _help_request(world, user, actor).uuid},
        lambda role, actor: sees_scoped(C.VIEW_HELP_REQUEST, role, actor),
    ),
}

ROUTES = {
    "outreach:portal_home": RouteSpec("public"),
    "outreach:topic_detail": RouteSpec("public"),
    "outreach:job_check": RouteSpec("public"),
    "outreach:who_can_help": RouteSpec("public"),
    "outreach:help_request": RouteSpec("public"),
    "outreach:help_status": RouteSpec("public"),
    "outreach:portal_language": RouteSpec("public"),
    "outreach:help_request_list": RouteSpec("list", C.VIEW_HELP_REQUEST),
    "outreach:help_request_detail": RouteSpec("out_help_request"),
    "outreach:help_request_triage": RouteSpec("out_help_request", write=C.TRIAGE_HELP_REQUEST, method="post"),
}
