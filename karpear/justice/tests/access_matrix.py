"""The justice part of the access matrix: its routes (every file download among them) and the kinds of objects
they take (karpear/core/tests/matrix.py collects it; the expected answers come from the role table)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.files.base import ContentFile
from django.utils import timezone

from karpear.core.models import BudgetLine, Person, Programme, Referral, SubGrant, User
from karpear.core.roles import Capability, role_specs
from karpear.core.storage import private_storage
from karpear.core.tests.matrix import ObjectKind, RouteSpec, World, sees_scoped
from karpear.justice.declarations import JusticeCapability
from karpear.justice.models import (
    AdvocacyAction,
    Article,
    CaseStudy,
    Cost,
    CustodyEntry,
    Escalation,
    Evidence,
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
from karpear.justice.tests.factories import PDF

C = JusticeCapability


def _case(world: World, user: User, actor: str) -> LegalCase:
    key = f"legal-case:{actor}:{user.pk if actor == 'owner' else ''}"
    if key not in world.cache:
        owner = world.owner_of(user, actor)
        world.cache[key] = LegalCase.objects.create(
            organisation=world.organisation_of(actor),
            number=f"M-L-{key}",
            client=world.person(user, actor),
            title="Matrix case",
            opened_on=dt.date(2026, 1, 5),
            lawyer=owner,
            created_by=owner,
            team=world.team_b if actor == "same_org" else None,
        )
    case: LegalCase = world.cache[key]
    return case


def _evidence(world: World, user: User, actor: str) -> Evidence:
    case = _case(world, user, actor)
    name = private_storage().save(f"evidence/matrix-{case.pk}", ContentFile(PDF))
    return Evidence.objects.create(
        organisation=case.organisation,
        case=case,
        kind="document",
        description="Contract",
        source="Client",
        obtained_on=dt.date(2026, 1, 6),
        file=name,
        file_name="contract.pdf",
        content_type="application/pdf",
        size=len(PDF),
        recorded_by=case.created_by,
    )


def _witness(world: World, user: User, actor: str) -> Witness:
    case = _case(world, user, actor)
    person = Person.objects.create(
        organisation=case.organisation, case_number=f"W-{uuid.uuid4().hex[:12]}", sex="male", created_by=case.created_by
    )
    return Witness.objects.create(
        organisation=case.organisation, case=case, person=person, description="Co-worker", recorded_by=case.created_by
    )


def _statement(world: World, user: User, actor: str) -> Statement:
    witness = _witness(world, user, actor)
    return Statement.objects.create(
        organisation=witness.organisation,
        case=witness.case,
        witness=witness,
        taken_on=dt.date(2026, 1, 8),
        summary="Saw it",
        recorded_by=witness.recorded_by,
    )


def _custody(world: World, user: User, actor: str) -> CustodyEntry:
    evidence = _evidence(world, user, actor)
    return CustodyEntry.objects.create(
        organisation=evidence.organisation,
        evidence=evidence,
        case=evidence.case,
        at=dt.date(2026, 1, 7),
        action="stored",
        holder="Office",
        recorded_by=evidence.recorded_by,
    )


def _party(world: World, user: User, actor: str) -> Party:
    case = _case(world, user, actor)
    return Party.objects.create(
        organisation=case.organisation, case=case, kind="broker", name="Broker", recorded_by=case.created_by
    )


def _offence(world: World, user: User, actor: str) -> Offence:
    case = _case(world, user, actor)
    article, _ = Article.objects.get_or_create(
        number=999, defaults={"title_en": "Matrix", "title_km": "Matrix", "source": "matrix"}
    )
    offence, _ = Offence.objects.get_or_create(  # one per case and article: the case is shared across roles
        case=case, article=article, defaults={"organisation": case.organisation, "recorded_by": case.created_by}
    )
    return offence


def _submission(world: World, user: User, actor: str) -> Submission:
    case = _case(world, user, actor)
    return Submission.objects.create(
        organisation=case.organisation,
        case=case,
        addressee_kind="embassy",
        addressee="Embassy",
        subject="Repatriation",
        sent_on=dt.date(2026, 1, 7),
        recorded_by=case.created_by,
    )


def _hearing(world: World, user: User, actor: str) -> Hearing:
    case = _case(world, user, actor)
    return Hearing.objects.create(
        organisation=case.organisation,
        case=case,
        level="provincial",
        held_on=dt.date(2026, 2, 1),
        recorded_by=case.created_by,
    )


def _repatriation(world: World, user: User, actor: str) -> Repatriation:
    case = _case(world, user, actor)
    return Repatriation.objects.create(
        organisation=case.organisation,
        case=case,
        country="MY",
        persons=2,
        authority="Embassy",
        requested_on=dt.date(2026, 2, 1),
        recorded_by=case.created_by,
    )


def _escalation(world: World, user: User, actor: str) -> Escalation:
    case = _case(world, user, actor)
    return Escalation.objects.create(
        organisation=case.organisation,
        case=case,
        raised_on=dt.date(2026, 2, 1),
        reason="Blocked",
        recorded_by=case.created_by,
    )


def _study(world: World, user: User, actor: str) -> CaseStudy:
    case = _case(world, user, actor)
    return CaseStudy.objects.create(
        organisation=case.organisation, case=case, title="Study", text="Anonymised", recorded_by=case.created_by
    )


def _advocacy(world: World, user: User, actor: str) -> AdvocacyAction:
    case = _case(world, user, actor)
    return AdvocacyAction.objects.create(
        organisation=case.organisation,
        case=case,
        done_on=dt.date(2026, 2, 2),
        body_kind="police",
        body="Provincial police",
        action="Meeting",
        recorded_by=case.created_by,
    )


def _step(world: World, user: User, actor: str) -> InvestigationStep:
    case = _case(world, user, actor)
    return InvestigationStep.objects.create(
        organisation=case.organisation,
        case=case,
        done_on=dt.date(2026, 1, 6),
        done_by=case.created_by,
        action="Interview",
        recorded_by=case.created_by,
    )


def _judgment(world: World, user: User, actor: str) -> Verdict:
    case = _case(world, user, actor)
    return Verdict.objects.create(
        organisation=case.organisation,
        case=case,
        level="provincial",
        decided_on=dt.date(2026, 3, 1),
        outcome="convicted",
        recorded_by=case.created_by,
    )


def _cost(world: World, user: User, actor: str) -> Cost:
    case = _case(world, user, actor)
    programme = Programme.objects.create(
        organisation=world.donor,
        donor=world.donor,
        code=f"m{uuid.uuid4().hex[:8]}",
        name="Matrix",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2027, 12, 31),
    )
    grant = SubGrant.objects.create(
        organisation=case.organisation,
        programme=programme,
        reference=f"M-{uuid.uuid4().hex[:8]}",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2027, 12, 31),
    )
    line = BudgetLine.objects.create(subgrant=grant, code="1", description="Legal aid", amount=1000)
    return Cost.objects.create(
        organisation=case.organisation,
        case=case,
        kind="travel",
        spent_on=dt.date(2026, 2, 1),
        amount=10,
        currency="USD",
        budget_line=line,
        recorded_by=case.created_by,
    )


def _referral(world: World, user: User, actor: str) -> Referral:
    """An accepted referral to the user's organisation assigned to the user (owner) or to a colleague in another
    team (same_org); for other_org, one between two other organisations."""
    sender, receiver = (world.donor, world.other) if actor == "other_org" else (world.other, world.own)
    person = Person.objects.create(
        organisation=sender, case_number=f"R-{uuid.uuid4().hex[:12]}", sex="female", created_by=world.stranger
    )
    return Referral.objects.create(
        organisation=sender,
        person=person,
        receiver=receiver,
        reason="Legal aid",
        status=Referral.Status.ACCEPTED,
        created_by=world.stranger,
        expires_at=timezone.now() + dt.timedelta(days=7),
        assigned_to=world.owner_of(user, actor) if actor != "other_org" else world.stranger,
    )


def _sees_referral(role: str, actor: str) -> bool:
    if actor == "owner":
        return True
    return actor == "same_org" and Capability.RECEIVE_REFERRALS in role_specs()[role].capabilities


def _sees_case(role: str, actor: str) -> bool:
    return sees_scoped(C.VIEW_CASE, role, actor)


KINDS = {
    "legal_case": ObjectKind(lambda world, user, actor, name: {"uuid": _case(world, user, actor).uuid}, _sees_case),
    "legal_evidence": ObjectKind(
        lambda world, user, actor, name: {"uuid": _evidence(world, user, actor).uuid}, _sees_case
    ),
    "legal_witness": ObjectKind(
        lambda world, user, actor, name: {"uuid": _witness(world, user, actor).uuid}, _sees_case
    ),
    "legal_submission": ObjectKind(
        lambda world, user, actor, name: {"uuid": _submission(world, user, actor).uuid}, _sees_case
    ),
    "legal_hearing": ObjectKind(
        lambda world, user, actor, name: {"uuid": _hearing(world, user, actor).uuid}, _sees_case
    ),
    "legal_repatriation": ObjectKind(
        lambda world, user, actor, name: {"uuid": _repatriation(world, user, actor).uuid}, _sees_case
    ),
    "legal_escalation": ObjectKind(
        lambda world, user, actor, name: {"uuid": _escalation(world, user, actor).uuid}, _sees_case
    ),
    "legal_study": ObjectKind(lambda world, user, actor, name: {"uuid": _study(world, user, actor).uuid}, _sees_case),
    "legal_advocacy": ObjectKind(
        lambda world, user, actor, name: {"uuid": _advocacy(world, user, actor).uuid}, _sees_case
    ),
    "legal_step": ObjectKind(lambda world, user, actor, name: {"uuid": _step(world, user, actor).uuid}, _sees_case),
    "legal_judgment": ObjectKind(
        lambda world, user, actor, name: {"uuid": _judgment(world, user, actor).uuid}, _sees_case
    ),
    "legal_cost": ObjectKind(lambda world, user, actor, name: {"uuid": _cost(world, user, actor).uuid}, _sees_case),
    "legal_party": ObjectKind(lambda world, user, actor, name: {"uuid": _party(world, user, actor).uuid}, _sees_case),
    "legal_offence": ObjectKind(
        lambda world, user, actor, name: {"uuid": _offence(world, user, actor).uuid}, _sees_case
    ),
    "legal_statement": ObjectKind(
        lambda world, user, actor, name: {"uuid": _statement(world, user, actor).uuid}, _sees_case
    ),
    "legal_custody": ObjectKind(
        lambda world, user, actor, name: {"uuid": _custody(world, user, actor).uuid}, _sees_case
    ),
    "legal_referral": ObjectKind(
        lambda world, user, actor, name: {"uuid": _referral(world, user, actor).uuid}, _sees_referral
    ),
}


API_PARTS = (
    "party",
    "offence",
    "custody",
    "statement",
    "step",
    "evidence",
    "witness",
    "repatriation",
    "cost",
    "judgment",
    "escalation",
    "advocacy",
    "case-study",
)


def _post(kind: str) -> RouteSpec:
    return RouteSpec(kind, write=C.CHANGE_CASE, method="post")


ROUTES = {
    "justice:case_list": RouteSpec("list", C.VIEW_CASE),
    "justice:case_open": RouteSpec("list", C.OPEN_CASE),
    "justice:case_open_referral": RouteSpec("legal_referral", C.OPEN_CASE, capability_first=True),
    "justice:case_detail": RouteSpec("legal_case"),
    "justice:case_parties": RouteSpec("legal_case"),
    "justice:case_investigation": RouteSpec("legal_case"),
    "justice:case_witnesses": RouteSpec("legal_case"),
    "justice:case_court": RouteSpec("legal_case"),
    "justice:case_costs": RouteSpec("legal_case", also=(C.RECORD_COST,)),
    "justice:case_status": _post("legal_case"),
    "justice:case_lawyer": RouteSpec("legal_case", C.ASSIGN_LAWYER, method="post", capability_first=True),
    "justice:case_client": _post("legal_case"),
    "justice:case_party": _post("legal_case"),
    "justice:case_offence": _post("legal_case"),
    "justice:case_step": _post("legal_case"),
    "justice:case_evidence": _post("legal_case"),
    "justice:case_witness": _post("legal_case"),
    "justice:case_submission": _post("legal_case"),
    "justice:case_hearing": _post("legal_case"),
    "justice:case_verdict": _post("legal_case"),
    "justice:case_cost": RouteSpec("legal_case", C.RECORD_COST, method="post", capability_first=True),
    "justice:evidence_custody": _post("legal_evidence"),
    "justice:evidence_download": RouteSpec("legal_evidence"),
    "justice:witness_statement": _post("legal_witness"),
    "justice:submission_reply": _post("legal_submission"),
    "justice:case_repatriation": _post("legal_case"),
    "justice:repatriation_status": _post("legal_repatriation"),
    "justice:repatriation_detail": RouteSpec("legal_repatriation"),
    "justice:repatriation_handover": _post("legal_repatriation"),
    "justice:case_advocacy": RouteSpec("legal_case"),
    "justice:case_escalation": _post("legal_case"),
    "justice:escalation_response": RouteSpec(
        "legal_escalation", write=C.CHANGE_CASE, method="post", also=(C.RESPOND_ESCALATION,)
    ),
    "justice:case_advocacy_add": _post("legal_case"),
    "justice:case_study": _post("legal_case"),
    "justice:study_consent": _post("legal_study"),
    "justice:case_file": RouteSpec("legal_case"),
    "justice:submission_letter": RouteSpec("legal_submission", write=C.CHANGE_CASE),
    "justice_api:case-list": RouteSpec("list", C.VIEW_CASE, api=True),
    "justice_api:case-detail": RouteSpec("legal_case", api=True),
    "justice_api:hearing-list": RouteSpec("list", C.VIEW_CASE, api=True),
    "justice_api:hearing-detail": RouteSpec("legal_hearing", api=True),
    "justice_api:submission-list": RouteSpec("list", C.VIEW_CASE, api=True),
    "justice_api:submission-detail": RouteSpec("legal_submission", api=True),
    **{f"justice_api:{name}-list": RouteSpec("list", C.VIEW_CASE, api=True) for name in API_PARTS},
    "justice_api:evidence-detail": RouteSpec("legal_evidence", api=True),
    "justice_api:witness-detail": RouteSpec("legal_witness", api=True),
    "justice_api:repatriation-detail": RouteSpec("legal_repatriation", api=True),
    "justice_api:escalation-detail": RouteSpec("legal_escalation", api=True),
    "justice_api:step-detail": RouteSpec("legal_step", api=True),
    "justice_api:judgment-detail": RouteSpec("legal_judgment", api=True),
    "justice_api:cost-detail": RouteSpec("legal_cost", api=True),
    "justice_api:advocacy-detail": RouteSpec("legal_advocacy", api=True),
    "justice_api:case-study-detail": RouteSpec("legal_study", api=True),
    "justice_api:party-detail": RouteSpec("legal_party", api=True),
    "justice_api:offence-detail": RouteSpec("legal_offence", api=True),
    "justice_api:statement-detail": RouteSpec("legal_statement", api=True),
    "justice_api:custody-detail": RouteSpec("legal_custody", api=True),
    "justice_api:submission-reply": RouteSpec("legal_submission", write=C.CHANGE_CASE, method="post", api=True),
    "justice_api:judgment-compensation": RouteSpec("legal_judgment", write=C.CHANGE_CASE, method="post", api=True),
    "justice_api:case-lawyer": RouteSpec("legal_case", C.ASSIGN_LAWYER, method="post", api=True, capability_first=True),
    "justice_api:repatriation-status": RouteSpec("legal_repatriation", write=C.CHANGE_CASE, method="post", api=True),
    "justice_api:repatriation-handover": RouteSpec("legal_repatriation", write=C.CHANGE_CASE, method="post", api=True),
    "justice_api:escalation-response": RouteSpec(
        "legal_escalation", write=C.CHANGE_CASE, method="post", api=True, also=(C.RESPOND_ESCALATION,)
    ),
    "justice_api:case-study-consent": RouteSpec("legal_study", write=C.CHANGE_CASE, method="post", api=True),
}
