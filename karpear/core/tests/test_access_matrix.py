"""The access matrix, generated: every URL pattern and API route × every role × three actors.

Each route is declared once in ROUTES with what it needs (a capability, and for object routes the kind of
object). The expected answer for a role and an actor is computed from the role table in core/roles.py,
never written by hand; the test then asks the real URL. A route that is not declared here fails
`test_every_route_is_declared`, so each new page or API route joins the matrix.

Actors: the object is owned by the requesting user ("owner"), by a colleague in the same organisation and
another team ("same_org"), or by another organisation ("other_org").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from conftest import login, make_user
from karpear.core import services
from karpear.core.models import ExportJob, Organisation, Person, PossibleDuplicate, Programme, Team, Village
from karpear.core.roles import ROLE_SPECS, Capability, Role, Scope

C = Capability
ACTORS = ("owner", "same_org", "other_org")


@dataclass(frozen=True)
class RouteSpec:
    """What a route needs. kind: public | list | object kinds (person, export, programme, organisation, place,
    duplicate: a possible-duplicate pair of two people of the actor)."""

    kind: str
    capability: Capability | None = None  # needed to see the route at all
    write: Capability | None = None  # needed after the object is visible (403 otherwise)
    method: str = "get"
    api: bool = False


ROUTES: dict[str, RouteSpec] = {
    # pages
    "home": RouteSpec("list"),
    "favicon": RouteSpec("public"),
    "about": RouteSpec("public"),
    "login": RouteSpec("public"),
    "logout": RouteSpec("public", method="post"),
    "two_factor": RouteSpec("public"),
    "password_change": RouteSpec("list"),
    "organisation_switch": RouteSpec("public", method="post"),
    "language_switch": RouteSpec("public", method="post"),
    "person_list": RouteSpec("list", C.VIEW_PERSON),
    "person_create": RouteSpec("list", C.ADD_PERSON),
    "person_export": RouteSpec("list", C.EXPORT_PEOPLE),
    "person_detail": RouteSpec("person", C.VIEW_PERSON),
    "person_edit": RouteSpec("person", C.VIEW_PERSON, write=C.CHANGE_PERSON),
    "person_consent": RouteSpec("person", C.VIEW_PERSON, write=C.CHANGE_PERSON, method="post"),
    "person_access_log": RouteSpec("person", C.VIEW_PERSON, write=C.VIEW_ACCESS_LOG),
    "duplicate_list": RouteSpec("list", C.REVIEW_DUPLICATES),
    "duplicate_review": RouteSpec("duplicate", C.REVIEW_DUPLICATES),
    "place_search": RouteSpec("list"),
    "place_picker": RouteSpec("list"),
    "job_detail": RouteSpec("export"),
    "job_download": RouteSpec("export"),
    "job_retry": RouteSpec("export", method="post"),
    "organisation_list": RouteSpec("list"),
    "member_list": RouteSpec("list", C.MANAGE_MEMBERS),
    "member_create": RouteSpec("list", C.MANAGE_MEMBERS),
    "member_edit": RouteSpec("member", C.MANAGE_MEMBERS),
    "organisation_detail": RouteSpec("organisation"),
    "programme_list": RouteSpec("list", C.VIEW_PROGRAMMES),
    "programme_detail": RouteSpec("programme", C.VIEW_PROGRAMMES),
    # API
    "api-root": RouteSpec("list", api=True),
    "api_schema": RouteSpec("public", api=True),
    "api_docs": RouteSpec("public", api=True),
    "api_token": RouteSpec("public", method="post", api=True),
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

# The Django admin is the back office: Django's own staff check guards it (test_admin_is_staff_only).
EXCLUDED_NAMESPACES = {"admin"}


def _route_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and namespace not in EXCLUDED_NAMESPACES:
                if pattern.name is None:
                    raise AssertionError(f"URL pattern {pattern.pattern} has no name")
                names.add(pattern.name)

    walk(get_resolver().url_patterns, None)
    return names


def test_every_route_is_declared() -> None:
    names = _route_names()
    undeclared = sorted(names - ROUTES.keys())
    assert undeclared == [], f"routes missing from the access matrix: {undeclared}"
    stale = sorted(ROUTES.keys() - names)
    assert stale == [], f"declared routes that no longer exist: {stale}"


# ---------------------------------------------------------------- expectations from the role table
def sees_person(role: str, actor: str) -> bool:
    spec = ROLE_SPECS[role]
    if C.VIEW_PERSON not in spec.capabilities or spec.scope == Scope.NONE or actor == "other_org":
        return False
    if actor == "owner":
        return True
    return spec.scope == Scope.ORGANISATION  # the colleague is in another team


def expected_status(route: RouteSpec, role: str, actor: str) -> int:
    spec = ROLE_SPECS[role]
    caps = spec.capabilities
    if route.kind == "list":
        return 200 if route.capability is None or route.capability in caps else 403
    if route.kind == "person":
        if not sees_person(role, actor):
            return 404
        if route.write is not None and route.write not in caps:
            return 403
        return 200
    if route.kind == "export":
        return 200 if actor == "owner" and C.EXPORT_PEOPLE in caps else 404
    if route.kind == "duplicate":
        return 200 if route.capability in caps and sees_person(role, actor) else 404
    if route.kind == "programme":
        if route.capability is not None and route.capability not in caps:
            return 403 if not route.api else 404
        return 200 if actor != "other_org" or C.MANAGE_ORGANISATIONS in caps else 404
    if route.kind == "member":
        if route.capability not in caps:
            return 403
        return 404 if actor == "other_org" else 200  # members of the organisation one acts for only
    if route.kind in ("organisation", "place"):
        return 200
    raise AssertionError(route.kind)


# ---------------------------------------------------------------- the world the matrix runs in
@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    own = Organisation.objects.create(short_name="own", name="Own", kind="ngo")
    other = Organisation.objects.create(short_name="other", name="Other", kind="ngo")
    donor = Organisation.objects.create(short_name="donor", name="Donor", kind="donor")
    team_a = Team.objects.create(organisation=own, name="A")
    team_b = Team.objects.create(organisation=own, name="B")
    colleague = make_user(own, Role.CASEWORKER, username="colleague", team=team_b)
    stranger = make_user(other, Role.CASEWORKER, username="stranger")
    village = Village.objects.filter(commune__district_id="2001").select_related("commune").first()
    place = services.resolve_place(village=village.pk)
    programme_own = Programme.objects.create(
        organisation=own,
        donor=donor,
        code="p-own",
        name="Own programme",
        start_date="2026-01-01",
        end_date="2026-12-31",
    )
    programme_other = Programme.objects.create(
        organisation=other,
        donor=donor,
        code="p-other",
        name="Other programme",
        start_date="2026-01-01",
        end_date="2026-12-31",
    )

    def person_by(user: Any) -> Person:
        return services.person_create(
            actor=user,
            data=services.PersonInput(sex="female", birth_year=1999, place=place, name_latin=f"Person {user.username}"),
        )

    return {
        "own": own,
        "team_a": team_a,
        "place": place,
        "village": village,
        "same_org_person": person_by(colleague),
        "other_org_person": person_by(stranger),
        "programme_own": programme_own,
        "programme_other": programme_other,
        "colleague": colleague,
        "stranger": stranger,
        "other": other,
    }


def _owned_person(world: dict[str, Any], user: Any) -> Person:
    """A person owned by `user` (created directly for roles that may not register people themselves)."""
    return Person.objects.create(
        organisation=world["own"], case_number=f"OWN-{user.pk}", sex="male", created_by=user, assigned_to=user
    )


def _export(world: dict[str, Any], user: Any, actor: str) -> ExportJob:
    owner = {"owner": user, "same_org": world["colleague"], "other_org": world["stranger"]}[actor]
    organisation = world["other"] if actor == "other_org" else world["own"]
    return ExportJob.objects.create(organisation=organisation, requested_by=owner, status=ExportJob.Status.DONE)


def _possible_duplicate(world: dict[str, Any], user: Any, actor: str) -> PossibleDuplicate:
    """A pair of people of the actor (both the user's own for "owner")."""
    if actor == "owner":
        first, second = (
            _owned_person(world, user),
            Person.objects.create(
                organisation=world["own"], case_number=f"OWN2-{user.pk}", sex="male", created_by=user, assigned_to=user
            ),
        )
    else:
        first = world[f"{actor}_person"]
        second = Person.objects.create(
            organisation=first.organisation, case_number="SECOND", sex="male", created_by=first.created_by
        )
    return PossibleDuplicate.objects.create(
        organisation=first.organisation, person=second, other=first, reasons=["phone"]
    )


def _kwargs(name: str, route: RouteSpec, world: dict[str, Any], user: Any, actor: str) -> dict[str, Any]:
    if route.kind == "person":
        if actor == "owner":
            return {"uuid": _owned_person(world, user).uuid}
        return {"uuid": world[f"{actor}_person"].uuid}
    if route.kind == "export":
        return {"uuid": _export(world, user, actor).uuid}
    if route.kind == "duplicate":
        return {"uuid": _possible_duplicate(world, user, actor).uuid}
    if route.kind == "member":
        return {"uuid": {"owner": user, "same_org": world["colleague"], "other_org": world["stranger"]}[actor].uuid}
    if route.kind == "programme":
        return {"uuid": (world["programme_other"] if actor == "other_org" else world["programme_own"]).uuid}
    if route.kind == "organisation":
        return {"uuid": (world["other"] if actor == "other_org" else world["own"]).uuid}
    if route.kind == "place":
        village = world["village"]
        return {
            "province-detail": {"pk": "20"},
            "district-detail": {"pk": "2001"},
            "commune-detail": {"pk": village.commune_id},
            "village-detail": {"pk": village.pk},
        }[name]
    return {}


ROLE_ACTOR_ROUTES = [
    (name, role.value, actor)
    for name, route in sorted(ROUTES.items())
    if route.kind != "public"
    for role in Role
    for actor in (ACTORS if route.kind not in ("list",) else ("owner",))
]


@pytest.mark.parametrize(("name", "role", "actor"), ROLE_ACTOR_ROUTES)
def test_access_matrix(name: str, role: str, actor: str, world: dict[str, Any], client: Client) -> None:
    from django.urls import reverse

    route = ROUTES[name]
    user = make_user(world["own"], role, username=f"me-{role}", team=world["team_a"])
    login(client, user)
    url = reverse(name, kwargs=_kwargs(name, route, world, user, actor))
    response = getattr(client, route.method)(url, HTTP_ACCEPT="application/json" if route.api else "text/html")
    expected = expected_status(route, role, actor)
    if route.method == "post" and expected == 200:
        # Let through: a redirect after saving, or the form again (400) for this empty POST.
        assert response.status_code in (200, 302, 400), (name, role, actor, response.status_code)
        return
    assert response.status_code == expected, (name, role, actor, response.status_code)


def test_anonymous_is_sent_to_login_everywhere_but_public_routes(world: dict[str, Any], client: Client) -> None:
    from django.urls import reverse

    for name, route in ROUTES.items():
        if route.kind == "public":
            continue
        url = reverse(name, kwargs=_kwargs(name, route, world, world["colleague"], "same_org"))
        response = getattr(client, route.method)(url)
        if route.api:
            assert response.status_code in (401, 403), (name, response.status_code)
        else:
            assert response.status_code == 302 and "/account/login/" in response["Location"], name


def test_person_list_shows_exactly_the_scope(world: dict[str, Any], client: Client) -> None:
    """Lists are scoped too: each role sees its own, its organisation's or nobody's people, never another org's."""
    for role in Role:
        user = make_user(world["own"], role.value, username=f"list-{role.value}", team=world["team_a"])
        own_person = _owned_person(world, user)
        login(client, user)
        response = client.get("/api/v1/people/?page_size=100", HTTP_ACCEPT="application/json")
        if C.VIEW_PERSON not in ROLE_SPECS[role].capabilities:
            assert response.status_code == 403
            continue
        numbers = {row["case_number"] for row in response.json()["results"]}
        assert own_person.case_number in numbers
        assert (world["same_org_person"].case_number in numbers) == sees_person(role.value, "same_org")
        assert world["other_org_person"].case_number not in numbers


def test_place_limited_membership_without_places_sees_nobody(world: dict[str, Any], client: Client) -> None:
    user = make_user(world["own"], Role.CASE_SUPERVISOR, username="limited", place_limited=True)
    login(client, user)
    response = client.get("/api/v1/people/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_place_limited_membership_sees_only_its_province(world: dict[str, Any], client: Client) -> None:
    user = make_user(world["own"], Role.CASE_SUPERVISOR, username="svay-rieng", place_limited=True)
    user.memberships.get().provinces.set(["20"])
    elsewhere = Person.objects.create(
        organisation=world["own"], case_number="OWN-KOHKONG", sex="male", created_by=user, province_id="09"
    )
    login(client, user)
    numbers = {r["case_number"] for r in client.get("/api/v1/people/").json()["results"]}
    assert world["same_org_person"].case_number in numbers  # registered in Svay Rieng (20)
    assert elsewhere.case_number not in numbers


def test_referral_share_opens_a_person_to_the_receiving_organisation(world: dict[str, Any], client: Client) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from karpear.core.models import AccessShare

    receiver = make_user(world["other"], Role.CASE_SUPERVISOR, username="receiver")
    person = world["same_org_person"]
    login(client, receiver)
    url = f"/people/{person.uuid}/"
    assert client.get(url).status_code == 404
    share = AccessShare.objects.create(
        organisation=world["own"],
        shared_with=world["other"],
        content_type=ContentType.objects.get_for_model(Person),
        object_id=person.pk,
        reason="referral",
    )
    assert client.get(url).status_code == 404  # not yet accepted
    share.accepted_at = timezone.now()
    share.save()
    assert client.get(url).status_code == 200
    assert client.get(f"/people/{person.uuid}/edit/").status_code == 403  # shared rows are read-only
    share.revoked_at = timezone.now()
    share.save()
    assert client.get(url).status_code == 404


def test_admin_is_staff_only(world: dict[str, Any], client: Client) -> None:
    for role in Role:
        user = make_user(world["own"], role.value, username=f"adm-{role.value}")
        login(client, user)
        response = client.get("/admin/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_every_role_is_in_the_matrix() -> None:
    assert {r.value for r in Role} == set(ROLE_SPECS)
