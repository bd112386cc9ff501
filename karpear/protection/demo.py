"""The protection part of the demo consortium (issue 11, item 10): a group of deportees from Thailand received
at CCPCR's Svay Rieng transit centre, registered from the group screen's service so the demo obeys the same
rules, one of them with the rights notice acknowledged, consents recorded, screened and concluded a presumed
victim."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from decimal import Decimal

from django.utils import timezone

from karpear.core import referrals
from karpear.core import services as core_services
from karpear.core.models import Commune, Consent, Membership, Organisation, User, Village
from karpear.core.registry import DemoContext
from karpear.core.roles import Role
from karpear.protection import services
from karpear.protection.models import (
    GroupArrival,
    HandedOverBy,
    ProtectionCase,
    ReturnType,
    ServiceKind,
    StageStep,
    SustainabilityIndicator,
    TransitCentre,
)

# (Khmer name, Latin name, sex): the Khmer is what the transit centre writes on the group's list.
ARRIVALS = [
    ("សុខ ដារ៉ា", "Sok Dara", "male"),
    ("ចាន់ សុភា", "Chan Sophea", "female"),
    ("ហេង វណ្ណា", "Heng Vanna", "male"),
    ("លី ធីតា", "Ly Thida", "female"),
    ("ពៅ សំណាង", "Pov Samnang", "male"),
    ("ជា ពិសី", "Chea Pisey", "female"),
    ("កែវ រ៉ាត់", "Keo Rath", "male"),
    ("ម៉ៅ ចន្ថា", "Mao Chantha", "female"),
]
DEMO_SUBMISSION = uuid.UUID("6c1b1f0e-2f7a-4a59-8d55-3d2a3b4c5d6e")  # the demo group, loaded once


def load(context: DemoContext) -> None:
    caseworker = User.objects.filter(username="caseworker").first()
    if caseworker is None or GroupArrival.objects.filter(submission=DEMO_SUBMISSION).exists():
        return
    rng = random.Random(context.seed)  # noqa: S311  # demo data, not secrets
    communes = list(Commune.objects.filter(district__province_id="20").order_by("code")[:6])
    rows = []
    for index, (name_km, _name_latin, sex) in enumerate(ARRIVALS):
        village = Village.objects.filter(commune=communes[index % len(communes)]).order_by("code", "id").first()
        place = core_services.resolve_place(village=village.pk) if village else core_services.PlaceChoice()
        rows.append(services.GroupRow(name=name_km, sex=sex, age=rng.randint(16, 45), place=place))
    arrived = timezone.localdate() - dt.timedelta(days=3)
    result = services.group_arrival_register(
        actor=caseworker,
        data=services.GroupInput(
            intake=services.IntakeInput(
                transit_centre=TransitCentre.SVAY_RIENG,
                arrived_on=arrived,
                origin_country="TH",
                origin_place="Chonburi",
                return_type=ReturnType.DEPORTED,
                handed_over_by=HandedOverBy.FOREIGN_IMMIGRATION,
                handed_over_detail="Bavet international checkpoint",
            ),
            rows=rows,
            submission=DEMO_SUBMISSION,
        ),
    )
    first = result.cases[0]
    services.rights_acknowledge(
        actor=caseworker, case=first, rights=services.RightsInput(acknowledged_by="person", acknowledged_on=arrived)
    )
    for purpose in ("case_management", "statistics"):
        services.case_consent_record(
            actor=caseworker,
            case=first,
            consent=services.ConsentInput(purpose=purpose, given=True, given_by=ARRIVALS[0][0]),
        )
    _screen(caseworker, first, arrived)
    _plan(caseworker, first, arrived)
    _referred(caseworker, result.cases, arrived)
    followed = _followed_for_a_year(caseworker, rng)
    context.created["protection_cases"] = len(result.cases) + (1 if followed else 0)


# The first arrival's screening (DOMAIN §1's examples): deceived about the job and its pay, excessive hours for
# little pay, documents taken and beaten at destination. The engine suggests a presumed victim; the caseworker
# records the conclusion. Indicators are matched by dimension and English text, as the migration loads them.
SCREENED = {
    ("deceptive_recruitment", "Deceived about the nature of the job, location or employer"),
    ("deceptive_recruitment", "Deceived about wages/earnings"),
    ("exploitative_conditions", "Excessive working days or hours"),
    ("exploitative_conditions", "Low or no salary"),
    ("coercion_at_destination", "Confiscation of documents"),
    ("coercion_at_destination", "Violence on victims"),
}


def _screen(caseworker: User, case: ProtectionCase, arrived: dt.date) -> None:
    indicators = services.indicators_for("adult_labour")
    if not indicators:
        return
    answers = {i.code: (i.dimension, i.text_en) in SCREENED for i in indicators}
    screening = services.screening_record(
        actor=caseworker,
        case=case,
        data=services.ScreeningInput("adult_labour", answers, screened_on=arrived + dt.timedelta(days=1)),
    )
    if screening.suggestion:
        services.determination_record(
            actor=caseworker,
            case=case,
            data=services.DeterminationInput(
                status=screening.suggestion,
                deciding_body="ngo",
                deciding_body_name="CCPCR Svay Rieng",
                decided_on=arrived + dt.timedelta(days=1),
            ),
        )
    # What happened, as the survivor told it: recruited by a neighbour, a plantation in Thailand for 14 months.
    services.victim_context_save(
        actor=caseworker,
        case=case,
        data=services.VictimContextInput(
            recruitment_methods=["ThroughFriendsOrSocialEvents"],
            relationship_to_trafficker="Acquainted",
            control_methods=["DebtBondage", "WithholdsDocuments", "ExcessiveWorkingHours"],
            exploitation_types=["ForcedLabour"],
            industry="A",
            destination_country="TH",
            destination_place="Chanthaburi",
            duration_months=14,
        ),
    )
    recruited_on = arrived - dt.timedelta(days=430)
    home = case.person
    for kind, day, origin, destination in (
        ("Recruitment", recruited_on, ("KH", home.province_id), ("TH", None)),
        ("Exploitation", recruited_on + dt.timedelta(days=5), ("TH", None), ("TH", None)),
    ):
        services.trafficking_event_add(
            actor=caseworker,
            case=case,
            data=services.TraffickingEventInput(
                kind=kind,
                happened_on=day,
                origin=services.TraffickingPlace(
                    origin[0],
                    core_services.resolve_place(province=origin[1]) if origin[1] else core_services.PlaceChoice(),
                ),
                destination=services.TraffickingPlace(destination[0], place="Chanthaburi"),
            ),
        )


def _plan(caseworker: User, case: ProtectionCase, arrived: dt.date) -> None:
    """The first arrival's needs assessed, a plan approved by the supervisor, the first services delivered."""
    supervisor = User.objects.filter(username="supervisor").first()
    if not ServiceKind.objects.exists() or supervisor is None:
        return
    needs = dict.fromkeys(("safety", "shelter", "education", "legal"), "some")
    needs.update({"health": "urgent", "psychosocial": "some", "family": "some", "livelihood": "urgent"})
    services.assessment_record(
        actor=caseworker, case=case, data=services.AssessmentInput(needs, assessed_on=arrived + dt.timedelta(days=1))
    )
    for code in ("meals", "medical_check", "counselling", "vocational_training", "legal_aid"):
        services.plan_service_add(actor=caseworker, case=case, data=services.PlannedServiceInput(code))
    services.plan_submit(actor=caseworker, case=case)
    services.plan_decide(actor=supervisor, case=case, approve=True)
    for code, cost in (("meals", Decimal("24000")), ("medical_check", Decimal("40000"))):
        services.delivery_record(
            actor=caseworker,
            case=case,
            data=services.DeliveryInput(
                code, arrived + dt.timedelta(days=1), provider_name="CCPCR Svay Rieng", cost=cost, currency="KHR"
            ),
        )


def _receiver(short: str, username: str) -> User | None:
    """Who accepts referrals at `short`: its demo case supervisor, else an account (no usable password) made
    for it, as core's demo makes its registrars."""
    organisation = Organisation.objects.filter(short_name=short).first()
    if organisation is None:
        return None
    existing = Membership.objects.filter(organisation=organisation, role=Role.CASE_SUPERVISOR).first()
    if existing is not None:
        return existing.user
    user, created = User.objects.get_or_create(username=username, defaults={"language": "km"})
    if created:
        user.set_unusable_password()
        user.save()
    Membership.objects.update_or_create(user=user, organisation=organisation, defaults={"role": Role.CASE_SUPERVISOR})
    return user


# Two of the group referred to ADHOC for legal aid against the broker, one to Sovann Phoum (a livelihood partner)
# for a business grant: each with consent for that organisation, accepted and assigned there. Sovann's field
# officer records the financial literacy course it gave, which comes back to CCPCR's case timeline.
REFERRALS = [
    (1, "adhoc", "lawyer", ["protection_case_summary", "protection_screening"], "Legal aid against the broker."),
    (2, "adhoc", "lawyer", ["protection_case_summary", "protection_screening"], "Legal aid: wages withheld."),
    (3, "sovann", "fieldofficer", ["protection_case_summary", "protection_service_plan"], "Business grant."),
]


def _referred(caseworker: User, cases: list[ProtectionCase], arrived: dt.date) -> None:
    for index, short, assignee_name, sections, reason in REFERRALS:
        assignee = User.objects.filter(username=assignee_name).first()
        acceptor = _receiver(short, f"{short}-referrals")
        if index >= len(cases) or assignee is None or acceptor is None:
            continue
        case = cases[index]
        receiver = Organisation.objects.get(short_name=short)
        core_services.consent_record(
            actor=caseworker,
            person=case.person,
            purpose=Consent.Purpose.REFERRAL,
            given=True,
            given_by=ARRIVALS[index][0],
            recipient=receiver,
        )
        referral = referrals.referral_create(
            actor=caseworker, person=case.person, receiver=receiver, sections=sections, reason=reason
        )
        referrals.referral_accept(actor=acceptor, referral=referral, assign_to=assignee)
        if short == "sovann" and ServiceKind.objects.filter(code="financial_literacy").exists():
            services.delivery_record_referred(
                actor=assignee,
                case=case,
                data=services.DeliveryInput(
                    "financial_literacy",
                    min(arrived + dt.timedelta(days=2), timezone.localdate()),
                    outcome="Two-day course completed.",
                ),
            )


def _followed_for_a_year(caseworker: User, rng: random.Random) -> ProtectionCase | None:
    """A survivor received 14 months ago, sent home, given a business grant and followed up at 1, 3, 6 and 12
    months: the scores rise (the chart on the reintegration page). Loaded once (by the case's arrival)."""
    if not StageStep.objects.exists() or not SustainabilityIndicator.objects.exists():
        return None
    today = timezone.localdate()
    arrived = today - dt.timedelta(days=430)
    if ProtectionCase.objects.filter(created_by=caseworker, arrived_on=arrived, transit_centre="koh_kong").exists():
        return None
    village = Village.objects.filter(commune__district__province_id="09").order_by("code", "id").first()
    place = core_services.resolve_place(village=village.pk) if village else core_services.PlaceChoice()
    case = services.intake_register(
        actor=caseworker,
        person=core_services.PersonInput(
            sex="male", name_km="សួន វិចិត្រ", name_latin="Suon Vichet", birth_year=today.year - 29, place=place
        ),
        intake=services.IntakeInput(
            transit_centre=TransitCentre.KOH_KONG,
            arrived_on=arrived,
            origin_country="TH",
            origin_place="Songkhla",
            return_type=ReturnType.RESCUED,
            handed_over_by=HandedOverBy.FOREIGN_POLICE,
            employer_type="boat",
            industry="A",
        ),
        rights=services.RightsInput(acknowledged_by="person", acknowledged_on=arrived),
    )
    services.placement_record(actor=caseworker, case=case, data=services.PlacementInput("shelter", arrived))
    for code in ("needs_and_plan", "family_assessed", "agrees_to_plan"):
        services.step_complete(actor=caseworker, case=case, step=code, done_on=arrived + dt.timedelta(days=20))
    services.stage_advance(actor=caseworker, case=case)
    back = arrived + dt.timedelta(days=45)
    services.placement_record(actor=caseworker, case=case, data=services.PlacementInput("family", back))
    for code in ("family_prepared", "handover"):
        services.step_complete(actor=caseworker, case=case, step=code, done_on=back)
    services.return_home(actor=caseworker, case=case, returned_on=back)
    services.stage_advance(actor=caseworker, case=case)
    for code, days, cost, business in (
        ("vocational_training", 60, None, ""),
        ("financial_literacy", 100, None, ""),
        ("business_grant", 110, Decimal("300"), "Motorbike repair"),
    ):
        services.delivery_record(
            actor=caseworker,
            case=case,
            data=services.DeliveryInput(
                code,
                arrived + dt.timedelta(days=days),
                provider_name="CCPCR Koh Kong",
                cost=cost,
                currency="USD" if cost else "",
                business_type=business,
            ),
        )
    codes = list(SustainabilityIndicator.objects.order_by("order").values_list("code", flat=True))
    for n, months in enumerate((1, 3, 6, 12)):
        answers = {code: min(5, 2 + n + rng.randint(0, 1)) for code in codes}
        visited = services.add_months(back, months) + dt.timedelta(days=2)
        if visited <= today:
            services.follow_up_record(
                actor=caseworker, case=case, data=services.VisitInput(visited, answers, feels_safe=True)
            )
    return case
