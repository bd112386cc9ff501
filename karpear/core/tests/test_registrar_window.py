"""The registrar's window (issue 10, item 3; core.access.registrar_window_open): the person who registered
someone, in a role that does not read identifying details (a volunteer), may see and correct what they typed
and record consent, until a caseworker takes the record over or the day ends. Every such read is audited.

Each attacker is tried on every route the window opens: the detail (identity shown or not), the change form
(GET and POST) and the consent (POST)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from conftest import login, make_user
from karpear.core import access, services
from karpear.core.models import AuditEvent, Consent, Identity, Person
from karpear.core.tests.factories import form_data, limit_to_commune, register

pytestmark = pytest.mark.django_db

NAME = "Chan Sreymom"
TYPO = "Chan Sreymon"


@pytest.fixture
def registered(users):
    """A person the volunteer registered just now (with a typo in the name)."""
    return register(users["volunteer"], name_latin=TYPO)


def identity_reads(person) -> list[tuple[str, str]]:
    return list(
        AuditEvent.objects.filter(
            object_type="core.person", object_id=str(person.uuid), action="view", details__fields="identity"
        ).values_list("actor_name", "details__reason")
    )


def tries(client, person) -> dict[str, int]:
    """What each route the window opens answers (the detail: 'shown' when the name is on the page)."""
    detail = client.get(f"/people/{person.uuid}/")
    shown = detail.status_code == 200 and TYPO in detail.content.decode()
    return {
        "detail": 200 if shown else detail.status_code * (1 if detail.status_code != 200 else -1),
        "edit": client.get(f"/people/{person.uuid}/edit/").status_code,
        "change": client.post(f"/people/{person.uuid}/edit/", form_data(name_latin=NAME)).status_code,
        "consent": client.post(
            f"/people/{person.uuid}/consents/",
            {"purpose": "case_management", "given": "yes", "given_by": "Mother"},
        ).status_code,
    }


def unchanged(person) -> bool:
    return Identity.objects.get(person=person).name_latin == TYPO and not Consent.objects.filter(person=person).exists()


# ---------------------------------------------------------------- the registrar, the same day
def test_the_volunteer_sees_what_they_typed_and_the_read_is_audited(client, users, registered):
    login(client, users["volunteer"])

    html = client.get(f"/people/{registered.uuid}/").content.decode()

    assert TYPO in html
    assert "You registered this person today" in html
    assert identity_reads(registered) == [("alpha-volunteer", "registrar-view")]


def test_the_volunteer_corrects_a_typo_and_records_consent_the_same_day(client, users, registered):
    login(client, users["volunteer"])

    edit = client.get(f"/people/{registered.uuid}/edit/")
    change = client.post(f"/people/{registered.uuid}/edit/", form_data(name_latin=NAME))
    consent = client.post(
        f"/people/{registered.uuid}/consents/", {"purpose": "case_management", "given": "yes", "given_by": "Mother"}
    )

    assert edit.status_code == 200 and f'value="{TYPO}"' in edit.content.decode()
    assert (change.status_code, consent.status_code) == (302, 302)
    assert Identity.objects.get(person=registered).name_latin == NAME
    assert Consent.objects.get(person=registered).given_by == "Mother"
    assert ("alpha-volunteer", "registrar-edit") in identity_reads(registered)


# ---------------------------------------------------------------- attackers
def test_another_volunteer_of_the_same_team_gets_nothing(client, orgs, users, registered):
    from karpear.core.models import Team

    other = make_user(orgs["own"], "volunteer", username="other-volunteer", team=Team.objects.get(name="Team A"))
    login(client, other)

    assert tries(client, registered) == {"detail": 404, "edit": 404, "change": 404, "consent": 404}
    assert unchanged(registered) and identity_reads(registered) == []


def test_the_next_day_the_record_is_a_caseworkers(client, users, registered):
    Person.objects.filter(pk=registered.pk).update(created_at=timezone.now() - dt.timedelta(days=1))
    login(client, users["volunteer"])

    assert tries(client, registered) == {"detail": -200, "edit": 403, "change": 403, "consent": 403}
    assert unchanged(registered) and identity_reads(registered) == []


def test_just_before_midnight_in_cambodia_counts_as_the_same_day_and_just_after_does_not(users, registered):
    volunteer = users["volunteer"]
    today = timezone.localdate()
    midnight = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    Person.objects.filter(pk=registered.pk).update(created_at=midnight)
    assert access.registrar_window_open(volunteer, Person.objects.get(pk=registered.pk))
    Person.objects.filter(pk=registered.pk).update(created_at=midnight - dt.timedelta(seconds=1))
    assert not access.registrar_window_open(volunteer, Person.objects.get(pk=registered.pk))


def test_after_a_caseworker_takes_the_record_over_it_is_theirs(client, users, registered):
    caseworker = users["case_supervisor"]  # sees the whole organisation
    login(client, caseworker)
    assert client.post(f"/people/{registered.uuid}/take-over/").status_code == 302
    assert Person.objects.get(pk=registered.pk).assigned_to == caseworker
    assert AuditEvent.objects.filter(action="update", details__reason="take_over").count() == 1
    client.logout()
    login(client, users["volunteer"])

    # The volunteer's own scope still holds the record they created, but not its identity or changes.
    assert tries(client, registered) == {"detail": -200, "edit": 403, "change": 403, "consent": 403}
    assert unchanged(registered)


def test_a_volunteer_moved_out_of_the_commune_loses_the_window(client, users, registered):
    from karpear.core.tests.factories import OTHER_COMMUNE

    limit_to_commune(users["volunteer"], OTHER_COMMUNE)
    login(client, users["volunteer"])

    assert tries(client, registered) == {"detail": 404, "edit": 404, "change": 404, "consent": 404}
    assert unchanged(registered)


def test_a_closed_record_is_not_reopened_by_its_registrar(client, users, registered):
    Person.objects.filter(pk=registered.pk).update(closed_at=timezone.now())
    login(client, users["volunteer"])

    assert tries(client, registered) == {"detail": -200, "edit": 403, "change": 403, "consent": 403}


def test_someone_in_another_organisation_gets_nothing(client, orgs, registered):
    stranger = make_user(orgs["other"], "volunteer", username="stranger-volunteer")
    login(client, stranger)

    assert tries(client, registered) == {"detail": 404, "edit": 404, "change": 404, "consent": 404}
    assert unchanged(registered)


def test_the_window_is_the_registrars_only_not_a_role_that_cannot_register(users, registered):
    """A programme officer who did not register the person reads no identity through the window."""
    assert not access.registrar_window_open(users["programme_officer"], registered)
    assert not access.may_read_identity(users["programme_officer"], registered)


def test_the_service_refuses_a_change_after_the_day_ends_whatever_the_page(users, registered):
    from django.core.exceptions import PermissionDenied

    from karpear.core.tests.factories import person_input

    Person.objects.filter(pk=registered.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    with pytest.raises(PermissionDenied):
        services.person_update(actor=users["volunteer"], person=registered, data=person_input(name_latin=NAME))
    assert unchanged(registered)


def test_two_caseworkers_pressing_take_over_on_the_same_page_the_second_is_told_not_given_it(
    client, users, orgs, registered
):
    """The second one's page still showed the record as unassigned: it is not silently taken from the first."""
    first = users["case_supervisor"]
    second = make_user(orgs["own"], "case_supervisor", username="second-supervisor")
    seen = Person.objects.get(pk=registered.pk).assigned_to
    holder = str(seen.uuid) if seen else ""
    login(client, second)
    page = client.get(f"/people/{registered.uuid}/").content.decode()
    assert f'name="holder" value="{holder}"' in page  # what the second caseworker's button carries

    services.person_take_over(actor=first, person=registered, seen_holder=holder)  # the first one, a moment earlier
    response = client.post(f"/people/{registered.uuid}/take-over/", {"holder": holder}, follow=True)

    assert Person.objects.get(pk=registered.pk).assigned_to == first
    assert "took this record over a moment ago" in response.content.decode()
    assert AuditEvent.objects.filter(action="update", details__reason="take_over").count() == 1

    # Pressed again from the page that now shows the first caseworker, it is a deliberate take-over.
    client.post(f"/people/{registered.uuid}/take-over/", {"holder": str(first.uuid)})
    assert Person.objects.get(pk=registered.pk).assigned_to == second
