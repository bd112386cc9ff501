"""Households made while registering, consents recorded on the record, and edits by roles without names."""

from __future__ import annotations

from typing import Any

from conftest import login
from karpear.core import services
from karpear.core.models import Consent, Household, Identity, Organisation, Person, Village


def _place() -> dict[str, str]:
    village = Village.objects.filter(commune__district_id="2001").order_by("id").first()
    return {"province": "20", "district": "2001", "commune": village.commune_id, "village": str(village.pk)}


def _form(**extra: str) -> dict[str, str]:
    return {"name_km": "សុខ ដារ៉ា", "name_latin": "Sok Dara", "sex": "male", "birth_year": "1990", **_place(), **extra}


def test_registering_the_head_creates_the_household(users: dict[str, Any], client: Any) -> None:
    login(client, users["caseworker"])
    response = client.post("/people/new/", _form(new_household_code="hh-7", new_household_poverty="idpoor_1"))
    assert response.status_code == 302
    person = Person.objects.get()
    household = Household.objects.get()
    assert (household.code, household.poverty_status, household.village_id) == ("HH-7", "idpoor_1", person.village_id)
    assert person.household_id == household.pk


def test_a_taken_household_number_is_refused_next_to_the_field(users: dict[str, Any], client: Any) -> None:
    login(client, users["caseworker"])
    client.post("/people/new/", _form(new_household_code="HH-7"))
    response = client.post("/people/new/", _form(name_latin="Chan Thida", name_km="ចាន់ ធីតា", new_household_code="HH-7"))
    assert response.status_code == 200
    assert "Your organisation already has a household with this number." in response.content.decode()
    assert Person.objects.count() == 1 and Household.objects.count() == 1  # nothing half-saved
    assert 'value="Chan Thida"' in response.content.decode()  # what was typed is kept


def test_consent_for_a_referral_needs_the_receiving_organisation(users: dict[str, Any], client: Any) -> None:
    worker = users["caseworker"]
    person = services.person_create(actor=worker, data=services.PersonInput(sex="female", name_latin="Sok Srey"))
    receiver = Organisation.objects.get(short_name="beta")
    login(client, worker)
    url = f"/people/{person.uuid}/consents/"
    refused = client.post(url, {"purpose": "referral", "given": "yes", "given_by": "herself"})
    assert refused.status_code == 400
    assert "Choose the organisation the person agrees to be referred to." in refused.content.decode()
    assert Consent.objects.count() == 0
    saved = client.post(
        url, {"purpose": "referral", "given": "yes", "given_by": "herself", "recipient": str(receiver.uuid)}
    )
    assert saved.status_code == 302
    consent = Consent.objects.get()
    assert (consent.purpose, consent.given, consent.recipient_id, consent.recorded_by_id) == (
        "referral",
        True,
        receiver.pk,
        worker.pk,
    )
    page = client.get(f"/people/{person.uuid}/").content.decode()
    assert "Referral to a named organisation" in page and "BETA" in page


def test_a_programme_officer_changes_a_record_without_seeing_or_erasing_names(
    users: dict[str, Any], client: Any
) -> None:
    person = services.person_create(
        actor=users["caseworker"],
        data=services.PersonInput(sex="female", birth_year=1990, name_latin="Sok Srey", phone="012345678"),
    )
    login(client, users["programme_officer"])
    form = client.get(f"/people/{person.uuid}/edit/").content.decode()
    assert "Sok Srey" not in form and 'name="name_latin"' not in form and 'name="phone"' not in form
    response = client.post(f"/people/{person.uuid}/edit/", {"sex": "female", "birth_year": "1991", **_place()})
    assert response.status_code == 302
    identity = Identity.objects.get(person=person)
    assert (identity.name_latin, identity.phone) == ("Sok Srey", "+85512345678")
    assert Person.objects.get(pk=person.pk).birth_year == 1991
