"""The access-matrix framework: every URL pattern and API route of every app × every role × three actors.

Each app declares, in its own `tests/access_matrix.py`, its routes (`ROUTES`: view name → `RouteSpec`) and the
kinds of objects its routes take (`KINDS`: kind → `ObjectKind`: how to build the URL's object for each actor,
and which roles see it). `karpear/core/tests/test_access_matrix.py` collects every installed app's
declarations, fails on any route nobody declared (namespaced routes included), and asks every route as every
role and actor, expecting the status computed from the role table (`core.roles.role_specs()`), never written
by hand.

Actors: the object is owned by the requesting user ("owner"), by a colleague in the same organisation and
another team ("same_org"), or by another organisation ("other_org").
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from conftest import make_user
from karpear.core import services
from karpear.core.models import Organisation, Person, Programme, Team, User, Village
from karpear.core.roles import Capability, Role, Scope, role_specs

C = Capability
ACTORS = ("owner", "same_org", "other_org")
# The Django admin is the back office: Django's own staff check guards it (test_admin_is_staff_only).
EXCLUDED_NAMESPACES = {"admin"}


@dataclass(frozen=True)
class RouteSpec:
    """What a route needs.

    kind: "public" (anyone), "list" (no object: needs `capability` when given), or an object kind declared in
    some app's KINDS. For an object route: with `capability_first` the view checks `capability` before looking
    the object up (403 without it); otherwise a role that cannot see the object gets 404. `write` is needed
    once the object is visible (403 without it), except, with `registrar`, for a role that registers people
    (add_person) on the record it registered today and still holds (core.access.registrar_window_open).
    """

    kind: str
    capability: str | None = None
    write: str | None = None
    method: str = "get"
    api: bool = False
    capability_first: bool = False
    also: tuple[str, ...] = ()  # further capabilities needed once visible, besides `write` (403 without)
    registrar: bool = False


@dataclass(frozen=True)
class ObjectKind:
    """How to build a route's object for an actor, and which (role, actor) pairs see it."""

    build: Callable[[World, User, str, str], dict[str, Any]]  # (world, user, actor, route name) -> URL kwargs
    sees: Callable[[str, str], bool]  # (role, actor) -> visible


@dataclass
class World:
    """The organisations, people and users every app's objects are built in (one per test)."""

    own: Organisation
    other: Organisation
    donor: Organisation
    team_a: Team
    team_b: Team
    colleague: User  # a caseworker of `own`, in team B
    stranger: User  # a caseworker of `other`
    village: Village
    place: services.PlaceChoice
    cache: dict[str, Any] = field(default_factory=dict)

    def owner_of(self, user: User, actor: str) -> User:
        return {"owner": user, "same_org": self.colleague, "other_org": self.stranger}[actor]

    def organisation_of(self, actor: str) -> Organisation:
        return self.other if actor == "other_org" else self.own

    def person(self, user: User, actor: str) -> Person:
        """A person owned by the actor's user (created directly for roles that may not register people)."""
        key = f"person:{actor}:{user.pk if actor == 'owner' else ''}"
        if key not in self.cache:
            owner = self.owner_of(user, actor)
            if actor == "owner":
                self.cache[key] = Person.objects.create(
                    organisation=self.own,
                    case_number=f"OWN-{user.pk}",
                    sex="male",
                    created_by=owner,
                    assigned_to=owner,
                    province=self.place.province,
                    commune=self.place.commune,
                )
            else:
                self.cache[key] = services.person_create(
                    actor=owner,
                    data=services.PersonInput(
                        sex="female", birth_year=1999, place=self.place, name_latin=f"Person {owner.username}"
                    ),
                )
        person: Person = self.cache[key]
        return person

    def programme(self, actor: str) -> Programme:
        key = f"programme:{actor == 'other_org'}"
        if key not in self.cache:
            self.cache[key] = Programme.objects.create(
                organisation=self.organisation_of(actor),
                donor=self.donor,
                code=f"p-{'other' if actor == 'other_org' else 'own'}",
                name="Programme",
                start_date="2026-01-01",
                end_date="2026-12-31",
            )
        programme: Programme = self.cache[key]
        return programme


def make_world() -> World:
    own = Organisation.objects.create(short_name="own", name="Own", kind="ngo")
    other = Organisation.objects.create(short_name="other", name="Other", kind="ngo")
    donor = Organisation.objects.create(short_name="donor", name="Donor", kind="donor")
    team_a = Team.objects.create(organisation=own, name="A")
    team_b = Team.objects.create(organisation=own, name="B")
    village = Village.objects.filter(commune__district_id="2001").select_related("commune").first()
    assert village is not None
    return World(
        own=own,
        other=other,
        donor=donor,
        team_a=team_a,
        team_b=team_b,
        colleague=make_user(own, Role.CASEWORKER, username="colleague", team=team_b),
        stranger=make_user(other, Role.CASEWORKER, username="stranger"),
        village=village,
        place=services.resolve_place(village=village.pk),
    )


# ---------------------------------------------------------------- expectations from the role table
def sees_scoped(capability: str, role: str, actor: str) -> bool:
    """Whether a role reaches a record guarded by `capability` owned by the actor (colleague in another team)."""
    spec = role_specs()[role]
    if capability not in spec.capabilities or actor == "other_org":
        return False
    scope = spec.scope_for(capability)
    if scope == Scope.NONE:
        return False
    return actor == "owner" or scope == Scope.ORGANISATION


def expected_status(route: RouteSpec, role: str, actor: str, kinds: dict[str, ObjectKind]) -> int:
    capabilities = role_specs()[role].capabilities
    if route.kind == "list":
        return 200 if route.capability is None or route.capability in capabilities else 403
    if route.capability_first and route.capability is not None and route.capability not in capabilities:
        return 403
    if not kinds[route.kind].sees(role, actor):
        return 404
    if route.write is not None and route.write not in capabilities:
        if route.registrar and actor == "owner" and "add_person" in capabilities:
            return 200  # the registrar's window: the world's own person was registered today, by the user
        return 403
    if any(capability not in capabilities for capability in route.also):
        return 403
    return 200


# ---------------------------------------------------------------- collecting every app's declarations
@dataclass(frozen=True)
class Declarations:
    routes: dict[str, RouteSpec]
    kinds: dict[str, ObjectKind]
    origin: dict[str, str]  # route name -> the app that declared it


def collect() -> Declarations:
    """ROUTES and KINDS of every installed Karpear app's `tests/access_matrix.py`."""
    routes: dict[str, RouteSpec] = {}
    kinds: dict[str, ObjectKind] = {}
    origin: dict[str, str] = {}
    for app in apps.get_app_configs():
        if not app.name.startswith("karpear."):
            continue
        try:
            module = importlib.import_module(f"{app.name}.tests.access_matrix")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith(f"{app.name}.tests"):
                continue
            raise
        for name, spec in getattr(module, "ROUTES", {}).items():
            assert name not in routes, f"route {name} declared by {origin[name]} and {app.label}"
            routes[name], origin[name] = spec, app.label
        for kind, builder in getattr(module, "KINDS", {}).items():
            assert kind not in kinds, f"object kind {kind} declared twice"
            kinds[kind] = builder
    return Declarations(routes, kinds, origin)


def route_names() -> set[str]:
    """Every named URL pattern, namespaced ("ns:name") where its include has an app_name."""
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace
                walk(pattern.url_patterns, f"{namespace}:{inner}" if namespace and inner else inner or namespace)
            elif isinstance(pattern, URLPattern):
                if namespace in EXCLUDED_NAMESPACES:
                    continue
                if pattern.name is None:
                    raise AssertionError(f"URL pattern {pattern.pattern} has no name")
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, None)
    return names
