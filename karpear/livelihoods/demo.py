"""The livelihoods part of the demo consortium (issue 12, item 10): a savings group of Sovann Phoum in Kampong
Cham with last year's cycle of monthly meetings shared out (a loan netted from its borrower's payout) and this
year's cycle of weekly meetings under way (shares, social fund, a loan repaid), loaded through the services so
the demo obeys the same rules; CCPCR's rice and cow bank in Svay Rieng are bank_demo's; CEDAC's producer
groups, cascade and advisors and CCPCR's small grants are cascade_demo's."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from karpear.core import services as core_services
from karpear.core.models import SubGrant, User, Village
from karpear.core.registry import DemoContext
from karpear.livelihoods import bank_demo, cascade_demo, services
from karpear.livelihoods.demo_common import monthly_constitution
from karpear.livelihoods.models import Group

NAMES = [("សុខ ស្រីមុំ", "Sok Sreymom"), ("ចាន់ ដារ៉ា", "Chan Dara"), ("កែវ សុភា", "Keo Sophea"), ("ហេង សុវណ្ណ", "Heng Sovann")]


def load(context: DemoContext) -> None:
    bank_demo.load(context)  # CCPCR's rice and cow bank in Svay Rieng
    cascade_demo.load(context)  # CEDAC's producer groups, cascade and advisors; CCPCR's small grants
    officer = User.objects.filter(username="fieldofficer").first()
    if officer is None or Group.objects.filter(organisation__short_name="sovann").exists():
        return
    village = Village.objects.filter(commune__district__province_id="03").order_by("code", "id").first()
    if village is None:
        return
    rng = random.Random(context.seed)  # noqa: S311  # demo data, not secrets
    place = core_services.resolve_place(village=village.pk)
    today = timezone.localdate()
    start = today - dt.timedelta(weeks=10)
    first_start = start - dt.timedelta(weeks=52)
    # Sovann forms its savings groups under CTIP's sub-grant, whose targets count them (monitoring).
    subgrant = SubGrant.objects.filter(reference="CTIP-SG-03").select_related("programme").first()
    group = services.group_create(
        actor=officer,
        data=services.GroupInput(
            name="ក្រុមសន្សំប្រាក់ សុវណ្ណភូមិ ១",
            kind=Group.Kind.SAVINGS,
            place=place,
            formed_on=first_start - dt.timedelta(days=30),
            programme=subgrant.programme if subgrant is not None else None,
            subgrant=subgrant,
        ),
    )
    for index in range(12):
        name_km, name_latin = NAMES[index % len(NAMES)]
        services.member_register(
            actor=officer,
            group=group,
            data=core_services.PersonInput(
                sex="female" if index % 4 else "male",
                birth_year=rng.randint(1970, 2000),
                place=place,
                name_km=name_km,
                name_latin=f"{name_latin} {index + 1}",
                new_household_code=f"SP-{village.pk}-{index + 1:03d}",
                new_household_poverty=rng.choice(["idpoor_1", "idpoor_2", "none"]),
                relationship_to_head="head",
            ),
            joined_on=first_start - dt.timedelta(days=30),
        )
    numbers = list(range(1, 13))

    # Last year's cycle: twelve monthly meetings, a loan half repaid, then the share-out nets the rest.
    first = services.cycle_open(actor=officer, group=group, data=monthly_constitution(first_start))
    for month in range(12):
        rows = [services.MemberRow(number=n, shares=rng.randint(1, 3), social=Decimal(500)) for n in numbers]
        if month == 1:
            rows[1].loan = Decimal(40_000)
        if month == 4:
            rows[1].repayment = Decimal(20_000)
        services.meeting_record(
            actor=officer,
            cycle=first,
            data=services.MeetingInput(
                number=month + 1, held_on=first_start + dt.timedelta(weeks=4 * month), rows=rows
            ),
        )
    services.share_out_confirm(actor=officer, cycle=first)

    # This year's cycle, under way: eight weekly meetings so far.
    cycle = services.cycle_open(
        actor=officer,
        group=group,
        data=services.ConstitutionInput(
            started_on=start,
            planned_end_on=start + dt.timedelta(weeks=48),
            share_price=Decimal(5000),
            charge_rate=Decimal(5),
            social_fund_contribution=Decimal(500),
        ),
    )
    for week in range(8):
        rows = [services.MemberRow(number=n, shares=rng.randint(1, 3), social=Decimal(500)) for n in numbers]
        if week == 2:
            rows[0].loan = Decimal(50_000)
        if week == 6:
            rows[0].repayment = Decimal(30_000)
        services.meeting_record(
            actor=officer,
            cycle=cycle,
            data=services.MeetingInput(number=week + 1, held_on=start + dt.timedelta(weeks=week), rows=rows),
        )
    bank_demo.load_sovann(context, group, officer)  # its rice bank and chicken bank
    context.created["livelihoods_groups"] = 1
