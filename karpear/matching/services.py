"""Writes of the matching app: checking a person (or the whole organisation) for likely matches, a case
supervisor's decision on a pair, and the inquiry to another organisation. Nothing is ever merged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from karpear.core import access, audit
from karpear.core import services as core_services
from karpear.core.models import ExportJob, Person, User
from karpear.core.roles import Capability
from karpear.matching import lists, selectors
from karpear.matching.engine import model as engine
from karpear.matching.models import MatchInquiry, MatchPair


def _ordered(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _evidence_json(evidence: tuple[engine.Evidence, ...]) -> list[list[Any]]:
    return [[e.comparison, e.level, e.weight] for e in evidence]


@dataclass(frozen=True)
class CheckResult:
    pairs: list[MatchPair]
    elsewhere: bool  # a likely match exists at another organisation (nothing more is said)


def _store_pairs(
    organisation_id: int, found: list[tuple[int, int, float, list[list[Any]]]], source: str
) -> list[MatchPair]:
    """Create or refresh the open pairs; decided pairs are left as decided (a rejected pair never comes back)."""
    stored: list[MatchPair] = []
    for a, b, score, evidence in found:
        low, high = _ordered(a, b)
        pair, created = MatchPair.objects.select_for_update().get_or_create(
            person_id=low,
            other_id=high,
            defaults={"organisation_id": organisation_id, "score": score, "evidence": evidence, "source": source},
        )
        if not created and pair.status == MatchPair.Status.OPEN and abs(pair.score - score) > 1e-9:
            pair.score, pair.evidence = score, evidence
            pair.save(update_fields=["score", "evidence", "updated_at"])
        if pair.status != MatchPair.Status.DIFFERENT:
            stored.append(pair)
    return stored


@transaction.atomic
def check_person(*, actor: User, person: Person) -> CheckResult:
    """Look for people likely to be `person`: in the actor's scope (stored as pairs to review) and at other
    organisations (only whether one exists). Needs review_duplicates; audited without any detail."""
    access.require(actor, Capability.REVIEW_DUPLICATES)
    person = access.get_for_user(actor, Person, person.uuid)
    access.require(actor, Capability.REVIEW_DUPLICATES, person)
    person = Person.objects.select_related("identity").get(pk=person.pk)
    query = selectors.record_of(person)
    matches = selectors.likely_matches(user=actor, query=query, exclude=person)
    pairs = _store_pairs(
        person.organisation_id,
        [
            (person.pk, m.person.pk, m.score, _evidence_json(m.evidence))
            for m in matches
            if m.person.organisation_id == person.organisation_id
        ],
        MatchPair.Source.CHECK,
    )
    elsewhere = bool(selectors.match_exists_elsewhere(user=actor, query=query))
    audit.record(actor=actor, action="search", obj=person, kind="match_check", found=len(pairs), elsewhere=elsewhere)
    return CheckResult(pairs, elsewhere)


@transaction.atomic
def decide(*, actor: User, pair: MatchPair, decision: str) -> MatchPair:
    """A case supervisor's decision: the same person (the records are linked, not merged) or different people
    (the pair is never proposed again). Needs review_duplicates and both people in scope; audited."""
    access.require(actor, Capability.REVIEW_DUPLICATES)
    pair = access.get_for_user(actor, MatchPair, pair.uuid)
    access.require(actor, Capability.REVIEW_DUPLICATES, pair)
    if decision not in (MatchPair.Status.SAME, MatchPair.Status.DIFFERENT):
        raise ValidationError({"decision": _("Choose one of the answers.")})
    locked = MatchPair.objects.select_for_update().get(pk=pair.pk)
    if locked.status != MatchPair.Status.OPEN:
        raise ValidationError(_("Someone has already decided on this pair."))
    locked.status, locked.decided_by, locked.decided_at = decision, actor, timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    audit.record(
        actor=actor,
        action="update",
        obj=locked,
        decision=decision,
        person=str(locked.person.uuid),
        other=str(locked.other.uuid),
    )
    return locked


@transaction.atomic
def ask_elsewhere(*, actor: User, person: Person) -> int:
    """Ask the organisations holding a likely match of `person` to refer that person: each gets an inquiry
    naming its own person and the asking organisation. The asker learns only how many were sent. Needs
    review_duplicates and the person in scope; audited (the count, never who)."""
    access.require(actor, Capability.REVIEW_DUPLICATES)
    person = access.get_for_user(actor, Person, person.uuid)
    person = Person.objects.select_related("identity").get(pk=person.pk)
    found = selectors.match_exists_elsewhere(user=actor, query=selectors.record_of(person))
    sent = 0
    best: dict[int, tuple[int, float]] = {}
    for organisation_id, other_id, score in found:
        if organisation_id not in best or score > best[organisation_id][1]:
            best[organisation_id] = (other_id, score)
    for organisation_id, (other_id, score) in best.items():
        _inquiry, created = MatchInquiry.objects.get_or_create(
            person_id=other_id,
            asked_by_id=person.organisation_id,
            defaults={"organisation_id": organisation_id, "score": score},
        )
        sent += int(created)
    audit.record(actor=actor, action="create", obj=person, kind="match_inquiry", sent=sent)
    return sent


@transaction.atomic
def inquiry_answered(*, actor: User, inquiry: MatchInquiry) -> MatchInquiry:
    """Mark an inquiry answered (the supervisor referred the person, or decided not to). Audited."""
    access.require(actor, Capability.REVIEW_DUPLICATES)
    inquiry = access.get_for_user(actor, MatchInquiry, inquiry.uuid)
    locked = MatchInquiry.objects.select_for_update().get(pk=inquiry.pk)
    if locked.status == MatchInquiry.Status.DONE:
        raise ValidationError(_("This inquiry is already answered."))
    locked.status, locked.answered_at = MatchInquiry.Status.DONE, timezone.now()
    locked.save(update_fields=["status", "answered_at", "updated_at"])
    audit.record(actor=actor, action="update", obj=locked, status=locked.status)
    return locked


# ---------------------------------------------------------------- the organisation-wide check
@dataclass(frozen=True)
class BatchResult:
    people: int
    found: list[tuple[int, int, float, list[list[Any]]]]


def _people(user: User) -> list[dict[str, Any]]:
    people = access.visible(user, Person.objects.filter(identity__isnull=False)).order_by("id")
    return list(people.values(*selectors._FIELDS))


def batch_find(*, user: User, progress: Callable[[int, int], None]) -> BatchResult:
    """Every likely pair among the people of the user's scope (their organisation), with progress. Reads
    only; `batch_store` stores the pairs. The weights are the default model's (estimated on the synthetic
    evaluation set); with more than `REFIT_FROM` people they are estimated again on the organisation's own."""
    access.require(user, Capability.REVIEW_DUPLICATES)
    people = access.visible(user, Person.objects.filter(identity__isnull=False)).order_by("id")
    rows = _people(user)
    total = len(rows)
    progress(0, total)
    records = selectors._records(rows)
    fitted = selectors.model().for_population(total)
    # the organisation's own people in both scripts say how its staff write Khmer names in Latin letters
    spellings = {**fitted.spellings, **engine.learn_spellings(records)}
    prep = engine.prepare(records, spellings)
    progress(total // 4, total)
    a, b = engine.candidate_pairs(prep)
    progress(total // 2, total)
    levels = engine.compare(prep, a, b)
    if total >= REFIT_FROM:
        refit = engine.estimate(prep, (a, b), levels=levels)
        fitted = engine.Model(refit.m, refit.u, refit.prior, fitted.threshold, refit.trained_on, refit.spellings)
    tf = engine.pair_name_tf(prep, a, b)
    probability = fitted.probability(levels, tf)
    progress(total * 3 // 4, total)
    rejected = set(
        MatchPair.objects.filter(
            organisation__in=people.values("organisation"), status=MatchPair.Status.DIFFERENT
        ).values_list("person_id", "other_id")
    )
    keys = [int(key) for key in prep.keys]
    # a pair people said are two is not proposed, nor does it outweigh another candidate of its records
    said_different = np.array(
        [_ordered(keys[x], keys[y]) in rejected for x, y in zip(a.tolist(), b.tolist(), strict=True)], dtype=bool
    ).reshape(len(a))
    chosen = engine.choose(np.where(said_different, 0.0, probability), levels, a, b, fitted.threshold)
    found = []
    for i in chosen:
        x, y = keys[a[i]], keys[b[i]]
        evidence = fitted.explain(levels[i].tolist(), float(tf[i]))
        found.append((x, y, round(float(probability[i]), 4), _evidence_json(tuple(evidence))))
    progress(total, total)
    return BatchResult(total, found)


REFIT_FROM = 5000


@transaction.atomic
def batch_store(*, user: User, result: BatchResult) -> int:
    """Store the pairs of an organisation-wide check for review; audited with the counts."""
    membership = access.membership_for(user)
    if membership is None:
        return 0
    organisation_of = dict(
        Person.objects.filter(pk__in={pk for x, y, _s, _e in result.found for pk in (x, y)}).values_list(
            "pk", "organisation_id"
        )
    )
    same_org = [
        f for f in result.found if organisation_of.get(f[0]) == organisation_of.get(f[1]) == membership.organisation_id
    ]
    stored = _store_pairs(membership.organisation_id, same_org, MatchPair.Source.BATCH)
    audit.record(
        actor=user,
        action="search",
        organisation=membership.organisation,
        kind="match_batch",
        people=result.people,
        pairs=len(stored),
    )
    return len(stored)


# ---------------------------------------------------------------- a list of people checked against the organisation
@dataclass(frozen=True)
class ListResult:
    people: int
    rows: list[lists.Row]
    # (key, key, score, evidence): a key is a list row's ("row:<number>") or a person's pk as a string; at
    # least one of the two is a row
    found: list[tuple[str, str, float, list[list[Any]]]]


def list_check_request(*, actor: User, name: str, content: bytes, fmt: str) -> ExportJob:
    """Read an uploaded list of people (lists.read) and start its check against the people of the actor's
    scope, as a background job of core's exports (its page shows the progress). The rows ride in the job's
    parameters until the report is made, then are cleared; the upload itself is not kept. Audited with the
    number of rows, never their values."""
    access.require(actor, Capability.REVIEW_DUPLICATES)
    rows = lists.read(name, content)
    return core_services.export_request(
        actor=actor,
        kind="matching_list",
        fmt=fmt,
        params={"rows": [row.as_params() for row in rows]},
        rows=len(rows),
    )


def list_find(*, user: User, rows: list[lists.Row], progress: Callable[[int, int], None]) -> ListResult:
    """The likely matches of each row of a list among the people of the user's scope, and among the list's
    own rows (a person listed twice), chosen as the organisation-wide check chooses them (`engine.choose`).
    Reads only; the rows are compared with the default model, its prior rescaled to the people and rows."""
    access.require(user, Capability.REVIEW_DUPLICATES)
    people = _people(user)
    total = len(people) + len(rows)
    progress(0, total)
    checked = [row.record for row in rows if row.record is not None]
    records = [*selectors._records(people), *checked]
    fitted = selectors.model().for_population(max(len(records), 2))
    prep = engine.prepare(records, {**fitted.spellings, **engine.learn_spellings(records)})
    progress(total // 4, total)
    a, b = engine.candidate_pairs(prep)
    is_row = np.array([key.startswith("row:") for key in prep.keys], dtype=bool).reshape(len(prep))
    keep = is_row[a] | is_row[b] if len(a) else np.zeros(0, dtype=bool)
    a, b = a[keep], b[keep]
    progress(total // 2, total)
    levels = engine.compare(prep, a, b)
    tf = engine.pair_name_tf(prep, a, b)
    probability = fitted.probability(levels, tf)
    progress(total * 3 // 4, total)
    found = []
    for i in engine.choose(probability, levels, a, b, fitted.threshold):
        evidence = fitted.explain(levels[i].tolist(), float(tf[i]))
        x, y = prep.keys[a[i]], prep.keys[b[i]]
        found.append((x, y, round(float(probability[i]), 4), _evidence_json(tuple(evidence))))
    progress(total, total)
    return ListResult(len(people), rows, found)


def list_done(*, user: User, job: ExportJob, result: ListResult) -> None:
    """In the transaction that stores the report: the list's rows leave the job's parameters (only their number
    stays), and the check is audited with its counts."""
    ExportJob.objects.filter(pk=job.pk).update(params={"rows": len(result.rows)})
    membership = access.membership_for(user)
    audit.record(
        actor=user,
        action="search",
        obj=job,
        organisation=membership.organisation if membership else None,
        kind="match_list",
        rows=len(result.rows),
        people=result.people,
        pairs=len(result.found),
    )
