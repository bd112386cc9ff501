"""The matching part of the access matrix: its routes and the kinds of objects they take
(karpear/core/tests/matrix.py collects it; the expected answers come from the role table)."""

from __future__ import annotations

from typing import Any

from karpear.core.models import ExportJob, Organisation, Person, User
from karpear.core.roles import Capability, role_specs
from karpear.core.tests.matrix import ObjectKind, RouteSpec, World, sees_scoped
from karpear.matching.models import MatchInquiry, MatchPair

C = Capability


def _pair(world: World, user: User, actor: str, name: str) -> dict[str, Any]:
    first = world.person(user, actor)
    second = Person.objects.create(
        organisation=first.organisation,
        # one pair per route (three routes take a pair): the route's name keeps the case numbers apart
        case_number=f"M{user.pk}-{actor}-{sorted(ROUTES).index(name)}",
        sex="female",
        created_by=first.created_by,
        assigned_to=first.assigned_to,
    )
    low, high = sorted((first, second), key=lambda p: p.pk)
    pair = MatchPair.objects.create(
        organisation=first.organisation, person=low, other=high, score=0.9, evidence=[], source="check"
    )
    return {"uuid": pair.uuid}


def _inquiry(world: World, user: User, actor: str, name: str) -> dict[str, Any]:
    person = world.person(user, actor)
    asker = Organisation.objects.exclude(pk=person.organisation_id).order_by("id").first()
    inquiry, _created = MatchInquiry.objects.get_or_create(
        person=person, asked_by=asker, defaults={"organisation": person.organisation, "score": 0.9}
    )
    MatchInquiry.objects.filter(pk=inquiry.pk).update(status=MatchInquiry.Status.OPEN)
    return {"uuid": inquiry.uuid}


def _check(world: World, user: User, actor: str, name: str) -> dict[str, Any]:
    """An organisation-wide check (core's export job of matching's kind) requested by the actor's user."""
    job = ExportJob.objects.create(
        organisation=world.organisation_of(actor),
        requested_by=world.owner_of(user, actor),
        kind="matching_clusters",
        format="json",
        status="done",
    )
    return {"uuid": job.uuid}


def _reviews(role: str, actor: str) -> bool:
    return C.REVIEW_DUPLICATES in role_specs()[role].capabilities and sees_scoped(C.VIEW_PERSON, role, actor)


KINDS = {
    "match_pair": ObjectKind(_pair, _reviews),
    "match_inquiry": ObjectKind(_inquiry, _reviews),
    # a user's own jobs only (core's export rows), while the role may still run the check
    "match_check": ObjectKind(
        _check, lambda role, actor: actor == "owner" and C.REVIEW_DUPLICATES in role_specs()[role].capabilities
    ),
}
ROUTES = {
    "matching:review_list": RouteSpec("list", C.REVIEW_DUPLICATES),
    "matching:batch_start": RouteSpec("list", C.REVIEW_DUPLICATES, method="post"),
    "matching:list_start": RouteSpec("list", C.REVIEW_DUPLICATES, method="post"),
    "matching:list_template": RouteSpec("list", C.REVIEW_DUPLICATES),
    "matching:pair_detail": RouteSpec("match_pair", C.REVIEW_DUPLICATES),
    "matching:person_check": RouteSpec("person", C.REVIEW_DUPLICATES, capability_first=True),
    "matching:person_ask": RouteSpec("person", C.REVIEW_DUPLICATES, capability_first=True, method="post"),
    "matching:inquiry_done": RouteSpec("match_inquiry", C.REVIEW_DUPLICATES, method="post"),
    "matching_api:person-matches": RouteSpec("person", C.REVIEW_DUPLICATES, api=True, capability_first=True),
    "matching_api:pair-list": RouteSpec("list", C.REVIEW_DUPLICATES, api=True),
    "matching_api:pair-detail": RouteSpec("match_pair", C.REVIEW_DUPLICATES, api=True),
    "matching_api:pair-decision": RouteSpec("match_pair", C.REVIEW_DUPLICATES, method="post", api=True),
    "matching_api:check-list": RouteSpec("list", C.REVIEW_DUPLICATES, method="post", api=True),
    "matching_api:check-detail": RouteSpec("match_check", api=True),
}
