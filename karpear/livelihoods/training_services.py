"""Writes of cascade training and farm-business advisors (issue 12, item 6): name a group member model farmer
or advisor, record a training and who attended it, let an advisor follow a household (ten at most) and record
the advisor's visits.

As services.py: keyword-only, `@transaction.atomic`, core.access first, ValidationError keyed by the form's
field names in the user's language, the audit event last. Counting rows that a limit applies to (an advisor's
households, a training's attendance) happens with the parent row locked, so two phones at once take turns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from karpear.core import access, audit
from karpear.core.models import Membership, Person, Programme, User
from karpear.core.text import clean_text
from karpear.livelihoods.declarations import LivelihoodsCapability as C
from karpear.livelihoods.models import (
    AdvisorHousehold,
    AdvisorVisit,
    FarmerRole,
    Group,
    GroupMember,
    Training,
    TrainingAttendance,
)
from karpear.livelihoods.models.training import ADVISOR_LIMIT


def _today() -> dt.date:
    return timezone.localdate()


def _not_future(on: dt.date, field: str, errors: dict[str, str]) -> None:
    if on > _today():
        errors[field] = _("The date cannot be in the future.")


# ---------------------------------------------------------------- model farmers and advisors
@transaction.atomic
def farmer_role_name(
    *, actor: User, member: GroupMember, kind: str, since: dt.date, programme: Programme | None = None
) -> FarmerRole:
    """Name a member of a group model farmer or farm-business advisor. Needs livelihoods_record_training."""
    access.require(actor, C.RECORD_TRAINING, member.group)
    group = Group.objects.select_for_update().get(pk=member.group_id)
    errors: dict[str, str] = {}
    if kind not in FarmerRole.Kind.values:
        errors["kind"] = _("Choose model farmer or farm-business advisor.")
    if member.left_on is not None:
        errors["member"] = _("This member has left the group.")
    elif FarmerRole.objects.filter(member=member, kind=kind, until__isnull=True).exists():
        errors["member"] = _("This member holds this role already.")
    _not_future(since, "since", errors)
    if "since" not in errors and since < member.joined_on:
        errors["since"] = _("The member joined the group after this date.")
    if programme is not None and programme.organisation_id != group.organisation_id:
        errors["programme"] = _("Choose a programme of your organisation.")
    if errors:
        raise ValidationError(errors)
    role = FarmerRole.objects.create(
        organisation_id=group.organisation_id,
        member=member,
        group=group,
        person_id=member.person_id,
        kind=kind,
        programme=programme or group.programme,
        since=since,
        created_by=actor,
    )
    audit.record(actor=actor, action="create", obj=role, kind=kind, group=str(group.uuid))
    return role


@transaction.atomic
def farmer_role_end(*, actor: User, role: FarmerRole, on: dt.date) -> FarmerRole:
    """End a model farmer's or advisor's role; an advisor's households are no longer followed from that day."""
    access.require(actor, C.RECORD_TRAINING, role)
    role = FarmerRole.objects.select_for_update().get(pk=role.pk)
    errors: dict[str, str] = {}
    if role.until is not None:
        errors["on"] = _("This role has ended already.")
    _not_future(on, "on", errors)
    if "on" not in errors and on < role.since:
        errors["on"] = _("The role began after this date.")
    if errors:
        raise ValidationError(errors)
    role.until = on
    role.save(update_fields=["until", "updated_at"])
    AdvisorHousehold.objects.filter(advisor=role, until__isnull=True).update(until=on)
    audit.record(actor=actor, action="update", obj=role, ended=str(on))
    return role


# ---------------------------------------------------------------- trainings
@dataclass
class TrainingInput:
    topic: str
    held_on: dt.date
    hours: Decimal
    title: str = ""
    trainer_farmer: FarmerRole | None = None  # a model farmer; otherwise the staff member below
    trainer_staff: User | None = None  # default: the actor
    programme: Programme | None = None  # default: the group's


def _validate_training(actor: User, group: Group, data: TrainingInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    if data.topic not in Training.Topic.values:
        errors["topic"] = _("Choose the topic.")
    _not_future(data.held_on, "held_on", errors)
    if not Decimal(0) < data.hours <= 80:
        errors["hours"] = _("A training lasts more than 0 and at most 80 hours.")
    farmer = data.trainer_farmer
    if farmer is not None:
        if farmer.organisation_id != group.organisation_id or farmer.kind != FarmerRole.Kind.MODEL_FARMER:
            errors["trainer_farmer"] = _("Choose a model farmer of your organisation.")
        elif farmer.until is not None and farmer.until < data.held_on:
            errors["trainer_farmer"] = _("This model farmer's role had ended by then.")
        elif data.held_on < farmer.since:
            errors["trainer_farmer"] = _("This person was not a model farmer yet on that day.")
    staff = data.trainer_staff
    if (
        farmer is None
        and staff is not None
        and staff.pk != actor.pk
        and not Membership.objects.filter(user=staff, organisation_id=group.organisation_id).exists()
    ):
        errors["trainer_staff"] = _("Choose a member of your organisation's staff.")
    if data.programme is not None and data.programme.organisation_id != group.organisation_id:
        errors["programme"] = _("Choose a programme of your organisation.")
    return errors


@transaction.atomic
def training_record(*, actor: User, group: Group, data: TrainingInput) -> Training:
    """Record a training held with `group`, given by staff or by a model farmer. Attendance is recorded next."""
    access.require(actor, C.RECORD_TRAINING, group)
    if group.dissolved_on is not None:
        raise ValidationError(_("This group is dissolved: nothing more can be recorded for it."))
    errors = _validate_training(actor, group, data)
    if errors:
        raise ValidationError(errors)
    training = Training(
        organisation_id=group.organisation_id,
        group=group,
        programme=data.programme or group.programme,
        topic=data.topic,
        title=clean_text(data.title)[:150],
        held_on=data.held_on,
        hours=data.hours,
        trainer_farmer=data.trainer_farmer,
        trainer_staff=None if data.trainer_farmer is not None else (data.trainer_staff or actor),
        created_by=actor,
    )
    training.full_clean()
    training.save()
    audit.record(actor=actor, action="create", obj=training, topic=training.topic, group=str(group.uuid))
    return training


@transaction.atomic
def attendance_set(*, actor: User, training: Training, people: Iterable[Person]) -> list[TrainingAttendance]:
    """Who was at the training: rows are added for new people and removed for those no longer ticked (the
    screen sends the whole list, so sending it twice changes nothing). The training's row is locked."""
    access.require(actor, C.RECORD_TRAINING, training)
    training = Training.objects.select_for_update().get(pk=training.pk)  # no join: FOR UPDATE refuses outer joins
    wanted = {person.pk: person for person in people}
    trainer = None
    if training.trainer_farmer_id is not None:
        trainer = FarmerRole.objects.filter(pk=training.trainer_farmer_id).values_list("person_id", flat=True).first()
    if trainer is not None and trainer in wanted:
        raise ValidationError({"people": _("The model farmer who gave the training is its trainer, not a trainee.")})
    present = {row.person_id: row for row in TrainingAttendance.objects.filter(training=training)}
    removed = [pk for pk in present if pk not in wanted]
    TrainingAttendance.objects.filter(training=training, person_id__in=removed).delete()
    added = [
        TrainingAttendance(organisation_id=training.organisation_id, training=training, person_id=pk, recorded_by=actor)
        for pk in wanted
        if pk not in present
    ]
    TrainingAttendance.objects.bulk_create(added)
    audit.record(
        actor=actor, action="update", obj=training, attended=len(wanted), added=len(added), removed=len(removed)
    )
    return list(TrainingAttendance.objects.filter(training=training))


# ---------------------------------------------------------------- advisors
@transaction.atomic
def advisor_follow(*, actor: User, advisor: FarmerRole, person: Person, since: dt.date) -> AdvisorHousehold:
    """An advisor starts following a household (through one of its people): ten at most at a time. The
    advisor's row is locked while counting, so two officers adding the tenth and eleventh at once cannot both
    succeed."""
    access.require(actor, C.RECORD_TRAINING, advisor)
    advisor = FarmerRole.objects.select_for_update().get(pk=advisor.pk)
    errors: dict[str, str] = {}
    if advisor.kind != FarmerRole.Kind.ADVISOR:
        raise ValidationError(_("Only a farm-business advisor follows households."))
    if advisor.until is not None:
        raise ValidationError(_("This advisor's role has ended."))
    following = AdvisorHousehold.objects.filter(advisor=advisor, until__isnull=True).select_related("person")
    if person.pk == advisor.person_id:
        errors["person"] = _("An advisor does not follow their own household.")
    elif any(f.person_id == person.pk for f in following):
        errors["person"] = _("The advisor follows this household already.")
    elif person.household_id is not None and any(f.person.household_id == person.household_id for f in following):
        errors["person"] = _("The advisor follows this household already, through another of its people.")
    elif len(following) >= ADVISOR_LIMIT:
        errors["person"] = _(
            "This advisor follows %(n)s households already, the most one advisor can follow. End one of them "
            "first, or choose another advisor."
        ) % {"n": ADVISOR_LIMIT}
    _not_future(since, "since", errors)
    if "since" not in errors and since < advisor.since:
        errors["since"] = _("The advisor's role began after this date.")
    if errors:
        raise ValidationError(errors)
    follow = AdvisorHousehold.objects.create(
        organisation_id=advisor.organisation_id, advisor=advisor, person=person, since=since, created_by=actor
    )
    audit.record(actor=actor, action="create", obj=follow, advisor=str(advisor.uuid))
    return follow


@transaction.atomic
def advisor_unfollow(*, actor: User, follow: AdvisorHousehold, on: dt.date) -> AdvisorHousehold:
    access.require(actor, C.RECORD_TRAINING, follow)
    follow = AdvisorHousehold.objects.select_for_update().get(pk=follow.pk)
    errors: dict[str, str] = {}
    if follow.until is not None:
        errors["on"] = _("The advisor no longer follows this household.")
    _not_future(on, "on", errors)
    if "on" not in errors and on < follow.since:
        errors["on"] = _("The advisor began following this household after this date.")
    if errors:
        raise ValidationError(errors)
    follow.until = on
    follow.save(update_fields=["until", "updated_at"])
    audit.record(actor=actor, action="update", obj=follow, ended=str(on))
    return follow


@transaction.atomic
def advisor_visit(
    *, actor: User, follow: AdvisorHousehold, visited_on: dt.date, topic: str, advice: str, next_step: str = ""
) -> AdvisorVisit:
    """Record an advisor's visit to a household they follow."""
    access.require(actor, C.RECORD_TRAINING, follow)
    errors: dict[str, str] = {}
    _not_future(visited_on, "visited_on", errors)
    if "visited_on" not in errors and visited_on < follow.since:
        errors["visited_on"] = _("The advisor began following this household after this date.")
    elif "visited_on" not in errors and follow.until is not None and visited_on > follow.until:
        errors["visited_on"] = _("The advisor no longer followed this household on that day.")
    if topic not in Training.Topic.values:
        errors["topic"] = _("Choose the topic.")
    if not clean_text(advice):
        errors["advice"] = _("Say what advice was given.")
    if errors:
        raise ValidationError(errors)
    visit = AdvisorVisit.objects.create(
        organisation_id=follow.organisation_id,
        follow=follow,
        advisor_id=follow.advisor_id,
        visited_on=visited_on,
        topic=topic,
        advice=clean_text(advice)[:1000],
        next_step=clean_text(next_step)[:300],
        recorded_by=actor,
    )
    audit.record(actor=actor, action="create", obj=visit, follow=str(follow.uuid))
    return visit
