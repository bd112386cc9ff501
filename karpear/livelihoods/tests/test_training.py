"""Cascade training and advisors (issue 12, item 6): the cascade counted from attendance, the advisor's limit of
ten households, and the refusals, each leaving nothing changed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import make_user
from karpear.core.roles import Role
from karpear.core.tests.factories import register
from karpear.livelihoods import training_selectors as selectors
from karpear.livelihoods import training_services as services
from karpear.livelihoods.models import AdvisorHousehold, FarmerRole, Group, Training, TrainingAttendance
from karpear.livelihoods.tests import factories as f

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 2, 2)


def _model_farmer(actor, member):  # type: ignore[no-untyped-def]
    return services.farmer_role_name(actor=actor, member=member, kind=FarmerRole.Kind.MODEL_FARMER, since=DAY)


def _staff_training(actor, group, topic=Training.Topic.CHICKEN_RAISING):  # type: ignore[no-untyped-def]
    data = services.TrainingInput(topic=topic, held_on=DAY, hours=Decimal(6))
    return services.training_record(actor=actor, group=group, data=data)


def _farmer_training(actor, group, farmer, on=DAY):  # type: ignore[no-untyped-def]
    data = services.TrainingInput(
        topic=Training.Topic.CHICKEN_RAISING, held_on=on, hours=Decimal(3), trainer_farmer=farmer
    )
    return services.training_record(actor=actor, group=group, data=data)


def test_cascade_of_two_model_farmers_counts_households_from_attendance_not_from_typed_totals() -> None:
    """Two model farmers trained by staff; the first trains 3 people of 2 households (twice, the second time
    with one of them again), the second trains 2 people: 4 households, 5 people. An untrained model farmer
    counts as a model farmer but not as trained."""
    actor = f.officer()
    hub = f.group(actor, "CEDAC producer group", kind=Group.Kind.RICE_PRODUCERS)
    farmers_members = f.members(actor, hub, 3)
    farmers = [_model_farmer(actor, m) for m in farmers_members]
    staff = _staff_training(actor, hub)
    services.attendance_set(actor=actor, training=staff, people=[farmers[0].person, farmers[1].person])

    village_a = f.group(actor, "Village A")
    a = f.members(actor, village_a, 2)
    head = register(actor, name_latin="Head", new_household_code="HH-1", relationship_to_head="head")
    same_household = register(actor, name_latin="Spouse", household=head.household, relationship_to_head="spouse")
    first = _farmer_training(actor, village_a, farmers[0])
    services.attendance_set(actor=actor, training=first, people=[head, a[1].person, same_household])
    again = _farmer_training(actor, village_a, farmers[0], on=DAY + dt.timedelta(days=7))
    services.attendance_set(actor=actor, training=again, people=[a[1].person])
    village_b = f.group(actor, "Village B")
    b = f.members(actor, village_b, 2)
    second = _farmer_training(actor, village_b, farmers[1])
    services.attendance_set(actor=actor, training=second, people=[m.person for m in b])

    found = selectors.cascade(user=actor)

    assert (found.model_farmers, found.model_farmers_trained) == (3, 2)
    assert (found.households_reached, found.people_reached) == (4, 5)
    by_person = {r.role.person_id: r for r in found.farmers}
    assert (by_person[farmers[0].person_id].households, by_person[farmers[0].person_id].people) == (2, 3)
    assert by_person[farmers[0].person_id].sessions_given == 2
    assert by_person[farmers[0].person_id].trainers == [actor.username]
    assert not by_person[farmers[2].person_id].trained
    assert selectors.cascade_counts(user=actor)["households_reached"] == 4


def test_attendance_sent_twice_counts_once_and_an_untick_removes_the_row() -> None:
    actor = f.officer()
    grp = f.group(actor)
    members = f.members(actor, grp, 3)
    training = _staff_training(actor, grp)
    people = [m.person for m in members]
    services.attendance_set(actor=actor, training=training, people=people)
    services.attendance_set(actor=actor, training=training, people=people)
    assert TrainingAttendance.objects.filter(training=training).count() == 3
    services.attendance_set(actor=actor, training=training, people=people[:1])
    assert list(TrainingAttendance.objects.filter(training=training).values_list("person_id", flat=True)) == [
        people[0].pk
    ]


def test_a_model_farmer_is_not_a_trainee_of_their_own_training() -> None:
    actor = f.officer()
    grp = f.group(actor)
    members = f.members(actor, grp, 2)
    farmer = _model_farmer(actor, members[0])
    training = _farmer_training(actor, grp, farmer)
    with pytest.raises(ValidationError) as caught:
        services.attendance_set(actor=actor, training=training, people=[members[0].person, members[1].person])
    assert "trainer, not a trainee" in str(caught.value)
    assert not TrainingAttendance.objects.filter(training=training).exists()


def test_a_training_needs_a_topic_a_past_date_and_sensible_hours() -> None:
    actor = f.officer()
    grp = f.group(actor)
    data = services.TrainingInput(topic="juggling", held_on=dt.date(2999, 1, 1), hours=Decimal(0))
    with pytest.raises(ValidationError) as caught:
        services.training_record(actor=actor, group=grp, data=data)
    assert set(caught.value.message_dict) == {"topic", "held_on", "hours"}
    assert not Training.objects.exists()


def test_an_advisor_is_not_the_trainer_of_a_cascade_training() -> None:
    actor = f.officer()
    grp = f.group(actor)
    member = f.members(actor, grp, 1)[0]
    advisor = services.farmer_role_name(actor=actor, member=member, kind=FarmerRole.Kind.ADVISOR, since=DAY)
    with pytest.raises(ValidationError) as caught:
        _farmer_training(actor, grp, advisor)
    assert "trainer_farmer" in caught.value.message_dict


def test_a_member_holds_a_role_once_at_a_time() -> None:
    actor = f.officer()
    grp = f.group(actor)
    member = f.members(actor, grp, 1)[0]
    _model_farmer(actor, member)
    with pytest.raises(ValidationError) as caught:
        _model_farmer(actor, member)
    assert "holds this role already" in caught.value.message_dict["member"][0]
    assert FarmerRole.objects.count() == 1


def test_an_advisor_follows_ten_households_and_the_eleventh_is_refused_with_a_clear_message() -> None:
    actor = f.officer()
    grp = f.group(actor)
    members = f.members(actor, grp, 12)
    advisor = services.farmer_role_name(actor=actor, member=members[0], kind=FarmerRole.Kind.ADVISOR, since=DAY)
    for member in members[1:11]:
        services.advisor_follow(actor=actor, advisor=advisor, person=member.person, since=DAY)
    with pytest.raises(ValidationError) as caught:
        services.advisor_follow(actor=actor, advisor=advisor, person=members[11].person, since=DAY)
    assert "follows 10 households already" in caught.value.message_dict["person"][0]
    assert AdvisorHousehold.objects.filter(advisor=advisor).count() == 10
    # ending one frees a place
    services.advisor_unfollow(actor=actor, follow=AdvisorHousehold.objects.filter(advisor=advisor).first(), on=DAY)
    services.advisor_follow(actor=actor, advisor=advisor, person=members[11].person, since=DAY)
    assert selectors.cascade_counts(user=actor)["households_followed"] == 10


def test_an_advisor_does_not_follow_the_same_household_twice_through_another_person() -> None:
    actor = f.officer()
    grp = f.group(actor)
    members = f.members(actor, grp, 2)
    advisor = services.farmer_role_name(actor=actor, member=members[0], kind=FarmerRole.Kind.ADVISOR, since=DAY)
    head = register(actor, name_latin="Head", new_household_code="HH-2", relationship_to_head="head")
    services.advisor_follow(actor=actor, advisor=advisor, person=head, since=DAY)
    relative = register(actor, name_latin="Relative", household=head.household, relationship_to_head="child")
    with pytest.raises(ValidationError) as caught:
        services.advisor_follow(actor=actor, advisor=advisor, person=relative, since=DAY)
    assert "through another of its people" in caught.value.message_dict["person"][0]


def test_visits_are_recorded_for_a_followed_household_and_counted() -> None:
    actor = f.officer()
    grp = f.group(actor)
    members = f.members(actor, grp, 2)
    advisor = services.farmer_role_name(actor=actor, member=members[0], kind=FarmerRole.Kind.ADVISOR, since=DAY)
    follow = services.advisor_follow(actor=actor, advisor=advisor, person=members[1].person, since=DAY)
    services.advisor_visit(
        actor=actor, follow=follow, visited_on=DAY, topic=Training.Topic.VEGETABLES, advice="Compost the beds"
    )
    with pytest.raises(ValidationError) as caught:
        services.advisor_visit(actor=actor, follow=follow, visited_on=DAY - dt.timedelta(days=1), topic="x", advice="")
    assert set(caught.value.message_dict) == {"visited_on", "topic", "advice"}
    assert selectors.cascade_counts(user=actor)["advisor_visits"] == 1


def test_someone_without_the_training_capability_records_nothing() -> None:
    actor = f.officer()
    grp = f.group(actor)
    viewer = make_user(actor.memberships.first().organisation, Role.ME_OFFICER, username="me1")
    with pytest.raises(PermissionDenied):
        services.training_record(
            actor=viewer, group=grp, data=services.TrainingInput(topic="marketing", held_on=DAY, hours=Decimal(2))
        )
    assert not Training.objects.exists()


def test_the_financial_literacy_check_reads_attendance_of_the_organisation() -> None:
    actor = f.officer()
    grp = f.group(actor)
    member = f.members(actor, grp, 1)[0]
    org = grp.organisation_id
    assert not selectors.attended_topic(person=member.person, organisation_id=org, topic="financial_literacy")
    training = _staff_training(actor, grp, topic=Training.Topic.FINANCIAL_LITERACY)
    services.attendance_set(actor=actor, training=training, people=[member.person])
    assert selectors.attended_topic(person=member.person, organisation_id=org, topic="financial_literacy")
    assert not selectors.attended_topic(
        person=member.person, organisation_id=org, topic="financial_literacy", by=DAY - dt.timedelta(days=1)
    )
