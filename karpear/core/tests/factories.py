"""Test helpers that set up state through the services, so set-up obeys the same rules as the app (STYLE §2.6)."""

from __future__ import annotations

import time
from typing import Any

from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from karpear.core import services
from karpear.core.models import Commune, Person, User, Village

# Svay Rieng (20) › Chantrea (2001): two communes of the real gazetteer, with their first villages.
PROVINCE = "20"
DISTRICT = "2001"
COMMUNE = "200103"  # Chantrea commune
OTHER_COMMUNE = "200104"  # Chres commune, same district


def first_village(commune: str = COMMUNE) -> Village:
    return Village.objects.filter(commune_id=commune).order_by("code", "id").first()


def place(commune: str = COMMUNE, *, village: bool = True) -> services.PlaceChoice:
    """A place picked down to the commune (and its first village), checked by the service."""
    return services.resolve_place(
        province=commune[:2],
        district=commune[:4],
        commune=commune,
        village=first_village(commune).pk if village else None,
    )


def person_input(**fields: Any) -> services.PersonInput:
    """A valid PersonInput; keyword arguments replace the defaults."""
    defaults: dict[str, Any] = {"sex": "female", "name_latin": "Chan Sreymom", "birth_year": 1998, "place": place()}
    defaults.update(fields)
    return services.PersonInput(**defaults)


def register(actor: User, **fields: Any) -> Person:
    """Register a person as `actor` through services.person_create."""
    return services.person_create(actor=actor, data=person_input(**fields))


def form_data(**fields: Any) -> dict[str, str]:
    """A valid POST for the person form, with a place from the real gazetteer."""
    data = {
        "sex": "female",
        "name_latin": "Chan Sreymom",
        "birth_year": "1998",
        "province": PROVINCE,
        "district": DISTRICT,
        "commune": COMMUNE,
        "village": str(first_village().pk),
    }
    data.update({key: str(value) for key, value in fields.items()})
    return data


def this_year() -> int:
    return timezone.localdate().year


def totp_device(user: User, *, confirmed: bool = True) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=confirmed)


def totp_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now for this device (or `steps_ahead` time steps later: a code
    is accepted once, so a second use in the same step needs the next one, which the tolerance allows)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def limit_to_commune(user: User, commune: str) -> None:
    membership = user.memberships.get()
    membership.place_limited = True
    membership.save(update_fields=["place_limited"])
    membership.communes.add(Commune.objects.get(code=commune))
