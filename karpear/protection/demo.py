"""The protection part of the demo consortium (issue 11, item 10): a group of deportees from Thailand received
at CCPCR's Svay Rieng transit centre, registered from the group screen's service so the demo obeys the same
rules, one of them with the rights notice acknowledged, consents recorded, screened and concluded a presumed
victim."""

from __future__ import annotations

import datetime as dt
import random
import uuid

from django.utils import timezone

from karpear.core import services as core_services
from karpear.core.models import Commune, User, Village
from karpear.core.registry import DemoContext
from karpear.protection import services
from karpear.protection.models import GroupArrival, HandedOverBy, ProtectionCase, ReturnType, TransitCentre

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
    context.created["protection_cases"] = len(result.cases)


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
