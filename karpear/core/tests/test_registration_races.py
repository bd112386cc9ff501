"""A case number or household number taken by someone else between our check and our save (issue 8, item 4).

The check before saving cannot see another transaction's row until it commits; the unique constraint can.
These tests put the other registration exactly in that window (after the service's checks, before its
save), on any database, and expect the field error, never an IntegrityError (a 500). test_concurrency.py
races real threads on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import models
from django.test import Client

from conftest import login
from karpear.core import services
from karpear.core.models import AuditEvent, Household, Identity, Person
from karpear.core.tests.factories import form_data, register
from karpear.core.tests.test_api import api

pytestmark = pytest.mark.django_db

CASE_NUMBER_TAKEN = "Your organisation already has a person with this case number."


def counts() -> tuple[int, int, int, int]:
    """Rows saved, and audit events of saving (the page's duplicate check is audited as a search: not a save)."""
    saved = AuditEvent.objects.exclude(action="search").count()
    return Person.objects.count(), Identity.objects.count(), Household.objects.count(), saved


@pytest.fixture
def taken_meanwhile(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Make another row with the same unique key appear right after the service validated its own row."""

    def arrange(model: type[models.Model], field: str, value: str, make_other: Callable[[], Any]) -> None:
        original = model.full_clean

        def full_clean(self: Any, *args: Any, **kwargs: Any) -> None:
            original(self, *args, **kwargs)
            if getattr(self, field) == value and not model._default_manager.filter(**{field: value}).exists():
                make_other()

        monkeypatch.setattr(model, "full_clean", full_clean)

    return arrange


def _other_person(organisation: Any, number: str, creator: Any) -> Callable[[], Person]:
    return lambda: Person.objects.create(organisation=organisation, case_number=number, sex="male", created_by=creator)


def test_a_case_number_taken_between_check_and_save_is_the_field_error_and_nothing_is_saved(
    orgs, users, taken_meanwhile
):
    caseworker = users["caseworker"]
    taken_meanwhile(Person, "case_number", "ALPHA-RACE-1", _other_person(orgs["own"], "ALPHA-RACE-1", caseworker))
    before = counts()

    with pytest.raises(ValidationError) as excinfo:
        register(caseworker, case_number="ALPHA-RACE-1", new_household_code="H-RACE")

    assert excinfo.value.message_dict == {"case_number": [CASE_NUMBER_TAKEN]}
    assert counts() == before  # no person, identity, household or audit event half-saved


def test_a_case_number_taken_while_editing_is_the_field_error(orgs, users, taken_meanwhile):
    supervisor = users["case_supervisor"]
    person = register(supervisor)
    taken_meanwhile(Person, "case_number", "ALPHA-RACE-2", _other_person(orgs["own"], "ALPHA-RACE-2", supervisor))
    data = services.PersonInput(sex="female", name_latin="Chan Sreymom", case_number="ALPHA-RACE-2")

    with pytest.raises(ValidationError) as excinfo:
        services.person_update(actor=supervisor, person=person, data=data)

    assert excinfo.value.message_dict == {"case_number": [CASE_NUMBER_TAKEN]}
    person.refresh_from_db()
    assert person.case_number != "ALPHA-RACE-2"


def test_a_household_number_taken_between_check_and_save_is_the_field_error(orgs, users, taken_meanwhile):
    taken_meanwhile(
        Household, "code", "H-RACE", lambda: Household.objects.create(organisation=orgs["own"], code="H-RACE")
    )
    before = counts()

    with pytest.raises(ValidationError) as excinfo:
        register(users["caseworker"], new_household_code="H-RACE")

    assert excinfo.value.message_dict == {
        "new_household_code": ["Your organisation already has a household with this number."]
    }
    assert counts() == before


def test_the_register_page_shows_the_field_error_for_a_case_number_taken_meanwhile(
    orgs, users, taken_meanwhile, client: Client
):
    caseworker = users["caseworker"]
    taken_meanwhile(Person, "case_number", "ALPHA-RACE-3", _other_person(orgs["own"], "ALPHA-RACE-3", caseworker))
    login(client, caseworker)
    before = counts()

    response = client.post("/people/new/", form_data(case_number="ALPHA-RACE-3", name_latin="Sok Dara"))

    assert response.status_code == 200
    assert response.context["form"].errors["case_number"] == [CASE_NUMBER_TAKEN]
    assert response.context["form"]["name_latin"].value() == "Sok Dara"  # what was typed is kept
    assert counts() == before


def test_the_api_answers_400_on_the_case_number_for_a_case_number_taken_meanwhile(orgs, users, taken_meanwhile):
    caseworker = users["caseworker"]
    taken_meanwhile(Person, "case_number", "ALPHA-RACE-4", _other_person(orgs["own"], "ALPHA-RACE-4", caseworker))
    client = api(caseworker)
    before = counts()

    response = client.post(
        "/api/v1/people/",
        {"sex": "female", "name_latin": "Sok Dara", "case_number": "ALPHA-RACE-4"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "message": "Please correct the errors below.",
        "fields": {"case_number": [CASE_NUMBER_TAKEN]},
    }
    assert counts() == before
