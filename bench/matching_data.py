"""A synthetic evaluation set for duplicate detection (issue 16): people with Khmer names and their usual
romanisations, and for a known share of them a second registration with realistic corruptions.

Made by a seeded generator, not picked by hand. Each person is registered once; a share `duplicates` of them
is registered again, as by another organisation a year later, with some of: another romanisation of the name,
the words in the other order, a typo, a Khmer spelling typed in another character order (COENG DA for COENG
TA, a split vowel, the marks of a syllable in another order), zero-width characters, the birth year off by
one or two (or unknown: an estimated age), another phone or none, another commune (moved), the ID number
kept or not. About a third of the second registrations carry the name in the other script only (Khmer only
on one, Latin only on the other): the case that matters most. Siblings (same family name, village and often
phone, other given name, a few years apart, the same parents) make the hard non-matches.

Each person belongs to a family (father, mother, children; a registered sibling is one of its children), and
each registration carries, independently, what core's models hold of it: the mother's name (Identity.mother_name)
on MOTHER_SHARE of registrations, and the other members of the person's household (core.Household: its members'
names) on HOUSEHOLD_SHARE, each member listed or not, typed in the registration's script with the usual
variants and typos. These shares are assumptions, not measurements: a returnee's family is often traced for
reintegration, but many registrations carry neither. The family evidence is drawn from a random stream of its
own, so the records' other fields are those of the set without it (the same seed gives the same people).
Pure Python, no Django.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from bench.names import COENG_DA, COENG_TA, ZERO_WIDTH, Name, NamePicker


@dataclass(frozen=True)
class Person:
    key: str
    name_km: str
    name_latin: str
    birth_year: int | None
    sex: str
    village: str  # PPDDCCVV
    phone: str
    national_id: str
    passport: str
    person: int  # the true identity: records of one person share it
    mother_name: str = ""  # as typed on this registration (either script), "" when not asked
    household: tuple[str, ...] = ()  # the other members of the household registered with this person
    family: int = -1  # the true family (siblings share it): for analysis only, never given to a matcher

    @property
    def commune(self) -> str:
        return self.village[:6]

    @property
    def script(self) -> str:
        return "both" if self.name_km and self.name_latin else ("km" if self.name_km else "latin")


@dataclass(frozen=True)
class EvalSet:
    records: list[Person]
    true_pairs: set[tuple[str, str]]  # (a, b) keys with a < b
    cross_script_pairs: set[tuple[str, str]]  # the true pairs where one side is Khmer only, the other Latin only


def _village(rng: random.Random) -> str:
    # 25 provinces × 8 districts × 8 communes (1,600 communes, about the 1,661 of the gazetteer) × 10 villages
    return f"{rng.randint(1, 25):02d}{rng.randint(1, 8):02d}{rng.randint(1, 8):02d}{rng.randint(1, 10):02d}"


def _phone(rng: random.Random) -> str:
    return f"0{rng.choice((10, 11, 12, 15, 16, 17, 69, 70, 77, 78, 85, 86, 89, 92, 93, 96, 97, 98, 99))}" + "".join(
        str(rng.randint(0, 9)) for _ in range(6)
    )


def _typo_latin(rng: random.Random, text: str) -> str:
    letters = [i for i, ch in enumerate(text) if ch.isalpha()]
    if len(letters) < 3:
        return text
    i = rng.choice(letters[1:])  # the first letter is rarely mistyped
    roll = rng.random()
    if roll < 0.3:
        return text[:i] + text[i + 1 :]  # dropped
    if roll < 0.55:
        return text[:i] + text[i] + text[i:]  # doubled
    if roll < 0.8 and i + 1 < len(text) and text[i + 1].isalpha():
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]  # swapped
    return text[:i] + rng.choice("aeiouykhnrst") + text[i + 1 :]  # replaced


# Khmer letters typists confuse (same sound, or next to each other), and vowels written for one another
_KHMER_CONFUSED = {
    "ស": "ឝ",
    "ត": "ដ",
    "ដ": "ត",
    "ទ": "ធ",
    "ធ": "ទ",
    "ព": "ភ",
    "ភ": "ព",
    "ក": "គ",
    "គ": "ក",
    "ន": "ណ",
    "ណ": "ន",
    "ល": "ឡ",
    "ិ": "ី",
    "ី": "ិ",
    "ុ": "ូ",
    "ូ": "ុ",
}


def _typo_khmer(rng: random.Random, text: str) -> str:
    spots = [i for i, ch in enumerate(text) if ch in _KHMER_CONFUSED]
    if not spots:
        return text
    i = rng.choice(spots)
    return text[:i] + _KHMER_CONFUSED[text[i]] + text[i + 1 :]


def _khmer_order_variant(rng: random.Random, text: str) -> str:
    """The same Khmer spelling typed another way: COENG DA for COENG TA, a split vowel (េ + ី for ើ, េ + ា for
    ោ), or a sign typed before the vowel it follows."""
    if COENG_TA in text:
        return text.replace(COENG_TA, COENG_DA)
    if "\u17be" in text:
        return text.replace("\u17be", "\u17c1\u17b8")
    if "\u17c4" in text:
        return text.replace("\u17c4", "\u17c1\u17b6")
    for sign in ("\u17cb", "\u17c6", "\u17c9", "\u17ca"):  # BANTOC, NIKAHIT, MUUSIKATOAN, TRIISAP
        i = text.find(sign)
        if i > 1 and "\u17b6" <= text[i - 1] <= "\u17c5":
            return text[: i - 1] + sign + text[i - 1] + text[i + 1 :]
        if sign in ("\u17c9", "\u17ca") and i > 0 and i + 1 < len(text) and "\u17b6" <= text[i + 1] <= "\u17c5":
            return text[:i] + text[i + 1] + sign + text[i + 2 :]  # the vowel typed before the register sign
    return text


def _zero_width(rng: random.Random, text: str) -> str:
    if len(text) < 2:
        return text
    i = rng.randrange(1, len(text))
    return text[:i] + rng.choice(ZERO_WIDTH) + text[i:]


# The set's versions. 1 (until 28 November 2026): names drawn from bench/names.py's lists of common names
# alone, so that namesakes were about fifteen times as common as in Cambodia, and a registered sibling could
# bear their sibling's given name. 2: names drawn as Cambodians are named (NamePicker's `population`: surnames
# from fathers' given names, compound given names), and siblings bear different given names, as `relatives()`
# already assumed for the household. The corruptions of second registrations are the same in both.
VERSIONS = (1, 2)
VERSION = 2

MOTHER_SHARE = 0.4  # registrations that carry the mother's name
HOUSEHOLD_SHARE = 0.35  # registrations that list the household's other members
MEMBER_LISTED = 0.7  # each member of the family is listed (when the household is)
FAMILY_TYPO = 0.1  # a relative's name typed with a typo


@dataclass
class Family:
    number: int
    father: tuple[Name, Name]  # (family name, given name)
    mother: tuple[Name, Name]
    children: list[tuple[int, tuple[Name, Name]]]  # (identity, or -1 for a child never registered; name)


class Generator:
    def __init__(self, seed: int = 16, *, version: int = VERSION) -> None:
        self.rng = random.Random(seed)
        self.version = version
        population = version >= 2
        self.names = NamePicker(self.rng, population=population)
        self.count = 0
        # the family evidence has its own stream: the other fields stay those of the set without it
        self.family_rng = random.Random(f"family-{seed}")
        self.family_names = NamePicker(self.family_rng, population=population)
        self.families = 0

    def family(self, family_name: Name) -> Family:
        rng, names = self.family_rng, self.family_names
        children = [(-1, (family_name, names.given(rng.choice(("female", "male"))))) for _ in range(rng.randint(0, 3))]
        self.families += 1
        return Family(
            self.families, (family_name, names.given("male")), (names.family(), names.given("female")), children
        )

    def _typed(self, name: tuple[Name, Name], script: str) -> str:
        """A relative's name as a registration types it, in its script (either, when it has both)."""
        rng, names = self.family_rng, self.family_names
        if script == "both":
            script = "km" if rng.random() < 0.5 else "latin"
        if script == "km":
            text = names.khmer_name(*name)
            return _typo_khmer(rng, text) if rng.random() < FAMILY_TYPO else text
        text = names.latin_name(*name)
        return _typo_latin(rng, text) if rng.random() < FAMILY_TYPO else text

    def relatives(self, person: Person, family: Family) -> Person:
        """What this registration says of the person's family: the mother's name, the household's members."""
        rng = self.family_rng
        mother = self._typed(family.mother, person.script) if rng.random() < MOTHER_SHARE else ""
        household: tuple[str, ...] = ()
        if rng.random() < HOUSEHOLD_SHARE:
            own = next((name for who, name in family.children if who == person.person), None)
            # a family does not give two children one given name: a child drawn with the person's is left out
            children = (
                name for who, name in family.children if who != person.person and (own is None or name[1] != own[1])
            )
            members = [family.father, family.mother, *children]
            household = tuple(self._typed(m, person.script) for m in members if rng.random() < MEMBER_LISTED)
        return replace(person, mother_name=mother, household=household, family=family.number)

    def _key(self) -> str:
        self.count += 1
        return f"r{self.count:07d}"

    def person(
        self,
        identity: int,
        family: Name | None = None,
        village: str = "",
        phone: str = "",
        taken: frozenset[str] = frozenset(),
    ) -> Person:
        """A person; `taken`: the Khmer given names of the family's children (a sibling gets another, from the
        set's version 2 on)."""
        rng = self.rng
        sex = rng.choice(("female", "male"))
        family = family or self.names.family()
        given = self.names.given(sex)
        for _ in range(20 if self.version >= 2 else 0):
            if given[0] not in taken:
                break
            given = self.names.given(sex)
        roll = rng.random()
        script = "both" if roll < 0.5 else ("km" if roll < 0.8 else "latin")
        name_km = self.names.khmer_name(family, given) if script != "latin" else ""
        name_latin = self.names.latin_name(family, given) if script != "km" else ""
        self._last_names = (family, given)
        return Person(
            key=self._key(),
            name_km=name_km,
            name_latin=name_latin,
            birth_year=rng.randint(1965, 2009) if rng.random() > 0.05 else None,
            sex=sex,
            village=village or _village(rng),
            phone=phone or (_phone(rng) if rng.random() < 0.7 else ""),
            national_id="".join(str(rng.randint(0, 9)) for _ in range(9)) if rng.random() < 0.25 else "",
            passport=("N" + "".join(str(rng.randint(0, 9)) for _ in range(7))) if rng.random() < 0.15 else "",
            person=identity,
        )

    def again(self, original: Person, family: Name, given: Name, *, cross_script: bool) -> Person:
        """A second registration of the same person, with corruptions."""
        rng = self.rng
        if cross_script:
            script = "latin" if original.script == "km" else "km"
        else:
            roll = rng.random()
            script = "both" if roll < 0.4 else ("km" if roll < 0.7 else "latin")
        name_km = name_latin = ""
        if script != "latin":
            name_km = self.names.khmer_name(family, given)
            if rng.random() < 0.15:
                name_km = _typo_khmer(rng, name_km)
            if rng.random() < 0.35:
                name_km = _khmer_order_variant(rng, name_km)
            if rng.random() < 0.2:
                name_km = _zero_width(rng, name_km)
            if rng.random() < 0.2:  # given name first
                parts = name_km.split(" ")
                name_km = " ".join(reversed(parts)) if len(parts) == 2 else name_km
        if script != "km":
            first, second = self.names.romanise(family), self.names.romanise(given)  # often another variant
            name_latin = f"{second} {first}" if rng.random() < 0.25 else f"{first} {second}"
            if rng.random() < 0.2:
                name_latin = _typo_latin(rng, name_latin)
            if rng.random() < 0.1:
                name_latin = _zero_width(rng, name_latin)
            if rng.random() < 0.1:
                name_latin = name_latin.upper()
        year = original.birth_year
        roll = rng.random()
        if year is not None and roll < 0.45:
            year += rng.choice((-2, -1, -1, 1, 1, 2))
        elif roll < 0.55:
            year = None  # an estimated age, not recorded as a year
        village = original.village
        roll = rng.random()
        if roll < 0.25:  # moved to another commune of the same province
            village = f"{village[:2]}{rng.randint(1, 8):02d}{rng.randint(1, 8):02d}{rng.randint(1, 10):02d}"
        elif roll < 0.3:
            village = _village(rng)
        phone = original.phone
        roll = rng.random()
        if roll < 0.45:
            phone = _phone(rng)
        elif roll < 0.65:
            phone = ""
        elif phone and rng.random() < 0.3:
            phone = "+855" + phone[1:]
        return replace(
            original,
            key=self._key(),
            name_km=name_km,
            name_latin=name_latin,
            birth_year=year,
            village=village,
            phone=phone,
            national_id=original.national_id if rng.random() < 0.5 else "",
            passport=original.passport if rng.random() < 0.4 else "",
        )


def generate(
    size: int,
    *,
    duplicate_share: float = 0.2,
    cross_script_share: float = 0.3,
    seed: int = 16,
    version: int = VERSION,
) -> EvalSet:
    """`size` records in all; of the people, `duplicate_share` are registered twice. `version` (VERSIONS)
    chooses how names are drawn; 1 gives the earlier set exactly."""
    gen = Generator(seed, version=version)
    rng = gen.rng
    people = round(size / (1 + duplicate_share))
    records: list[Person] = []
    names: list[tuple[Name, Name]] = []
    families: list[Family] = []
    for identity in range(people):
        if records and rng.random() < 0.1:  # a sibling of someone already registered
            index = rng.randrange(max(0, len(records) - 50), len(records))
            sibling, family = records[index], names[index][0]
            phone = sibling.phone if rng.random() < 0.5 else ""
            taken = frozenset(name[1][0] for _who, name in families[index].children)
            person = gen.person(identity, family=family, village=sibling.village, phone=phone, taken=taken)
            if person.birth_year is not None and sibling.birth_year is not None:
                gap = rng.choice((-6, -5, -4, -3, -2, 2, 3, 4, 5, 6))
                person = replace(person, birth_year=sibling.birth_year + gap)
            kin = families[index]
        else:
            person = gen.person(identity)
            kin = gen.family(gen._last_names[0])
        kin.children.append((identity, gen._last_names))
        records.append(person)
        names.append(gen._last_names)
        families.append(kin)
    true_pairs: set[tuple[str, str]] = set()
    cross: set[tuple[str, str]] = set()
    for index in rng.sample(range(people), min(size - people, people)):
        original = records[index]
        family, given = names[index]
        crossing = original.script != "both" and rng.random() < cross_script_share / 0.5
        second = gen.again(original, family, given, cross_script=crossing)
        records.append(gen.relatives(second, families[index]))
        pair = (original.key, second.key)
        true_pairs.add(pair)
        if {original.script, second.script} == {"km", "latin"}:
            cross.add(pair)
    # the first registrations' family evidence, once every family is complete (a sibling registered later
    # is listed in an earlier registration's household too)
    records[:people] = [gen.relatives(person, families[i]) for i, person in enumerate(records[:people])]
    rng.shuffle(records)
    return EvalSet(records, true_pairs, cross)
