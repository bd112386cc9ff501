"""Community volunteers and their activity log; awareness sessions, workshops, events and home visits counted
by sex and age group: a volunteer sees only their own, a tally larger than the total is refused, a form sent twice
(or queued offline and sent again) saves once, and the reach adds up."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from conftest import login, make_org, make_user
from karpear.core import idempotency
from karpear.core.models import Commune, Province
from karpear.core.roles import Role
from karpear.core.services import PlaceChoice
from karpear.outreach import selectors, services
from karpear.outreach.models import Activity, Volunteer

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def org():
    return make_org("care")


@pytest.fixture
def officer(org):
    return make_user(org, Role.FIELD_OFFICER)


def _commune() -> Commune:
    return Commune.objects.select_related("district__province").order_by("code").first()


def _place(commune: Commune | None = None) -> PlaceChoice:
    commune = commune or _commune()
    return PlaceChoice(province=commune.district.province, district=commune.district, commune=commune)


def _activity(**changes) -> services.ActivityInput:
    values = {
        "kind": Activity.Kind.SESSION,
        "held_on": TODAY,
        "place": _place(),
        "female_adults": 12,
        "male_adults": 8,
        "female_children": 3,
        "male_children": 2,
        "topics": ["passport", "safe_migration"],
        "root_causes": ["debt"],
        "channels": ["ccwc", "religious_leader"],
    }
    values.update(changes)
    return services.ActivityInput(**values)


def _volunteer(org, officer, user=None, **changes) -> Volunteer:
    data = {
        "name": "Srey Leak",
        "sex": "f",
        "recruited_on": TODAY - dt.timedelta(days=200),
        "trained_on": TODAY - dt.timedelta(days=190),
        "communes": [_commune()],
        "username": user.get_username() if user else "",
    }
    data.update(changes)
    return services.volunteer_save(actor=officer, data=services.VolunteerInput(**data))


def test_participants_default_to_the_tally_and_a_crowd_may_be_counted_as_a_whole(officer) -> None:
    session = services.activity_record(actor=officer, data=_activity())
    assert session.participants == 25 and session.topics == ["safe_migration", "passport"]
    event = services.activity_record(
        actor=officer, data=_activity(kind=Activity.Kind.EVENT, participants=1500, title="Anti-Trafficking Day")
    )
    reach = selectors.reach(selectors.activities(user=officer))
    assert (reach.activities, reach.participants, reach.female, reach.male) == (2, 1525, 30, 20)
    assert reach.not_by_sex == 1525 - 50 and event.counted_by_sex == 25


def test_more_people_by_sex_than_in_total_is_refused_and_nothing_saved(officer) -> None:
    with pytest.raises(ValidationError) as refused:
        services.activity_record(actor=officer, data=_activity(participants=20))
    assert (
        "Fewer participants in all (20) than counted by sex and age (25)." in refused.value.message_dict["participants"]
    )
    with pytest.raises(ValidationError) as empty:
        services.activity_record(
            actor=officer,
            data=_activity(female_adults=0, male_adults=0, female_children=0, male_children=0),
        )
    assert "participants" in empty.value.message_dict
    with pytest.raises(ValidationError) as visits:
        services.activity_record(actor=officer, data=_activity(kind=Activity.Kind.VISITS))
    assert "households_visited" in visits.value.message_dict
    with pytest.raises(ValidationError) as future:
        services.activity_record(actor=officer, data=_activity(held_on=TODAY + dt.timedelta(days=1)))
    assert "held_on" in future.value.message_dict
    assert not Activity.objects.exists()


def test_the_same_submission_saves_once(officer) -> None:
    import uuid

    key = uuid.uuid4()
    first = services.activity_record(actor=officer, data=_activity(), submission=key)
    again = services.activity_record(actor=officer, data=_activity(), submission=key)
    assert first.pk == again.pk and Activity.objects.count() == 1


def test_a_volunteer_records_and_sees_only_their_own_activities(org, officer) -> None:
    account = make_user(org, Role.VOLUNTEER, username="leak")
    other_account = make_user(org, Role.VOLUNTEER, username="dara")
    volunteer = _volunteer(org, officer, account)
    other = _volunteer(org, officer, other_account, name="Dara", sex="m")
    mine = services.activity_record(actor=account, data=_activity(volunteer=other))  # cannot record as another
    assert mine.volunteer == volunteer
    services.activity_record(actor=other_account, data=_activity())
    staff = services.activity_record(actor=officer, data=_activity(volunteer=other))
    assert staff.volunteer == other
    assert list(selectors.activities(user=account)) == [mine]
    assert set(selectors.activities(user=officer)) == set(Activity.objects.all())
    assert list(selectors.volunteers(user=account)) == [volunteer]
    volunteers = {v.name: v for v in selectors.volunteers(user=officer)}
    assert (volunteers["Dara"].activity_count, volunteers["Dara"].reached) == (2, 50)
    with pytest.raises(PermissionDenied):
        _volunteer(org, account, name="Self-made")
    stranger = make_user(make_org("other"), Role.FIELD_OFFICER)
    assert not selectors.activities(user=stranger).exists()


def test_a_volunteer_account_must_be_a_volunteer_of_the_organisation_and_belongs_to_one_record(org, officer) -> None:
    caseworker = make_user(org, Role.CASEWORKER)
    with pytest.raises(ValidationError) as wrong:
        _volunteer(org, officer, caseworker)
    assert "username" in wrong.value.message_dict
    account = make_user(org, Role.VOLUNTEER)
    _volunteer(org, officer, account)
    with pytest.raises(ValidationError) as taken:
        _volunteer(org, officer, account, name="Twice")
    assert "username" in taken.value.message_dict
    assert Volunteer.objects.count() == 1


def test_roles_without_the_capability_record_nothing(org) -> None:
    for role in (Role.CASEWORKER, Role.HOTLINE_OFFICER, Role.ME_OFFICER, Role.PROGRAMME_MANAGER):
        with pytest.raises(PermissionDenied):
            services.activity_record(actor=make_user(org, role), data=_activity())
    assert not Activity.objects.exists()


def test_a_place_limited_volunteer_records_only_in_their_communes(org) -> None:
    commune = _commune()
    account = make_user(org, Role.VOLUNTEER, place_limited=True)
    account.memberships.get().communes.set([commune])
    elsewhere = Commune.objects.exclude(district__province=commune.district.province).order_by("code").first()
    with pytest.raises(ValidationError):
        services.activity_record(actor=account, data=_activity(place=_place(elsewhere)))
    assert services.activity_record(actor=account, data=_activity()).commune == commune


def test_a_volunteer_logs_a_session_in_the_browser_once_even_if_sent_twice(org, officer) -> None:
    account = make_user(org, Role.VOLUNTEER)
    _volunteer(org, officer, account)
    client = login(Client(), account)
    form = client.get("/safe-migration/staff/activities/new/")
    assert form.status_code == 200 and form.headers.get(idempotency.OFFLINE_HEADER) == "page"
    commune = _commune()
    data = {
        "kind": "session",
        "held_on": TODAY.strftime("%d/%m/%Y"),
        "province": commune.district.province.code,
        "district": commune.district.code,
        "commune": commune.code,
        "female_adults": "១០",
        "male_adults": "7",
        "topics": ["deception"],
        idempotency.FIELD: "a" * 32,
    }
    first = client.post("/safe-migration/staff/activities/new/", data)
    assert first.status_code == 302, first.content.decode()[:3000]
    again = client.post("/safe-migration/staff/activities/new/", data)
    assert again.status_code in (302, 303)
    assert Activity.objects.count() == 1 and Activity.objects.get().participants == 17
    bad = client.post(
        "/safe-migration/staff/activities/new/", {**data, "participants": "3", idempotency.FIELD: "b" * 32}
    )
    assert bad.status_code == 400 and "Fewer participants in all" in bad.content.decode()
    listing = client.get("/safe-migration/staff/activities/").content.decode()
    assert "17" in listing and Activity.objects.count() == 1
    assert Province.objects.filter(code=commune.district.province.code).exists()
