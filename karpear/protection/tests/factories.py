"""Test helpers for protection: state is set up through the services, so set-up obeys the app's rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from karpear.core.models import User
from karpear.core.tests.factories import COMMUNE, DISTRICT, PROVINCE, first_village, person_input, place
from karpear.protection import services
from karpear.protection.models import ProtectionCase


def arrived() -> dt.date:
    return timezone.localdate() - dt.timedelta(days=2)


def intake(**fields: Any) -> services.IntakeInput:
    defaults: dict[str, Any] = {
        "transit_centre": "svay_rieng",
        "arrived_on": arrived(),
        "origin_country": "TH",
        "return_type": "deported",
        "handed_over_by": "foreign_immigration",
    }
    defaults.update(fields)
    return services.IntakeInput(**defaults)


def case(actor: User, **person: Any) -> ProtectionCase:
    """One returnee registered by `actor` (a caseworker or supervisor)."""
    return services.intake_register(actor=actor, person=person_input(**person), intake=intake())


def rows(count: int) -> list[services.GroupRow]:
    return [
        services.GroupRow(name=f"Returnee {n}", sex="male" if n % 2 else "female", age=20 + n, place=place())
        for n in range(count)
    ]


def intake_post(**fields: Any) -> dict[str, str]:
    """The intake part of a form POST."""
    data = {
        "transit_centre": "svay_rieng",
        "arrived_on": arrived().strftime("%d/%m/%Y"),
        "origin_country": "TH",
        "return_type": "deported",
        "handed_over_by": "foreign_immigration",
    }
    data.update({key: str(value) for key, value in fields.items()})
    return data


def group_post(people: list[tuple[str, str, str]], **fields: Any) -> dict[str, str]:
    """The group screen as sent: the intake and one row (name, sex, age) per person, each in the test village."""
    data = intake_post(**fields)
    data["rows"] = str(max(10, len(people)))
    for n, (name, sex, age) in enumerate(people):
        data.update(
            {
                f"row-{n}-name": name,
                f"row-{n}-sex": sex,
                f"row-{n}-age": age,
                f"row-{n}-province": PROVINCE,
                f"row-{n}-district": DISTRICT,
                f"row-{n}-commune": COMMUNE,
                f"row-{n}-village": str(first_village().pk),
            }
        )
    return data
