"""Case numbers and group arrivals at the same moment on PostgreSQL: threads, each with its own connection,
committing for real (karpear/core/tests/concurrency.py)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.utils import timezone

from conftest import make_org, make_user
from karpear.core.models import Person, User
from karpear.core.roles import Role
from karpear.core.tests.concurrency import PG_ONLY, keep_places, run_concurrently
from karpear.protection import services
from karpear.protection.models import GroupArrival, ProtectionCase
from karpear.protection.tests import factories as f

pytestmark = [PG_ONLY, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("keep_places")]
__all__ = ["keep_places"]


def _actor(user_id: int) -> User:
    """A fresh user object per thread: access caches the membership on the object it is given."""
    return User.objects.get(pk=user_id)


def test_two_intakes_at_the_same_moment_get_two_numbers_without_a_gap() -> None:
    organisation = make_org("ccpcr")
    ids = [make_user(organisation, Role.CASEWORKER, username=f"cw{n}").pk for n in range(2)]

    def intake(n: int) -> Any:
        return lambda: (
            services.intake_register(
                actor=_actor(ids[n]),
                person=services.core_services.PersonInput(sex="female", name_latin=f"Returnee {n}"),
                intake=f.intake(),
            ).number
        )

    outcomes = run_concurrently([intake(0), intake(1)])

    assert [o.error for o in outcomes] == [None, None]
    year = timezone.localdate().year
    assert sorted(o.value for o in outcomes) == [f"CCPCR-P-{year}-00001", f"CCPCR-P-{year}-00002"]


def test_cases_opened_at_the_same_moment_for_people_already_registered_never_share_a_number() -> None:
    """Only the protection case numbers' lock is taken here (no registration lock serialises the threads)."""
    organisation = make_org("ccpcr")
    ids = [make_user(organisation, Role.CASEWORKER, username=f"cw{n}").pk for n in range(4)]
    people = [
        services.core_services.person_create(
            actor=_actor(ids[n]), data=services.core_services.PersonInput(sex="male", name_latin=f"Known {n}")
        )
        for n in range(4)
    ]

    def open_case(n: int) -> Any:
        return lambda: [
            services.case_open(actor=_actor(ids[n]), person=people[n], intake=f.intake()).number for _ in range(3)
        ]

    outcomes = run_concurrently([open_case(n) for n in range(4)])

    assert [o.error for o in outcomes] == [None] * 4
    year = timezone.localdate().year
    numbers = sorted(number for o in outcomes for number in o.value)
    assert numbers == [f"CCPCR-P-{year}-{n:05d}" for n in range(1, 13)]


def test_the_same_group_sent_twice_at_the_same_moment_is_saved_once() -> None:
    organisation = make_org("ccpcr")
    user_id = make_user(organisation, Role.CASEWORKER, username="cw").pk
    submission = uuid.uuid4()
    rows = [services.GroupRow(name=f"Returnee {n}", sex="male", age=20 + n) for n in range(4)]

    def send() -> Any:
        data = services.GroupInput(f.intake(), list(rows), submission=submission)
        return services.group_arrival_register(actor=_actor(user_id), data=data).created

    outcomes = run_concurrently([send, send])

    assert [o.error for o in outcomes] == [None, None]
    assert sorted(o.value for o in outcomes) == [False, True]
    assert (GroupArrival.objects.count(), ProtectionCase.objects.count(), Person.objects.count()) == (1, 4, 4)
