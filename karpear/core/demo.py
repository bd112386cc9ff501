"""The demo consortium of `context/`: CTIP (USAID) with its four sub-grantees, CARE's SMART project (EU),
ICC's Trafficking Response, local authorities, one user per role and synthetic people with Khmer names.

Everything here is made up except the organisations, provinces and targets, which come from the published
programme descriptions. Loaded through the services, so the demo obeys the same rules as real use.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from karpear.core import registry, services
from karpear.core.models import (
    BudgetLine,
    Commune,
    Consent,
    Household,
    Membership,
    Organisation,
    Person,
    Programme,
    Province,
    SubGrant,
    Target,
    Team,
    User,
    Village,
)
from karpear.core.registry import DemoContext, DemoLogin
from karpear.core.roles import Capability, Role, spec_for

K = Organisation.Kind
ORGANISATIONS = [
    # short name, name, Khmer name, kind, provinces
    ("usaid", "USAID Cambodia", "ទីភ្នាក់ងារសហរដ្ឋអាមេរិកសម្រាប់ការអភិវឌ្ឍអន្តរជាតិ", K.DONOR, []),
    ("eu", "European Union Delegation to Cambodia", "គណៈប្រតិភូសហភាពអឺរ៉ុបប្រចាំកម្ពុជា", K.DONOR, []),
    ("winrock", "Winrock International (CTIP)", "វីនរ៉ុក អន្តរជាតិ", K.INTERNATIONAL_NGO, []),
    (
        "ccpcr",
        "Cambodian Center for the Protection of Children's Rights",
        "មជ្ឈមណ្ឌលកម្ពុជាដើម្បីការពារសិទ្ធិកុមារ",
        K.NGO,
        ["09", "20"],
    ),
    (
        "adhoc",
        "Cambodian Human Rights and Development Association",
        "សមាគមអាដហុក",
        K.NGO,
        ["12", "09", "20", "14"],
    ),
    ("sovann", "Sovann Phoum", "សុវណ្ណភូមិ", K.NGO, ["12", "03"]),
    (
        "cedac",
        "Cambodian Center for Study and Development in Agriculture",
        "សេដាក",
        K.NGO,
        ["17", "03", "14"],
    ),
    ("care", "CARE Cambodia", "ឃែរ កម្ពុជា", K.INTERNATIONAL_NGO, ["14", "03"]),
    ("cwpd", "Cambodian Women for Peace and Development", "ស្ត្រីកម្ពុជាដើម្បីសន្តិភាពនិងអភិវឌ្ឍន៍", K.NGO, ["14", "03"]),
    (
        "icc",
        "International Cooperation Cambodia (Trafficking Response)",
        "អាយស៊ីស៊ី",
        K.INTERNATIONAL_NGO,
        ["14", "20"],
    ),
    (
        "ncct",
        "National Committee for Counter Trafficking",
        "គណៈកម្មាធិការជាតិប្រយុទ្ធប្រឆាំងអំពើជួញដូរមនុស្ស",
        K.GOVERNMENT,
        [],
    ),
    (
        "dosvy-sr",
        "Svay Rieng Provincial Department of Social Affairs, Veterans and Youth Rehabilitation",
        "មន្ទីរសង្គមកិច្ច អតីតយុទ្ធជន និងយុវនីតិសម្បទាខេត្តស្វាយរៀង",
        K.PROVINCIAL_DEPARTMENT,
        ["20"],
    ),
    (
        "ccwc-ps",
        "CCWC Preah Sdach commune",
        "គណៈកម្មាធិការទទួលបន្ទុកកិច្ចការនារី និងកុមារឃុំព្រះស្ដេច",
        K.CCWC,
        ["14"],
    ),
]

# One demo user per role: (username, organisation, role, place limit: commune code or "").
USERS = [
    ("caseworker", "ccpcr", Role.CASEWORKER, ""),
    ("supervisor", "ccpcr", Role.CASE_SUPERVISOR, ""),
    ("lawyer", "adhoc", Role.LEGAL_OFFICER, ""),
    ("adhocsup", "adhoc", Role.CASE_SUPERVISOR, ""),
    ("programme", "sovann", Role.PROGRAMME_OFFICER, ""),
    ("fieldofficer", "sovann", Role.FIELD_OFFICER, ""),
    ("hotline", "ccpcr", Role.HOTLINE_OFFICER, ""),
    ("shelter", "ccpcr", Role.SHELTER_STAFF, ""),
    ("volunteer", "care", Role.VOLUNTEER, "VOLUNTEER_COMMUNE"),
    ("monitoring", "winrock", Role.ME_OFFICER, ""),
    ("donor", "usaid", Role.PROGRAMME_MANAGER, ""),
    ("orgadmin", "ccpcr", Role.ORG_ADMIN, ""),
    ("sysadmin", "winrock", Role.SYSTEM_ADMIN, ""),
]

FAMILY_NAMES = [
    ("សុខ", "Sok"),
    ("ចាន់", "Chan"),
    ("ឈឹម", "Chhim"),
    ("ហេង", "Heng"),
    ("លី", "Ly"),
    ("ស៊ុន", "Sun"),
    ("ពៅ", "Pov"),
    ("ជា", "Chea"),
    ("កែវ", "Keo"),
    ("ម៉ៅ", "Mao"),
    ("សៅ", "Sao"),
    ("នួន", "Nuon"),
]
GIVEN_F = [
    ("ស្រីមុំ", "Sreymom"),
    ("សុភា", "Sophea"),
    ("ចន្ថា", "Chantha"),
    ("ស្រីនាង", "Sreyneang"),
    ("ធីតា", "Thida"),
    ("សុគន្ធា", "Sokunthea"),
    ("រតនា", "Ratana"),
    ("ពិសី", "Pisey"),
]
GIVEN_M = [
    ("ដារ៉ា", "Dara"),
    ("វណ្ណា", "Vanna"),
    ("សុភ័ក្រ", "Sopheak"),
    ("វិចិត្រ", "Vichet"),
    ("រ៉ាត់", "Rath"),
    ("បុប្ផា", "Bopha"),
    ("សំណាង", "Samnang"),
    ("ពិសិដ្ឋ", "Piseth"),
]

# Where the demo people live: communes in the sub-grantees' provinces.
DEMO_COMMUNE_PREFIXES = {
    "ccpcr": ["2001", "2008", "0903"],
    "adhoc": ["2006", "1409"],
    "sovann": ["0301", "1201"],
    "cedac": ["1401", "1701"],
    "care": ["1409"],
    "icc": ["1409"],
}


def _org(short: str) -> Organisation:
    return Organisation.objects.get(short_name=short)


# (code, prime partner, donor, name, Khmer name, start, end, description)
PROGRAMMES = [
    (
        "ctip",
        "winrock",
        "usaid",
        "Cambodia Counter Trafficking-in-Persons (CTIP)",
        "កម្មវិធីប្រយុទ្ធប្រឆាំងការជួញដូរមនុស្សនៅកម្ពុជា (CTIP)",
        dt.date(2025, 3, 1),
        dt.date(2027, 12, 31),
        "Prevention and protection sub-grants to four Cambodian NGOs.",
    ),
    (
        "smart",
        "care",
        "eu",
        "Safe Migration and Reduced Trafficking (SMART)",
        "ការធ្វើចំណាកស្រុកដោយសុវត្ថិភាព និងកាត់បន្ថយការជួញដូរ (SMART)",
        dt.date(2024, 1, 1),
        dt.date(2026, 12, 31),
        "Co-funded by CARE Austria. Safe-migration volunteers in Prey Veng and Kampong Cham.",
    ),
    (
        "icc-tr",
        "icc",
        "icc",
        "ICC Trafficking Response",
        "គម្រោងឆ្លើយតបនឹងការជួញដូរមនុស្ស អាយស៊ីស៊ី",
        dt.date(2025, 1, 1),
        dt.date(2027, 12, 31),
        "Self-help groups and agriculture cooperatives in Preah Sdach district, Prey Veng.",
    ),
]


def _programmes() -> None:
    made = {}
    for code, prime, donor, name, name_km, start, end, description in PROGRAMMES:
        made[code], _ = Programme.objects.update_or_create(
            code=code,
            defaults={
                "organisation": _org(prime),
                "donor": _org(donor),
                "name": name,
                "name_km": name_km,
                "start_date": start,
                "end_date": end,
                "description": description,
            },
        )
    ctip, smart, trafficking_response = made["ctip"], made["smart"], made["icc-tr"]
    # (programme, sub-grantee, reference, provinces, budget lines, targets: (indicator, description, km, value, unit))
    subgrants = [
        (
            ctip,
            "ccpcr",
            "CTIP-SG-01",
            ["09", "20"],
            [("1", "Transit centre services", 180000), ("2", "Prevention", 95000)],
            [
                (
                    "community_participants_trained",
                    "Key community participants trained in 14 communes",
                    "អ្នកចូលរួមសំខាន់ៗក្នុងសហគមន៍ដែលបានបណ្ដុះបណ្ដាលក្នុង ១៤ ឃុំ",
                    240,
                    "people",
                ),
                (
                    "awareness_sessions",
                    "Awareness sessions, twice in each commune",
                    "វគ្គផ្សព្វផ្សាយ ពីរដងក្នុងមួយឃុំ",
                    28,
                    "sessions",
                ),
                ("savings_groups_formed", "Savings groups formed", "ក្រុមសន្សំប្រាក់ដែលបានបង្កើត", 22, "groups"),
                (
                    "savings_group_households",
                    "Households in savings groups",
                    "គ្រួសារក្នុងក្រុមសន្សំប្រាក់",
                    660,
                    "households",
                ),
                (
                    "households_livelihood_training",
                    "At-risk households trained in livelihoods",
                    "គ្រួសារងាយរងគ្រោះដែលបានបណ្ដុះបណ្ដាលមុខរបរ",
                    120,
                    "households",
                ),
                (
                    "small_grants",
                    "Small business grants to vulnerable families",
                    "ជំនួយអាជីវកម្មខ្នាតតូចដល់គ្រួសារងាយរងគ្រោះ",
                    60,
                    "grants",
                ),
                (
                    "survivor_business_grants",
                    "Grants and business training for survivors after vocational training",
                    "ជំនួយ និងវគ្គអាជីវកម្មសម្រាប់ជនរងគ្រោះ",
                    30,
                    "grants",
                ),
            ],
        ),
        (
            ctip,
            "adhoc",
            "CTIP-SG-02",
            ["12", "09", "20", "14"],
            [("1", "Legal aid and court costs", 120000), ("2", "Repatriation costs", 60000)],
            [],
        ),
        (
            ctip,
            "sovann",
            "CTIP-SG-03",
            ["12", "03"],
            [("1", "Savings groups and banks", 70000)],
            [
                ("savings_groups_formed", "Savings groups formed", "ក្រុមសន្សំប្រាក់ដែលបានបង្កើត", 16, "groups"),
                (
                    "savings_group_members",
                    "Vulnerable people in savings groups",
                    "ជនងាយរងគ្រោះក្នុងក្រុមសន្សំប្រាក់",
                    560,
                    "people",
                ),
                ("model_farmers", "Model farmers raising chickens", "កសិករគំរូចិញ្ចឹមមាន់", 32, "people"),
                (
                    "farmers_trained_by_model_farmers",
                    "Farmers trained by model farmers",
                    "កសិករដែលបានបណ្ដុះបណ្ដាលដោយកសិករគំរូ",
                    960,
                    "people",
                ),
            ],
        ),
        (
            ctip,
            "cedac",
            "CTIP-SG-04",
            ["17", "03", "14"],
            [("1", "Farm business advisors", 85000), ("2", "Producer groups", 40000)],
            [
                (
                    "farm_business_advisors",
                    "Farm business advisors trained",
                    "ទីប្រឹក្សាអាជីវកម្មកសិដ្ឋានដែលបានបណ្ដុះបណ្ដាល",
                    100,
                    "people",
                ),
                (
                    "households_supported_by_advisors",
                    "Vulnerable households supported by advisors (up to 10 each)",
                    "គ្រួសារងាយរងគ្រោះដែលទទួលការគាំទ្រ",
                    1000,
                    "households",
                ),
                ("organic_rice_groups", "Organic rice producer groups", "ក្រុមផលិតករស្រូវសរីរាង្គ", 20, "groups"),
                (
                    "organic_rice_members",
                    "Members of organic rice producer groups",
                    "សមាជិកក្រុមផលិតករស្រូវសរីរាង្គ",
                    200,
                    "people",
                ),
                ("vegetable_groups", "Vegetable groups", "ក្រុមដាំបន្លែ", 10, "groups"),
                (
                    "savings_groups_supported",
                    "Savings groups supported to become self-sustained",
                    "ក្រុមសន្សំប្រាក់ដែលទទួលការគាំទ្រ",
                    100,
                    "groups",
                ),
                ("savings_group_members", "Savings group members", "សមាជិកក្រុមសន្សំប្រាក់", 2000, "people"),
            ],
        ),
        (
            smart,
            "cwpd",
            "SMART-SG-01",
            ["14", "03"],
            [("1", "Community volunteers", 30000)],
            [
                (
                    "community_volunteers_trained",
                    "Community volunteers trained",
                    "អ្នកស្ម័គ្រចិត្តសហគមន៍ដែលបានបណ្ដុះបណ្ដាល",
                    54,
                    "people",
                ),
                (
                    "event_participants",
                    "People at Anti-Human-Trafficking Day events",
                    "អ្នកចូលរួមព្រឹត្តិការណ៍ទិវាប្រឆាំងការជួញដូរមនុស្ស",
                    1500,
                    "people",
                ),
            ],
        ),
        (trafficking_response, "icc", "ICC-TR-01", ["14"], [("1", "Self-help groups", 25000)], []),
    ]
    for programme, short, reference, provinces, lines, targets in subgrants:
        subgrant, _ = SubGrant.objects.update_or_create(
            programme=programme,
            reference=reference,
            defaults={
                "organisation": _org(short),
                "start_date": programme.start_date,
                "end_date": programme.end_date,
            },
        )
        subgrant.provinces.set(Province.objects.filter(code__in=provinces))
        for code, description, amount in lines:
            BudgetLine.objects.update_or_create(
                subgrant=subgrant, code=code, defaults={"description": description, "amount": Decimal(amount)}
            )
        for indicator, description, description_km, value, unit in targets:
            Target.objects.update_or_create(
                programme=programme,
                subgrant=subgrant,
                indicator=indicator,
                defaults={
                    "description": description,
                    "description_km": description_km,
                    "value": value,
                    "unit": unit,
                },
            )


def _users(volunteer_commune: Commune) -> list[DemoLogin]:
    logins = []
    for username, short, role, limit in USERS:
        organisation = _org(short)
        user, _ = User.objects.get_or_create(username=username, defaults={"language": "km"})
        password = secrets.token_urlsafe(9)
        user.set_password(password)
        user.save()
        team, _ = Team.objects.get_or_create(organisation=organisation, name="Team 1")
        membership, _ = Membership.objects.update_or_create(
            user=user,
            organisation=organisation,
            defaults={"role": role, "team": team, "place_limited": bool(limit)},
        )
        if limit:
            membership.communes.set([volunteer_commune])
        secret = ""
        if spec_for(role).needs_two_factor:
            TOTPDevice.objects.filter(user=user).delete()
            device = TOTPDevice.objects.create(user=user, name="demo", confirmed=True)
            secret = device.config_url.split("secret=")[1].split("&")[0]
        logins.append(DemoLogin(username, password, short.upper(), str(role.label), secret))
    return logins


def _people(rng: random.Random) -> int:
    answers = random.Random("consent")  # its own stream: the people stay the same whatever consent draws
    count = 0
    for short, prefixes in DEMO_COMMUNE_PREFIXES.items():
        actor = _registrar(short)
        role = Membership.objects.get(user=actor, organisation__short_name=short).role
        records_consent = Capability.CHANGE_PERSON in spec_for(role).capabilities  # not a volunteer
        limit = Membership.objects.filter(user=actor, place_limited=True).values_list("communes", flat=True)
        villages_qs = Village.objects.filter(commune__district_id__in=prefixes)
        if limit:
            villages_qs = villages_qs.filter(commune_id__in=list(limit))
        villages = list(villages_qs.select_related("commune")[:40])
        if not villages:
            continue
        for household_no in range(1, 6):
            village = rng.choice(villages)
            place = services.resolve_place(village=village.pk)
            household = services.household_create(
                actor=actor,
                code=f"HH-{village.commune_id}-{household_no:03d}",
                place=place,
                poverty_status=rng.choice(
                    [Household.Poverty.IDPOOR_1, Household.Poverty.IDPOOR_2, Household.Poverty.NONE]
                ),
            )
            family_km, family_latin = rng.choice(FAMILY_NAMES)
            for member_no in range(rng.randint(1, 4)):
                female = rng.random() < 0.6
                given_km, given_latin = rng.choice(GIVEN_F if female else GIVEN_M)
                birth_year = rng.randint(1975, 2010)
                person = services.person_create(
                    actor=actor,
                    data=services.PersonInput(
                        sex="female" if female else "male",
                        birth_year=birth_year,
                        birth_year_estimated=rng.random() < 0.3,
                        place=place,
                        household=household,
                        relationship_to_head="head" if member_no == 0 else rng.choice(["spouse", "child", "sibling"]),
                        name_km=f"{family_km} {given_km}",
                        name_latin=f"{family_latin} {given_latin}",
                        phone=f"0{rng.choice([12, 15, 17, 77, 78, 96])}{rng.randint(100000, 999999)}",
                    ),
                )
                if records_consent:
                    _consents(actor, person, answers, minor=birth_year > timezone.localdate().year - 18)
                count += 1
    return count


def _consents(actor: User, person: Person, rng: random.Random, *, minor: bool) -> None:
    """Most people agree to case management at registration; a few refuse, a few are not asked yet."""
    draw = rng.random()
    if draw > 0.9:
        return
    given_by = "ឪពុកម្ដាយ (parent)" if minor else "ខ្លួនឯង (self)"
    services.consent_record(
        actor=actor, person=person, purpose=Consent.Purpose.CASE_MANAGEMENT, given=draw < 0.8, given_by=given_by
    )
    if draw < 0.5:
        services.consent_record(
            actor=actor, person=person, purpose=Consent.Purpose.STATISTICS, given=True, given_by=given_by
        )


def _referrals() -> None:
    """CCPCR's supervisor refers three people to ADHOC for legal aid, with their consent: one waits for an
    answer, one is accepted and assigned to ADHOC's legal officer, one was completed."""
    from karpear.core import referrals

    supervisor = User.objects.get(username="supervisor")
    receiver_supervisor = User.objects.get(username="adhocsup")
    lawyer = User.objects.get(username="lawyer")
    adhoc = _org("adhoc")
    people = list(Person.objects.filter(organisation__short_name="ccpcr").order_by("id")[:3])
    for index, person in enumerate(people):
        services.consent_record(
            actor=supervisor,
            person=person,
            purpose=Consent.Purpose.REFERRAL,
            given=True,
            given_by="ខ្លួនឯង (self)",
            recipient=adhoc,
        )
        referral = referrals.referral_create(
            actor=supervisor,
            person=person,
            receiver=adhoc,
            sections=["identity"],
            reason="Legal aid: wages withheld and passport kept by the employer in Thailand.",
        )
        if index >= 1:
            referral = referrals.referral_accept(actor=receiver_supervisor, referral=referral, assign_to=lawyer)
        if index == 2:
            referrals.referral_complete(
                actor=lawyer, referral=referral, outcome="Complaint filed with the provincial court; client informed."
            )


def _registrar(short: str) -> User:
    """A user of the organisation who may register people: a demo user if one has the role, else a
    dedicated caseworker account with no usable password."""
    for membership in Membership.objects.filter(organisation__short_name=short).select_related("user").order_by("id"):
        if Capability.ADD_PERSON in spec_for(membership.role).capabilities and membership.user.is_active:
            return membership.user
    user, created = User.objects.get_or_create(username=f"{short}-registrar", defaults={"language": "km"})
    if created:
        user.set_unusable_password()
        user.save()
    Membership.objects.update_or_create(user=user, organisation=_org(short), defaults={"role": Role.CASEWORKER})
    return user


def load_core(context: DemoContext) -> None:
    """Core's part of the demo: organisations, programmes, one user per role, people with consents."""
    rng = random.Random(context.seed)
    for short, name, name_km, kind, provinces in ORGANISATIONS:
        organisation, _ = Organisation.objects.update_or_create(
            short_name=short, defaults={"name": name, "name_km": name_km, "kind": kind}
        )
        organisation.provinces.set(Province.objects.filter(code__in=provinces))
    _programmes()
    volunteer_commune = Commune.objects.filter(district_id="1409").order_by("code").first()
    assert volunteer_commune is not None, "the gazetteer is not loaded: run migrate first"
    context.logins.extend(_users(volunteer_commune))
    created = 0
    if not Household.objects.filter(organisation__short_name="ccpcr").exists():
        created = _people(rng)
        _referrals()
    context.created["people"] = created


@transaction.atomic
def load_demo(*, seed: int = 2026) -> tuple[list[DemoLogin], int]:
    """Create or refresh the demo consortium: every installed app's demo loader, each after those it depends
    on. Returns the logins (with fresh passwords) and the number of people created."""
    context = DemoContext(seed=seed)
    for loader in registry.demo_loaders():
        loader.load(context)
    return context.logins, context.created.get("people", 0)
