"""The justice part of the demo consortium (issue 13, item 11): ADHOC's lawyer opens a legal case from the
referral CCPCR's supervisor sent and ADHOC accepted (core's demo), and runs it through the services, so the
demo obeys the same rules: investigation, evidence, a witness, letters to the embassy and MoSVY, a complaint,
hearings at the provincial court, the appeal court and the Supreme Court, a judgment with compensation partly
received, and the costs charged to ADHOC's legal-aid budget line. A second, direct case is still under
investigation, escalated to the central office (which answered), whose client ADHOC brought home from Malaysia:
on her arrival the lawyer hands her over to CCPCR, with her consent, through core's referral; CCPCR's supervisor
accepts it for the caseworker, who registers her intake in protection (protection's demo, after this one).
Loaded once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from karpear.core import referrals
from karpear.core.models import Referral, User
from karpear.core.registry import DemoContext
from karpear.core.services import PersonInput
from karpear.justice import selectors, services
from karpear.justice.models import Article, LegalCase, Repatriation

# A minimal PDF (the demo's scanned contract): its magic bytes are what the type check reads.
CONTRACT = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def load(context: DemoContext) -> None:
    lawyer = User.objects.filter(username="lawyer").first()
    if lawyer is None or LegalCase.objects.filter(organisation__short_name="adhoc").exists():
        return
    referral = (
        Referral.objects.filter(receiver__short_name="adhoc", status=Referral.Status.ACCEPTED, assigned_to=lawyer)
        .order_by("id")
        .first()
    )
    today = timezone.localdate()

    def ago(days: int) -> dt.date:
        return today - dt.timedelta(days=days)

    if referral is not None:
        case = services.case_open_from_referral(
            actor=lawyer,
            referral=referral,
            data=services.CaseInput(
                title="Forced labour on a fishing boat: wages withheld, passport kept", opened_on=ago(700)
            ),
        )
        _run(lawyer, case, ago)
    direct = services.case_open(
        actor=lawyer,
        client=PersonInput(sex="female", birth_year=2001, name_km="ម៉ៅ ស្រីនាង", name_latin="Mao Sreyneang"),
        data=services.CaseInput(title="Deceived by a broker into a job in Malaysia", opened_on=ago(20)),
    )
    services.party_add(actor=lawyer, case=direct, kind="broker", name="Broker known as 'Ming'")
    services.step_add(actor=lawyer, case=direct, done_on=ago(18), action="Interviewed the client and her mother")
    services.submission_add(
        actor=lawyer,
        case=direct,
        data=services.SubmissionInput(
            addressee_kind="embassy",
            addressee="Royal Embassy of Cambodia, Kuala Lumpur",
            subject="Request to trace the recruitment agency",
            sent_on=ago(15),
            deadline=ago(1),
        ),
    )
    repatriation = services.repatriation_add(
        actor=lawyer,
        case=direct,
        data=services.RepatriationInput(
            country="MY", persons=1, authority="Royal Embassy of Cambodia, Kuala Lumpur", requested_on=ago(14)
        ),
    )
    services.repatriation_status_set(actor=lawyer, repatriation=repatriation, status="approved")
    services.repatriation_status_set(actor=lawyer, repatriation=repatriation, status="arrived", arrived_on=ago(3))
    _hand_over(lawyer, direct, repatriation)
    context.data["repatriation_arrival"] = {"country": "MY", "arrived_on": ago(3)}
    escalation = services.escalation_raise(
        actor=lawyer,
        case=direct,
        raised_on=ago(10),
        reason="The broker's relatives press the client's family to withdraw the complaint; the district police "
        "have not acted on it.",
    )
    central = User.objects.filter(username="adhocsup").first()
    if central is not None:
        services.escalation_respond(
            actor=central,
            escalation=escalation,
            responded_on=ago(8),
            response="The central office wrote to the provincial police commissioner and will attend the next "
            "meeting with the family.",
        )
    context.created["justice_cases"] = LegalCase.objects.filter(organisation__short_name="adhoc").count()


def _hand_over(lawyer: User, case: LegalCase, repatriation: Repatriation) -> None:
    """The client who arrived is handed over to CCPCR with her consent; CCPCR's supervisor accepts the
    referral for the caseworker, who registers the intake (protection's demo)."""
    ccpcr = selectors.handover_receivers(user=lawyer).filter(short_name="ccpcr").first()
    people = list(selectors.handover_people(user=lawyer, case=case))
    if ccpcr is None or not people:
        return
    handovers = services.repatriation_handover(
        actor=lawyer,
        repatriation=repatriation,
        data=services.HandoverInput(receiver=ccpcr, people=people, consent_given_by="ខ្លួនឯង (self)"),
    )
    supervisor = User.objects.filter(username="supervisor").first()
    caseworker = User.objects.filter(username="caseworker").first()
    if supervisor is None or caseworker is None:
        return
    for handover in handovers:
        referrals.referral_accept(actor=supervisor, referral=handover.referral, assign_to=caseworker)


def _run(lawyer: User, case: LegalCase, days: Callable[[int], dt.date]) -> None:
    article = Article.objects.filter(number=10).first()
    if article is not None:
        services.offence_add(actor=lawyer, case=case, article=article)
    services.party_add(
        actor=lawyer, case=case, kind="company", name="Giant Ocean", notes="Recruited crews for Thai fishing boats."
    )
    services.party_add(actor=lawyer, case=case, kind="broker", name="Village broker in Svay Rieng")
    services.step_add(
        actor=lawyer,
        case=case,
        done_on=days(690),
        action="Interviewed the client at CCPCR's transit centre",
        finding="Worked 20 hours a day for 14 months; no wages; passport kept by the captain.",
    )
    evidence = services.evidence_add(
        actor=lawyer,
        case=case,
        data=services.EvidenceInput(
            kind="document",
            description="Recruitment contract",
            source="The client",
            obtained_on=days(690),
            holder="ADHOC Phnom Penh office",
        ),
        upload=SimpleUploadedFile("contract.pdf", CONTRACT),
    )
    services.custody_add(
        actor=lawyer,
        evidence=evidence,
        at=days(600),
        action="submitted",
        holder="Svay Rieng provincial court clerk",
    )
    witness = services.witness_add(
        actor=lawyer,
        case=case,
        person=PersonInput(sex="male", birth_year=1990, name_km="ហេង វណ្ណា", name_latin="Heng Vanna"),
        description="Crew member on the same boat",
    )
    services.statement_add(
        actor=lawyer,
        witness=witness,
        taken_on=days(680),
        summary="Saw the captain keep every crew member's passport.",
    )
    for kind, addressee, subject, sent, reply in (
        ("embassy", "Royal Embassy of Cambodia, Bangkok", "Request to recover the client's passport", 685, 650),
        ("mosvy", "MoSVY Department of Anti-Human Trafficking", "Case intervention", 680, None),
        ("court", "Svay Rieng provincial court", "Complaint against Giant Ocean", 640, 610),
    ):
        submission = services.submission_add(
            actor=lawyer,
            case=case,
            data=services.SubmissionInput(
                addressee_kind=kind,
                addressee=addressee,
                subject=subject,
                sent_on=days(sent),
                deadline=days(sent - 30),
            ),
        )
        if reply is not None:
            services.submission_reply(
                actor=lawyer, submission=submission, reply_on=days(reply), reply="Received; action taken."
            )
    for level, court, held, outcome in (
        ("provincial", "Svay Rieng provincial court", 500, "Accused convicted."),
        ("appeal", "Appeal court, Phnom Penh", 300, "Conviction upheld."),
        ("supreme", "Supreme Court", 60, "Judgment given."),
    ):
        services.hearing_add(
            actor=lawyer,
            case=case,
            data=services.HearingInput(level=level, held_on=days(held), court_name=court, outcome=outcome),
        )
    services.verdict_record(
        actor=lawyer,
        case=case,
        data=services.VerdictInput(
            level="supreme",
            decided_on=days(60),
            outcome="convicted",
            sentence="10 years in prison",
            currency="USD",
            compensation_ordered=Decimal("12000"),
            compensation_received=Decimal("4000"),
        ),
    )
    services.advocacy_add(
        actor=lawyer,
        case=case,
        data=services.AdvocacyInput(
            done_on=days(520),
            body_kind="police",
            body="Svay Rieng provincial police",
            action="Met the deputy commissioner to ask for the broker's arrest",
            outcome="The broker was arrested a month later.",
        ),
    )
    study = services.case_study_write(
        actor=lawyer,
        case=case,
        title="Fourteen months on a fishing boat",
        text="A young man from Svay Rieng was recruited by a village broker for work in Thailand and sold to a "
        "fishing boat, where he worked without wages for fourteen months. With legal aid, the company's owner was "
        "convicted up to the Supreme Court and ordered to pay compensation.",
    )
    services.case_study_consent(actor=lawyer, study=study, given=True, on=days(50))
    line = services.budget_lines_for(lawyer).filter(code="1").first()
    if line is not None:
        for kind, amount, currency, spent in (
            ("legal_fees", Decimal("800"), "USD", 500),
            ("travel", Decimal("240000"), "KHR", 60),
        ):
            services.cost_add(
                actor=lawyer,
                case=case,
                data=services.CostInput(
                    kind=kind, spent_on=days(spent), amount=amount, currency=currency, budget_line=line
                ),
            )
