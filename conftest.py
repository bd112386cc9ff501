"""Shared test fixtures: organisations, one user per role, and logging in with a second factor."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice

from karpear.core.models import Membership, Organisation, Team, User
from karpear.core.roles import Role, spec_for


@pytest.fixture(autouse=True)
def _english(settings: Any) -> None:
    """Tests read English messages unless they switch language themselves."""
    settings.LANGUAGE_CODE = "en"


def make_org(short: str, kind: str = Organisation.Kind.NGO) -> Organisation:
    return Organisation.objects.create(short_name=short, name=f"{short.upper()} organisation", kind=kind)


def make_user(
    organisation: Organisation,
    role: str,
    username: str | None = None,
    team: Team | None = None,
    **membership: Any,
) -> User:
    user = User.objects.create_user(username=username or f"{organisation.short_name}-{role}", password="pw-123456789")
    user.language = "en"
    user.save()
    Membership.objects.create(user=user, organisation=organisation, role=role, team=team, **membership)
    return user


def login(client: Client, user: User) -> Client:
    """Log in; for roles (and staff) that need a second factor, mark the session as verified with a backup device."""
    client.force_login(user)
    if user.is_staff or any(spec_for(m.role).needs_two_factor for m in user.memberships.all()):
        device, _ = StaticDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    client.cookies["karpear_language"] = "en"
    return client


@pytest.fixture
def orgs(db: Any) -> dict[str, Organisation]:
    return {"own": make_org("alpha"), "other": make_org("beta")}


@pytest.fixture
def users(orgs: dict[str, Organisation]) -> dict[str, User]:
    """One user per role in the 'own' organisation, all in one team."""
    team = Team.objects.create(organisation=orgs["own"], name="Team A")
    return {role.value: make_user(orgs["own"], role.value, team=team) for role in Role}
