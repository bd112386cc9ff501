"""Core's part of the access matrix: its routes and the kinds of objects they take (see tests/matrix.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from karpear.core.models import Consent, ExportJob, Identity, Person, PossibleDuplicate, Referral, ReferredSection, User
from karpear.core.roles import Capability, role_specs
from karpear.core.tests.matrix import ObjectKind, RouteSpec, World, sees_scoped

C = Capability


def _person(world: World, user: User, actor: str, name: str) -> dict[str, Any]:
    return {"uuid": world.person(user, actor).uuid}


# The smallest PNG: one white pixel.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8ffff3f0005fe02fe"
    "a7d6a4ae0000000049454e44ae426082"
)


def _person_with_photo(world: World, user: User, actor: str, name: str) -> dict[str, Any]:
    """The actor's person with a photo consent and a photo."""
    person = world.person(user, actor)
    identity, _created = Identity.objects.get_or_create(person=person, defaults={"organisation": person.organisation})
    if not identity.photo:
        Consent.objects.create(
            organisation=person.organisation,
            person=person,
            purpose=Consent.Purpose.PHOTO,
            given=True,
            given_by="self",
            recorded_by=person.created_by,
        )
        identity.photo.save("p.png", ContentFile(PNG))
    return {"uuid": person.uuid}


def _export(world: World, user: User, actor: str, name: str) -> dict[str, Any]:
    job = ExportJob.objects.create(
        organisation=world.organisation_of(actor), requested_by=world.owner_of(user, actor), status="done"
    )
    return {"uuid": job.uuid}


def _member(world: World, user: User, actor: str, name: str) -> dict[str, Any]:
    return {"uuid": world.owner_of(user, actor).uuid}


def _programme(world: World, user: User, actor: str, name: str) -> dict[str, Any]:
    return {"uuid": world.programme(actor).uuid}


def _organisation(world: World, user: User, actor: str, name: str) -> dict[str, Any]:
    return {"uuid": world.organisation_of(actor).uuid}


def _place(world: World, user: User, actor: str, name: str) -> dict[str, Any]:
    village = world.village
    return {
        "province-detail": {"pk": "20"},
        "district-detail": {"pk": "2001"},
        "commune-detail": {"pk": village.commune_id},
        "village-detail": {"pk": village.pk},
    }[name]


def _referral(world: World, user: User, actor: str, name: str) -> dict[str, Any]:
    """A pending referral sent by the actor's organisation about the actor's person, to the donor."""
    person = world.person(user, actor)
    referral = Referral.objects.create(
        organisation=person.organisation,
        person=person,
        receiver=world.donor,
        reason="matrix",
        created_by=world.owner_of(user, actor),
        expires_at=timezone.now() + dt.timedelta(days=3),
    )
    ReferredSection.objects.create(referral=referral, name="identity")
    kwargs: dict[str, Any] = {"uuid": referral.uuid}
    if name == "referral_step":
        kwargs["step"] = "close"
    return kwargs


def _possible_duplicate(world: World, user: User, actor: str, name: str) -> dict[str, Any]:
    """A pair of people of the actor (both the user's own for "owner")."""
    first = world.person(user, actor)
    second = Person.objects.create(
        organisation=first.organisation,
        case_number=f"SECOND-{user.pk}-{actor}",
        sex="male",
        created_by=first.created_by,
        assigned_to=first.assigned_to,
    )
    pair = PossibleDuplicate.objects.create(
        organisation=first.organisation, person=second, other=first, reasons=["phone"]
    )
    return {"uuid": pair.uuid}


KINDS: dict[str, ObjectKind] = {
    "person": ObjectKind(_person, lambda role, actor: sees_scoped(C.VIEW_PERSON, role, actor)),
    "person_photo": ObjectKind(_person_with_photo, lambda role, actor: sees_scoped(C.VIEW_PERSON, role, actor)),
    "referral": ObjectKind(_referral, lambda role, actor: sees_scoped(C.VIEW_PERSON, role, actor)),
    "export": ObjectKind(
        _export, lambda role, actor: actor == "owner" and C.EXPORT_PEOPLE in role_specs()[role].capabilities
    ),
    "member": ObjectKind(_member, lambda role, actor: actor != "other_org"),
    "programme": ObjectKind(
        _programme,
        lambda role, actor: (
            C.VIEW_PROGRAMMES in role_specs()[role].capabilities
            and (actor != "other_org" or C.MANAGE_ORGANISATIONS in role_specs()[role].capabilities)
        ),
    ),
    "organisation": ObjectKind(_organisation, lambda role, actor: True),
    "duplicate": ObjectKind(
        _possible_duplicate,
        lambda role, actor: (
            C.REVIEW_DUPLICATES in role_specs()[role].capabilities and sees_scoped(C.VIEW_PERSON, role, actor)
        ),
    ),
    "place": ObjectKind(_place, lambda role, actor: True),
}

ROUTES: dict[str, RouteSpec] = {
    # pages
    "home": RouteSpec("list"),
    "favicon": RouteSpec("public"),
    "health": RouteSpec("public"),
    "about": RouteSpec("public"),
    "login": RouteSpec("public"),
    "logout": RouteSpec("public", method="post"),
    "two_factor": RouteSpec("public"),
    "password_change": RouteSpec("list"),
    "organisation_switch": RouteSpec("public", method="post"),
    "account_tokens": RouteSpec("list"),
    "account_invitation": RouteSpec("public", method="post"),  # the user's own invitations (test_members.py)
    "language_switch": RouteSpec("public", method="post"),
    "service_worker": RouteSpec("public"),
    "offline_state": RouteSpec("list"),
    "person_list": RouteSpec("list", C.VIEW_PERSON),
    "person_create": RouteSpec("list", C.ADD_PERSON),
    "person_export": RouteSpec("list", C.EXPORT_PEOPLE),
    "person_detail": RouteSpec("person", C.VIEW_PERSON),
    "person_edit": RouteSpec("person", C.VIEW_PERSON, write=C.CHANGE_PERSON, registrar=True),
    "person_photo": RouteSpec("person_photo", C.VIEW_PERSON, write=C.VIEW_IDENTITY),
    "person_photo_change": RouteSpec(
        "person_photo", C.VIEW_PERSON, write=C.CHANGE_PERSON, also=(C.VIEW_IDENTITY,), method="post"
    ),
    "person_consent": RouteSpec("person", C.VIEW_PERSON, write=C.CHANGE_PERSON, method="post", registrar=True),
    "person_access_log": RouteSpec("person", C.VIEW_PERSON, write=C.VIEW_ACCESS_LOG),
    "person_take_over": RouteSpec("person", C.VIEW_PERSON, write=C.CHANGE_PERSON, method="post"),
    "referral_create": RouteSpec("person", C.REFER_PERSON, capability_first=True),
    "referral_list": RouteSpec("list", C.VIEW_PERSON),
    "referral_detail": RouteSpec("referral"),
    "referral_step": RouteSpec("referral", write=C.REFER_PERSON, method="post"),
    "place_search": RouteSpec("list"),
    "place_picker": RouteSpec("list"),
    "job_detail": RouteSpec("export"),
    "job_download": RouteSpec("export"),
    "job_retry": RouteSpec("export", method="post"),
    "duplicate_list": RouteSpec("list", C.REVIEW_DUPLICATES),
    "duplicate_review": RouteSpec("duplicate", C.REVIEW_DUPLICATES),
    "organisation_list": RouteSpec("list"),
    "member_list": RouteSpec("list", C.MANAGE_MEMBERS),
    "member_create": RouteSpec("list", C.MANAGE_MEMBERS),
    "member_edit": RouteSpec("member", C.MANAGE_MEMBERS, capability_first=True),
    "organisation_detail": RouteSpec("organisation"),
    "programme_list": RouteSpec("list", C.VIEW_PROGRAMMES),
    "programme_detail": RouteSpec("programme", C.VIEW_PROGRAMMES, capability_first=True),
    # API
    "api-root": RouteSpec("list", api=True),
    "api_schema": RouteSpec("public", api=True),
    "api_docs": RouteSpec("public", api=True),
    "api_token": RouteSpec("public", method="post", api=True),
    "api_not_found": RouteSpec("public", api=True),  # any other path under /api/v1/: a JSON 404 for everyone
    "organisation-list": RouteSpec("list", api=True),
    "organisation-detail": RouteSpec("organisation", api=True),
    "programme-list": RouteSpec("list", api=True),
    "programme-detail": RouteSpec("programme", C.VIEW_PROGRAMMES, api=True),
    "programme-subgrants": RouteSpec("programme", C.VIEW_PROGRAMMES, api=True),
    "programme-targets": RouteSpec("programme", C.VIEW_PROGRAMMES, api=True),
    "province-list": RouteSpec("list", api=True),
    "country_list": RouteSpec("list", api=True),
    "province-detail": RouteSpec("place", api=True),
    "district-list": RouteSpec("list", api=True),
    "district-detail": RouteSpec("place", api=True),
    "commune-list": RouteSpec("list", api=True),
    "commune-detail": RouteSpec("place", api=True),
    "village-list": RouteSpec("list", api=True),
    "village-detail": RouteSpec("place", api=True),
    "person-list": RouteSpec("list", C.VIEW_PERSON, api=True),
    "person-detail": RouteSpec("person", C.VIEW_PERSON, api=True),
}
