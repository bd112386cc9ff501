"""Reads of the core records, each starting from core.access.visible()."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.files import File
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Value
from django.utils import timezone
from django.utils.translation import gettext

from karpear.core import access, audit, registry
from karpear.core.models import (
    ApiToken,
    AuditEvent,
    Consent,
    Household,
    Identity,
    Membership,
    Organisation,
    OtherName,
    Person,
    PossibleDuplicate,
    Programme,
    SubGrant,
    Target,
    Team,
    User,
)
from karpear.core.roles import Capability
from karpear.core.text import has_khmer, khmer_key, latin_key, to_ascii_digits


@dataclass(frozen=True)
class Window:
    """One page of a list without COUNT(*): page size + 1 rows tell whether a next page exists.

    Counting a large organisation's people costs more than fetching the page itself (DESIGN §8 budgets).
    """

    object_list: list[Any]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @classmethod
    def of(cls, queryset: QuerySet[Any], page: str | None, size: int) -> Window:
        try:
            number = max(1, min(int(page or 1), 10_000))
        except ValueError:
            number = 1
        start = (number - 1) * size
        rows = list(queryset[start : start + size + 1])
        return cls(rows[:size], number, len(rows) > size)


def looks_like_case_number(query: str) -> bool:
    """Case numbers read ORG-YEAR-NUMBER and names carry no digits: a digit (Khmer or Arabic) says which."""
    return any(ch.isdigit() for ch in query)


def person_list(*, user: User, query: str = "") -> QuerySet[Person]:
    """People the user may see, newest first, filtered by `query`.

    A query with a digit is a case number, matched from its start (Khmer digits count). Otherwise it matches
    names, for roles that may read identities only: a Khmer query the Khmer-name key, a Latin one the
    romanised key, case- and spacing-insensitive, from the start of the family or the given name; the
    person's other names (aliases) count as names. One
    kind of match per query keeps each an index walk (an OR of both made PostgreSQL scan every row).
    """
    people = access.visible(user, Person.objects.all())
    query = query.strip()
    if query:
        if looks_like_case_number(query) or not access.has_capability(user, Capability.VIEW_IDENTITY):
            people = people.filter(case_number__startswith=to_ascii_digits(query).upper())
        else:
            key = khmer_key(query) if has_khmer(query) else latin_key(query)
            field = "name_km" if has_khmer(query) else "name_latin"
            organisations = _person_org_ids(user)
            matching = Identity.objects.filter(organisation_id__in=organisations).filter(
                Q(**{f"{field}_key__startswith": key}) | Q(**{f"{field}_alt_key__startswith": key})
            )
            # Other names are searched the same way, in their own indexed table; a UNION keeps each side an
            # index walk (pk IN (...) OR pk IN (...) would test every person of the organisation).
            other = OtherName.objects.filter(organisation_id__in=organisations).filter(
                Q(key__startswith=key) | Q(alt_key__startswith=key)
            )
            found = matching.values("person_id").union(other.values("person_id"))
            people = people.filter(pk__in=found) if key else people.none()
    return people.select_related("province", "commune").order_by("-created_at", "-id")


def name_search_kind(*, user: User, query: str) -> str:
    """ "khmer" or "latin" when `person_list` would match `query` against names (identifying details) for this
    user, so the search must be audited and counted (services.name_search_*); "" for a case-number search."""
    query = query.strip()
    if not query or looks_like_case_number(query) or not access.has_capability(user, Capability.VIEW_IDENTITY):
        return ""
    return "khmer" if has_khmer(query) else "latin"


@dataclass(frozen=True)
class PersonFilters:
    """Narrowing of a person list (API query parameters; the pages may use it too). Empty means no filter."""

    province: str = ""  # codes, checked against the gazetteer by the caller
    district: str = ""
    commune: str = ""
    village: int | None = None
    registered_from: dt.date | None = None  # inclusive, in Cambodian local time
    registered_to: dt.date | None = None  # inclusive
    status: str = ""  # "open" | "closed"
    sex: str = ""


def registration_range_errors(start: dt.date | None, end: dt.date | None) -> dict[str, str]:
    """The rule for a registration-date range, shared by the page, the export and the API: end not before start."""
    if start and end and start > end:
        return {"registered_to": gettext("The end is before the start.")}
    return {}


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def filter_people(people: QuerySet[Person], filters: PersonFilters) -> QuerySet[Person]:
    """Apply `filters` to people already scoped by `person_list`; the most precise place level decides."""
    if filters.village is not None:
        people = people.filter(village_id=filters.village)
    elif filters.commune:
        people = people.filter(commune_id=filters.commune)
    elif filters.district:
        people = people.filter(district_id=filters.district)
    elif filters.province:
        people = people.filter(province_id=filters.province)
    if filters.registered_from:
        people = people.filter(created_at__gte=_start_of(filters.registered_from))
    if filters.registered_to:
        people = people.filter(created_at__lt=_start_of(filters.registered_to + dt.timedelta(days=1)))
    if filters.status == "open":
        people = people.filter(closed_at__isnull=True)
    elif filters.status == "closed":
        people = people.filter(closed_at__isnull=False)
    if filters.sex:
        people = people.filter(sex=filters.sex)
    return people


def _person_org_ids(user: User) -> list[int]:
    """Organisations whose identities may hold the user's visible people: their own, and those that referred
    people to it sharing identifying details (core.access still decides which rows)."""
    membership = access.membership_for(user)
    if membership is None:
        return []
    from karpear.core.models import Referral

    senders = Referral.objects.filter(
        receiver_id=membership.organisation_id, status=Referral.Status.ACCEPTED, sections__name="identity"
    ).values_list("organisation_id", flat=True)
    return [membership.organisation_id, *sorted(set(senders))]


@transaction.atomic
def person_identity(*, user: User, person: Person, reason: str = "view") -> Identity | None:
    """The identifying details of a visible person, for a role allowed to read them or for the person who
    registered them while the registrar's window is open (core.access). Every read is audited."""
    if access.can(user, Capability.VIEW_IDENTITY, person):
        identity = access.visible(user, Identity.objects.filter(person=person)).first()
    elif access.registrar_window_open(user, person):
        identity = Identity.objects.filter(person=person, organisation_id=person.organisation_id).first()
        reason = f"registrar-{reason}"
    else:
        return None
    if identity is not None:
        audit.record(actor=user, action="view", obj=person, fields="identity", reason=reason)
    return identity


def photo_consent_standing(person: Person) -> bool:
    """Whether the person's latest answer about a photo is a consent, not refused or withdrawn since."""
    latest = Consent.objects.filter(person=person, purpose=Consent.Purpose.PHOTO).order_by("-created_at", "-id").first()
    return latest is not None and latest.given and latest.withdrawn_at is None


@transaction.atomic
def person_photo(*, user: User, person: Person) -> tuple[File[bytes], str] | None:
    """The person's photo file and its content type, for a role that may read identifying details of this
    person, and only while the photo consent stands. Every read is audited. None when there is nothing to
    show (no photo, no consent); raises PermissionDenied for a role without view_identity."""
    access.require(user, Capability.VIEW_IDENTITY, person)
    identity = access.visible(user, Identity.objects.filter(person=person)).first()
    name = identity.photo.name if identity is not None and identity.photo else ""
    if identity is None or not name or not photo_consent_standing(person):
        return None
    try:
        photo = identity.photo.storage.open(name, "rb")
    except FileNotFoundError:
        return None
    audit.record(actor=user, action="view", obj=person, fields="photo")
    kind = "image/png" if name.endswith(".png") else "image/jpeg"
    return photo, kind


LIST_READ = "list"  # the reason of the one audit event a list page writes for the identities it shows


def list_identities(*, user: User, people: list[Person]) -> list[Person]:
    """Names (Khmer and Latin) beside each listed person, for a role that reads identities: sets
    `person.listed_name_km` / `listed_name_latin` (empty otherwise). Two queries at most: one for the identities
    (scoped by core.access, so a referral not sharing identities shows none) and ONE audit event naming every
    person shown (`details.people`, their public ids), which each person's access log finds."""
    for person in people:
        person.listed_name_km = person.listed_name_latin = ""  # type: ignore[attr-defined]
    if not people or not access.has_capability(user, Capability.VIEW_IDENTITY):
        return people
    identities = {
        identity.person_id: identity
        for identity in access.visible(user, Identity.objects.filter(person_id__in=[p.pk for p in people])).only(
            "person_id", "name_km", "name_latin"
        )
    }
    shown = []
    for person in people:
        identity = identities.get(person.pk)
        if identity is not None and (identity.name_km or identity.name_latin):
            person.listed_name_km = identity.name_km  # type: ignore[attr-defined]
            person.listed_name_latin = identity.name_latin  # type: ignore[attr-defined]
            shown.append(str(person.uuid))
    if shown:
        membership = access.membership_for(user)
        audit.record(
            actor=user,
            action="view",
            organisation=membership.organisation if membership else None,
            fields="identity",
            reason=LIST_READ,
            people=shown,
        )
    return people


def _listed_condition(person: Person) -> Q:
    """List events (list_identities) that named this person. PostgreSQL asks jsonb containment; SQLite (the
    embedded deployment) the array's JSON text. Both only among this organisation's identity reads since the
    person was registered, so the condition never scans older events."""
    from django.db import connection

    uuid = str(person.uuid)
    if connection.vendor == "postgresql":
        named = Q(details__people__contains=[uuid])
    else:
        named = Q(details__people__icontains=f'"{uuid}"')
    return (
        Q(
            organisation_id=person.organisation_id,
            object_type="",
            action="view",
            at__gte=person.created_at,
            details__reason=LIST_READ,
        )
        & named
    )


@dataclass(frozen=True)
class DuplicateCandidate:
    """A possible earlier registration of the same person. `person` is None for a role that may not read
    identifying details: it learns only that such a record exists, not which one (the check is an oracle).
    A duplicate finder (registry.duplicate_finder) adds a `score` (0-1) and the `evidence` for it (phrases
    for the page); `elsewhere` marks the one item saying a likely match exists at another organisation."""

    person: Person | None
    reasons: tuple[str, ...]
    score: float | None = None
    evidence: tuple[str, ...] = ()
    elsewhere: bool = False


@dataclass(frozen=True)
class DuplicateKeys:
    """What two registrations of the same person share (DOMAIN §6): an exact key each, never a similarity."""

    name_km: str = ""
    name_latin: str = ""
    birth_year: int | None = None
    commune_code: str = ""
    phone: str = ""
    national_id: str = ""
    passport_number: str = ""
    # not keys, but evidence the apps' duplicate finders weigh (registry.duplicate_finder)
    sex: str = ""
    mother_name: str = ""

    @classmethod
    def of(cls, person: Person, identity: Identity) -> DuplicateKeys:
        return cls(
            name_km=identity.name_km,
            name_latin=identity.name_latin,
            birth_year=person.birth_year,
            commune_code=person.commune_id or "",
            phone=identity.phone,
            national_id=identity.national_id,
            passport_number=identity.passport_number,
            sex=person.sex or "",
            mother_name=identity.mother_name,
        )

    def condition(self) -> Q | None:
        """People sharing a key: same normalised name + birth year + commune, or the same phone, ID or passport."""
        name_q = Q()
        if self.name_km and khmer_key(self.name_km):
            name_q |= Q(identity__name_km_key=khmer_key(self.name_km))
        if self.name_latin and latin_key(self.name_latin):
            name_q |= Q(identity__name_latin_key=latin_key(self.name_latin))
        checks: list[Q] = []
        if name_q and self.birth_year and self.commune_code:
            checks.append(name_q & Q(birth_year=self.birth_year, commune_id=self.commune_code))
        if self.phone:
            checks.append(Q(identity__phone=self.phone))
        if self.national_id:
            checks.append(Q(identity__national_id=self.national_id.upper()))
        if self.passport_number:
            checks.append(Q(identity__passport_number=self.passport_number.upper()))
        if not checks:
            return None
        combined = Q()
        for check in checks:
            combined |= check
        return combined

    def kinds(self) -> list[str]:
        """Which kinds of identifying details the check uses (audited instead of their values)."""
        kinds = []
        if (self.name_km or self.name_latin) and self.birth_year and self.commune_code:
            kinds.append("name")
        kinds += [
            kind
            for kind, value in (
                ("phone", self.phone),
                ("national_id", self.national_id),
                ("passport", self.passport_number),
                ("mother_name", self.mother_name),
            )
            if value
        ]
        return kinds

    def reasons(self, person: Person) -> tuple[str, ...]:
        """Which keys `person` (fetched with its identity) shares with these."""
        identity = getattr(person, "identity", None)
        reasons: set[str] = set()
        if identity is not None:
            if self.phone and identity.phone == self.phone:
                reasons.add("phone")
            if self.national_id and identity.national_id == self.national_id.upper():
                reasons.add("national_id")
            if self.passport_number and identity.passport_number == self.passport_number.upper():
                reasons.add("passport")
            same_name = (self.name_km and identity.name_km_key == khmer_key(self.name_km)) or (
                self.name_latin and identity.name_latin_key == latin_key(self.name_latin)
            )
            if same_name and person.birth_year == self.birth_year and person.commune_id == self.commune_code:
                reasons.add("name")
        return tuple(sorted(reasons))


@transaction.atomic
def person_likely_duplicates(
    *,
    user: User,
    name_km: str = "",
    name_latin: str = "",
    birth_year: int | None = None,
    commune_code: str = "",
    phone: str = "",
    national_id: str = "",
    passport_number: str = "",
    sex: str = "",
    mother_name: str = "",
    exclude: Person | None = None,
    elsewhere: bool = False,
) -> list[DuplicateCandidate]:
    """People in the user's scope who may be the same person (never merged automatically; DOMAIN §6).

    Same normalised name + birth year + commune, or the same phone, ID or passport number; and whatever the
    apps' duplicate finders (registry.duplicate_finder) find likely, with a score, best first. Matching on
    those identifying details is audited (which kinds of details, how many candidates; never the values). A
    role without view_identity gets at most one anonymous candidate: "someone like this exists, ask your
    supervisor". With `elsewhere`, the list ends with an item marked `elsewhere` when a finder reports a
    likely match at another organisation (the page says only that it exists). `sex` and `mother_name` are no
    keys: the finders weigh them as evidence.
    """
    keys = DuplicateKeys(
        name_km, name_latin, birth_year, commune_code, phone, national_id, passport_number, sex, mother_name
    )
    condition = keys.condition()
    found: list[DuplicateCandidate] = []
    for find in registry.duplicate_finders():
        found.extend(find(user=user, keys=keys, exclude=exclude))
    if condition is None and not found:
        return []
    people: list[Person] = []
    if condition is not None:
        candidates = access.visible(user, Person.objects.all()).filter(condition)
        if exclude is not None:
            candidates = candidates.exclude(pk=exclude.pk)
        people = list(candidates.select_related("identity", "commune")[:10])
    scored = {c.person.pk: c for c in found if c.person is not None and not c.elsewhere}
    outside = any(c.elsewhere for c in found)
    listed = [
        DuplicateCandidate(p, keys.reasons(p), scored[p.pk].score, scored[p.pk].evidence)
        if p.pk in scored
        else DuplicateCandidate(p, keys.reasons(p))
        for p in people
    ]
    exact = {p.pk for p in people}
    listed += [c for pk, c in scored.items() if pk not in exact]
    # exact keys first (they are certain to be shared), then by score
    listed.sort(key=lambda c: (not c.reasons, -(c.score or 0.0)))
    membership = access.membership_for(user)
    audit.record(
        actor=user,
        action="search",
        organisation=membership.organisation if membership else None,
        kind="duplicate_check",
        fields=keys.kinds(),
        candidates=len(listed),
    )
    tail = [DuplicateCandidate(None, (), elsewhere=True)] if elsewhere and outside else []
    if not access.has_capability(user, Capability.VIEW_IDENTITY):
        return ([DuplicateCandidate(None, ())] if listed else []) + tail
    return listed + tail


def possible_duplicates_to_review(*, user: User) -> QuerySet[PossibleDuplicate]:
    """Pairs still waiting for a decision, oldest first: a case supervisor's work list."""
    if not access.has_capability(user, Capability.REVIEW_DUPLICATES):
        return PossibleDuplicate.objects.none()
    return (
        access.visible(user, PossibleDuplicate.objects.filter(resolved_at__isnull=True))
        .select_related("person", "other", "person__commune", "other__commune")
        .order_by("created_at", "id")
    )


def with_consent(people: QuerySet[Person], purpose: str) -> QuerySet[Person]:
    """Annotate each person with the latest answer recorded for `purpose` (see `consent_state`)."""
    latest = Consent.objects.filter(person=OuterRef("pk"), purpose=purpose).order_by("-created_at", "-id")
    return people.annotate(
        consent_given=Subquery(latest.values("given")[:1]),
        consent_withdrawn_at=Subquery(latest.values("withdrawn_at")[:1]),
    )


def consent_state(person: Any) -> str:
    """For a person from `with_consent`: "given", "refused" (refused or later withdrawn) or "not_recorded"."""
    if person.consent_given is None:
        return "not_recorded"
    return "given" if person.consent_given and person.consent_withdrawn_at is None else "refused"


def consent_list(*, user: User, person: Person) -> QuerySet[Consent]:
    """The person's consents. Who gave them (`given_by_shown`) is often a relative's name, so identifying:
    roles without view_identity get it empty, and pages read `given_by_shown`, never `given_by`."""
    consents = access.visible(user, Consent.objects.filter(person=person)).select_related("recipient", "recorded_by")
    if access.may_read_identity(user, person):
        return consents.annotate(given_by_shown=F("given_by"))
    return consents.defer("given_by").annotate(given_by_shown=Value(""))


def household_list(*, user: User) -> QuerySet[Household]:
    return access.visible(user, Household.objects.all()).order_by("code")


def household_members(*, user: User, person: Person) -> QuerySet[Person]:
    """The other visible members of the person's household."""
    if not person.household_id:
        return Person.objects.none()
    return access.visible(user, Person.objects.filter(household_id=person.household_id)).exclude(pk=person.pk)


def person_access_log(*, user: User, person: Person) -> QuerySet[AuditEvent]:
    """Who read or changed this record, for roles with view_access_log on a visible person."""
    access.require(user, Capability.VIEW_ACCESS_LOG, person)
    object_type, object_id = audit.object_ref(person)
    return (
        AuditEvent.objects.filter(Q(object_type=object_type, object_id=object_id) | _listed_condition(person))
        .select_related("actor")
        .order_by("-id")
    )


def organisation_list(*, user: User) -> QuerySet[Organisation]:
    return access.visible(user, Organisation.objects.filter(is_active=True)).prefetch_related("provinces")


def programme_list(*, user: User) -> QuerySet[Programme]:
    return (
        access.visible(user, Programme.objects.all())
        .select_related("organisation", "donor")
        .annotate(subgrant_count=Count("subgrants", distinct=True))
    )


PROGRAMME_STATUSES = ("current", "upcoming", "ended")


def filter_programmes(
    programmes: QuerySet[Programme], *, status: str = "", active_on: dt.date | None = None
) -> QuerySet[Programme]:
    """Programmes running on a day (`active_on`), or by status relative to today in Cambodia."""
    if active_on is not None:
        programmes = programmes.filter(start_date__lte=active_on, end_date__gte=active_on)
    today = timezone.localdate()
    if status == "current":
        programmes = programmes.filter(start_date__lte=today, end_date__gte=today)
    elif status == "upcoming":
        programmes = programmes.filter(start_date__gt=today)
    elif status == "ended":
        programmes = programmes.filter(end_date__lt=today)
    return programmes


def subgrant_list(*, user: User, programme: Programme | None = None) -> QuerySet[SubGrant]:
    subgrants = access.visible(user, SubGrant.objects.all())
    if programme is not None:
        subgrants = subgrants.filter(programme=programme)
    return subgrants.select_related("organisation", "programme").prefetch_related("provinces", "budget_lines")


def target_list(*, user: User, programme: Programme) -> QuerySet[Target]:
    return access.visible(user, Target.objects.filter(programme=programme)).select_related("subgrant", "province")


def membership_list(*, user: User) -> QuerySet[Membership]:
    """Members of the organisation the user acts for (managers only see more than themselves)."""
    membership = access.membership_for(user)
    if membership is None:
        return Membership.objects.none()
    return (
        access.visible(user, Membership.objects.filter(organisation_id=membership.organisation_id))
        .select_related("user", "organisation", "team")
        .order_by("-is_active", "user__username")
    )


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    """The user's own API tokens (no one else's: a token is its owner's business), newest first."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def invitation_list(*, user: User) -> list[Membership]:
    """Memberships other organisations offered the user, waiting for their answer (services.member_add),
    oldest first."""
    return sorted(access.invitations_of(user), key=lambda m: (m.created_at, m.id))


def team_list(*, user: User) -> QuerySet[Team]:
    membership = access.membership_for(user)
    if membership is None:
        return Team.objects.none()
    return Team.objects.filter(organisation_id=membership.organisation_id).order_by("name")


def recent_identity_reads(*, user: User, since: dt.datetime | None = None) -> QuerySet[AuditEvent]:
    """For supervisors: the latest reads of identifying details in their organisation."""
    membership = access.membership_for(user)
    if membership is None or not access.has_capability(user, Capability.VIEW_ACCESS_LOG):
        return AuditEvent.objects.none()
    events = AuditEvent.objects.filter(
        organisation_id=membership.organisation_id, action="view", details__fields="identity"
    )
    if since is not None:
        events = events.filter(at__gte=since)
    return events.select_related("actor").order_by("-id")


@dataclass(frozen=True)
class IdentityRead:
    """One read of identifying details as a supervisor's list shows it: the person (case number and link)
    when one record was read and it is in the supervisor's scope; else how many records were read at once."""

    at: dt.datetime
    actor_name: str
    person: Person | None
    reason: str
    count: int


def identity_read_list(*, user: User, limit: int = 10) -> list[IdentityRead]:
    """The latest reads of identifying details, each naming the record by case number: two queries."""
    events = list(recent_identity_reads(user=user)[:limit])
    person_type = Person._meta.label_lower
    uuids = {e.object_id for e in events if e.object_type == person_type and e.object_id}
    people = {
        str(p.uuid): p for p in access.visible(user, Person.objects.filter(uuid__in=uuids)).only("uuid", "case_number")
    }
    rows = []
    for event in events:
        details = event.details if isinstance(event.details, dict) else {}
        many = details.get("identity_rows") or len(details.get("people") or [])
        person = people.get(event.object_id) if event.object_type == person_type else None
        rows.append(IdentityRead(event.at, event.actor_name, person, str(details.get("reason") or ""), int(many or 0)))
    return rows


@dataclass(frozen=True)
class WorkListEntry:
    key: str
    title: str
    count: int
    url: str
    empty: str


def work_lists_for(*, user: User) -> list[WorkListEntry]:
    """The home page's work lists the apps declared (core.registry), for the capabilities of the user's role;
    each count is one query."""
    from karpear.core import registry

    return [
        WorkListEntry(item.key, str(item.title), item.count(user), item.url(user), str(item.empty))
        for item in registry.work_lists()
        if item.capability is None or access.has_capability(user, item.capability)
    ]


def export_kind_of(job: Any) -> Any:
    """The registered kind of an export job (its label and formats), or None for a kind no longer installed."""
    from karpear.core import registry

    return registry.export_kind_for(job.kind)


def export_content_type(job: Any) -> str:
    from karpear.core import registry

    return registry.FORMATS.get(job.format, "application/octet-stream")


def export_retention_days() -> int:
    from django.conf import settings

    return int(getattr(settings, "EXPORT_RETENTION_DAYS", 7))
