"""The protection part of the demo consortium (issue 11, item 10): a group of deportees from Thailand received
at CCPCR's Svay Rieng transit centre, registered from the group screen's service so the demo obeys the same
rules, one of them with the rights notice acknowledged and consents recorded."""

from __future__ import annotations

import datetime as dt
import random
import uuid

from django.utils import timezone

from karpear.core import services as core_services
from karpear.core.models import Commune, User, Village
from karpear.core.registry import DemoContext
from karpear.protection import services
from karpear.protection.models import GroupArrival, HandedOverBy, ReturnType, TransitCentre

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
    context.created["protection_cases"] = len(result.cases)
