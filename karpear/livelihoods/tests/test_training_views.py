"""The training pages: a field officer names model farmers and an advisor, records trainings and who attended
through the forms, and reads the cascade counted from that attendance; refusals shown at their field."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conftest import login
from karpear.livelihoods import training_services
from karpear.livelihoods.models import AdvisorHousehold, AdvisorVisit, FarmerRole, Training, TrainingAttendance
from karpear.livelihoods.tests import factories as f

pytestmark = pytest.mark.django_db
DAY = "02/02/2026"


@pytest.fixture
def officer():
    return f.officer()


@pytest.fixture
def browser(officer):
    return login(Client(), officer)


@pytest.fixture
def group(officer):
    grp = f.group(officer, "CEDAC rice producers", formed_on=dt.date(2025, 12, 1))
    f.members(officer, grp, 4)
    return grp


def _get(client: Client, url: str, limit: int = 12) -> str:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert len(queries) <= limit, (url, len(queries), [q["sql"][:120] for q in queries])
    return response.content.decode()


def test_a_cascade_from_model_farmer_to_households_through_the_pages(browser, group, officer):
    members = list(group.members.order_by("number"))
    assert "Trainings" in browser.get(f"/livelihoods/groups/{group.uuid}/").content.decode()
    response = browser.post(
        f"/livelihoods/groups/{group.uuid}/farmers/new/",
        {"member": str(members[0].uuid), "kind": "model_farmer", "since": "05/01/2026"},
    )
    assert response.status_code == 302
    farmer = FarmerRole.objects.get()
    # staff train the model farmer
    response = browser.post(
        f"/livelihoods/groups/{group.uuid}/trainings/new/",
        {"topic": "chicken_raising", "held_on": "10/01/2026", "hours": "6", "trainer": "staff"},
    )
    staff_training = Training.objects.get()
    assert response["Location"].endswith(f"/trainings/{staff_training.uuid}/attendance/")
    page = _get(browser, f"/livelihoods/trainings/{staff_training.uuid}/attendance/")
    assert 'type="checkbox"' in page
    browser.post(f"/livelihoods/trainings/{staff_training.uuid}/attendance/", {"people": [str(farmer.person.uuid)]})
    # the model farmer trains three households
    browser.post(
        f"/livelihoods/groups/{group.uuid}/trainings/new/",
        {"topic": "chicken_raising", "held_on": "20/01/2026", "hours": "3", "trainer": str(farmer.uuid)},
    )
    farmer_training = Training.objects.get(trainer_farmer=farmer)
    page = _get(browser, f"/livelihoods/trainings/{farmer_training.uuid}/attendance/")
    assert str(farmer.person.uuid) not in page  # the trainer is not offered as a trainee
    browser.post(
        f"/livelihoods/trainings/{farmer_training.uuid}/attendance/",
        {"people": [str(m.person.uuid) for m in members[1:]]},
    )
    assert TrainingAttendance.objects.filter(training=farmer_training).count() == 3
    page = _get(browser, "/livelihoods/cascade/")
    assert "Staff → 1 model farmers → 3 households" in page
    assert "1 trainings given → 3 households (3 people)" in page
    _get(browser, f"/livelihoods/groups/{group.uuid}/trainings/")
    _get(browser, f"/livelihoods/trainings/{farmer_training.uuid}/")
    _get(browser, f"/livelihoods/farmers/{farmer.uuid}/")
    _get(browser, "/livelihoods/trainings/?topic=chicken_raising")
    browser.cookies["karpear_language"] = "km"
    page = _get(browser, "/livelihoods/cascade/")
    assert "៣" in page  # Khmer digits


def test_an_advisor_follows_and_visits_a_household_and_the_eleventh_is_refused_at_its_field(browser, officer):
    grp = f.group(officer, "Big group")
    members = f.members(officer, grp, 12)
    advisor = training_services.farmer_role_name(
        actor=officer, member=members[0], kind=FarmerRole.Kind.ADVISOR, since=dt.date(2026, 1, 5)
    )
    for member in members[1:11]:
        response = browser.post(
            f"/livelihoods/farmers/{advisor.uuid}/follow/", {"member": str(member.uuid), "since": DAY}
        )
        assert response.status_code == 302
    response = browser.post(
        f"/livelihoods/farmers/{advisor.uuid}/follow/", {"member": str(members[11].uuid), "since": DAY}
    )
    assert response.status_code == 400
    assert "follows 10 households already" in response.content.decode()
    assert AdvisorHousehold.objects.filter(advisor=advisor).count() == 10
    follow = AdvisorHousehold.objects.first()
    response = browser.post(
        f"/livelihoods/follows/{follow.uuid}/visit/",
        {"visited_on": DAY, "topic": "vegetables", "advice": "Compost", "next_step": ""},
    )
    assert response.status_code == 302
    assert AdvisorVisit.objects.count() == 1
    page = _get(browser, f"/livelihoods/farmers/{advisor.uuid}/", limit=14)
    assert "Households followed: 10 of 10" in page and "Compost" in page


def test_a_training_in_the_future_is_refused_at_its_field_and_nothing_is_saved(browser, group):
    response = browser.post(
        f"/livelihoods/groups/{group.uuid}/trainings/new/",
        {"topic": "marketing", "held_on": "01/01/2999", "hours": "2", "trainer": "staff"},
    )
    assert response.status_code == 400
    assert "The date cannot be in the future." in response.content.decode()
    assert not Training.objects.exists()
