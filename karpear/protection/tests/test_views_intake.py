"""The intake pages in the browser (no script): register one returnee, a group, the case page within its query
budget with identity shown only to roles that read it (audited), and who gets 403/404."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone

from conftest import login, make_user
from karpear.core.models import AuditEvent, IdempotencyRecord, Person
from karpear.core.roles import Role
from karpear.core.tests.factories import form_data
from karpear.protection.models import GroupArrival, ProtectionCase
from karpear.protection.tests import factories as f

pytestmark = pytest.mark.django_db

PEOPLE = [("Sok Dara", "male", "24"), ("ចាន់ សុភា", "female", "19"), ("Heng Vanna", "male", "31")]


def _key(page: str) -> str:
    found = re.search(r'name="_idempotency_key" value="([^"]+)"', page)
    assert found, "the form carries no one-time key"
    return found[1]


def _identity_reads(case: ProtectionCase) -> int:
    return AuditEvent.objects.filter(action="view", object_id=str(case.person.uuid), details__fields="identity").count()


def test_the_case_page_shows_the_case_and_the_identity_to_the_caseworker_and_audits_the_read(
    users, django_assert_max_num_queries
):
    caseworker = users["caseworker"]
    case = f.case(caseworker, name_latin="Sok Dara")
    browser = login(Client(), caseworker)
    browser.get("/")  # the session and membership are set up by the first request

    with django_assert_max_num_queries(10):
        response = browser.get(f"/protection/cases/{case.uuid}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert case.number in page and "Sok Dara" in page and "Svay Rieng transit centre" in page
    assert "The rights notice has not been acknowledged yet." in page
    assert "សុវត្ថិភាព" in page and "Safety and protection." in page  # the notice in Khmer and English
    assert _identity_reads(case) == 1


def test_a_role_that_does_not_read_identities_sees_the_case_without_names_and_nothing_is_audited(users):
    case = f.case(users["caseworker"], name_latin="Sok Dara")
    officer = users["field_officer"]
    ProtectionCase.objects.filter(pk=case.pk).update(assigned_to=officer)  # a case followed by the livelihood officer

    response = login(Client(), officer).get(f"/protection/cases/{case.uuid}/")

    assert response.status_code == 200
    assert case.number in response.content.decode() and "Sok Dara" not in response.content.decode()
    assert _identity_reads(case) == 0


@pytest.mark.parametrize("role", [Role.VOLUNTEER, Role.ME_OFFICER, Role.PROGRAMME_OFFICER, Role.ORG_ADMIN])
def test_roles_outside_protection_get_403_on_the_lists_and_404_on_a_case(users, role):
    case = f.case(users["caseworker"])
    browser = login(Client(), users[role])

    assert browser.get("/protection/cases/").status_code == 403
    assert browser.get("/protection/arrivals/new/").status_code == 403
    assert browser.get(f"/protection/cases/{case.uuid}/").status_code == 404


def test_another_organisations_caseworker_gets_404_and_changes_nothing(users, orgs):
    case = f.case(users["caseworker"])
    stranger = login(Client(), make_user(orgs["other"], Role.CASEWORKER, username="stranger"))

    assert stranger.get(f"/protection/cases/{case.uuid}/").status_code == 404
    assert stranger.post(f"/protection/cases/{case.uuid}/rights/", {"acknowledged_by": "person"}).status_code == 404
    case.refresh_from_db()
    assert case.rights_acknowledged_on is None


def test_the_case_list_shows_exactly_the_scope(users):
    mine = f.case(users["caseworker"], name_latin="Sok Dara")
    colleague = make_user(mine.organisation, Role.CASEWORKER, username="colleague")
    theirs = f.case(colleague, name_latin="Keo Rath")

    own_list = login(Client(), users["caseworker"]).get("/protection/cases/").content.decode()
    supervisor_list = login(Client(), users["case_supervisor"]).get("/protection/cases/").content.decode()

    assert mine.number in own_list and theirs.number not in own_list
    assert mine.number in supervisor_list and theirs.number in supervisor_list


def test_registering_a_returnee_from_the_screen(users):
    browser = login(Client(), users["caseworker"])
    data = {**form_data(name_latin="Pov Samnang", sex="male"), **f.intake_post(), "rights_acknowledged_by": "person"}
    data.update(consent_case_management="yes", consent_given_by="Pov Samnang")

    response = browser.post("/protection/cases/new/", data)

    case = ProtectionCase.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/protection/cases/{case.uuid}/"
    assert case.rights_acknowledged_by == "person" and case.person.consents.count() == 1


def test_the_register_screen_warns_of_a_possible_duplicate_and_saves_nothing(users):
    f.case(users["caseworker"], name_latin="Pov Samnang", sex="male", birth_year=1998)
    browser = login(Client(), users["caseworker"])
    data = {**form_data(name_latin="Pov Samnang", sex="male", birth_year="1998"), **f.intake_post()}

    response = browser.post("/protection/cases/new/", data)

    assert response.status_code == 200  # valid input, nothing saved: the user compares, then confirms
    assert "This may be someone already registered:" in response.content.decode()
    assert ProtectionCase.objects.count() == 1


def test_a_future_arrival_date_is_refused_next_to_the_field(users):
    browser = login(Client(), users["caseworker"])
    tomorrow = (timezone.localdate() + timezone.timedelta(days=1)).strftime("%d/%m/%Y")

    response = browser.post("/protection/cases/new/", {**form_data(), **f.intake_post(arrived_on=tomorrow)})

    assert response.status_code == 400
    assert "The arrival date cannot be in the future." in response.content.decode()
    assert Person.objects.count() == 0


def test_the_group_screen_saves_each_person_once_whatever_the_network_does(users):
    browser = login(Client(), users["caseworker"])
    screen = browser.get("/protection/arrivals/new/")
    data = {**f.group_post(PEOPLE), "_idempotency_key": _key(screen.content.decode()), "_draft": "protection-group"}

    first = browser.post("/protection/arrivals/new/", data)
    again = browser.post("/protection/arrivals/new/", data, follow=True)  # a double tap
    IdempotencyRecord.objects.all().delete()  # the key's record expired (KARPEAR_IDEMPOTENCY_DAYS)
    late = browser.post("/protection/arrivals/new/", data, follow=True)  # the phone's queue, days later

    group = GroupArrival.objects.get()
    assert screen["Karpear-Offline"] == "page"
    assert first.status_code == 302 and first["Location"] == f"/protection/cases/?group={group.uuid}"
    assert "This was already saved." in again.content.decode()
    assert "This group was saved already. Nothing was saved twice." in late.content.decode()
    assert (ProtectionCase.objects.count(), Person.objects.count(), group.size) == (3, 3, 3)
    listed = late.content.decode()
    assert all(case.number in listed for case in ProtectionCase.objects.all())


def test_the_group_screen_refuses_all_empty_rows_and_a_row_without_a_name(users):
    browser = login(Client(), users["caseworker"])

    empty = browser.post("/protection/arrivals/new/", f.group_post([]))
    nameless = browser.post("/protection/arrivals/new/", f.group_post([("Sok Dara", "male", "24"), ("", "female", "")]))

    assert empty.status_code == 400
    assert "Add at least one person: every row is empty." in empty.content.decode()
    assert nameless.status_code == 400
    assert re.search(r'name="row-1-name".*?Enter the name\.', nameless.content.decode(), re.S)  # next to row 2's name
    assert (Person.objects.count(), GroupArrival.objects.count()) == (0, 0)


def test_more_rows_keeps_what_was_typed_and_saves_nothing(users):
    browser = login(Client(), users["caseworker"])

    response = browser.post("/protection/arrivals/new/", {**f.group_post(PEOPLE), "_more": "1"})

    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="row-19-name"' in page and 'value="Sok Dara"' in page
    assert Person.objects.count() == 0


def test_the_group_screen_costs_the_same_queries_for_three_people_or_thirty(users):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    browser = login(Client(), users["caseworker"])
    counted = []
    for size in (3, 3, 30):  # the first post makes the year's number sequences
        people = [(f"Returnee {n}", "female", str(20 + n)) for n in range(size)]
        screen = browser.get("/protection/arrivals/new/").content.decode()
        data = {**f.group_post(people), "_idempotency_key": _key(screen)}
        with CaptureQueriesContext(connection) as captured:
            response = browser.post("/protection/arrivals/new/", data)
        assert response.status_code == 302, response.content.decode()[:2000]
        counted.append(len(captured))

    assert counted[1] == counted[2]  # the villages read once for every row, the people and cases in bulk
    assert ProtectionCase.objects.count() == 36
