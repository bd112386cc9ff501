"""Reads of the legal-aid records: every function takes the acting user and starts from core.access."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.utils import timezone

from karpear.core import access, audit, countries, referrals
from karpear.core.models import BudgetLine, Identity, Organisation, Person, Referral, User
from karpear.core.roles import Capability
from karpear.justice.declarations import JusticeCapability as C
from karpear.justice.models import (
    OPEN_STATUSES,
    AdvocacyAction,
    Article,
    CaseClient,
    CaseStudy,
    ClientRelation,
    Cost,
    CustodyEntry,
    Escalation,
    Evidence,
    Handover,
    Hearing,
    InvestigationStep,
    LegalCase,
    Offence,
    Party,
    Repatriation,
    Statement,
    Submission,
    Verdict,
    Witness,
)


def case_list(*, user: User, mine: bool = False, open_only: bool = False, query: str = "") -> QuerySet[LegalCase]:
    """The legal cases the user may see, newest first; `mine`: assigned to the user; `query`: a number's start."""
    cases = access.visible(user, LegalCase.objects.all())
    if mine:
        cases = cases.filter(lawyer_id=user.pk)
    if open_only:
        cases = cases.filter(status__in=OPEN_STATUSES)
    query = query.strip().upper()
    if query:
        cases = cases.filter(number__startswith=query)
    return cases.select_related("lawyer").order_by("-opened_on", "-id")


def case_for_user(*, user: User, uuid: UUID | str, write: bool = False) -> LegalCase:
    """The case, if the user may see it (else 404); with `write`, 403 when it is read-only to them."""
    return access.get_for_user(
        user, LegalCase, uuid, write=write, queryset=LegalCase.objects.select_related("lawyer", "referral")
    )


def hearings_this_week(*, user: User, today: dt.date | None = None) -> QuerySet[Hearing]:
    """Hearings of the user's cases from today to six days ahead, soonest first (one query)."""
    today = today or timezone.localdate()
    rows = access.visible(user, Hearing.objects.filter(held_on__gte=today, held_on__lte=today + dt.timedelta(days=6)))
    return rows.select_related("case").order_by("held_on", "id")


def submissions_awaiting(*, user: User, overdue: bool = False, today: dt.date | None = None) -> QuerySet[Submission]:
    """Submissions with no reply yet; `overdue`: past their deadline. Oldest first (one query)."""
    rows = access.visible(user, Submission.objects.filter(reply_on__isnull=True))
    if overdue:
        rows = rows.filter(deadline__lt=today or timezone.localdate())
    return rows.select_related("case").order_by("deadline", "sent_on", "id")


class _Count(Subquery):
    """A queryset's row count as a scalar subquery, so several counts come back in one query."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _count)"
    output_field = IntegerField()


def work_counts(*, user: User) -> dict[str, int]:
    """The four home work lists' counts (my open cases, hearings this week, submissions awaiting a reply, replies
    overdue) in one query, kept on the user object for the rest of the request."""
    cached: dict[str, int] | None = user.__dict__.get("_justice_work_counts")
    if cached is None:
        rows = {row["kind"]: row for row in work_counts_query(user=user)}
        cached = {
            "mine": rows["mine"]["rows"],
            "hearings": rows["hearings"]["rows"],
            "awaiting": rows["letters"]["rows"],
            "overdue": rows["letters"]["overdue"],
        }
        user.__dict__["_justice_work_counts"] = cached
    return cached


def work_counts_query(*, user: User, today: dt.date | None = None) -> QuerySet[Any]:
    """The one query behind work_counts: one aggregate row per work list, joined by UNION ALL. The unanswered
    letters are read once for two figures, "awaiting" (all of them) and "overdue" (`COUNT(deadline) FILTER (WHERE
    deadline < today)`): each used to be a count of its own, two passes over the team's letters (at 100k cases
    the slower half of the home counts, docs/justice.md "Scale"). Each part is the work list's own selector, so a
    count is always the length of the list it links to."""
    today = today or timezone.localdate()

    def counted(rows: QuerySet[Any], kind: str, overdue: Count | None = None) -> QuerySet[Any]:
        return (
            rows.order_by()
            .values(kind=Value(kind, output_field=CharField()))
            .annotate(rows=Count("*"), overdue=Value(0, output_field=IntegerField()) if overdue is None else overdue)
        )

    # COUNT(*) and the count of deadlines (an overdue letter has one): columns of both partial indexes on the
    # unanswered letters, which PostgreSQL then reads alone (a count of the ids made it read the table).
    overdue = Count("deadline", filter=Q(deadline__lt=today))

    return (
        counted(case_list(user=user, mine=True, open_only=True), "mine")
        .union(
            counted(hearings_this_week(user=user, today=today), "hearings"),
            counted(submissions_awaiting(user=user, today=today), "letters", overdue),
            all=True,
        )
        .order_by()
    )


def referrals_to_open(*, user: User) -> QuerySet[Referral]:
    """Accepted referrals to the user's organisation that the user sees and no legal case was opened from."""
    membership = access.membership_for(user)
    if membership is None or not access.has_capability(user, C.OPEN_CASE):
        return Referral.objects.none()
    opened = LegalCase.objects.filter(organisation_id=membership.organisation_id, referral__isnull=False)
    return (
        access.visible(
            user, Referral.objects.filter(receiver_id=membership.organisation_id, status=Referral.Status.ACCEPTED)
        )
        .exclude(pk__in=opened.values("referral_id"))
        .select_related("organisation", "person")
        .order_by("-decided_at", "-id")
    )


def referral_for_opening(*, user: User, uuid: UUID | str) -> Referral:
    return access.get_for_user(user, Referral, str(uuid), queryset=Referral.objects.select_related("organisation"))


def repatriation_for_user(*, user: User, uuid: UUID | str) -> Repatriation:
    """A repatriation the user may see, with its case (404 otherwise)."""
    row: Repatriation = access.get_for_user(
        user, Repatriation, uuid, queryset=Repatriation.objects.select_related("case__lawyer", "case__referral")
    )
    row.country_name = countries.name(row.country)  # type: ignore[attr-defined]
    return row


def handovers(*, user: User, repatriation: Repatriation) -> list[Handover]:
    """The people of a repatriation handed over to protection: each with its referral and what the receiver
    registered from it, as core tells it (`core.referrals.records_from`: numbered and linked only for a user
    who may open the record). One query, and one per app that reports on referrals."""
    rows = list(
        access.visible(user, Handover.objects.filter(repatriation=repatriation)).select_related(
            "referral__receiver", "referral__person"
        )
    )
    if rows:
        found = referrals.records_from(user=user, referrals=[row.referral for row in rows])
        for row in rows:
            row.records = found.get(row.referral_id, [])  # type: ignore[attr-defined]
    return rows


def handover_receivers(*, user: User) -> QuerySet[Organisation]:
    """The organisations the people of a repatriation may be handed over to: the active ones but the user's."""
    membership = access.membership_for(user)
    if membership is None:
        return Organisation.objects.none()
    return Organisation.objects.filter(is_active=True).exclude(pk=membership.organisation_id).order_by("short_name")


def _client_ids(case: LegalCase) -> QuerySet[Any]:
    """The ids of the case's clients, the main one and the further ones, as ONE subquery (a UNION ALL): `pk IN
    (...)` is then walked through the people's primary key, where `pk = main OR pk IN (further)` made PostgreSQL
    read every person of the organisation."""
    main = LegalCase.objects.filter(pk=case.pk).values("client_id")
    return main.union(CaseClient.objects.filter(case=case).values("person_id"), all=True)


def _handover_candidates(case: LegalCase) -> QuerySet[Person]:
    """The case's clients who may be handed over to protection: the main client and the further clients, as far
    as they are the organisation's own people (a client another organisation referred stays theirs)."""
    return Person.objects.filter(pk__in=_client_ids(case), organisation_id=case.organisation_id)


def handover_person_ids(case: LegalCase) -> list[int]:
    return sorted(_handover_candidates(case).values_list("pk", flat=True))


def handover_people(*, user: User, case: LegalCase) -> QuerySet[Person]:
    """The case's own clients the user may see, who may be handed over to protection (one query)."""
    return access.visible(user, _handover_candidates(case)).order_by("id")


def articles() -> QuerySet[Article]:
    return Article.objects.filter(active=True).order_by("number")


@dataclass
class Client:
    person: Person
    relation: str  # "" for the main client
    identity: Identity | None


def case_clients(*, user: User, case: LegalCase) -> list[Client]:
    """The case's clients the user may see (a referred client only while the referral shares them), with
    their identifying details for a role that reads them, every read audited (one event per person, one insert).
    Two queries: the people (the further clients by a subquery: their rows reach as far as the case, which
    the user sees) with the identities the user may read joined to them, and the audit events. The join is
    a filtered relation: an identity the user may not read (a referral that shares the person, not their
    identity) is never fetched, the same rows as reading `access.visible(user, Identity...)` on its own."""
    further = CaseClient.objects.filter(case=case)
    relation = Subquery(further.filter(person=OuterRef("pk")).values("relation")[:1])
    people = access.visible(user, Person.objects.filter(pk__in=_client_ids(case))).annotate(relation=relation)
    reads_identity = access.has_capability(user, Capability.VIEW_IDENTITY)
    if reads_identity:
        readable = access.visible(user, Identity.objects.filter(person_id__in=_client_ids(case))).values("person_id")
        people = people.annotate(
            # (a queryset itself is refused inside a FilteredRelation's condition; as a Subquery it is the same SQL)
            readable_identity=FilteredRelation("identity", condition=Q(identity__person_id__in=Subquery(readable)))
        ).select_related("readable_identity")  # type: ignore[misc]  # the stubs know no FilteredRelation alias
    rows = list(people.order_by("id"))
    identities: dict[int, Identity] = {}
    if reads_identity:
        # Django sets the attribute only where the join found a row.
        found = ((p.pk, getattr(p, "readable_identity", None)) for p in rows)
        identities = {pk: identity for pk, identity in found if identity is not None}
        read = [p for p in rows if p.pk in identities]
        if read:
            audit.record_many(actor=user, action="view", objects=read, fields="identity", reason="justice")
    rows.sort(key=lambda p: p.pk != case.client_id)
    return [Client(p, str(ClientRelation(p.relation).label) if p.relation else "", identities.get(p.pk)) for p in rows]


def witnesses(*, user: User, case: LegalCase) -> list[Witness]:
    """The case's witnesses with their statements (`statement_list`), and for a role that reads identities the
    witness's identifying details (`identity`), each read audited as a survivor's."""
    rows = list(access.visible(user, Witness.objects.filter(case=case)).select_related("person").order_by("id"))
    statements = access.visible(user, Statement.objects.filter(case=case)).order_by("-taken_on", "-id")
    by_witness: dict[int, list[Statement]] = {}
    for statement in statements:
        by_witness.setdefault(statement.witness_id, []).append(statement)
    identities: dict[int, Identity] = {}
    if rows and access.has_capability(user, Capability.VIEW_IDENTITY):
        people = [w.person_id for w in rows]
        identities = {i.person_id: i for i in access.visible(user, Identity.objects.filter(person_id__in=people))}
        read = [w.person for w in rows if w.person_id in identities]
        if read:
            audit.record_many(actor=user, action="view", objects=read, fields="identity", reason="witness")
    for witness in rows:
        witness.statement_list = by_witness.get(witness.pk, [])  # type: ignore[attr-defined]
        witness.identity = identities.get(witness.person_id)  # type: ignore[attr-defined]
    return rows


@dataclass
class TimelineEntry:
    day: dt.date
    kind: str
    text: str


TIMELINE_KINDS: dict[str, tuple[type[Any], str, str]] = {
    "step": (InvestigationStep, "done_on", "action"),
    "evidence": (Evidence, "obtained_on", "description"),
    "submission": (Submission, "sent_on", "subject"),
    "reply": (Submission, "reply_on", "subject"),
    "hearing": (Hearing, "held_on", "court_name"),
    "verdict": (Verdict, "decided_on", "sentence"),
}


def timeline(*, user: User, case: LegalCase, limit: int = 60) -> list[TimelineEntry]:
    """What happened on the case, newest first: steps, evidence, letters and replies, hearings, judgments, and
    the opening. One query (a UNION of each kind's rows the user may see)."""
    parts = []
    for kind, (model, day, text) in TIMELINE_KINDS.items():
        rows = access.visible(user, model._default_manager.filter(case=case, **{f"{day}__isnull": False}))
        parts.append(
            rows.order_by()
            .annotate(t_day=F(day), t_kind=Value(kind), t_text=F(text))
            .values_list("t_day", "t_kind", "t_text")
        )
    first, *rest = parts
    entries = [
        TimelineEntry(day, kind, text) for day, kind, text in first.union(*rest, all=True).order_by("-t_day")[:limit]
    ]
    entries.append(TimelineEntry(case.opened_on, "opened", case.title))
    return entries


def parties_and_offences(*, user: User, case: LegalCase) -> dict[str, Any]:
    return {
        "parties": list(access.visible(user, Party.objects.filter(case=case))),
        "offences": list(access.visible(user, Offence.objects.filter(case=case)).select_related("article")),
    }


def investigation(*, user: User, case: LegalCase) -> dict[str, Any]:
    """Steps, and evidence items each with its chain of custody (three queries)."""
    evidence = list(access.visible(user, Evidence.objects.filter(case=case)))
    chain: dict[int, list[CustodyEntry]] = {}
    for entry in access.visible(user, CustodyEntry.objects.filter(case=case)):
        chain.setdefault(entry.evidence_id, []).append(entry)
    for item in evidence:
        item.chain = chain.get(item.pk, [])  # type: ignore[attr-defined]
    steps = access.visible(user, InvestigationStep.objects.filter(case=case)).select_related("done_by")
    return {"steps": list(steps), "evidence": evidence}


def court(*, user: User, case: LegalCase) -> dict[str, Any]:
    """Letters, repatriation requests (each with how many people were handed over to protection and whether the
    case has clients of its own the user sees, who could be handed over, in the same query), hearings and
    judgments (four queries)."""
    handed_over = Handover.objects.filter(repatriation=OuterRef("pk")).order_by().values("pk")
    repatriations = list(
        access.visible(user, Repatriation.objects.filter(case=case)).annotate(
            handed_over=_Count(handed_over), has_own_clients=Exists(handover_people(user=user, case=case))
        )
    )
    for row in repatriations:
        row.country_name = countries.name(row.country)  # type: ignore[attr-defined]
    return {
        "submissions": list(access.visible(user, Submission.objects.filter(case=case))),
        "repatriations": repatriations,
        "hearings": list(access.visible(user, Hearing.objects.filter(case=case))),
        "verdicts": list(access.visible(user, Verdict.objects.filter(case=case))),
    }


def case_costs(*, user: User, case: LegalCase) -> tuple[list[Cost], dict[str, Any]]:
    """The case's costs, and their totals per currency."""
    costs = list(
        access.visible(user, Cost.objects.filter(case=case)).select_related("budget_line").order_by("-spent_on", "-id")
    )
    totals: dict[str, Any] = {}
    for cost in costs:
        totals[cost.currency] = totals.get(cost.currency, 0) + cost.amount
    return costs, totals


def evidence_for_download(*, user: User, uuid: UUID | str) -> Evidence:
    """An evidence item whose file the user may download (404 outside scope or without a file)."""
    from django.http import Http404

    evidence = access.get_for_user(user, Evidence, uuid, queryset=Evidence.objects.select_related("case"))
    if not evidence.file:
        raise Http404
    return evidence


def record_download(*, user: User, evidence: Evidence) -> None:
    """Each download of an evidence file is written to the audit log (who, which item, its checksum)."""
    audit.record(actor=user, action="download", obj=evidence, case=str(evidence.case.uuid), sha256=evidence.sha256)


def may_change(user: User, case: LegalCase) -> bool:
    """May the user change this (visible) case: the capability, and the case is their organisation's (what a
    referral shares is read-only). No query."""
    membership = access.membership_for(user)
    return (
        membership is not None
        and membership.organisation_id == case.organisation_id
        and access.has_capability(user, C.CHANGE_CASE)
    )


def context_flags(user: User, case: LegalCase) -> dict[str, bool]:
    changeable = may_change(user, case)
    return {
        "can_change": changeable,
        "can_cost": changeable and access.has_capability(user, C.RECORD_COST),
        "can_respond": changeable and access.has_capability(user, C.RESPOND_ESCALATION),
        "can_assign": changeable and access.has_capability(user, C.ASSIGN_LAWYER),
    }


def advocacy(*, user: User, case: LegalCase) -> dict[str, Any]:
    """Escalations to the central office, advocacy actions and case studies (three queries)."""
    return {
        "escalations": list(access.visible(user, Escalation.objects.filter(case=case))),
        "advocacy": list(access.visible(user, AdvocacyAction.objects.filter(case=case))),
        "studies": list(access.visible(user, CaseStudy.objects.filter(case=case))),
    }


def case_studies_for_reports(*, user: User) -> QuerySet[CaseStudy]:
    """The case studies a donor report may carry: those the user sees whose client's consent is recorded and
    not withdrawn. A report reads them here, never from CaseStudy directly."""
    rows = CaseStudy.objects.filter(consent_on__isnull=False, withdrawn_on__isnull=True)
    return access.visible(user, rows).order_by("-consent_on", "-id")


def case_studies_for_programme_report(*, user: User, organisations: frozenset[int]) -> QuerySet[CaseStudy]:
    """The case studies a programme's donor report carries when asked for by someone who follows the programme's
    figures (view_aggregates: an M&E or programme officer, the donor's programme manager), who cannot read legal
    cases: only the write-ups whose client consented to donor reports and has not withdrawn, of the organisations
    the report counts (the caller passes those of its reach). They are anonymised when written and carry nothing
    of the case but the text, which the client consented to for this very use."""
    access.require(user, Capability.VIEW_AGGREGATES)
    rows = CaseStudy.objects.filter(
        consent_on__isnull=False, withdrawn_on__isnull=True, organisation_id__in=organisations
    ).select_related("organisation")
    return rows.order_by("-consent_on", "-id")


def due_list(*, user: User, due: str) -> QuerySet[Any] | None:
    """The rows behind a home work list (`due`: hearings, awaiting, overdue), or None for the case list."""
    if due == "hearings":
        return hearings_this_week(user=user)
    if due == "awaiting":
        return submissions_awaiting(user=user)
    if due == "overdue":
        return submissions_awaiting(user=user, overdue=True)
    return None


def hearing_list(*, user: User, case: LegalCase | None = None) -> QuerySet[Hearing]:
    rows = access.visible(user, Hearing.objects.select_related("case"))
    return (rows.filter(case=case) if case is not None else rows).order_by("-held_on", "-id")


def hearing_for_user(*, user: User, uuid: UUID | str) -> Hearing:
    return access.get_for_user(user, Hearing, uuid, queryset=Hearing.objects.select_related("case"))


def submission_list(*, user: User, case: LegalCase | None = None) -> QuerySet[Submission]:
    rows = access.visible(user, Submission.objects.select_related("case"))
    return (rows.filter(case=case) if case is not None else rows).order_by("-sent_on", "-id")


def submission_for_user(*, user: User, uuid: UUID | str) -> Submission:
    return access.get_for_user(user, Submission, uuid, queryset=Submission.objects.select_related("case"))


def no_budget_lines() -> QuerySet[BudgetLine]:
    """An empty choice list, until the form is given the user's lines (services.budget_lines_for)."""
    return BudgetLine.objects.none()


def case_file(*, user: User, case: LegalCase) -> dict[str, Any]:
    """Everything of the case the user may see, for the printable case file: clients and witnesses with their
    identity only for a role that reads it (those reads audited, as on the pages), the costs only for who may
    record them on their own organisation's case (None otherwise: a referral never shares costs)."""
    flags = context_flags(user, case)
    court_part = court(user=user, case=case)
    return {
        "case": case,
        "clients": case_clients(user=user, case=case),
        "witnesses": witnesses(user=user, case=case),
        **parties_and_offences(user=user, case=case),
        **investigation(user=user, case=case),
        **court_part,
        "escalations": list(access.visible(user, Escalation.objects.filter(case=case))),
        "costs": case_costs(user=user, case=case)[0] if flags["can_cost"] else None,
    }


def letter(*, user: User, submission: Submission) -> dict[str, Any]:
    """What a submission's letter fills in: the case's references (number, opening date, offences, the latest
    judgment), the main client (named only for a role that reads identities, audited) and the lawyer."""
    case = submission.case
    clients = case_clients(user=user, case=case)
    offences = list(access.visible(user, Offence.objects.filter(case=case)).select_related("article"))
    verdict = access.visible(user, Verdict.objects.filter(case=case)).order_by("-decided_on", "-id").first()
    lawyer = case.lawyer
    return {
        "case": case,
        "submission": submission,
        "organisation": case.organisation,
        "offences": offences,
        "verdict": verdict,
        "client": clients[0] if clients and clients[0].person.pk == case.client_id else None,
        "lawyer_name": (lawyer.get_full_name() or lawyer.get_username()) if lawyer else "",
    }


def record_printed(*, user: User, obj: LegalCase | Submission, document: str) -> None:
    """Each printed letter or case file is written to the audit log (who, which record, which document)."""
    case = obj if isinstance(obj, LegalCase) else obj.case
    audit.record(actor=user, action="download", obj=obj, fields=document, case=str(case.uuid))


def part_list(*, user: User, model: type[Any], case: LegalCase | None = None) -> QuerySet[Any]:
    """The records of one kind (steps, evidence, witnesses, ...) the user may see, of one case or of all their
    cases, newest first as the model orders them (the API's lists)."""
    rows = access.visible(user, model._default_manager.select_related("case"))
    if model is Cost:
        rows = rows.select_related("budget_line__subgrant")
    elif model is Offence:
        rows = rows.select_related("article")
    elif model in (Statement, CustodyEntry):
        rows = rows.select_related("witness" if model is Statement else "evidence")
    return rows.filter(case=case) if case is not None else rows


def submission_for_letter(*, user: User, uuid: UUID | str) -> Submission:
    """A submission whose letter the user may print: one who may change its case (else 404)."""
    found: Submission = access.get_for_user(
        user, Submission, uuid, write=True, queryset=Submission.objects.select_related("case__organisation")
    )
    return found


def part_for_user(*, user: User, model: type[Any], uuid: UUID | str) -> Any:
    """One record of a case, if the user may see it (else 404)."""
    return access.get_for_user(user, model, uuid, queryset=model._default_manager.select_related("case"))
