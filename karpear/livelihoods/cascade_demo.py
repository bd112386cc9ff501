"""CEDAC's producer groups, cascade and advisors, and CCPCR's small grants, for the demo consortium (issue 12,
items 6 to 8 and 10; the CTIP sub-grants of 003_*.txt). Loaded through the services, so the demo obeys the same
rules, and every count of the cascade comes from attendance rows.

CEDAC (Prey Veng): an organic rice producer group, a vegetable group and a rice-mill cooperative; two model
farmers of the rice group trained by staff, who train the vegetable growers and the mill's members in turn; a
farm-business advisor following four households with visits; harvests, sales to a rice mill linked to the
group, milling, and a member placed with a local employer. CCPCR (Svay Rieng): the financial-literacy condition,
a financial-literacy training, and small grants at each stage: applied, approved, refused, disbursed and
followed up at 3 months.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal

from django.utils import timezone

from karpear.core import services as core_services
from karpear.core.models import Membership, Organisation, SubGrant, Team, User, Village
from karpear.core.registry import DemoContext, DemoLogin
from karpear.core.roles import Role
from karpear.livelihoods import grant_services, market_services, services, training_services
from karpear.livelihoods.demo_common import monthly_constitution
from karpear.livelihoods.models import FarmerRole, Group, GroupMember, Training

D = Decimal
NAMES = [
    ("ស៊ុំ ស្រីល័ក្ខ", "Sum Sreyleak"),
    ("អ៊ុក សុធា", "Ouk Sothea"),
    ("ភាព រតនា", "Pheap Ratana"),
    ("ជា សុខលី", "Chea Sokly"),
    ("នួន ពិសិដ្ឋ", "Nuon Piseth"),
    ("ខៀវ ចរិយា", "Khiev Chariya"),
]


def _user(context: DemoContext, organisation: Organisation, username: str, role: Role) -> User:
    user, _created = User.objects.get_or_create(username=username, defaults={"language": "km"})
    password = secrets.token_urlsafe(9)
    user.set_password(password)
    user.save()
    team, _made = Team.objects.get_or_create(organisation=organisation, name="Team 1")
    Membership.objects.update_or_create(user=user, organisation=organisation, defaults={"role": role, "team": team})
    context.logins.append(DemoLogin(username, password, organisation.short_name.upper(), str(role.label), ""))
    return user


def _members(officer: User, group: Group, count: int, code: str, joined_on: dt.date) -> list[GroupMember]:
    place = core_services.resolve_place(commune=group.commune_id, village=group.village_id)
    made = []
    for index in range(count):
        name_km, name_latin = NAMES[index % len(NAMES)]
        made.append(
            services.member_register(
                actor=officer,
                group=group,
                data=core_services.PersonInput(
                    sex="female" if index % 3 else "male",
                    birth_year=1975 + index,
                    place=place,
                    name_km=name_km,
                    name_latin=f"{name_latin} {code}{index + 1}",
                    new_household_code=f"{code}-{index + 1:03d}",
                    new_household_poverty="idpoor_2" if index % 2 else "idpoor_1",
                    relationship_to_head="head",
                ),
                joined_on=joined_on,
            )
        )
    return made


def load(context: DemoContext) -> None:
    _load_cedac(context)
    _load_ccpcr_grants(context)


def _load_cedac(context: DemoContext) -> None:
    organisation = Organisation.objects.filter(short_name="cedac").first()
    if organisation is None or Group.objects.filter(organisation=organisation).exists():
        return
    village = Village.objects.filter(commune__district__province_id="14").order_by("code", "id").first()
    if village is None:
        return
    officer = _user(context, organisation, "cedacfield", Role.FIELD_OFFICER)
    subgrant = SubGrant.objects.filter(organisation=organisation).select_related("programme").first()
    place = core_services.resolve_place(village=village.pk)
    today = timezone.localdate()
    formed = today - dt.timedelta(days=300)

    def group(name: str, kind: str) -> Group:
        return services.group_create(
            actor=officer,
            data=services.GroupInput(
                name=name,
                kind=kind,
                place=place,
                formed_on=formed,
                programme=subgrant.programme if subgrant else None,
                subgrant=subgrant,
            ),
        )

    rice = group("ក្រុមផលិតករស្រូវសរីរាង្គ ព្រៃវែង ១", Group.Kind.RICE_PRODUCERS)
    vegetables = group("ក្រុមដាំបន្លែ ព្រៃវែង ១", Group.Kind.VEGETABLE_PRODUCERS)
    mill = group("សហករណ៍រោងម៉ាស៊ីនកិនស្រូវ ព្រៃវែង", Group.Kind.RICE_MILL)
    rice_members = _members(officer, rice, 10, "CR", formed)
    vegetable_members = _members(officer, vegetables, 7, "CV", formed)
    mill_members = _members(officer, mill, 6, "CM", formed)

    # The cascade: staff train two model farmers, who train the vegetable growers and the mill's members.
    since = formed + dt.timedelta(days=20)
    farmers = [
        training_services.farmer_role_name(actor=officer, member=m, kind=FarmerRole.Kind.MODEL_FARMER, since=since)
        for m in rice_members[:2]
    ]
    staff = training_services.training_record(
        actor=officer,
        group=rice,
        data=training_services.TrainingInput(
            topic=Training.Topic.ORGANIC_RICE, held_on=since + dt.timedelta(days=10), hours=D(12)
        ),
    )
    training_services.attendance_set(actor=officer, training=staff, people=[f.person for f in farmers])
    for farmer, host, trainees in ((farmers[0], vegetables, vegetable_members), (farmers[1], mill, mill_members[:5])):
        for weeks, topic in ((6, Training.Topic.ORGANIC_RICE), (10, Training.Topic.MARKETING)):
            session = training_services.training_record(
                actor=officer,
                group=host,
                data=training_services.TrainingInput(
                    topic=topic, held_on=since + dt.timedelta(weeks=weeks), hours=D(3), trainer_farmer=farmer
                ),
            )
            present = trainees if topic == Training.Topic.ORGANIC_RICE else trainees[: len(trainees) - 2]
            training_services.attendance_set(actor=officer, training=session, people=[m.person for m in present])

    # A farm-business advisor follows four households, two visited.
    advisor = training_services.farmer_role_name(
        actor=officer, member=rice_members[2], kind=FarmerRole.Kind.ADVISOR, since=since
    )
    for index, member in enumerate(rice_members[3:7]):
        follow = training_services.advisor_follow(actor=officer, advisor=advisor, person=member.person, since=since)
        if index < 2:
            training_services.advisor_visit(
                actor=officer,
                follow=follow,
                visited_on=since + dt.timedelta(weeks=8 + index),
                topic=Training.Topic.BUSINESS_PLANNING,
                advice="Keep seed from the best plot; record costs of each season.",
                next_step="Compare yield after harvest",
            )

    # Markets: harvests, a rice mill linked and sales, milling, a local job.
    harvest = today - dt.timedelta(days=40)
    buyer = market_services.buyer_add(actor=officer, name="Angkor Organic Rice Mill", kind="rice_mill")
    market_services.market_link_add(
        actor=officer, group=rice, buyer=buyer, product="organic_paddy", since=since, terms="Premium 10 % over market"
    )
    for index, member in enumerate(rice_members):
        market_services.production_record(
            actor=officer, member=member, product="organic_paddy", on=harvest, quantity=D(900 + 50 * index)
        )
    market_services.sale_record(
        actor=officer,
        group=rice,
        data=market_services.SaleInput(
            product="organic_paddy",
            on=harvest + dt.timedelta(days=5),
            quantity=D(8000),
            unit_price=D(1450),
            buyer=buyer,
        ),
    )
    for member in mill_members[:4]:
        market_services.milling_record(
            actor=officer,
            member=member,
            on=harvest + dt.timedelta(days=7),
            paddy_kg=D(300),
            rice_kg=D(192),
            fee=D(9000),
        )
    employer = market_services.employer_add(
        actor=officer, name="Prey Veng garment workshop", sector="garments", vetted_on=since
    )
    market_services.placement_record(
        actor=officer,
        member=vegetable_members[6],
        employer=employer,
        job="Sewing machine operator",
        started_on=harvest,
        monthly_wage=D(210),
    )
    _savings_group(officer, rice_members[:8], subgrant, today)
    context.created["livelihoods_cascade_groups"] = 3


def _savings_group(officer: User, members: list[GroupMember], subgrant: SubGrant | None, today: dt.date) -> None:
    """Rice growers who started saving together, a group CEDAC supports to run itself (CTIP's target of groups
    supported counts it): a cycle of monthly meetings under way, three held so far."""
    first = members[0]
    group = services.group_create(
        actor=officer,
        data=services.GroupInput(
            name="ក្រុមសន្សំប្រាក់ ព្រៃវែង ១",
            kind=Group.Kind.SAVINGS,
            place=core_services.resolve_place(commune=first.group.commune_id, village=first.group.village_id),
            formed_on=today - dt.timedelta(days=120),
            programme=subgrant.programme if subgrant else None,
            subgrant=subgrant,
        ),
    )
    for member in members:
        services.member_add(actor=officer, group=group, person=member.person, joined_on=group.formed_on)
    start = today - dt.timedelta(days=90)
    cycle = services.cycle_open(actor=officer, group=group, data=monthly_constitution(start))
    numbers = list(range(1, len(members) + 1))
    for month in range(3):
        rows = [services.MemberRow(number=n, shares=1 + (n + month) % 3, social=D(500)) for n in numbers]
        services.meeting_record(
            actor=officer,
            cycle=cycle,
            data=services.MeetingInput(number=month + 1, held_on=start + dt.timedelta(weeks=4 * month), rows=rows),
        )


def _load_ccpcr_grants(context: DemoContext) -> None:
    organisation = Organisation.objects.filter(short_name="ccpcr").first()
    officer = User.objects.filter(username="ccpcrfield").first()
    if organisation is None or officer is None:
        return
    group = Group.objects.filter(organisation=organisation).order_by("id").first()
    if group is None or group.members.filter(grants__isnull=False).exists():
        return
    manager = _user(context, organisation, "ccpcrprogramme", Role.PROGRAMME_OFFICER)
    members = list(GroupMember.objects.filter(group=group, left_on__isnull=True).order_by("number")[:5])
    if len(members) < 5:
        return
    today = timezone.localdate()
    start = today - dt.timedelta(days=150)
    grant_services.gate_add(actor=manager, kind="training", topic=Training.Topic.FINANCIAL_LITERACY)
    literacy = training_services.training_record(
        actor=officer,
        group=group,
        data=training_services.TrainingInput(
            topic=Training.Topic.FINANCIAL_LITERACY, title="Two-day workshop", held_on=start, hours=D(12)
        ),
    )
    training_services.attendance_set(actor=officer, training=literacy, people=[m.person for m in members[:4]])

    def apply(member: GroupMember, purpose: str, amount: int) -> object:
        return grant_services.grant_apply(
            actor=officer,
            member=member,
            data=grant_services.GrantInput(
                purpose=purpose, amount_requested=D(amount), applied_on=start + dt.timedelta(days=3)
            ),
        )

    decided = start + dt.timedelta(days=7)
    grant_services.grant_decide(
        actor=manager,
        grant=apply(members[0], "Chicken raising: 30 layers and a coop", 250),  # type: ignore[arg-type]
        approve=True,
        on=decided,
    )  # approved, waiting for the money
    disbursed = grant_services.grant_decide(
        actor=manager,
        grant=apply(members[1], "Grocery stall in the village", 300),  # type: ignore[arg-type]
        approve=True,
        on=decided,
    )
    disbursed = grant_services.grant_disburse(
        actor=officer, grant=disbursed, amount=D(300), currency="USD", on=decided + dt.timedelta(days=3)
    )
    first = disbursed.follow_ups.get(month=3)
    grant_services.follow_up_record(
        actor=officer,
        follow_up=first,
        done_on=first.due_on,
        business="growing",
        monthly_income=D(95),
        note="Stock doubled; sells rice and fish sauce too.",
    )
    grant_services.grant_decide(
        actor=manager,
        grant=apply(members[2], "Motorbike repair tools", 400),  # type: ignore[arg-type]
        approve=False,
        on=decided,
        note="The business plan counts no customers yet; apply again after the marketing training.",
    )
    apply(members[3], "Vegetable garden with drip irrigation", 200)  # applied, waiting for a decision
    apply(members[4], "Pig raising: two sows", 350)  # applied, has not done the financial-literacy training
    context.created["livelihoods_grants"] = 5
