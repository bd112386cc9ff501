"""CCPCR's rice bank and cow bank in Svay Rieng, for the demo consortium (issue 12, items 5 and 10; the CTIP
sub-grant of 003_*.txt: "establish a rice and cow bank in Svay Rieng"). A CCPCR field officer, a savings group
of ten households in a Svay Rieng village, a rice bank lending paddy at 10 % for a year (repaid in kg, or in
cash at the committee's 1,100 riel a kg; one loan late; a loss to rats, counted wrong and corrected), and a cow
bank whose three cows have calved twice over: first female calves passed on to the next households, which
have calves of their own (the third generation), a calf that died replaced, a bull calf sold and the bank
repaid. Loaded through the services, so the demo obeys the same rules."""

from __future__ import annotations

import datetime as dt
import random
import secrets
from decimal import Decimal

from django.utils import timezone

from karpear.core import services as core_services
from karpear.core.models import Membership, Organisation, SubGrant, Team, User, Village
from karpear.core.registry import DemoContext, DemoLogin
from karpear.core.roles import Role
from karpear.livelihoods import bank_services, services
from karpear.livelihoods.models import Bank, Group, GroupMember

USERNAME = "ccpcrfield"
HOUSEHOLDS = [
    ("ស៊ុន ស្រីពៅ", "Sun Sreypov"),
    ("មាស សុខា", "Meas Sokha"),
    ("ព្រំ ចន្ថា", "Prum Chantha"),
    ("យឹម សុផល", "Yim Sophal"),
    ("ឡុង ស្រីនាង", "Long Sreyneang"),
    ("សួស វណ្ណី", "Suos Vanny"),
    ("ទេព សារី", "Tep Sary"),
    ("ហ៊ាង ធីតា", "Hieng Thida"),
    ("គង់ ពិសី", "Kong Pisey"),
    ("ណែម សំអឿន", "Nem Sam Oeun"),
]
D = Decimal


def _officer(context: DemoContext, organisation: Organisation) -> User:
    user, _created = User.objects.get_or_create(username=USERNAME, defaults={"language": "km"})
    password = secrets.token_urlsafe(9)
    user.set_password(password)
    user.save()
    team, _made = Team.objects.get_or_create(organisation=organisation, name="Team 1")
    Membership.objects.update_or_create(
        user=user, organisation=organisation, defaults={"role": Role.FIELD_OFFICER, "team": team}
    )
    context.logins.append(DemoLogin(USERNAME, password, "CCPCR", str(Role.FIELD_OFFICER.label), ""))
    return user


def load(context: DemoContext) -> None:
    organisation = Organisation.objects.filter(short_name="ccpcr").first()
    if organisation is None or Bank.objects.filter(organisation=organisation).exists():
        return
    village = Village.objects.filter(commune__district__province_id="20").order_by("code", "id").first()
    if village is None:
        return
    officer = _officer(context, organisation)
    rng = random.Random(context.seed + 20)  # noqa: S311  # demo data, not secrets
    today = timezone.localdate()
    start = today - dt.timedelta(days=1000)

    def ago(days: int) -> dt.date:
        return start + dt.timedelta(days=days)

    place = core_services.resolve_place(village=village.pk)
    # Formed under CCPCR's CTIP sub-grant, whose targets count its households (monitoring).
    subgrant = SubGrant.objects.filter(reference="CTIP-SG-01").select_related("programme").first()
    group = services.group_create(
        actor=officer,
        data=services.GroupInput(
            name="ក្រុមសន្សំប្រាក់ ស្វាយរៀង ១",
            kind=Group.Kind.SAVINGS,
            place=place,
            formed_on=start,
            programme=subgrant.programme if subgrant is not None else None,
            subgrant=subgrant,
        ),
    )
    members: dict[int, GroupMember] = {}
    for index, (name_km, name_latin) in enumerate(HOUSEHOLDS, start=1):
        members[index] = services.member_register(
            actor=officer,
            group=group,
            data=core_services.PersonInput(
                sex="female" if index % 3 else "male",
                birth_year=rng.randint(1965, 1998),
                place=place,
                name_km=name_km,
                name_latin=name_latin,
                new_household_code=f"SR-{village.pk}-{index:03d}",
                new_household_poverty=rng.choice(["idpoor_1", "idpoor_2"]),
                relationship_to_head="head",
            ),
            joined_on=start,
        )

    # The rice bank: paddy lent at 10 % within 12 months, repaid in kg or in cash at the committee's price.
    rice = bank_services.bank_open(
        actor=officer,
        group=group,
        data=bank_services.BankInput(
            name="ធនាគារស្រូវ ស្វាយរៀង",
            kind=Bank.Kind.RICE,
            commodity="ស្រូវ (paddy)",
            opened_on=ago(10),
            interest_percent=D(10),
            term_months=12,
            price_per_kg=D(1100),
        ),
    )
    bank_services.stock_deposit(actor=officer, bank=rice, kg=D(2000), on=ago(10), initial=True, note="CTIP")
    first = [
        bank_services.bank_lend(actor=officer, bank=rice, member=members[n], kg=D(kg), on=ago(40))
        for n, kg in ((1, 100), (2, 150), (3, 100), (4, 200), (5, 80))
    ]
    bank_services.loan_repay(actor=officer, loan=first[0], kg=D(110), on=ago(330))
    bank_services.loan_repay(actor=officer, loan=first[1], kg=D(165), on=ago(360))
    bank_services.loan_repay(actor=officer, loan=first[2], cash=D(55_000), on=ago(300))  # 50 kg in cash
    bank_services.loan_repay(actor=officer, loan=first[2], kg=D(60), on=ago(370))
    bank_services.loan_repay(actor=officer, loan=first[3], kg=D(120), on=ago(380))  # 100 kg still owed: late
    bank_services.loan_repay(actor=officer, loan=first[4], cash=D(96_800), on=ago(350))  # all 88 kg in cash
    loss = bank_services.stock_loss(actor=officer, bank=rice, kg=D(40), on=ago(400), note="កណ្ដុរ (rats)")
    bank_services.movement_reverse(actor=officer, movement=loss, reason="counted twice: 25 kg were lost")
    bank_services.stock_loss(actor=officer, bank=rice, kg=D(25), on=ago(400), note="កណ្ដុរ (rats)")
    bank_services.stock_deposit(actor=officer, bank=rice, kg=D(500), on=ago(800), note="harvest deposit")
    for n, kg in ((6, 120), (7, 100), (8, 150), (1, 100)):  # this year's loans, not yet due
        bank_services.bank_lend(actor=officer, bank=rice, member=members[n], kg=D(kg), on=ago(850))

    # The cow bank: three cows, each household passes the first female calf on after six months.
    cows = bank_services.bank_open(
        actor=officer,
        group=group,
        data=bank_services.BankInput(
            name="ធនាគារគោ ស្វាយរៀង", kind=Bank.Kind.ANIMAL, opened_on=ago(10), holding_months=6
        ),
    )
    originals = [
        bank_services.animal_receive(
            actor=officer,
            bank=cows,
            data=bank_services.AnimalInput(
                species="cow", sex="female", holder=members[n], received_on=ago(15), tag=tag
            ),
        )
        for n, tag in ((1, "គោ ១"), (2, "គោ ២"), (3, "គោ ៣"))
    ]
    next_household = iter([4, 5, 6, 7, 8, 9, 10])
    second = []
    for index, cow in enumerate(originals):
        if index == 1:  # the second cow's first calf is a bull: sold, the bank repaid from the price
            bull = bank_services.animal_birth(actor=officer, mother=cow, sex="male", born_on=ago(260))
            bank_services.animal_end(actor=officer, animal=bull, kind="sale", on=ago(560), amount=D(1_400_000))
            bank_services.animal_repayment(actor=officer, animal=bull, amount=D(400_000), on=ago(565))
        calf = bank_services.animal_birth(
            actor=officer, mother=cow, sex="female", born_on=ago(300 + 20 * index), tag=f"{cow.tag}-១"
        )
        if index == 2:  # the third cow's first heifer died young and was replaced: the replacement goes on
            bank_services.animal_end(actor=officer, animal=calf, kind="death", on=ago(360), note="disease")
            calf = bank_services.animal_replace(
                actor=officer, animal=calf, sex="female", on=ago(380), tag=f"{cow.tag}-១ ថ្មី"
            )
        passed_on = ago((380 if index == 2 else 300 + 20 * index) + 190)
        bank_services.animal_pass_on(actor=officer, animal=calf, to=members[next(next_household)], on=passed_on)
        second.append(calf)
    for index, calf in enumerate(second[:2]):  # the second generation calves in turn: the third generation
        bank_services.animal_birth(actor=officer, mother=calf, sex="female", born_on=ago(760 + 60 * index))
    context.created["livelihoods_banks"] = context.created.get("livelihoods_banks", 0) + 2


def load_sovann(context: DemoContext, group: Group, officer: User) -> None:
    """Sovann Phoum's banks attached to its savings group (003_*.txt: "animal and crop banks attached to these
    savings groups so that members can take loans of rice, cows, chickens"): a rice bank with two loans, one
    repaid, and a chicken bank whose first hen's first pullet has gone on to the next household."""
    members = {m.number: m for m in GroupMember.objects.filter(group=group)}
    start = group.formed_on + dt.timedelta(days=20)
    rice = bank_services.bank_open(
        actor=officer,
        group=group,
        data=bank_services.BankInput(
            name="ធនាគារស្រូវ សុវណ្ណភូមិ",
            kind=Bank.Kind.RICE,
            commodity="អង្ករ (milled rice)",
            opened_on=start,
            interest_percent=D(20),
            term_months=6,
            price_per_kg=D(2500),
        ),
    )
    bank_services.stock_deposit(actor=officer, bank=rice, kg=D(800), on=start, initial=True)
    loan = bank_services.bank_lend(actor=officer, bank=rice, member=members[3], kg=D(50), on=start)
    bank_services.loan_repay(actor=officer, loan=loan, kg=D(60), on=start + dt.timedelta(days=150))
    bank_services.bank_lend(actor=officer, bank=rice, member=members[4], kg=D(40), on=start + dt.timedelta(days=200))
    chickens = bank_services.bank_open(
        actor=officer,
        group=group,
        data=bank_services.BankInput(name="ធនាគារមាន់ សុវណ្ណភូមិ", kind=Bank.Kind.ANIMAL, opened_on=start, holding_months=3),
    )
    hen = bank_services.animal_receive(
        actor=officer,
        bank=chickens,
        data=bank_services.AnimalInput(species="chicken", sex="female", holder=members[1], received_on=start),
    )
    pullet = bank_services.animal_birth(actor=officer, mother=hen, sex="female", born_on=start + dt.timedelta(days=30))
    bank_services.animal_pass_on(actor=officer, animal=pullet, to=members[2], on=start + dt.timedelta(days=130))
    context.created["livelihoods_banks"] = context.created.get("livelihoods_banks", 0) + 2
