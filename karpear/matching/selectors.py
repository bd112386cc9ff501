"""Reads of the matching app: likely matches of a person, the pairs to review, the clusters, the inquiries.

The API other apps use (protection's re-trafficking flag): `likely_matches(user=..., person=...)` (people in the
user's scope likely to be this person, with score and evidence) and `match_exists_elsewhere(...)` (a yes/no,
nothing more, about other organisations). Identity is read only as core.access allows: in the user's scope
for the list; across organisations only to compute the yes/no, audited, never returned.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from karpear.core import access, audit
from karpear.core.models import Identity, Person, User
from karpear.core.roles import Capability
from karpear.core.selectors import DuplicateCandidate, DuplicateKeys
from karpear.matching.engine import model as engine
from karpear.matching.models import MatchInquiry, MatchPair

POOL = 5000  # at most this many people are scored against one (the most recent first)
SHOWN = 10

EVIDENCE_LABELS: dict[str, Promise] = {
    "name_exact": _("same name"),
    "name_jw_95": _("name almost the same"),
    "name_jw_88": _("similar name"),
    "name_jw_80": _("name somewhat alike"),
    "name_differs": _("different name"),
    "year_exact": _("same birth year"),
    "year_1": _("birth year one apart"),
    "year_2": _("birth year two apart"),
    "year_differs": _("birth years far apart"),
    "place_village": _("same village"),
    "place_commune": _("same commune"),
    "place_district": _("same district"),
    "place_province": _("same province"),
    "place_differs": _("another province"),
    "phone_same": _("same phone"),
    "phone_differs": _("different phone"),
    "id_same": _("same ID or passport number"),
    "id_differs": _("different ID or passport number"),
    "sex_same": _("same sex"),
    "sex_differs": _("different sex"),
    "mother_same": _("same mother's name"),
    "mother_close": _("similar mother's name"),
    "mother_differs": _("different mother's name"),
    "household_most": _("several household members in common"),
    "household_some": _("a household member in common"),
    "household_none": _("no household member in common"),
}


@cache
def model() -> engine.Model:
    return engine.default_model()


FREQUENCIES_MAX_AGE = 3600.0  # seconds: the name frequencies are counted again at least this often
FREQUENCIES_DRIFT = 0.02  # ... and whenever the number of people changed by more than this share
_frequencies: dict[str, tuple[float, int, engine.NameFrequencies]] = {}
_frequencies_lock = threading.Lock()


def name_frequencies() -> engine.NameFrequencies:
    """How many people bear each name, among everyone registered (all organisations: a name's commonness is
    the population's; only the counts are kept, nothing about anyone leaves this function), read with the
    shipped model's spellings: the term frequencies the organisation-wide check uses, so that scoring one
    registration weighs a common name as the batch does. Cached per process; counted again after
    FREQUENCIES_MAX_AGE or when the number of people moved by more than FREQUENCIES_DRIFT (any change under
    1,000 people). One grouped query and the folding of each distinct name."""
    people = Identity.objects.count()
    now = time.monotonic()
    cached = _frequencies.get("all")
    if cached is not None:
        at, counted, table = cached
        drift = abs(people - counted)
        fresh = now - at < FREQUENCIES_MAX_AGE
        if fresh and (drift == 0 or (people >= 1000 and drift <= FREQUENCIES_DRIFT * people)):
            return table
    rows = Identity.objects.order_by().values_list("name_km", "name_latin").annotate(people=Count("pk"))
    table = engine.name_frequencies(rows.iterator(), model().spellings)
    with _frequencies_lock:
        _frequencies["all"] = (now, people, table)
    return table


def clear_caches() -> None:
    """Forget the cached name frequencies (tests; after a bulk import)."""
    with _frequencies_lock:
        _frequencies.clear()


_FIELDS = (
    "pk",
    "birth_year",
    "sex",
    "village__code",
    "commune_id",
    "identity__name_km",
    "identity__name_latin",
    "identity__phone",
    "identity__national_id",
    "identity__passport_number",
    "identity__mother_name",
    "household_id",
)

HOUSEHOLD_CHUNK = 900  # household ids per query (SQLite's limit on parameters)


def _household_members(household_ids: Iterable[int]) -> dict[int, list[tuple[int, str, str]]]:
    """The members of these households: household id -> [(person id, Khmer name, Latin name)]. Read only to
    compare (the evidence says "a household member in common", never who)."""
    ids = sorted(set(household_ids))
    members: dict[int, list[tuple[int, str, str]]] = {}
    for start in range(0, len(ids), HOUSEHOLD_CHUNK):
        rows = Person.objects.filter(household_id__in=ids[start : start + HOUSEHOLD_CHUNK], identity__isnull=False)
        for household, pk, km, latin in rows.values_list(
            "household_id", "pk", "identity__name_km", "identity__name_latin"
        ).order_by("household_id", "pk"):
            members.setdefault(household, []).append((pk, km or "", latin or ""))
    return members


def _others_in_household(
    members: dict[int, list[tuple[int, str, str]]], household: int | None, pk: int
) -> tuple[str, ...]:
    return tuple(
        name
        for other, km, latin in members.get(household or 0, ())[: engine.HOUSEHOLD_WIDTH + 1]
        if other != pk
        for name in (km, latin)
        if name
    )


def _records(rows: Sequence[dict[str, Any]]) -> list[engine.Record]:
    """Rows of `_FIELDS` as the engine's records, each with its household's other members' names."""
    members = _household_members(row["household_id"] for row in rows if row["household_id"])
    return [_record(row, _others_in_household(members, row["household_id"], row["pk"])) for row in rows]


def _record(row: dict[str, Any], household: tuple[str, ...] = ()) -> engine.Record:
    return engine.Record(
        key=str(row["pk"]),
        name_km=row["identity__name_km"] or "",
        name_latin=row["identity__name_latin"] or "",
        birth_year=row["birth_year"],
        sex=row["sex"] or "",
        village=row["village__code"] or "",
        commune=row["commune_id"] or "",
        phone=row["identity__phone"] or "",
        ids=tuple(v for v in (row["identity__national_id"], row["identity__passport_number"]) if v),
        mother_name=row["identity__mother_name"] or "",
        household=household,
    )


def record_of(person: Person) -> engine.Record:
    identity = getattr(person, "identity", None)
    household: tuple[str, ...] = ()
    if person.household_id:
        household = _others_in_household(_household_members([person.household_id]), person.household_id, person.pk)
    return engine.Record(
        key=str(person.pk),
        name_km=identity.name_km if identity else "",
        name_latin=identity.name_latin if identity else "",
        birth_year=person.birth_year,
        sex=person.sex or "",
        village=person.village.code if person.village_id and person.village else "",
        commune=person.commune_id or "",
        phone=identity.phone if identity else "",
        ids=tuple(v for v in ((identity.national_id, identity.passport_number) if identity else ()) if v),
        mother_name=identity.mother_name if identity else "",
        household=household,
    )


def record_of_keys(keys: DuplicateKeys, *, village: str = "", sex: str = "") -> engine.Record:
    return engine.Record(
        key="query",
        name_km=keys.name_km,
        name_latin=keys.name_latin,
        birth_year=keys.birth_year,
        sex=sex or keys.sex,
        village=village,
        commune=keys.commune_code,
        phone=keys.phone,
        ids=tuple(v for v in (keys.national_id, keys.passport_number) if v),
        mother_name=keys.mother_name,
    )


def _pool(people: QuerySet[Person], query: engine.Record) -> QuerySet[Person]:
    """Who is worth scoring: a birth year within three of the query's (or unknown), or the same phone or ID
    number. Without a birth year, everyone (the most recent POOL)."""
    condition = Q()
    if query.birth_year:
        condition = Q(birth_year__range=(query.birth_year - 3, query.birth_year + 3)) | Q(birth_year__isnull=True)
        if query.phone:
            condition |= Q(identity__phone=query.phone)
        for value in query.ids:
            condition |= Q(identity__national_id=value.upper()) | Q(identity__passport_number=value.upper())
    return people.filter(condition).filter(identity__isnull=False).order_by("-created_at", "-id")


def _score(query: engine.Record, people: QuerySet[Person]) -> list[engine.Match]:
    rows = list(_pool(people, query).values(*_FIELDS)[:POOL])
    return engine.match_one(query, _records(rows), model(), frequencies=name_frequencies())


def _rejected_with(person: Person | None) -> set[int]:
    if person is None:
        return set()
    pairs = MatchPair.objects.filter(Q(person=person) | Q(other=person), status=MatchPair.Status.DIFFERENT)
    return {pk for pair in pairs.values_list("person_id", "other_id") for pk in pair} - {person.pk}


def evidence_phrases(evidence: Iterable[Sequence[Any]] | Iterable[engine.Evidence], limit: int = 4) -> tuple[str, ...]:
    """The strongest pieces of evidence as phrases for a page ("same village", "similar name", ...)."""
    phrases = []
    for item in evidence:
        level = item.level if isinstance(item, engine.Evidence) else item[1]
        phrases.append(str(EVIDENCE_LABELS.get(level, level)))
    return tuple(phrases[:limit])


@dataclass(frozen=True)
class LikelyMatch:
    person: Person
    score: float
    evidence: tuple[engine.Evidence, ...]


def likely_matches(*, user: User, query: engine.Record, exclude: Person | None = None) -> list[LikelyMatch]:
    """People in the user's scope likely to be the query's person, best first (at most SHOWN); pairs a
    supervisor decided are different people are left out. Needs view_identity (else an empty list)."""
    if not access.has_capability(user, Capability.VIEW_IDENTITY):
        return []
    return _likely(user, query, exclude)


def _likely(user: User, query: engine.Record, exclude: Person | None) -> list[LikelyMatch]:
    return _likely_in(access.visible(user, Person.objects.all()), query, exclude)


def _likely_in(people: QuerySet[Person], query: engine.Record, exclude: Person | None) -> list[LikelyMatch]:
    if exclude is not None:
        people = people.exclude(pk=exclude.pk)
    rejected = _rejected_with(exclude)
    matches = [m for m in _score(query, people) if int(m.b) not in rejected][:SHOWN]
    found = Person.objects.select_related("identity", "commune").in_bulk([int(m.b) for m in matches])
    return [LikelyMatch(found[int(m.b)], m.probability, m.evidence) for m in matches if int(m.b) in found]


def likely_among(*, people: QuerySet[Person], query: engine.Record, exclude: Person | None = None) -> list[LikelyMatch]:
    """Likely matches of the query among `people`, a set the calling service chose and scoped itself (e.g.
    protection's re-trafficking flag: the organisation's earlier survivors, for its supervisor), best first;
    pairs decided different are left out. For services: a page shows only what its reader may see of them."""
    return _likely_in(people, query, exclude)


def match_exists_elsewhere(*, user: User, query: engine.Record, audited: bool = True) -> list[tuple[int, int, float]]:
    """Likely matches at other organisations, as (organisation id, person id, score): for services only
    (an inquiry is sent to the organisation); a page may say no more than that one exists. Audited: the
    kinds of details compared and how many were found, never who (`audited=False` for core's duplicate
    check, whose own event records the check)."""
    membership = access.membership_for(user)
    if membership is None:
        return []
    others = Person.objects.exclude(organisation_id=membership.organisation_id)
    matches = _score(query, others)
    owners = dict(Person.objects.filter(pk__in=[int(m.b) for m in matches]).values_list("pk", "organisation_id"))
    if audited:
        audit.record(
            actor=user,
            action="search",
            organisation=membership.organisation,
            kind="match_elsewhere",
            found=len(matches),
        )
    return [(owners[int(m.b)], int(m.b), m.probability) for m in matches if int(m.b) in owners]


@dataclass(frozen=True)
class PersonMatches:
    matches: list[LikelyMatch]
    elsewhere: bool  # a likely match exists at another organisation (nothing more may be said)


def person_matches(*, user: User, person: Person) -> PersonMatches:
    """A person's likely matches in the user's scope, best first, and whether another organisation holds a
    likely match (a yes/no only). Needs review_duplicates and the person in scope (404 otherwise); stores
    nothing. Audited as a check: the kinds of details compared and the counts, never who."""
    access.require(user, Capability.REVIEW_DUPLICATES)
    person = access.get_for_user(user, Person, person.uuid)
    person = Person.objects.select_related("identity", "village").get(pk=person.pk)
    query = record_of(person)
    matches = likely_matches(user=user, query=query, exclude=person)
    elsewhere = bool(match_exists_elsewhere(user=user, query=query, audited=False))
    audit.record(actor=user, action="search", obj=person, kind="match_check", found=len(matches), elsewhere=elsewhere)
    return PersonMatches(matches, elsewhere)


def find_duplicates(*, user: User, keys: DuplicateKeys, exclude: Person | None = None) -> list[DuplicateCandidate]:
    """Core's duplicate check calls this (registry.duplicate_finder): likely matches in the user's scope with
    score and evidence, and one `elsewhere` item when another organisation holds a likely match."""
    query = record_of_keys(keys)
    if not engine.name_forms(query.name_km, query.name_latin) and not (query.phone or query.ids):
        return []  # nothing to compare on (a name of invisible characters is no name)
    # Core shows a role without view_identity only that someone like this exists (it drops who).
    found: list[DuplicateCandidate] = [
        DuplicateCandidate(m.person, (), round(m.score, 3), evidence_phrases(m.evidence))
        for m in _likely(user, query, exclude)
    ]
    if match_exists_elsewhere(user=user, query=query, audited=False):
        found.append(DuplicateCandidate(None, (), elsewhere=True))
    return found


# ---------------------------------------------------------------- review
def pairs_to_review(*, user: User, status: str = MatchPair.Status.OPEN) -> QuerySet[MatchPair]:
    """Pairs in the user's scope (both people), best first: a case supervisor's work list."""
    if not access.has_capability(user, Capability.REVIEW_DUPLICATES):
        return MatchPair.objects.none()
    return (
        access.visible(user, MatchPair.objects.filter(status=status))
        .select_related("person", "other", "person__commune", "other__commune")
        .order_by("-score", "id")
    )


def pair_for_page(*, user: User, uuid: Any) -> MatchPair:
    """A pair in the user's scope (404 otherwise) with both people and the decider, for its page."""
    pair = access.get_for_user(user, MatchPair, uuid)
    access.require(user, Capability.REVIEW_DUPLICATES, pair)
    return MatchPair.objects.select_related("person__commune", "other__commune", "decided_by").get(pk=pair.pk)


def linked_people(*, user: User, person: Person) -> list[Person]:
    """The people a supervisor confirmed are the same as `person` (linked, never merged), in the user's scope."""
    pairs = access.visible(
        user, MatchPair.objects.filter(Q(person=person) | Q(other=person), status=MatchPair.Status.SAME)
    )
    ids = {pk for pair in pairs.values_list("person_id", "other_id") for pk in pair} - {person.pk}
    return list(access.visible(user, Person.objects.filter(pk__in=ids)).order_by("id"))


def clusters(*, user: User) -> list[list[MatchPair]]:
    """The open pairs in the user's scope grouped into clusters (people linked by any chain of pairs),
    largest first: the report of the organisation-wide check."""
    pairs = list(pairs_to_review(user=user))
    groups = engine.clusters((str(p.person_id), str(p.other_id)) for p in pairs)
    member = {key: index for index, group in enumerate(groups) for key in group}
    out: list[list[MatchPair]] = [[] for _ in groups]
    for pair in pairs:
        out[member[str(pair.person_id)]].append(pair)
    return out


def inquiries(*, user: User) -> QuerySet[MatchInquiry]:
    """Inquiries other organisations sent about this organisation's people (in the user's scope)."""
    if not access.has_capability(user, Capability.REVIEW_DUPLICATES):
        return MatchInquiry.objects.none()
    return (
        access.visible(user, MatchInquiry.objects.all())
        .select_related("person", "asked_by")
        .order_by("status", "-created_at")
    )
