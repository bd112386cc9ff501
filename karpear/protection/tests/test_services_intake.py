"""Intake at a transit centre through the services: one returnee, a group arriving together, case numbers,
and what is refused (nothing half-saved, nothing saved twice)."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from conftest import make_user
from karpear.core.models import AuditEvent, Consent, Identity, Person, PossibleDuplicate
from karpear.core.roles import Role
from karpear.core.tests.factories import person_input
from karpear.protection import services
from karpear.protection.models import GroupArrival, ProtectionCase
from karpear.protection.tests import factories as f

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int, int, int]:
    return (
        Person.objects.count(),
        Identity.objects.count(),
        ProtectionCase.objects.count(),
        Consent.objects.count(),
        AuditEvent.objects.exclude(action="search").count(),
    )


def test_case_numbers_follow_each_other_per_organisation_and_year(orgs, users):
    year = timezone.localdate().year
    other = make_user(orgs["other"], Role.CASEWORKER)

    first, second = f.case(users["caseworker"]), f.case(users["case_supervisor"], name_latin="Keo Sophea")
    elsewhere = f.case(other, name_latin="Mao Thida")

    assert (first.number, second.number) == (f"ALPHA-P-{year}-00001", f"ALPHA-P-{year}-00002")
    assert elsewhere.number == f"BETA-P-{year}-00001"


def test_registering_a_returnee_saves_the_person_the_case_the_rights_notice_and_the_consents(users):
    caseworker = users["caseworker"]

    case = services.intake_register(
        actor=caseworker,
        person=person_input(name_km="សុខ ដារ៉ា", name_latin="", sex="male"),
        intake=f.intake(employer_type="boat", industry="A", origin_place="Songkhla"),
        rights=services.RightsInput(acknowledged_by="person"),
        consents=[services.ConsentInput("case_management", True, "Sok Dara")],
    )

    case.refresh_from_db()
    assert case.person.identity.name_km == "សុខ ដារ៉ា"
    assert (case.assigned_to, case.created_by, case.status, case.identification) == (
        caseworker,
        caseworker,
        "active",
        "not_screened",
    )
    assert (case.employer_type, case.industry, case.origin_place) == ("boat", "A", "Songkhla")
    assert (case.rights_acknowledged_on, case.rights_acknowledged_by) == (timezone.localdate(), "person")
    assert list(Consent.objects.values_list("purpose", "given", "given_by")) == [("case_management", True, "Sok Dara")]
    events = AuditEvent.objects.filter(object_type="protection.protectioncase", object_id=str(case.uuid))
    assert [e.action for e in events.order_by("id")] == ["create", "search"]  # the re-trafficking check


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"arrived_on": timezone.localdate() + timezone.timedelta(days=1)}, "arrived_on", "future"),
        ({"origin_country": "XX"}, "origin_country", "Choose a country"),
        ({"return_type": "flew"}, "return_type", "how the person returned"),
    ],
)
def test_a_bad_intake_saves_nothing_and_names_the_field(users, change, field, message):
    before = counts()

    with pytest.raises(ValidationError) as excinfo:
        services.intake_register(actor=users["caseworker"], person=person_input(), intake=f.intake(**change))

    assert list(excinfo.value.message_dict) == [field]
    assert message in excinfo.value.message_dict[field][0]
    assert counts() == before


@pytest.mark.parametrize("role", [Role.VOLUNTEER, Role.ME_OFFICER, Role.PROGRAMME_OFFICER, Role.FIELD_OFFICER])
def test_roles_outside_protection_cannot_receive_returnees(users, role):
    before = counts()

    with pytest.raises(PermissionDenied):
        services.intake_register(actor=users[role], person=person_input(), intake=f.intake())
    with pytest.raises(PermissionDenied):
        services.group_arrival_register(actor=users[role], data=services.GroupInput(f.intake(), f.rows(2)))

    assert counts() == before


def test_a_group_arrival_makes_a_person_and_a_case_per_row_in_one_go(users):
    caseworker = users["caseworker"]

    result = services.group_arrival_register(
        actor=caseworker, data=services.GroupInput(f.intake(), f.rows(5), submission=uuid.uuid4())
    )

    assert result.created
    assert [c.number[-5:] for c in result.cases] == ["00001", "00002", "00003", "00004", "00005"]
    assert {c.group_id for c in result.cases} == {result.group.pk}
    assert result.group.size == 5
    people = Person.objects.filter(protection_cases__group=result.group).order_by("id")
    assert [(p.sex, p.birth_year, p.birth_year_estimated) for p in people][:2] == [
        ("female", f.arrived().year - 20, True),
        ("male", f.arrived().year - 21, True),
    ]
    assert Identity.objects.filter(person__in=people, name_latin__startswith="Returnee").count() == 5


def test_the_same_group_submission_is_saved_once(users):
    caseworker = users["caseworker"]
    data = services.GroupInput(f.intake(), f.rows(3), submission=uuid.uuid4())

    first = services.group_arrival_register(actor=caseworker, data=data)
    before = counts()
    again = services.group_arrival_register(actor=caseworker, data=data)

    assert (first.created, again.created) == (True, False)
    assert again.group == first.group and again.cases == first.cases
    assert counts() == before
    assert GroupArrival.objects.count() == 1


def test_an_empty_group_or_a_bad_row_saves_nothing(users):
    before = counts()

    with pytest.raises(ValidationError) as empty:
        services.group_arrival_register(actor=users["caseworker"], data=services.GroupInput(f.intake(), []))
    rows = f.rows(3)
    rows[1].name, rows[2].age = " ", 140
    with pytest.raises(ValidationError) as bad:
        services.group_arrival_register(actor=users["caseworker"], data=services.GroupInput(f.intake(), rows))

    assert empty.value.message_dict == {"rows": ["Add at least one person: every row is empty."]}
    assert bad.value.message_dict == {
        "row-1-name": ["Enter the name."],
        "row-2-age": ["Enter an age between 0 and 110."],
    }
    assert counts() == before
    assert GroupArrival.objects.count() == 0


def test_a_future_arrival_refuses_the_whole_group(users):
    with pytest.raises(ValidationError) as excinfo:
        services.group_arrival_register(
            actor=users["caseworker"],
            data=services.GroupInput(f.intake(arrived_on=timezone.localdate() + timezone.timedelta(days=3)), f.rows(2)),
        )

    assert excinfo.value.message_dict == {"arrived_on": ["The arrival date cannot be in the future."]}
    assert Person.objects.count() == 0


def test_the_rights_notice_cannot_be_acknowledged_before_arrival_or_by_nobody(users):
    case = f.case(users["caseworker"])

    with pytest.raises(ValidationError) as early:
        services.rights_acknowledge(
            actor=users["caseworker"],
            case=case,
            rights=services.RightsInput("person", acknowledged_on=case.arrived_on - timezone.timedelta(days=1)),
        )
    with pytest.raises(ValidationError) as nobody:
        services.rights_acknowledge(actor=users["caseworker"], case=case, rights=services.RightsInput(""))

    assert list(early.value.message_dict) == ["rights_acknowledged_on"]
    assert list(nobody.value.message_dict) == ["rights_acknowledged_by"]
    case.refresh_from_db()
    assert case.rights_acknowledged_on is None


def test_another_organisation_cannot_change_a_case(users, orgs):
    case = f.case(users["caseworker"])
    stranger = make_user(orgs["other"], Role.CASEWORKER, username="stranger")

    with pytest.raises(Exception) as excinfo:
        services.rights_acknowledge(actor=stranger, case=case, rights=services.RightsInput("person"))

    assert type(excinfo.value).__name__ == "Http404"
    case.refresh_from_db()
    assert case.rights_acknowledged_on is None


# ---------------------------------------------------------------- a group's cost does not grow with its size
GROUP_OF_50_QUERIES = 31  # SQLite: 31 for the first group of a year (the number sequences made), 25 after; 1,413 before


def _group_queries(actor, size: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    data = services.GroupInput(f.intake(), f.rows(size), submission=uuid.uuid4())
    with CaptureQueriesContext(connection) as captured:
        services.group_arrival_register(actor=actor, data=data)
    return len(captured)


def test_a_group_of_fifty_arrivals_is_saved_with_a_fixed_number_of_queries(users, django_assert_max_num_queries):
    data = services.GroupInput(f.intake(), f.rows(50), submission=uuid.uuid4())

    with django_assert_max_num_queries(GROUP_OF_50_QUERIES):
        result = services.group_arrival_register(actor=users["caseworker"], data=data)

    assert len(result.cases) == 50 and ProtectionCase.objects.filter(group=result.group).count() == 50
    assert Person.objects.filter(protection_cases__group=result.group).count() == 50


def test_a_group_costs_the_same_queries_whatever_its_size(users):
    caseworker = users["caseworker"]
    _group_queries(caseworker, 2)  # the sequences' rows of the year exist from here on

    assert _group_queries(caseworker, 5) == _group_queries(caseworker, 50)


def test_a_group_is_audited_and_timed_per_record_and_numbered_past_taken_numbers(users):
    caseworker = users["caseworker"]
    year = timezone.localdate().year
    services.case_open(actor=caseworker, person=f.case(caseworker).person, intake=f.intake())  # 00001, 00002
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True)[0]

    result = services.group_arrival_register(
        actor=caseworker, data=services.GroupInput(f.intake(), f.rows(4), submission=uuid.uuid4())
    )

    assert [c.number for c in result.cases] == [f"ALPHA-P-{year}-{n:05d}" for n in (3, 4, 5, 6)]
    people = [c.person for c in result.cases]
    assert len({p.case_number for p in people}) == 4
    created = AuditEvent.objects.filter(action="create", id__gt=before)
    assert sorted(created.values_list("object_type", flat=True)) == sorted(
        ["core.person"] * 4 + ["protection.grouparrival"] + ["protection.protectioncase"] * 4
    )
    for case in result.cases:
        assert list(case.events.values_list("kind", flat=True)) == ["opened"]
        assert case.person.history.get().history_user == caseworker
        assert case.person.identity.history.get().name_latin == case.person.identity.name_latin
        assert (case.assigned_to, case.team, case.person.assigned_to) == (
            caseworker,
            caseworker.memberships.get().team,
            caseworker,
        )


def test_a_group_flags_arrivals_already_registered_and_twins_within_it(users):
    caseworker = users["caseworker"]
    earlier = f.case(caseworker, name_latin="Returnee 0", birth_year=f.arrived().year - 20).person
    rows = f.rows(3)
    rows[2].name, rows[2].age = "Returnee 1", rows[1].age  # the same name, age and village as row 1

    result = services.group_arrival_register(
        actor=caseworker, data=services.GroupInput(f.intake(), rows, submission=uuid.uuid4())
    )

    first, second, third = (c.person for c in result.cases)
    flags = {(d.person_id, d.other_id) for d in PossibleDuplicate.objects.all()}
    assert flags == {(first.pk, earlier.pk), (third.pk, second.pk)}  # never the earlier row against a later one
    audited = AuditEvent.objects.get(object_type="core.person", object_id=str(first.uuid))
    assert audited.details == {"possible_duplicates": [str(earlier.uuid)]}


def test_a_row_core_refuses_names_its_row_and_saves_nothing(users):
    before = counts()
    rows = f.rows(3)
    rows[2].name = "N" * 151

    with pytest.raises(ValidationError) as excinfo:
        services.group_arrival_register(actor=users["caseworker"], data=services.GroupInput(f.intake(), rows))

    assert "row-2-name_latin" in excinfo.value.message_dict  # (and its search key, as person_create says)
    assert all(key.startswith("row-2-") for key in excinfo.value.message_dict)
    assert counts() == before
    assert GroupArrival.objects.count() == 0
