"""Test helpers for livelihoods: state is set up through the services, so set-up obeys the app's rules."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from conftest import make_org, make_user
from karpear.core.models import Organisation, User
from karpear.core.roles import Role
from karpear.core.tests.factories import place, register
from karpear.livelihoods import services
from karpear.livelihoods.models import Cycle, Group, GroupMember, Meeting
from karpear.livelihoods.services import ConstitutionInput, GroupInput, MeetingInput, MemberRow

START = dt.date(2026, 1, 5)  # a Monday: the cycle's first meeting


def officer(organisation: Organisation | None = None, username: str | None = None) -> User:
    organisation = organisation or Organisation.objects.filter(short_name="sovann").first() or make_org("sovann")
    return make_user(organisation, Role.FIELD_OFFICER, username=username)


def group(actor: User, name: str = "Sovann Phoum savings group 1", **fields: Any) -> Group:
    data = GroupInput(
        name=name,
        kind=fields.pop("kind", Group.Kind.SAVINGS),
        place=fields.pop("place", place()),
        formed_on=fields.pop("formed_on", dt.date(2025, 12, 1)),
        **fields,
    )
    return services.group_create(actor=actor, data=data)


def members(actor: User, grp: Group, count: int, *, joined_on: dt.date = dt.date(2025, 12, 1)) -> list[GroupMember]:
    made = []
    for index in range(count):
        person = register(actor, name_latin=f"Member {grp.pk}-{index + 1}", sex="female" if index % 3 else "male")
        made.append(services.member_add(actor=actor, group=grp, person=person, joined_on=joined_on))
    return made


def cycle(actor: User, grp: Group, **fields: Any) -> Cycle:
    data: dict[str, Any] = {
        "started_on": START,
        "planned_end_on": dt.date(2026, 12, 28),
        "share_price": Decimal(5000),
        "charge_rate": Decimal(5),
        "social_fund_contribution": Decimal(500),
        "rounding_unit": Decimal(100),
    }
    data.update(fields)
    return services.cycle_open(actor=actor, group=grp, data=ConstitutionInput(**data))


def rows(numbers: list[int], **per_member: dict[int, Any]) -> list[MemberRow]:
    """A row for each member number; `shares={1: 2}`, `loan={3: 10000}` and so on set a step's amounts."""
    made = []
    for number in numbers:
        row = MemberRow(number=number)
        for step, values in per_member.items():
            if number in values:
                value = values[number]
                setattr(row, step, value if step in ("attendance", "shares", "loan_purpose") else Decimal(value))
        made.append(row)
    return made


def meet(
    actor: User,
    cyc: Cycle,
    number: int,
    held_on: dt.date,
    numbers: list[int],
    *,
    submission: uuid.UUID | None = None,
    **per_member: dict[int, Any],
) -> Meeting:
    data = MeetingInput(number=number, held_on=held_on, rows=rows(numbers, **per_member), submission=submission)
    return services.meeting_record(actor=actor, cycle=cyc, data=data).meeting


def weeks(n: int) -> dt.date:
    return START + dt.timedelta(weeks=n)
