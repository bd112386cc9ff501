"""Shared by the benchmark scripts: Django set-up and the bench consortium that bench/generate.py makes.

    from bench.common import setup_django, bench_user
    setup_django()
    caseworker = bench_user("caseworker")  # of BENCH1, the largest bench organisation

Run the scripts from the project root (`python bench/<script>.py`); DATABASE_URL picks the database.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.test import Client

    from karpear.core.models import Organisation, User

ROOT = Path(__file__).resolve().parents[1]

# The bench consortium: short names (used in case numbers) and each one's share of the people.
# BENCH1 always has the largest share, so it is "the largest bench organisation".
ORG_SHARES: dict[str, float] = {
    "BENCH1": 0.38,
    "BENCH2": 0.20,
    "BENCH3": 0.15,
    "BENCH4": 0.12,
    "BENCH5": 0.09,
    "BENCH6": 0.06,
}
LARGEST = "BENCH1"
USERNAME_PREFIX = "bench"
# Every bench user has this password; bench databases hold synthetic data only.
BENCH_PASSWORD = "bench-password-not-secret"


def setup_django() -> None:
    """Make the project importable and set Django up (once) against the DATABASE_URL of the environment."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "karpear.settings")
    os.environ.setdefault("KARPEAR_DEBUG", "true")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def username_for(short_name: str, role: str, number: int = 1) -> str:
    """`bench1_caseworker` for the first user of a role, `bench1_caseworker_002` for the others."""
    base = f"{short_name.lower()}_{role}"
    return base if number == 1 else f"{base}_{number:03d}"


def bench_organisation(short_name: str = LARGEST) -> Organisation:
    from karpear.core.models import Organisation

    try:
        return Organisation.objects.get(short_name=short_name)
    except Organisation.DoesNotExist:
        raise SystemExit(
            f"No bench organisation {short_name} in this database: run `python bench/generate.py` first."
        ) from None


def bench_user(role: str, short_name: str = LARGEST) -> User:
    """The first bench user with `role` (a karpear.core.roles.Role value) in a bench organisation,
    by default the largest one. System administrators exist only in BENCH1."""
    from karpear.core.models import User

    organisation = bench_organisation(short_name)
    try:
        return User.objects.get(
            username=username_for(short_name, role),
            memberships__organisation=organisation,
            memberships__role=role,
        )
    except User.DoesNotExist:
        raise SystemExit(f"No bench user with role {role!r} in {short_name}.") from None


def bench_client(role: str, short_name: str = LARGEST, **client_kwargs: Any) -> Client:
    """A test client logged in as `bench_user(role)`, past the second factor when the role needs one."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_static.models import StaticDevice

    from karpear.core import access

    user = bench_user(role, short_name)
    client_kwargs.setdefault("HTTP_HOST", "localhost")
    client = Client(**client_kwargs)
    client.force_login(user)
    if access.needs_two_factor(user):
        device, _created = StaticDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client
