"""The matching part of the demo consortium (issue 16): returnees CCPCR registered twice, as happens when a
survivor deported again is received a year later by other staff. Each was first registered in Khmer only, in
Svay Rieng, with her or his household (the mother registered as a member); then again in Latin letters only,
with a new phone, an estimated birth year and the mother's name as said at the border, in another commune.
CCPCR's case supervisor checks each later record (matching's services), so her *Likely matches* screen has
pairs to confirm or reject. A namesake from another province, two years apart and with another mother, is
registered too: the check must not propose her. Loaded once, through the services."""

from __future__ import annotations

from dataclasses import dataclass

from karpear.core import services as core_services
from karpear.core.models import Household, Person, User, Village
from karpear.core.registry import DemoContext
from karpear.matching import services


@dataclass(frozen=True)
class Returnee:
    sex: str
    name_km: str  # the first registration, Khmer only
    birth_year: int
    mother_km: str
    sibling_km: str
    name_latin: str  # the second, Latin only
    later_birth_year: int | None
    mother_latin: str
    phone: str


RETURNEES = [
    Returnee("female", "សុខ ចាន់ធា", 1996, "ជា សុភា", "សុខ វណ្ណា", "Chanthea Sok", 1998, "Chea Sophea", "097 111 2233"),
    Returnee("female", "ពៅ ស្រីនិច", 2003, "កែវ ធីតា", "ពៅ សុផល", "Pov Sreynich", 2002, "Keo Thida", "012 845 910"),
    Returnee("male", "ហេង វិចិត្រ", 1999, "លី បុប្ផា", "ហេង ស្រីមុំ", "Heng Vichet", None, "Ly Bopha", "+855 15 660 412"),
]
# Same name as the first returnee, registered in another province, two years apart, another mother: not her.
NAMESAKE = Returnee("female", "", 0, "", "", "Sok Chantha", 1994, "Mao Sreyneang", "")


def load(context: DemoContext) -> None:
    caseworker = User.objects.filter(username="caseworker").first()
    supervisor = User.objects.filter(username="supervisor").first()
    if caseworker is None or supervisor is None:
        return
    if Person.objects.filter(organisation__short_name="ccpcr", identity__name_latin=RETURNEES[0].name_latin).exists():
        return  # loaded already
    villages = list(Village.objects.filter(commune__district_id__in=["2001", "2008"]).order_by("code")[:12])
    elsewhere = Village.objects.filter(commune__district_id="0903").order_by("code").first()
    if len(villages) < 2:
        return  # no gazetteer
    later: list[Person] = []
    for index, returnee in enumerate(RETURNEES):
        home = villages[(2 * index) % len(villages)]
        place = core_services.resolve_place(village=home.pk)
        household = core_services.household_create(
            actor=caseworker,
            code=f"HH-{home.commune_id}-R{index + 1}",
            place=place,
            poverty_status=Household.Poverty.IDPOOR_1,
        )
        for name, sex, year, relationship in (
            (returnee.mother_km, "female", returnee.birth_year - 24, "head"),
            (returnee.sibling_km, "male" if index == 1 else "female", returnee.birth_year + 3, "child"),
        ):
            core_services.person_create(
                actor=caseworker,
                data=core_services.PersonInput(
                    sex=sex,
                    birth_year=year,
                    place=place,
                    household=household,
                    relationship_to_head=relationship,
                    name_km=name,
                ),
            )
        core_services.person_create(
            actor=caseworker,
            data=core_services.PersonInput(
                sex=returnee.sex,
                birth_year=returnee.birth_year,
                place=place,
                household=household,
                relationship_to_head="child",
                name_km=returnee.name_km,
                mother_name=returnee.mother_km,
            ),
        )
        moved = villages[(2 * index + 1) % len(villages)]
        later.append(
            core_services.person_create(
                actor=caseworker,
                data=core_services.PersonInput(
                    sex=returnee.sex,
                    birth_year=returnee.later_birth_year,
                    birth_year_estimated=returnee.later_birth_year is not None,
                    place=core_services.resolve_place(village=moved.pk),
                    name_latin=returnee.name_latin,
                    mother_name=returnee.mother_latin,
                    phone=returnee.phone,
                ),
            )
        )
    if elsewhere is not None:
        core_services.person_create(
            actor=caseworker,
            data=core_services.PersonInput(
                sex=NAMESAKE.sex,
                birth_year=NAMESAKE.later_birth_year,
                place=core_services.resolve_place(village=elsewhere.pk),
                name_latin=NAMESAKE.name_latin,
                mother_name=NAMESAKE.mother_latin,
            ),
        )
    found = 0
    for person in later:
        found += len(services.check_person(actor=supervisor, person=person).pairs)
    context.created["match_pairs"] = found
