"""Registrations at the same moment on PostgreSQL: threads, each with its own connection, committing for real.

These are the races issue 8 found: a registration with a new household and a plain one took the audit and
case-number locks in opposite orders and deadlocked (item 1); the same typed case number at the same moment
gave the loser a 500 (item 4); two registrations of the same phone at the same moment were both saved with
nobody asked about a duplicate (item 5).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from conftest import make_org, make_user
from karpear.core import audit, services
from karpear.core.models import AuditEvent, Household, Person, PossibleDuplicate, User
from karpear.core.roles import Role
from karpear.core.tests.concurrency import PG_ONLY, keep_places, run_concurrently

pytestmark = [PG_ONLY, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("keep_places")]
__all__ = ["keep_places"]

THREADS = 4
ROUNDS = 8


def _actor(user_id: int) -> User:
    """A fresh user object per thread: access caches the membership on the object it is given."""
    return User.objects.get(pk=user_id)


def test_registrations_with_and_without_a_new_household_never_deadlock() -> None:
    organisation = make_org("alpha")
    user_ids = [make_user(organisation, Role.CASEWORKER, username=f"cw{n}").pk for n in range(THREADS)]

    def registrations(n: int) -> Any:
        def job() -> list[str]:
            actor, errors = _actor(user_ids[n]), []
            for k in range(ROUNDS):
                # Every thread alternates the two kinds, so both kinds always run side by side.
                household = f"H-{n}-{k}" if (n + k) % 2 == 0 else ""
                data = services.PersonInput(sex="female", name_latin=f"Person {n} {k}", new_household_code=household)
                try:
                    services.person_create(actor=actor, data=data)
                except Exception as exc:  # a deadlock is an OperationalError: report every one
                    errors.append(repr(exc))
            return errors

        return job

    outcomes = run_concurrently([registrations(n) for n in range(THREADS)])

    assert [o.error for o in outcomes] == [None] * THREADS
    assert [o.value for o in outcomes] == [[]] * THREADS
    total = THREADS * ROUNDS
    year = timezone.localdate().year
    assert sorted(Person.objects.values_list("case_number", flat=True)) == [
        f"ALPHA-{year}-{i:05d}" for i in range(1, total + 1)
    ]  # no duplicate and no gap
    assert Household.objects.count() == total // 2
    assert AuditEvent.objects.filter(action="create").count() == total + total // 2
    assert audit.verify_chain() == (AuditEvent.objects.count(), None)


def test_the_same_typed_case_number_at_the_same_moment_gives_the_loser_the_field_error() -> None:
    organisation = make_org("alpha")
    user_ids = [make_user(organisation, Role.CASEWORKER, username=f"cw{n}").pk for n in range(2)]

    for round_ in range(5):
        number = f"ALPHA-TYPED-{round_}"

        def register(n: int, number: str = number) -> Any:
            return lambda: services.person_create(
                actor=_actor(user_ids[n]),
                data=services.PersonInput(sex="male", name_latin=f"Typed {n}", case_number=number),
            )

        outcomes = run_concurrently([register(0), register(1)])

        winners = [o.value for o in outcomes if o.error is None]
        losers = [o.error for o in outcomes if o.error is not None]
        assert len(winners) == 1, losers
        assert len(losers) == 1
        assert isinstance(losers[0], ValidationError), repr(losers[0])
        assert losers[0].message_dict == {
            "case_number": ["Your organisation already has a person with this case number."]
        }
        assert list(Person.objects.filter(case_number=number).values_list("pk", flat=True)) == [winners[0].pk]
    assert Person.objects.count() == 5
    assert audit.verify_chain() == (AuditEvent.objects.count(), None)


def test_an_edit_and_a_registration_typing_the_same_case_number_at_once_give_a_field_error() -> None:
    organisation = make_org("alpha")
    supervisor = make_user(organisation, Role.CASE_SUPERVISOR, username="sup")
    caseworker = make_user(organisation, Role.CASEWORKER, username="cw")
    existing = [
        services.person_create(actor=supervisor, data=services.PersonInput(sex="female", name_latin=f"Edited {i}"))
        for i in range(5)
    ]

    for round_, person in enumerate(existing):
        number = f"ALPHA-BOTH-{round_}"

        def edit(person: Person = person, number: str = number) -> Person:
            data = services.PersonInput(sex="female", name_latin=person.identity.name_latin, case_number=number)
            return services.person_update(actor=_actor(supervisor.pk), person=person, data=data)

        def register(number: str = number) -> Person:
            data = services.PersonInput(sex="male", name_latin="New", case_number=number)
            return services.person_create(actor=_actor(caseworker.pk), data=data)

        outcomes = run_concurrently([edit, register])

        errors = [o.error for o in outcomes if o.error is not None]
        assert len(errors) == 1, errors
        assert isinstance(errors[0], ValidationError), repr(errors[0])
        assert errors[0].message_dict == {
            "case_number": ["Your organisation already has a person with this case number."]
        }
        assert Person.objects.filter(case_number=number).count() == 1


def test_the_same_phone_registered_at_the_same_moment_is_flagged_for_the_supervisor() -> None:
    organisation = make_org("alpha")
    user_ids = [make_user(organisation, Role.CASEWORKER, username=f"cw{n}").pk for n in range(2)]

    for round_ in range(5):
        phone = f"+8551234560{round_}"

        def register(n: int, phone: str = phone) -> Any:
            return lambda: services.person_create(
                actor=_actor(user_ids[n]),
                data=services.PersonInput(sex="female", name_latin=f"Round {phone} {n}", phone=phone),
            )

        outcomes = run_concurrently([register(0), register(1)])

        assert [o.error for o in outcomes] == [None, None]  # both are saved: only a person decides on a match
        first, second = sorted((o.value for o in outcomes), key=lambda person: person.case_number)
        flags = list(PossibleDuplicate.objects.filter(person__identity__phone=phone).values_list("person", "other"))
        assert flags == [(second.pk, first.pk)]  # exactly one: the later registration, pointing at the earlier
