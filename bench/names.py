"""Synthetic Cambodian names for the scale data: Khmer spellings with their usual romanisations.

Each entry is (Khmer, romanisations, weight); the first romanisation is the most common. Names written
with COENG TA (្ត) are also typed with COENG DA (្ដ), which looks the same; `khmer_name()` swaps them
sometimes, and now and then slips in a zero-width character, so that name normalisation has work to do.
Pure data and functions: no Django.
"""

from __future__ import annotations

import random

COENG_TA = "\u17d2\u178f"
COENG_DA = "\u17d2\u178a"
ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\ufeff")

Name = tuple[str, tuple[str, ...], int]

FAMILY: list[Name] = [
    ("សុខ", ("Sok", "Sokh"), 40),
    ("ចាន់", ("Chan", "Chann"), 30),
    ("ជា", ("Chea", "Chear"), 24),
    ("ហេង", ("Heng",), 20),
    ("លី", ("Ly", "Ley", "Lee"), 20),
    ("កែវ", ("Keo", "Kaev", "Keov"), 16),
    ("ឈឹម", ("Chhim", "Chhem", "Chim"), 12),
    ("គឹម", ("Kim", "Kem"), 12),
    ("ស៊ុន", ("Sun", "Soun"), 10),
    ("ពៅ", ("Pov", "Pauv", "Pou"), 8),
    ("ម៉ៅ", ("Mao", "Mau"), 8),
    ("ហ៊ុន", ("Hun", "Hoon"), 8),
    ("ខៀវ", ("Khiev", "Khieu", "Kheav"), 7),
    ("ញឹម", ("Nhim", "Nhem"), 6),
    ("ទេព", ("Tep", "Teb"), 6),
    ("យឹម", ("Yim", "Yem"), 6),
    ("អ៊ុំ", ("Um", "Oum"), 6),
    ("ស៊ាង", ("Seang", "Sieng"), 5),
    ("ព្រាប", ("Preap", "Prab"), 4),
    ("សៅ", ("Sao", "Sav"), 5),
    ("ឡុង", ("Long",), 5),
    ("អ៊ុក", ("Ouk", "Uk"), 5),
    ("ប៊ុន", ("Bun", "Boun"), 5),
    ("អ៊ឹម", ("Im", "Eim"), 4),
    ("ថាច់", ("Thach",), 3),
    ("ម៉ែន", ("Men", "Maen"), 4),
    ("ផល", ("Phal", "Phorl"), 4),
    ("សំ", ("Sam",), 5),
    ("នួន", ("Nuon", "Noun"), 4),
    ("វង្ស", ("Vong", "Vung", "Vorng"), 4),
    ("ប្រាក់", ("Prak",), 4),
    ("ទូច", ("Touch", "Toch"), 4),
    ("ពេជ្រ", ("Pich", "Pech"), 4),
    ("ឯក", ("Ek", "Aek"), 3),
    ("សេង", ("Seng",), 5),
    ("ស្រេង", ("Sreng",), 3),
    ("ឈួន", ("Chhuon", "Chhoun"), 3),
    ("ម៉ម", ("Mom",), 3),
    ("សួន", ("Suon", "Soun"), 4),
    ("អ៊ិន", ("In", "Inn"), 3),
    ("រស់", ("Ros", "Ruos"), 3),
    ("តាំង", ("Tang",), 3),
    ("ហួត", ("Huot", "Hout"), 3),
    ("សាន", ("San",), 3),
    ("ឃឹម", ("Khim", "Khem"), 2),
    ("ឈាង", ("Chheang", "Chhieng"), 2),
]

FEMALE: list[Name] = [
    ("ស្រីមុំ", ("Sreymom", "Srey Mom", "Sreimom", "Srey Mum"), 12),
    ("ស្រីពៅ", ("Sreypov", "Srey Pov", "Sreipov", "Srey Pauv"), 12),
    ("សុភា", ("Sophea", "Sopha"), 12),
    ("ធីតា", ("Thida", "Theda"), 10),
    ("ចន្ធូ", ("Chanthou", "Chanthu"), 6),
    ("បុប្ផា", ("Bopha", "Bupha"), 8),
    ("ម៉ាលីស", ("Malis",), 5),
    ("ស្រីនិច", ("Sreynich", "Srey Nich", "Sreinich"), 7),
    ("ស្រីល័ក្ខ", ("Sreyleak", "Srey Leak", "Sreileak"), 7),
    ("ស្រីនាង", ("Sreyneang", "Srey Neang"), 5),
    ("ស្រីអូន", ("Sreyoun", "Srey Oun"), 5),
    ("ស្រីរ័ត្ន", ("Sreyroth", "Srey Roth", "Sreyrath"), 5),
    ("ស្រីលីន", ("Sreylin", "Srey Lin"), 5),
    ("សុគន្ធា", ("Sokunthea", "Sokuntheah"), 5),
    ("គន្ធា", ("Kunthea", "Kanthea"), 5),
    ("ដាលីន", ("Dalin", "Dalinn"), 5),
    ("ចិន្តា", ("Chenda", "Chinda"), 6),
    ("សុចិន្តា", ("Sochenda", "Sochinda"), 4),
    ("ណារី", ("Nary", "Neary"), 6),
    ("រស្មី", ("Reaksmey", "Raksmey", "Reasmey"), 5),
    ("ពិសី", ("Pisey", "Pisei"), 5),
    ("លីដា", ("Lida", "Leda"), 4),
    ("សុធារី", ("Sotheary", "Sothary"), 4),
    ("សុវណ្ណារី", ("Sovannary", "Sovanary"), 3),
    ("ចាន់ធី", ("Chanthy", "Chanthi"), 4),
    ("កញ្ញា", ("Kanha", "Kagna"), 4),
    ("ផល្លា", ("Phalla", "Phala"), 4),
    ("រចនា", ("Rachana", "Rachna"), 3),
]

MALE: list[Name] = [
    ("ដារ៉ា", ("Dara", "Darar"), 12),
    ("សុភាព", ("Sopheap", "Sopheab"), 8),
    ("វិចិត្រ", ("Vichet", "Vicheth"), 8),
    ("សុផល", ("Sophal", "Sophorl"), 7),
    ("ចាន់ថា", ("Chantha", "Chanta"), 6),
    ("រតនា", ("Ratana", "Rathana", "Rattana"), 6),
    ("បូរី", ("Borey", "Bory"), 5),
    ("សំណាង", ("Samnang", "Samnaang"), 8),
    ("ពិសិដ្ឋ", ("Piseth", "Piset"), 6),
    ("រិទ្ធី", ("Rithy", "Rithi"), 6),
    ("វុទ្ធី", ("Vuthy", "Vuthi", "Vothy"), 6),
    ("សារ៉ុន", ("Saroun", "Sarun"), 4),
    ("សុវណ្ណ", ("Sovann", "Sovan"), 5),
    ("វិបុល", ("Vibol", "Vibul"), 5),
    ("ធារ៉ា", ("Theara",), 5),
    ("សម្បត្តិ", ("Sambath", "Sambat"), 5),
    ("កុសល", ("Kosal", "Kosol"), 5),
    ("មករា", ("Makara", "Makkara"), 5),
    ("វាសនា", ("Veasna", "Veasana"), 6),
    ("ភក្តី", ("Pheakdey", "Pheakdei", "Pheakdy"), 5),
    ("ឧត្តម", ("Oudom", "Udom", "Odom"), 5),
    ("សុខហេង", ("Sokheng", "Sok Heng"), 4),
    ("ប៊ុនធឿន", ("Bunthoeun", "Bun Thoeun", "Bunthoen"), 3),
    ("រដ្ឋា", ("Rotha", "Ratha"), 5),
    ("ពិសាល", ("Pisal",), 3),
    ("បញ្ញា", ("Panha", "Pagna"), 4),
    ("ណារិទ្ធ", ("Narith",), 4),
    ("វិសាល", ("Visal", "Veasal"), 4),
    ("សេរី", ("Serey", "Serei"), 3),
    ("ចំរើន", ("Chamroeun", "Chamreun", "Chamrouen"), 3),
]

UNISEX: list[Name] = [
    ("សុខា", ("Sokha",), 8),
    ("វណ្ណា", ("Vanna", "Vana"), 6),
    ("សុភ័ក្ត្រ", ("Sopheak", "Sophak"), 5),
    ("មុន្នី", ("Monny", "Muny"), 3),
]


# How Cambodians are named, for the matching benchmark's people (`NamePicker(..., population=True)`). The
# lists above are the common names; drawn alone, they make namesakes far commoner than in Cambodia (ឈឹម
# "Chhim" would be 3% of people, where about 21,000 of 16 million bear it, 0.13%; surnam.es). Two practices
# widen the pool, each taken at half the draws:
# - a surname is traditionally the father's (or grandfather's) given name (Khmer name, cryer.org.uk/Khmer_name;
#   ethnomed.org "Naming in Cambodian culture"), so the surname pool holds the given names too;
# - many given names join a name element to a name (សុខ + ហេង = សុខហេង "Sokheng", ប៊ុន + ធឿន = ប៊ុនធឿន
#   "Bunthoeun", both in the lists above), written as one word in Khmer and as one or two in Latin letters.
SURNAME_FROM_GIVEN = 0.5
COMPOUND_GIVEN = 0.5


def compound(element: Name, given: Name) -> Name:
    """A given name made of a name element (a one-syllable name of FAMILY) and a listed given name: one word in
    Khmer; in Latin letters run together in each pair of the parts' spellings, or the usual ones with a space."""
    (km1, latin1, _w1), (km2, latin2, _w2) = element, given
    first = latin1[0] + latin2[0].lower()
    others = [f"{latin1[0]} {latin2[0]}"]
    others += [a + b.lower() for a in latin1 for b in latin2 if (a, b) != (latin1[0], latin2[0])]
    return (km1 + km2, (first, *others), 1)


class NamePicker:
    """Weighted picks of family and given names, and the typing variation around them. With `population`,
    names are drawn as Cambodians are named (SURNAME_FROM_GIVEN, COMPOUND_GIVEN): the lists' names and, as
    often, names built from them, so that a name is about as rare as in the country's population."""

    def __init__(self, rng: random.Random, *, population: bool = False) -> None:
        self.rng = rng
        self.population = population
        self._family = _table(FAMILY)
        self._female = _table(FEMALE + UNISEX)
        self._male = _table(MALE + UNISEX)
        # the given names an element may start (not those already built on one: ស្រី..., សុខហេង, ប៊ុនធឿន)
        self._joinable = {
            sex: _table([n for n in names if not n[0].startswith("ស្រី") and n[0] not in ("សុខហេង", "ប៊ុនធឿន")])
            for sex, names in (("female", FEMALE + UNISEX), ("male", MALE + UNISEX))
        }

    def family(self) -> Name:
        if self.population and self.rng.random() < SURNAME_FROM_GIVEN:
            return self.given("male")  # the father's given name
        return self._pick(self._family)

    def given(self, sex: str) -> Name:
        if sex not in ("female", "male"):
            sex = "female" if self.rng.random() < 0.5 else "male"
        if self.population and self.rng.random() < COMPOUND_GIVEN:
            element = self._pick(self._family)
            given = self._pick(self._joinable[sex])
            if not given[0].startswith(element[0]):
                return compound(element, given)
        return self._pick(self._female if sex == "female" else self._male)

    def _pick(self, table: tuple[list[Name], list[int]]) -> Name:
        names, cumulative = table
        return self.rng.choices(names, cum_weights=cumulative)[0]

    def romanise(self, name: Name) -> str:
        variants = name[1]
        if len(variants) == 1 or self.rng.random() < 0.6:
            return variants[0]
        return self.rng.choice(variants[1:])

    def khmer_name(self, family: Name, given: Name) -> str:
        """The Khmer name as someone might type it: usually 'Family Given', sometimes run together,
        sometimes with COENG DA for COENG TA, rarely with a zero-width character."""
        rng = self.rng
        parts = [family[0], given[0]]
        for i, part in enumerate(parts):
            if COENG_TA in part and rng.random() < 0.35:
                parts[i] = part.replace(COENG_TA, COENG_DA)
        roll = rng.random()
        if roll < 0.015:  # a zero-width space where the space should be
            return parts[0] + rng.choice(ZERO_WIDTH) + parts[1]
        if roll < 0.03:  # a zero-width character inside a word, and doubled spacing
            word = parts[1]
            cut = rng.randrange(1, len(word))
            return f"{parts[0]}  {word[:cut]}{rng.choice(ZERO_WIDTH)}{word[cut:]}"
        if roll < 0.07:
            return parts[0] + parts[1]
        return f"{parts[0]} {parts[1]}"

    def latin_name(self, family: Name, given: Name) -> str:
        """The romanised name: mostly 'Family Given' in title case, sometimes capitals or lower case."""
        text = f"{self.romanise(family)} {self.romanise(given)}"
        roll = self.rng.random()
        if roll < 0.12:
            return text.upper()
        if roll < 0.16:
            return text.lower()
        if roll < 0.18:
            return f"{self.romanise(given)} {self.romanise(family)}"  # given name first, as on some forms
        return text


def _table(names: list[Name]) -> tuple[list[Name], list[int]]:
    cumulative: list[int] = []
    total = 0
    for _km, _latin, weight in names:
        total += weight
        cumulative.append(total)
    return names, cumulative
