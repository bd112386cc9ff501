"""The livelihoods API over the same services as the pages: groups formed and meetings recorded by the field
officer of the organisation, nothing of another organisation's, and every refusal in the API's one error body."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from conftest import login, make_org, make_user
from karpear.core.models import Organisation
from karpear.core.roles import Role
from karpear.core.tests.factories import first_village
from karpear.livelihoods.models import Group, LedgerEntry, Meeting
from karpear.livelihoods.tests import factories as f

pytestmark = pytest.mark.django_db

GROUPS = "/api/v1/livelihoods/groups/"
MEETINGS = "/api/v1/livelihoods/meetings/"


@pytest.fixture
def officer():
    return f.officer()


@pytest.fixture
def api(officer) -> Client:
    return login(Client(HTTP_ACCEPT_LANGUAGE="en"), officer)


@pytest.fixture
def running(officer):
    grp = f.group(officer)
    f.members(officer, grp, 3)
    return f.cycle(officer, grp)


def meeting_body(running_cycle, **changes):
    body = {
        "cycle": str(running_cycle.uuid),
        "number": 1,
        "held_on": f.weeks(0).isoformat(),
        "submission": str(uuid.uuid4()),
        "rows": [{"number": n, "attendance": "present", "shares": 2, "social": "500"} for n in (1, 2, 3)],
    }
    body.update(changes)
    return body


def test_a_field_officer_forms_a_group_in_a_village_and_reads_it_back(api):
    village = first_village("200103")

    response = api.post(
        GROUPS,
        {"name": "Svay Rieng savings group", "kind": "savings", "village": village.pk, "formed_on": "2026-02-01"},
        content_type="application/json",
    )

    assert response.status_code == 201, response.json()
    answer = response.json()
    assert (answer["name"], answer["commune"], answer["village"]) == ("Svay Rieng savings group", "200103", village.pk)
    assert api.get(f"{GROUPS}{answer['uuid']}/").json()["name"] == "Svay Rieng savings group"


def test_a_number_is_not_a_group_name(api):
    village = first_village("200103")

    response = api.post(
        GROUPS, {"name": 0, "kind": "savings", "village": village.pk, "formed_on": "2026-02-01"}, "application/json"
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"name": ["Not a valid string."]}
    assert not Group.objects.exists()


def test_a_meeting_sent_twice_is_recorded_once(api, running):
    body = meeting_body(running)

    first = api.post(MEETINGS, body, content_type="application/json")
    again = api.post(MEETINGS, body, content_type="application/json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["uuid"] == again.json()["uuid"]
    assert Meeting.objects.count() == 1
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.SHARES).count() == 3


def test_errors_in_a_meetings_rows_name_the_row_and_field(api, running):
    body = meeting_body(running, rows=[{"attendance": "present"}, {"number": 2, "attendance": "present", "fine": "-"}])

    response = api.post(MEETINGS, body, content_type="application/json")

    assert response.status_code == 400
    fields = response.json()["fields"]
    assert fields == {"rows.0.number": ["This field is required."], "rows.1.fine": ["A valid number is required."]}
    assert not Meeting.objects.exists()


def test_an_unknown_or_foreign_cycle_is_a_field_error_not_a_missing_page(api, running):
    stranger = f.officer(make_org("cedac"), username="stranger")
    foreign = f.cycle(stranger, f.group(stranger, name="CEDAC group"))

    for key in (uuid.uuid4(), foreign.uuid):
        response = api.post(MEETINGS, meeting_body(running, cycle=str(key)), content_type="application/json")

        assert response.status_code == 400
        assert list(response.json()["fields"]) == ["cycle"]
    assert not Meeting.objects.exists()


def test_a_case_supervisor_has_no_savings_groups_to_read(running):
    organisation = Organisation.objects.get(short_name="sovann")
    supervisor = login(Client(HTTP_ACCEPT_LANGUAGE="en"), make_user(organisation, Role.CASE_SUPERVISOR))

    assert supervisor.get(GROUPS).status_code == 403
    assert supervisor.get(f"{GROUPS}{running.group.uuid}/").status_code in (403, 404)


def test_another_organisations_groups_are_not_found(running):
    stranger = login(Client(HTTP_ACCEPT_LANGUAGE="en"), f.officer(make_org("cedac"), username="stranger"))

    assert stranger.get(GROUPS).json()["count"] == 0
    assert stranger.get(f"{GROUPS}{running.group.uuid}/").status_code == 404
