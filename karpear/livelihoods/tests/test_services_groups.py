"""Groups, members, committee and stages through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import make_user
from karpear.core.models import AuditEvent, Person
from karpear.core.roles import Role
from karpear.core.tests.factories import person_input, place
from karpear.livelihoods import selectors, services
from karpear.livelihoods.models import CommitteeRole, Group, GroupMember, GroupStage
from karpear.livelihoods.tests import factories as f

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def officer():
    return f.officer()


def test_a_field_officer_forms_a_group_in_a_village_and_follows_it(officer):
    group = f.group(officer, name="  ក្រុមសន្សំប្រាក់ ភូមិ១  ")

    assert (group.name, group.kind, group.commune_id, group.facilitator) == (
        "ក្រុមសន្សំប្រាក់ ភូមិ១",
        Group.Kind.SAVINGS,
        "200103",
        officer,
    )
    assert list(selectors.group_list(user=officer, mine=True)) == [group]
    assert list(selectors.group_list(user=officer, query="ក្រុមសន្សំ")) == [group]
    assert AuditEvent.objects.filter(object_type="livelihoods.group", action="create").count() == 1


def test_a_group_without_a_commune_or_formed_in_the_future_is_refused(officer):
    with pytest.raises(ValidationError) as error:
        f.group(officer, name="", place=services.PlaceChoice(), formed_on=dt.date(2099, 1, 1))

    assert set(error.value.message_dict) == {"name", "commune", "formed_on"}
    assert Group.objects.count() == 0


def test_members_are_core_people_numbered_in_the_group(officer):
    group = f.group(officer)
    first, second = f.members(officer, group, 2)
    new = services.member_register(
        actor=officer, group=group, data=person_input(name_km="សុខ ដារ៉ា", place=place()), joined_on=dt.date(2025, 12, 2)
    )

    assert [m.number for m in (first, second, new)] == [1, 2, 3]
    assert isinstance(new.person, Person) and new.person.organisation == group.organisation
    with pytest.raises(ValidationError) as error:
        services.member_add(actor=officer, group=group, person=first.person, joined_on=dt.date(2025, 12, 3))
    assert error.value.message_dict == {"person": ["This person is a member of the group already."]}


def test_a_member_who_owes_a_loan_cannot_leave(officer):
    group = f.group(officer)
    f.members(officer, group, 2)
    cycle = f.cycle(officer, group)
    f.meet(officer, cycle, 1, f.START, [1, 2], shares={1: 5})
    f.meet(officer, cycle, 2, f.weeks(1), [1, 2], loan={1: 20_000})
    member = GroupMember.objects.get(group=group, number=1)

    with pytest.raises(ValidationError) as error:
        services.member_leave(actor=officer, member=member, on=f.weeks(2), reason="migrated")

    assert error.value.message_dict == {"on": ["This member still owes a loan: it must be repaid first."]}
    assert GroupMember.objects.get(pk=member.pk).left_on is None


def test_key_holders_are_three_and_never_on_the_committee(officer):
    group = f.group(officer)
    m = f.members(officer, group, 5)
    day = dt.date(2025, 12, 5)
    services.committee_assign(actor=officer, member=m[0], role="chair", since=day)
    for member in m[1:4]:
        services.committee_assign(actor=officer, member=member, role="key_holder", since=day)

    with pytest.raises(ValidationError, match="may not sit on the committee"):
        services.committee_assign(actor=officer, member=m[0], role="key_holder", since=day)
    with pytest.raises(ValidationError, match="three key holders already"):
        services.committee_assign(actor=officer, member=m[4], role="key_holder", since=day)
    with pytest.raises(ValidationError, match="may not sit on the committee"):
        services.committee_assign(actor=officer, member=m[1], role="treasurer", since=day)
    # A new chair ends the previous chair's term.
    services.committee_assign(actor=officer, member=m[4], role="chair", since=dt.date(2026, 1, 5))
    assert [(r.role, r.member.number) for r in selectors.committee_of(user=officer, group=group)] == [
        ("chair", 5),
        ("key_holder", 2),
        ("key_holder", 3),
        ("key_holder", 4),
    ]
    assert CommitteeRole.objects.get(member=m[0]).until == dt.date(2026, 1, 5)


def test_the_four_advocacy_stages_come_in_order_with_evidence(officer):
    group = f.group(officer)
    with pytest.raises(ValidationError) as error:
        services.stage_record(actor=officer, group=group, stage=2, reached_on=dt.date(2026, 2, 1), evidence="x")
    assert error.value.message_dict == {"stage": ["The group must reach the stage before this one first."]}

    services.stage_record(
        actor=officer, group=group, stage=1, reached_on=dt.date(2026, 1, 10), evidence="Awareness session, 24 people"
    )
    with pytest.raises(ValidationError) as error:
        services.stage_record(actor=officer, group=group, stage=2, reached_on=dt.date(2026, 1, 9), evidence=" ")
    assert error.value.message_dict == {
        "reached_on": ["This stage cannot be reached before the stage before it."],
        "evidence": ["Say what shows the group reached this stage."],
    }
    assert GroupStage.objects.filter(group=group).count() == 1


def test_a_group_with_an_open_cycle_shares_out_before_it_dissolves(officer):
    group = f.group(officer)
    f.members(officer, group, 1)
    f.cycle(officer, group)

    with pytest.raises(ValidationError) as error:
        services.group_dissolve(actor=officer, group=group, on=f.weeks(1), reason="members_decided")

    assert error.value.message_dict == {"on": ["The group's savings cycle is still open: share it out first."]}
    assert Group.objects.get(pk=group.pk).dissolved_on is None


def test_a_constitution_in_riel_takes_whole_riel_and_a_sensible_share_range(officer):
    group = f.group(officer)
    with pytest.raises(ValidationError) as error:
        f.cycle(officer, group, share_price=D("5000.5"), min_shares=4, max_shares=3)

    assert error.value.message_dict == {
        "share_price": ["Amounts in riel are whole riel."],
        "min_shares": ["The fewest shares cannot be more than the most shares."],
    }


def test_a_caseworker_cannot_form_a_group_and_nothing_is_saved(officer):
    caseworker = make_user(officer.memberships.get().organisation, Role.CASEWORKER, username="cw")

    with pytest.raises(PermissionDenied):
        f.group(caseworker)
    assert Group.objects.count() == 0
