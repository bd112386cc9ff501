"""Possible duplicates flagged after a registration, for the case supervisor to decide on (issue 8, item 5).

The registration form warns about people the user can see before saving. Two registrations of the same
person at the same moment both pass that warning (each check runs before the other is saved), and a
caseworker never sees a colleague's people. So person_create checks again, under the organisation's
registration lock and across the whole organisation, and flags what it finds unless the user confirmed on
the form that this is a different person. test_concurrency.py races two real registrations on PostgreSQL.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from conftest import login, make_user
from karpear.core import services
from karpear.core.models import AuditEvent, PossibleDuplicate
from karpear.core.roles import Role
from karpear.core.tests.factories import form_data, register

pytestmark = pytest.mark.django_db

PHONE = "+85512345678"


def test_a_registration_sharing_a_phone_with_a_colleagues_person_is_flagged_for_the_supervisor(orgs, users):
    colleague = make_user(orgs["own"], Role.CASEWORKER, username="colleague")
    earlier = register(colleague, name_latin="Sok Dara", phone=PHONE)

    later = register(users["caseworker"], name_latin="Keo Sophal", phone=PHONE)  # a caseworker sees only their own

    flag = PossibleDuplicate.objects.get()
    assert (flag.organisation, flag.person, flag.other, flag.reasons) == (orgs["own"], later, earlier, ["phone"])
    assert (flag.decision, flag.resolved_at, flag.resolved_by) == ("", None, None)
    event = AuditEvent.objects.filter(action="create", object_id=str(later.uuid)).get()
    assert event.details == {"possible_duplicates": [str(earlier.uuid)]}


def test_each_shared_key_is_named_and_the_name_counts_only_with_birth_year_and_commune(orgs, users):
    earlier = register(users["caseworker"], name_latin="Sok Dara", national_id="n123", birth_year=1990)
    later = register(users["case_supervisor"], name_latin="SOK  dara", national_id="N123", birth_year=1990)
    register(users["case_supervisor"], name_latin="Sok Dara", birth_year=1991)  # another birth year: not the same

    assert list(PossibleDuplicate.objects.values_list("person", "other", "reasons")) == [
        (later.pk, earlier.pk, ["name", "national_id"])
    ]


def test_a_registration_confirmed_as_a_different_person_is_not_flagged(users):
    register(users["caseworker"], phone=PHONE)

    register(users["case_supervisor"], phone=PHONE, duplicate_confirmed=True)

    assert PossibleDuplicate.objects.count() == 0


def test_people_of_another_organisation_are_never_flagged(orgs, users):
    register(make_user(orgs["other"], Role.CASEWORKER, username="stranger"), phone=PHONE)

    register(users["caseworker"], phone=PHONE)

    assert PossibleDuplicate.objects.count() == 0


def test_the_form_passes_the_confirmation_and_a_page_registration_is_flagged_without_it(orgs, users, client: Client):
    colleague = make_user(orgs["own"], Role.CASEWORKER, username="colleague")
    register(colleague, phone=PHONE)
    caseworker = users["caseworker"]
    register(caseworker, phone="+85512999999", name_latin="Chan Thida")
    login(client, caseworker)

    # The colleague's person is outside the caseworker's scope: no warning on the form, a flag afterwards.
    response = client.post("/people/new/", form_data(phone="012 345 678", name_latin="Keo Sophal"))
    assert response.status_code == 302
    assert PossibleDuplicate.objects.count() == 1

    # Their own person is in scope: the form warns, and the ticked box is passed on as a confirmation.
    warned = client.post("/people/new/", form_data(phone="012 999 999", name_latin="Chan Thida"))
    assert warned.status_code == 200
    assert len(warned.context["duplicates"]) == 1
    confirmed = client.post(
        "/people/new/", form_data(phone="012 999 999", name_latin="Chan Thida", confirm_not_duplicate="on")
    )
    assert confirmed.status_code == 302
    assert PossibleDuplicate.objects.count() == 1


def test_the_supervisor_sees_the_pair_on_the_home_page_and_records_same_person(orgs, users, client: Client):
    earlier = register(users["caseworker"], phone=PHONE)
    later = register(make_user(orgs["own"], Role.CASEWORKER, username="colleague"), phone=PHONE)
    flag = PossibleDuplicate.objects.get()
    supervisor = users["case_supervisor"]
    login(client, supervisor)

    home = client.get("/").content.decode()
    assert "Possible duplicates to review" in home
    assert f"/duplicates/{flag.uuid}/" in home
    page = client.get(f"/duplicates/{flag.uuid}/")
    assert page.status_code == 200
    assert [p.pk for p in page.context["pair"]] == [later.pk, earlier.pk]
    assert "same phone" in page.content.decode()

    response = client.post(f"/duplicates/{flag.uuid}/", {"decision": "same"})

    assert response.status_code == 302
    flag.refresh_from_db()
    assert (flag.decision, flag.resolved_by) == ("same", supervisor)
    assert flag.resolved_at is not None
    event = AuditEvent.objects.filter(object_type="core.possibleduplicate").get()
    assert (event.action, event.actor, event.details) == (
        "update",
        supervisor,
        {"decision": "same", "person": str(later.uuid), "other": str(earlier.uuid)},
    )
    assert f"/duplicates/{flag.uuid}/" not in client.get("/").content.decode()  # off the work list


def test_deciding_on_a_pair_twice_is_refused(orgs, users):
    register(users["caseworker"], phone=PHONE)
    register(users["case_supervisor"], phone=PHONE)
    flag = PossibleDuplicate.objects.get()
    services.possible_duplicate_resolve(actor=users["case_supervisor"], flag=flag, decision="different")
    events = AuditEvent.objects.count()

    with pytest.raises(ValidationError) as excinfo:
        services.possible_duplicate_resolve(actor=users["case_supervisor"], flag=flag, decision="same")

    assert excinfo.value.messages == ["Someone has already decided on this pair."]
    flag.refresh_from_db()
    assert flag.decision == "different"
    assert AuditEvent.objects.count() == events


def test_an_unknown_decision_is_refused_on_the_page(users, client: Client):
    register(users["caseworker"], phone=PHONE)
    register(users["case_supervisor"], phone=PHONE)
    flag = PossibleDuplicate.objects.get()
    login(client, users["case_supervisor"])

    response = client.post(f"/duplicates/{flag.uuid}/", {"decision": "merge"})

    assert response.status_code == 400
    assert "Choose one of the answers." in response.content.decode()
    flag.refresh_from_db()
    assert (flag.decision, flag.resolved_at) == ("", None)


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.ORG_ADMIN, Role.ME_OFFICER])
def test_a_role_that_does_not_review_duplicates_cannot_see_or_decide_on_a_pair_is_refused(
    orgs, users, client: Client, role
):
    register(users["caseworker"], phone=PHONE)
    register(users["case_supervisor"], phone=PHONE)
    flag = PossibleDuplicate.objects.get()
    login(client, users[role])

    assert client.get(f"/duplicates/{flag.uuid}/").status_code == 404
    assert client.post(f"/duplicates/{flag.uuid}/", {"decision": "same"}).status_code == 404
    assert client.get("/duplicates/").status_code == 403
    assert "Possible duplicates to review" not in client.get("/").content.decode()
    flag.refresh_from_db()
    assert (flag.decision, flag.resolved_at) == ("", None)


def test_another_organisations_supervisor_cannot_decide_on_a_pair_is_refused(orgs, users, client: Client):
    register(users["caseworker"], phone=PHONE)
    register(users["case_supervisor"], phone=PHONE)
    flag = PossibleDuplicate.objects.get()
    login(client, make_user(orgs["other"], Role.CASE_SUPERVISOR, username="other-sup"))

    assert client.post(f"/duplicates/{flag.uuid}/", {"decision": "different"}).status_code == 404
    assert client.get("/duplicates/").context["page"].object_list == []
    flag.refresh_from_db()
    assert (flag.decision, flag.resolved_at) == ("", None)
