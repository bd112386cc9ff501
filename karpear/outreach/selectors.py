"""Reads of the outreach app: the public portal's published content, the status of a help request by its
tracking code, and the triage queue (scoped by core.access)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from uuid import UUID

from django.db.models import Count, Q, QuerySet, Sum

from karpear.core import access, audit
from karpear.core.models import Commune, District, Province, User
from karpear.outreach.models import (
    Activity,
    Grievance,
    GrievanceStep,
    HelpContact,
    HelpRequest,
    PassportFee,
    PassportOffice,
    Topic,
    Volunteer,
)
from karpear.outreach.services import code_hash, without_address


# ---------------------------------------------------------------- public portal
def topics() -> QuerySet[Topic]:
    return Topic.objects.filter(is_published=True)


def topic(slug: str) -> Topic | None:
    return topics().filter(slug=slug).first()


def passport_fees() -> list[PassportFee]:
    return list(PassportFee.objects.filter(is_published=True))


def passport_offices() -> list[PassportOffice]:
    return list(PassportOffice.objects.filter(is_published=True))


def contacts_for_place(
    *, province: Province | None, district: District | None, commune: Commune | None
) -> list[HelpContact]:
    """Who can help someone living at this place: the national contacts (hotlines), then those of the
    province, the district and the commune chosen (each level only once it is chosen)."""
    where = Q(province__isnull=True)
    if province is not None:
        where |= Q(province=province, district__isnull=True)
    if district is not None:
        where |= Q(district=district, commune__isnull=True)
    if commune is not None:
        where |= Q(commune=commune)
    rows = HelpContact.objects.filter(where, is_published=True).select_related("province", "district", "commune")

    def rank(contact: HelpContact) -> tuple[int, int, int]:
        # The free hotlines first, then the nearest: commune, district, province, national.
        depth = 3 if contact.commune_id else 2 if contact.district_id else 1 if contact.province_id else 0
        return (0 if contact.kind == HelpContact.Kind.HOTLINE else 1, -depth, contact.order)

    return sorted(rows, key=rank)


def help_request_status(code: str) -> HelpRequest | None:
    """The help request with this tracking code (already normalised), for its status alone. Every lookup is
    audited: a code that finds nothing with the network address, so that someone trying codes shows in the
    log; a code that finds a request without it (whoever checks is most likely the person who asked)."""
    request = HelpRequest.objects.filter(code_hash=code_hash(code)).only("uuid", "organisation", "status").first()
    if request is None:
        audit.record(actor=None, action="search", actor_name="public portal", kind="help_request_status", found=False)
    else:
        with without_address():
            audit.record(
                actor=None,
                action="search",
                obj=request,
                actor_name="public portal",
                kind="help_request_status",
                found=True,
            )
    return request


# ---------------------------------------------------------------- staff
def help_requests(*, user: User, waiting: bool = False) -> QuerySet[HelpRequest]:
    rows = access.visible(user, HelpRequest.objects.select_related("province", "triaged_by"))
    if waiting:
        rows = rows.filter(status=HelpRequest.Status.RECEIVED)
    return rows.order_by("status", "-created_at")


# ---------------------------------------------------------------- grievances
def grievances(*, user: User, open_only: bool = False, level: int | None = None) -> QuerySet[Grievance]:
    rows = access.visible(user, Grievance.objects.select_related("province", "commune"))
    if open_only:
        rows = rows.filter(status=Grievance.Status.OPEN)
    if level is not None:
        rows = rows.filter(level=level)
    return rows.order_by("-received_on", "-created_at")


def grievance_steps(*, user: User, grievance: Grievance) -> list[GrievanceStep]:
    rows = access.visible(user, GrievanceStep.objects.filter(grievance=grievance).select_related("recorded_by"))
    return list(rows.order_by("raised_on", "created_at"))


@dataclass(frozen=True)
class GrievanceSummary:
    open: int
    resolved: int
    unresolved: int
    documents_kept: int
    documents_returned: int
    by_level: dict[int, int]  # open grievances at each level
    not_told: int  # closed, the complainant not yet told


def grievance_summary(*, user: User) -> GrievanceSummary:
    """The counts at the head of the grievance list, in one query."""
    rows = access.visible(user, Grievance.objects.all())
    Status = Grievance.Status
    opened = Q(status=Status.OPEN)
    totals = rows.aggregate(
        open=Count("pk", filter=opened),
        resolved=Count("pk", filter=Q(status=Status.RESOLVED)),
        unresolved=Count("pk", filter=Q(status=Status.UNRESOLVED)),
        kept=Sum("documents_kept"),
        returned=Sum("documents_returned"),
        not_told=Count("pk", filter=~opened & Q(outcome_told_on__isnull=True)),
        **{f"level_{level}": Count("pk", filter=opened & Q(level=level)) for level in Grievance.Level.values},
    )
    return GrievanceSummary(
        open=totals["open"],
        resolved=totals["resolved"],
        unresolved=totals["unresolved"],
        documents_kept=totals["kept"] or 0,
        documents_returned=totals["returned"] or 0,
        by_level={level: totals[f"level_{level}"] for level in Grievance.Level.values},
        not_told=totals["not_told"],
    )


# ---------------------------------------------------------------- volunteers and activities
def volunteers(*, user: User) -> QuerySet[Volunteer]:
    rows = access.visible(user, Volunteer.objects.select_related("user"))
    return rows.annotate(
        activity_count=Count("activities", distinct=True),
        reached=Sum("activities__participants"),
    ).order_by("-is_active", "name")


def volunteer_of(user: User) -> Volunteer | None:
    """The volunteer record of a logged-in volunteer, if staff linked their account to one."""
    return Volunteer.objects.filter(user=user).prefetch_related("communes").first()


def activities(
    *,
    user: User,
    kind: str = "",
    volunteer: Volunteer | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[Activity]:
    rows = access.visible(user, Activity.objects.select_related("province", "commune", "volunteer"))
    if kind:
        rows = rows.filter(kind=kind)
    if volunteer is not None:
        rows = rows.filter(volunteer=volunteer)
    if since is not None:
        rows = rows.filter(held_on__gte=since)
    if until is not None:
        rows = rows.filter(held_on__lte=until)
    return rows.order_by("-held_on", "-created_at")


@dataclass(frozen=True)
class Reach:
    """What a set of activities reached: people by sex and age group, households, referrals."""

    activities: int
    participants: int
    female_children: int
    male_children: int
    female_adults: int
    male_adults: int
    households_visited: int
    cases_referred: int
    grievances_referred: int

    @property
    def female(self) -> int:
        return self.female_children + self.female_adults

    @property
    def male(self) -> int:
        return self.male_children + self.male_adults

    @property
    def not_by_sex(self) -> int:
        """People counted in all but not by sex and age (a crowd at an event counted as a whole)."""
        return self.participants - self.female - self.male


def reach(rows: QuerySet[Activity]) -> Reach:
    """The sums over activities already scoped by `activities()`, in one query."""
    fields = (
        "participants",
        "female_children",
        "male_children",
        "female_adults",
        "male_adults",
        "households_visited",
        "cases_referred",
        "grievances_referred",
    )
    totals = rows.order_by().aggregate(activities=Count("pk"), **{f: Sum(f) for f in fields})
    return Reach(activities=totals["activities"], **{f: totals[f] or 0 for f in fields})


def volunteer_for(*, user: User, uuid: UUID | str) -> Volunteer | None:
    """A volunteer the user may see, by its key (None otherwise: an API body names it, not the address)."""
    return access.visible(user, Volunteer.objects.filter(uuid=uuid)).first()


def active_volunteers(*, user: User) -> QuerySet[Volunteer]:
    return access.visible(user, Volunteer.objects.filter(is_active=True)).order_by("name")


def help_request_for(*, user: User, uuid: UUID | str) -> HelpRequest | None:
    return access.visible(user, HelpRequest.objects.filter(uuid=uuid)).first()


def grievance_from(*, user: User, help_request: HelpRequest) -> Grievance | None:
    """The grievance made from a help request, if the user may see it."""
    return access.visible(user, Grievance.objects.filter(help_request=help_request)).only("uuid").first()


def activity_submitted(*, user: User, submission: UUID | str) -> Activity | None:
    """The activity this user already recorded with this submission key."""
    return Activity.objects.filter(submission=submission, recorded_by=user).first()
