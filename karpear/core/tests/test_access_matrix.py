"""The access matrix, generated from every app's declarations (see tests/matrix.py), and the scope rules that
the matrix's three actors cannot show (lists, place limits, referrals, the back office)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from conftest import login, make_user
from karpear.core.models import Person
from karpear.core.roles import Capability, Role, role_specs
from karpear.core.tests.matrix import ACTORS, World, collect, expected_status, make_world, route_names, sees_scoped

C = Capability
DECLARED = collect()


def test_every_route_is_declared() -> None:
    names = route_names()
    undeclared = sorted(names - DECLARED.routes.keys())
    assert undeclared == [], (
        f"routes missing from the access matrix (declare them in the app's tests/access_matrix.py): {undeclared}"
    )
    stale = sorted(DECLARED.routes.keys() - names)
    assert stale == [], f"declared routes that no longer exist: {stale}"


def test_every_object_kind_is_declared() -> None:
    missing = sorted({spec.kind for spec in DECLARED.routes.values()} - {"public", "list"} - DECLARED.kinds.keys())
    assert missing == []


@pytest.fixture
def world(db: Any) -> World:
    return make_world()


OBJECT_ROUTES = sorted(name for name, route in DECLARED.routes.items() if route.kind != "public")


@pytest.mark.parametrize("name", OBJECT_ROUTES)
def test_access_matrix(name: str, world: World, client: Client) -> None:
    """Every role × every actor on this route answers the status computed from the role table."""
    route = DECLARED.routes[name]
    wrong = []
    for role in Role:
        user = make_user(world.own, role, username=f"me-{role}", team=world.team_a)
        login(client, user)
        for actor in ACTORS if route.kind != "list" else ("owner",):
            kwargs = DECLARED.kinds[route.kind].build(world, user, actor, name) if route.kind != "list" else {}
            url = reverse(name, kwargs=kwargs)
            if route.api and route.method == "post":  # the API takes JSON bodies only (415 for a form)
                response = client.post(url, "{}", content_type="application/json", HTTP_ACCEPT="application/json")
            else:
                accept = "application/json" if route.api else "text/html"
                response = getattr(client, route.method)(url, HTTP_ACCEPT=accept)
            expected = expected_status(route, role, actor, DECLARED.kinds)
            # A POST that may act is let through with a redirect after saving, or the form again (400); an API
            # creation answers 201.
            allowed = (200, 201, 302, 400) if route.method == "post" and expected == 200 else (expected,)
            if response.status_code not in allowed:
                wrong.append((role.value, actor, response.status_code, expected))
        client.logout()
    assert wrong == [], f"{name}: (role, actor, answered, expected) {wrong}"


def test_anonymous_is_sent_to_login_everywhere_but_public_routes(world: World, client: Client) -> None:
    for name, route in DECLARED.routes.items():
        if route.kind == "public":
            continue
        kwargs = (
            DECLARED.kinds[route.kind].build(world, world.colleague, "same_org", name) if route.kind != "list" else {}
        )
        response = getattr(client, route.method)(reverse(name, kwargs=kwargs))
        if route.api:
            assert response.status_code in (401, 403), (name, response.status_code)
        else:
            assert response.status_code == 302 and "/account/login/" in response["Location"], name


def test_person_list_shows_exactly_the_scope(world: World, client: Client) -> None:
    """Lists are scoped too: each role sees its own, its organisation's or nobody's people, never another org's."""
    for role in Role:
        user = make_user(world.own, role.value, username=f"list-{role.value}", team=world.team_a)
        own_person = world.person(user, "owner")
        login(client, user)
        response = client.get("/api/v1/people/?page_size=100", HTTP_ACCEPT="application/json")
        if C.VIEW_PERSON not in role_specs()[role].capabilities:
            assert response.status_code == 403
            continue
        numbers = {row["case_number"] for row in response.json()["results"]}
        assert own_person.case_number in numbers
        assert (world.person(user, "same_org").case_number in numbers) == sees_scoped(C.VIEW_PERSON, role, "same_org")
        assert world.person(user, "other_org").case_number not in numbers


def test_place_limited_membership_without_places_sees_nobody(world: World, client: Client) -> None:
    user = make_user(world.own, Role.CASE_SUPERVISOR, username="limited", place_limited=True)
    world.person(world.colleague, "same_org")
    login(client, user)
    response = client.get("/api/v1/people/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_place_limited_membership_sees_only_its_province(world: World, client: Client) -> None:
    user = make_user(world.own, Role.CASE_SUPERVISOR, username="svay-rieng", place_limited=True)
    user.memberships.get().provinces.set(["20"])
    elsewhere = Person.objects.create(
        organisation=world.own, case_number="OWN-KOHKONG", sex="male", created_by=user, province_id="09"
    )
    in_svay_rieng = world.person(user, "same_org")  # registered in Svay Rieng (20)
    login(client, user)
    numbers = {r["case_number"] for r in client.get("/api/v1/people/").json()["results"]}
    assert in_svay_rieng.case_number in numbers
    assert elsewhere.case_number not in numbers


def test_admin_is_staff_only(world: World, client: Client) -> None:
    for role in Role:
        user = make_user(world.own, role.value, username=f"adm-{role.value}")
        login(client, user)
        response = client.get("/admin/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_every_role_is_in_the_matrix() -> None:
    assert {r.value for r in Role} == set(role_specs())
