"""Registering several people at once (services.people_create_many, a group arriving at a transit centre): what
person_create does for each, with a number of queries that does not grow with how many."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import make_user
from karpear.core import services
from karpear.core.models import AuditEvent, Identity, Person, PossibleDuplicate
from karpear.core.tests.factories import (
    COMMUNE,
    OTHER_COMMUNE,
    limit_to_commune,
    person_input,
    place,
    register,
    this_year,
)

pytestmark = pytest.mark.django_db


def inputs(count: int, **fields) -> list[services.PersonInput]:
    return [person_input(name_latin=f"Keo Dara {n}", birth_year=1990 + n, **fields) for n in range(count)]


def test_people_are_numbered_after_the_taken_numbers_identified_and_audited_each(users):
    caseworker = users["caseworker"]
    first = register(caseworker)  # 00001
    Person.objects.filter(pk=first.pk).update(case_number=f"ALPHA-{this_year()}-00003")  # a number ahead, taken

    people = services.people_create_many(actor=caseworker, people=inputs(3))

    assert [p.case_number[-5:] for p in people] == ["00002", "00004", "00005"]
    assert [p.identity.name_latin for p in Person.objects.filter(pk__in=[p.pk for p in people]).order_by("id")] == [
        "Keo Dara 0",
        "Keo Dara 1",
        "Keo Dara 2",
    ]
    assert Identity.objects.get(pk=people[0].pk).name_latin_key
    assert [p.history.get().history_user for p in people] == [caseworker] * 3
    events = AuditEvent.objects.filter(action="create", object_type="core.person")
    assert set(events.values_list("object_id", flat=True)) == {str(p.uuid) for p in [first, *people]}


def test_the_queries_do_not_grow_with_the_number_of_people(users):
    caseworker = users["caseworker"]
    services.people_create_many(actor=caseworker, people=inputs(1))

    counted = []
    for size in (3, 30):
        people = inputs(size)  # their places are read here, as a form reads them
        with CaptureQueriesContext(connection) as captured:
            services.people_create_many(actor=caseworker, people=people)
        counted.append(len(captured))

    assert counted[0] == counted[1]


def test_each_is_flagged_against_people_registered_before_it_only(users):
    caseworker = users["caseworker"]
    before = register(caseworker, name_latin="Sok Mony", birth_year=1985)
    twins = [person_input(name_latin="Sok Mony", birth_year=1985) for _ in range(2)]

    first, second = services.people_create_many(actor=caseworker, people=twins)

    assert {(f.person_id, f.other_id) for f in PossibleDuplicate.objects.all()} == {
        (first.pk, before.pk),
        (second.pk, first.pk),
        (second.pk, before.pk),
    }


def test_a_refused_person_names_its_prefix_and_nothing_is_saved(orgs):
    volunteer = make_user(orgs["own"], "volunteer", username="limited-volunteer")
    limit_to_commune(volunteer, COMMUNE)
    people = [*inputs(2), person_input(place=place(OTHER_COMMUNE))]
    before = Person.objects.count(), AuditEvent.objects.count()

    with pytest.raises(ValidationError) as excinfo:
        services.people_create_many(actor=volunteer, people=people, prefixes=["a-", "b-", "c-"])

    assert list(excinfo.value.message_dict) == ["c-commune"]
    assert (Person.objects.count(), AuditEvent.objects.count()) == before


def test_what_needs_person_create_is_refused(users):
    with pytest.raises(ValueError, match="person_create"):
        services.people_create_many(actor=users["caseworker"], people=[person_input(case_number="X-1")])
