"""The outreach part of the access matrix: its routes and the kinds of objects they take
(karpear/core/tests/matrix.py collects it; the expected answers come from the role table). The portal's public
pages are tested without login in test_portal.py and test_help_requests.py."""

from __future__ import annotations

import datetime as dt

from karpear.core.models import Province, User
from karpear.core.roles import Scope, role_specs
from karpear.core.tests.matrix import ObjectKind, RouteSpec, World, sees_scoped
from karpear.outreach import services
from karpear.outreach.declarations import OutreachCapability
from karpear.outreach.models import Activity, Grievance, GrievanceStep, HelpRequest, Volunteer

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


def _organisation_wide(capability: str, role: str, actor: str) -> bool:
    """A model with no owner fields: every role holding the capability with a scope sees its organisation's."""
    spec = role_specs()[role]
    return capability in spec.capabilities and actor != "other_org" and spec.scope_for(capability) != Scope.NONE


def _grievance(world: World, actor: str) -> Grievance:
    key = f"out-grievance:{actor}"
    if key not in world.cache:
        world.cache[key] = Grievance.objects.create(
            organisation=world.organisation_of(actor),
            received_on=dt.date(2026, 1, 5),
            about=Grievance.About.WORKER,
            kinds=["wages"],
            description="Matrix grievance",
            recorded_by=world.colleague if actor != "other_org" else world.stranger,
        )
    grievance: Grievance = world.cache[key]
    return grievance


def _step(world: World, actor: str) -> dict[str, object]:
    grievance = _grievance(world, actor)
    key = f"out-step:{actor}"
    if key not in world.cache:
        world.cache[key] = GrievanceStep.objects.create(
            organisation=grievance.organisation,
            grievance=grievance,
            level=Grievance.Level.COMMUNE,
            raised_with="Commune council",
            raised_on=dt.date(2026, 1, 6),
            recorded_by=grievance.recorded_by,
        )
    return {"uuid": grievance.uuid, "step": world.cache[key].uuid}


def _volunteer(world: World, user: User, actor: str) -> Volunteer:
    key = f"out-volunteer:{actor}:{user.pk if actor == 'owner' else ''}"
    if key not in world.cache:
        owner = world.owner_of(user, actor)
        world.cache[key] = Volunteer.objects.filter(user=owner).first() or Volunteer.objects.create(
            organisation=world.organisation_of(actor),
            name="Matrix volunteer",
            sex="f",
            recruited_on=dt.date(2025, 6, 1),
            user=owner,
        )
    volunteer: Volunteer = world.cache[key]
    return volunteer


def _activity(world: World, user: User, actor: str) -> Activity:
    key = f"out-activity:{actor}:{user.pk if actor == 'owner' else ''}"
    if key not in world.cache:
        world.cache[key] = Activity.objects.create(
            organisation=world.organisation_of(actor),
            kind=Activity.Kind.SESSION,
            held_on=dt.date(2026, 2, 1),
            province=Province.objects.order_by("code").first(),
            female_adults=3,
            participants=3,
            recorded_by=world.owner_of(user, actor),
        )
    activity: Activity = world.cache[key]
    return activity


KINDS = {
    "out_help_request": ObjectKind(
        lambda world, user, actor, name: {"uuid": _help_request(world, user, actor).uuid},
        lambda role, actor: sees_scoped(C.VIEW_HELP_REQUEST, role, actor),
    ),
    "out_grievance": ObjectKind(
        lambda world, user, actor, name: {"uuid": _grievance(world, actor).uuid},
        lambda role, actor: _organisation_wide(C.VIEW_GRIEVANCE, role, actor),
    ),
    "out_grievance_step": ObjectKind(
        lambda world, user, actor, name: _step(world, actor),
        lambda role, actor: _organisation_wide(C.VIEW_GRIEVANCE, role, actor),
    ),
    "out_volunteer": ObjectKind(
        lambda world, user, actor, name: {"uuid": _volunteer(world, user, actor).uuid},
        lambda role, actor: sees_scoped(C.VIEW_ACTIVITY, role, actor),
    ),
    "out_activity": ObjectKind(
        lambda world, user, actor, name: {"uuid": _activity(world, user, actor).uuid},
        lambda role, actor: sees_scoped(C.VIEW_ACTIVITY, role, actor),
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
    "outreach:grievance_list": RouteSpec("list", C.VIEW_GRIEVANCE),
    "outreach:grievance_new": RouteSpec("list", C.CHANGE_GRIEVANCE),
    "outreach:grievance_detail": RouteSpec("out_grievance"),
    "outreach:grievance_raise": RouteSpec("out_grievance", write=C.CHANGE_GRIEVANCE, method="post"),
    "outreach:grievance_answer": RouteSpec("out_grievance_step", write=C.CHANGE_GRIEVANCE, method="post"),
    "outreach:grievance_close": RouteSpec("out_grievance", write=C.CHANGE_GRIEVANCE, method="post"),
    "outreach:grievance_told": RouteSpec("out_grievance", write=C.CHANGE_GRIEVANCE, method="post"),
    "outreach:volunteer_list": RouteSpec("list", C.VIEW_ACTIVITY),
    "outreach:volunteer_new": RouteSpec("list", C.MANAGE_VOLUNTEERS),
    "outreach:volunteer_detail": RouteSpec("out_volunteer"),
    "outreach:volunteer_edit": RouteSpec("out_volunteer", write=C.MANAGE_VOLUNTEERS),
    "outreach:activity_list": RouteSpec("list", C.VIEW_ACTIVITY),
    "outreach:activity_new": RouteSpec("list", C.RECORD_ACTIVITY),
    "outreach:activity_detail": RouteSpec("out_activity"),
    "outreach_api:public-help-request-submit": RouteSpec("public"),
    "outreach_api:public-help-request-status": RouteSpec("public"),
    "outreach_api:help-request-list": RouteSpec("list", C.VIEW_HELP_REQUEST, api=True),
    "outreach_api:help-request-detail": RouteSpec("out_help_request", api=True),
    "outreach_api:grievance-list": RouteSpec("list", C.VIEW_GRIEVANCE, api=True),
    "outreach_api:grievance-detail": RouteSpec("out_grievance", api=True),
    "outreach_api:grievance-raise": RouteSpec("out_grievance", write=C.CHANGE_GRIEVANCE, method="post", api=True),
    "outreach_api:grievance-close": RouteSpec("out_grievance", write=C.CHANGE_GRIEVANCE, method="post", api=True),
    "outreach_api:grievance-told": RouteSpec("out_grievance", write=C.CHANGE_GRIEVANCE, method="post", api=True),
    "outreach_api:volunteer-list": RouteSpec("list", C.VIEW_ACTIVITY, api=True),
    "outreach_api:volunteer-detail": RouteSpec("out_volunteer", api=True),
    "outreach_api:activity-list": RouteSpec("list", C.VIEW_ACTIVITY, api=True),
    "outreach_api:activity-detail": RouteSpec("out_activity", api=True),
}
