"""Reads of cascade training and advisors (issue 12, item 6), each starting from core.access.visible().

The cascade's reach is counted from attendance rows, never typed: a model farmer counts as trained once they
attended a training given by staff; the households they reached are the distinct households (a person without
a household counts as one) of the people at the trainings they gave.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from karpear.core import access
from karpear.core.models import Person, Programme, User
from karpear.livelihoods.models import (
    AdvisorHousehold,
    AdvisorVisit,
    FarmerRole,
    Group,
    GroupMember,
    Training,
    TrainingAttendance,
)


def training_list(
    *, user: User, group: Group | None = None, topic: str = "", programme: Programme | None = None
) -> QuerySet[Training]:
    trainings = access.visible(user, Training.objects.all())
    if group is not None:
        trainings = trainings.filter(group=group)
    if topic:
        trainings = trainings.filter(topic=topic)
    if programme is not None:
        trainings = trainings.filter(programme=programme)
    return (
        trainings.select_related("group", "trainer_staff", "trainer_farmer__member")
        .annotate(attended=Count("attendance"))
        .order_by("-held_on", "-id")
    )


def training_for_user(*, user: User, uuid: Any) -> Training:
    return access.get_for_user(
        user,
        Training,
        uuid,
        queryset=Training.objects.select_related(
            "group", "programme", "trainer_staff", "trainer_farmer__member", "trainer_farmer__group"
        ),
    )


def attendance_of(*, user: User, training: Training) -> QuerySet[TrainingAttendance]:
    return access.visible(user, TrainingAttendance.objects.filter(training=training)).select_related("person")


@dataclass(frozen=True)
class Candidate:
    person: Person
    label: str  # member number and group, never a name
    present: bool


def candidates(*, user: User, training: Training) -> list[Candidate]:
    """Who the attendance screen offers: for a training given by staff, the organisation's active model
    farmers and the host group's members; for one given by a model farmer, the host group's members (not the
    trainer). People already marked present stay on the list."""
    members = access.visible(
        user, GroupMember.objects.filter(group_id=training.group_id, left_on__isnull=True)
    ).select_related("person", "group")
    present = set(
        access.visible(user, TrainingAttendance.objects.filter(training=training)).values_list("person_id", flat=True)
    )
    seen: dict[int, Candidate] = {}
    if not training.by_model_farmer:
        farmers = access.visible(
            user, FarmerRole.objects.filter(kind=FarmerRole.Kind.MODEL_FARMER, until__isnull=True)
        ).select_related("person", "member", "group")
        for role in farmers:
            label = f"{role.group.name} #{role.member.number}"
            seen[role.person_id] = Candidate(role.person, label, role.person_id in present)
    for member in members:
        if training.trainer_farmer is not None and member.person_id == training.trainer_farmer.person_id:
            continue
        if member.person_id not in seen:
            seen[member.person_id] = Candidate(
                member.person, f"{member.group.name} #{member.number}", member.person_id in present
            )
    missing = present - set(seen)
    if missing:
        for row in attendance_of(user=user, training=training).filter(person_id__in=missing):
            seen[row.person_id] = Candidate(row.person, row.person.case_number, True)
    return list(seen.values())


def farmer_roles(
    *, user: User, kind: str = "", group: Group | None = None, active: bool = True
) -> QuerySet[FarmerRole]:
    roles = access.visible(user, FarmerRole.objects.all())
    if kind:
        roles = roles.filter(kind=kind)
    if group is not None:
        roles = roles.filter(group=group)
    if active:
        roles = roles.filter(until__isnull=True)
    return roles.select_related("member", "group", "person").order_by("group__name_key", "member__number", "kind")


def farmer_role_for_user(*, user: User, uuid: Any) -> FarmerRole:
    return access.get_for_user(
        user, FarmerRole, uuid, queryset=FarmerRole.objects.select_related("member", "group", "person", "programme")
    )


def follows_of(*, user: User, advisor: FarmerRole, current: bool = True) -> QuerySet[AdvisorHousehold]:
    follows = access.visible(user, AdvisorHousehold.objects.filter(advisor=advisor))
    if current:
        follows = follows.filter(until__isnull=True)
    visits = AdvisorVisit.objects.order_by("-visited_on", "-id")
    return follows.select_related("person", "person__household").prefetch_related(Prefetch("visits", queryset=visits))


def follow_for_user(*, user: User, uuid: Any) -> AdvisorHousehold:
    return access.get_for_user(
        user,
        AdvisorHousehold,
        uuid,
        queryset=AdvisorHousehold.objects.select_related("advisor", "advisor__group", "advisor__member", "person"),
    )


def trainings_given(*, user: User, role: FarmerRole) -> QuerySet[Training]:
    return training_list(user=user).filter(trainer_farmer=role)


def trainings_attended(*, user: User, person: Person) -> QuerySet[Training]:
    return training_list(user=user).filter(attendance__person=person)


# ---------------------------------------------------------------- the cascade
@dataclass
class FarmerReach:
    role: FarmerRole
    staff_sessions: int = 0  # trainings given by staff the model farmer attended
    trainers: list[str] = field(default_factory=list)  # the staff who trained them
    sessions_given: int = 0
    people: int = 0
    households: int = 0

    @property
    def trained(self) -> bool:
        return self.staff_sessions > 0


@dataclass
class Cascade:
    farmers: list[FarmerReach]
    model_farmers: int  # active model farmers
    model_farmers_trained: int  # of them, those who attended a training given by staff
    households_reached: int  # distinct households at the trainings model farmers gave
    people_reached: int
    advisors: int
    households_followed: int  # households advisors follow now
    advisor_visits: int


def _household_key(person_id: int, household_id: int | None) -> tuple[str, int]:
    return ("h", household_id) if household_id is not None else ("p", person_id)


def cascade(
    *, user: User, programme: Programme | None = None, since: dt.date | None = None, until: dt.date | None = None
) -> Cascade:
    """The cascade of the organisation (or of one programme): model farmers, who trained them, and the people
    and households they trained in turn, all counted from attendance. Four queries whatever its size."""
    roles = farmer_roles(user=user, kind=FarmerRole.Kind.MODEL_FARMER)
    trainings = access.visible(user, Training.objects.all())
    if programme is not None:
        roles = roles.filter(Q(programme=programme) | Q(programme__isnull=True, group__programme=programme))
        trainings = trainings.filter(programme=programme)
    if since is not None:
        trainings = trainings.filter(held_on__gte=since)
    if until is not None:
        trainings = trainings.filter(held_on__lte=until)
    reach = {role.person_id: FarmerReach(role) for role in roles}
    by_role = {r.role.pk: r for r in reach.values()}
    staff_rows = (
        access.visible(user, TrainingAttendance.objects.all())
        .filter(training__in=trainings.filter(trainer_staff__isnull=False), person_id__in=list(reach))
        .values_list("person_id", "training_id", "training__trainer_staff__username")
    )
    trainers: dict[int, set[str]] = defaultdict(set)
    for person_id, _training, trainer in staff_rows:
        reach[person_id].staff_sessions += 1
        trainers[person_id].add(trainer)
    for person_id, names in trainers.items():
        reach[person_id].trainers = sorted(names)
    given = trainings.filter(trainer_farmer_id__in=list(by_role))
    for role_id, count in (
        given.values_list("trainer_farmer_id").annotate(n=Count("id")).values_list("trainer_farmer_id", "n")
    ):
        by_role[role_id].sessions_given = count
    rows = (
        access.visible(user, TrainingAttendance.objects.all())
        .filter(training__in=given)
        .values_list("training__trainer_farmer_id", "person_id", "person__household_id")
        .distinct()
    )
    people: dict[int, set[int]] = defaultdict(set)
    households: dict[int, set[tuple[str, int]]] = defaultdict(set)
    all_people: set[int] = set()
    all_households: set[tuple[str, int]] = set()
    for role_id, person_id, household_id in rows:
        key = _household_key(person_id, household_id)
        people[role_id].add(person_id)
        households[role_id].add(key)
        all_people.add(person_id)
        all_households.add(key)
    for role_id, item in by_role.items():
        item.people, item.households = len(people[role_id]), len(households[role_id])
    advisors = farmer_roles(user=user, kind=FarmerRole.Kind.ADVISOR)
    if programme is not None:
        advisors = advisors.filter(Q(programme=programme) | Q(programme__isnull=True, group__programme=programme))
    advisor_counts = advisors.aggregate(
        n=Count("id", distinct=True),
        followed=Count("households", filter=Q(households__until__isnull=True), distinct=True),
        visits=Count("visits", distinct=True),
    )
    farmers = sorted(reach.values(), key=lambda r: (r.role.group.name_key, r.role.member.number))
    return Cascade(
        farmers=farmers,
        model_farmers=len(farmers),
        model_farmers_trained=sum(1 for r in farmers if r.trained),
        households_reached=len(all_households),
        people_reached=len(all_people),
        advisors=advisor_counts["n"],
        households_followed=advisor_counts["followed"],
        advisor_visits=advisor_counts["visits"],
    )


def cascade_counts(*, user: User, programme: Programme | None = None, **period: Any) -> dict[str, int]:
    """The cascade's totals, for indicators and exports (monitoring counts these)."""
    found = cascade(user=user, programme=programme, **period)
    return {
        "model_farmers": found.model_farmers,
        "model_farmers_trained": found.model_farmers_trained,
        "households_reached": found.households_reached,
        "people_reached": found.people_reached,
        "advisors": found.advisors,
        "households_followed": found.households_followed,
        "advisor_visits": found.advisor_visits,
    }


def attended_topic(*, person: Person, organisation_id: int, topic: str, by: dt.date | None = None) -> bool:
    """Whether the person attended a training on `topic` held by the organisation (on or before `by`): the
    eligibility check of the small grants. A rule's read, not a page's: not scoped to a user."""
    rows = TrainingAttendance.objects.filter(
        person=person, training__organisation_id=organisation_id, training__topic=topic
    )
    if by is not None:
        rows = rows.filter(training__held_on__lte=by)
    return rows.exists()
