"""Finding records of the same person: comparisons, blocking and a Fellegi–Sunter model (no Django).

A `Record` is what is known of one registration. `prepare()` turns records into arrays once; `candidate_pairs()`
puts records into blocks (shared keys) and pairs only records that share a block, so the work grows with the
number of records, not its square; `compare()` gives each pair a level per comparison (name, birth year, place,
phone, ID, sex); `Model` turns levels into a match weight, log2 of m/u per comparison (m: how often a true
pair shows this level, u: how often two different people do), and explains each pair by comparison.

The weights are estimated, not guessed: `estimate()` takes u from random pairs of the data (almost all of
them are different people) and m by expectation-maximisation on the candidate pairs, with u fixed, as Splink
does. The name comparison is Jaro–Winkler (rapidfuzz) on the folded romanised forms of both names (Khmer
romanised by `khmer.romanise`, Latin as typed), in the order typed, reversed and with the words sorted, the
best of them: so "សុខ ចាន់ធា", "Sok Chantha" and "Chanthea Sok" meet.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz.distance import JaroWinkler
from rapidfuzz.process import cpdist

from karpear.matching.engine.khmer import folded_words

# ---------------------------------------------------------------- records


@dataclass(frozen=True)
class Record:
    """One registration. `village` and `commune` are gazetteer codes (PPDDCCVV, PPDDCC); `ids` are ID card
    and passport numbers as typed; `phone` any form (its last eight digits are compared); `mother_name` the
    mother's name (either script); `household` the names (either script) of the other members of the person's
    household."""

    key: str
    name_km: str = ""
    name_latin: str = ""
    birth_year: int | None = None
    sex: str = ""
    village: str = ""
    commune: str = ""
    phone: str = ""
    ids: tuple[str, ...] = ()
    mother_name: str = ""
    household: tuple[str, ...] = ()


class EmptyName(ValueError):
    """A name made only of invisible characters, spaces or punctuation: nothing to match on."""


def name_forms(name_km: str, name_latin: str) -> list[list[str]]:
    """The folded words of each script's name that has any (Khmer first)."""
    forms = []
    for name in (name_km, name_latin):
        folded = folded_words(name) if name else []
        if folded:
            forms.append(folded)
    return forms


def check_name(value: str) -> str:
    """Raise EmptyName for a name typed but with nothing to match on; return the name otherwise."""
    if value and not folded_words(value):
        raise EmptyName(
            f"{value!r}: a name made only of invisible characters, spaces or punctuation has nothing to match on"
        )
    return value


_DIGITS = re.compile(r"\D+")
_ID_CHARS = re.compile(r"[^0-9A-Z]+")


def phone_key(value: str) -> str:
    digits = _DIGITS.sub("", value.translate(str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")))
    return digits[-8:] if len(digits) >= 6 else ""


def id_key(value: str) -> str:
    key = _ID_CHARS.sub("", value.upper().translate(str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")))
    return key if len(key) >= 4 else ""


# ---------------------------------------------------------------- comparisons and their levels

# name: Jaro–Winkler of the best arrangement of the folded forms
NAME_LEVELS = ("name_exact", "name_jw_95", "name_jw_88", "name_jw_80", "name_differs")
NAME_THRESHOLDS = (1.0, 0.95, 0.88, 0.80)
YEAR_LEVELS = ("year_exact", "year_1", "year_2", "year_differs")
PLACE_LEVELS = ("place_village", "place_commune", "place_district", "place_province", "place_differs")
PHONE_LEVELS = ("phone_same", "phone_differs")
ID_LEVELS = ("id_same", "id_differs")
SEX_LEVELS = ("sex_same", "sex_differs")
# the mother's name, as the name (Jaro–Winkler of the best arrangement)
MOTHER_LEVELS = ("mother_same", "mother_close", "mother_differs")
MOTHER_THRESHOLDS = (0.95, 0.88)
# the household's other members (their folded names, words sorted): two or more in common, one, none
HOUSEHOLD_LEVELS = ("household_most", "household_some", "household_none")
HOUSEHOLD_WIDTH = 8  # at most this many members' names of a household are compared

COMPARISONS: dict[str, tuple[str, ...]] = {
    "name": NAME_LEVELS,
    "birth_year": YEAR_LEVELS,
    "place": PLACE_LEVELS,
    "phone": PHONE_LEVELS,
    "id_number": ID_LEVELS,
    "sex": SEX_LEVELS,
    "mother": MOTHER_LEVELS,
    "household": HOUSEHOLD_LEVELS,
}
NULL = -1  # a comparison that cannot be made (one side has no value): it weighs nothing


@dataclass
class Prepared:
    """The records as arrays, built once."""

    keys: list[str]
    # per record, per script (0 Khmer, 1 Latin): folded words sorted and space-joined
    sorted_: list[np.ndarray]
    name_tf: np.ndarray  # how often the record's name (folded, words sorted) occurs among the records, 0..1
    year: np.ndarray  # int, -9999 for unknown
    place: np.ndarray  # str village code or commune code (what is known), "" unknown
    place_codes: np.ndarray  # records × 4 (province, district, commune, village) as ints, 0 unknown
    phone: np.ndarray
    phone_code: np.ndarray  # int, 0 unknown
    ids: list[tuple[str, ...]]
    id_codes: np.ndarray  # records × 2 ints, 0 none
    sex: np.ndarray
    rejected: list[str] = field(default_factory=list)  # keys of records whose names held nothing to match on
    # names repeat: per record and script, the index of its folded name among `names` (-1 none), so that a
    # pair of names is compared once however many pairs of records carry it
    name_id: list[np.ndarray] = field(default_factory=list)
    names: list[tuple[str, ...]] = field(default_factory=list)
    spellings: dict[str, str] = field(default_factory=dict)  # the learnt spellings read (prepare's argument)
    mother_id: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))  # into `names`, -1 none
    # per record, the household's other members as name codes (folded words sorted, hashed: comparable across
    # two Prepared), 0 padding
    household: np.ndarray = field(default_factory=lambda: np.zeros((0, HOUSEHOLD_WIDTH), dtype=np.int64))

    def __len__(self) -> int:
        return len(self.keys)


SPELLING_MIN = 5  # a spelling is learnt from at least this many registrations that carry it beside the Khmer
SPELLING_SHARE = 0.05  # ... and at least this share of the Khmer word's registrations in both scripts


def learn_spellings(records: Iterable[Record]) -> dict[str, str]:
    """Latin spellings of Khmer words that the folding does not bring to the romanisation's form, learnt from
    the registrations that carry a name in both scripts (no match is needed: a person's own two names say
    how their Khmer is written in Latin letters here). Returns {folded Latin word: folded romanised Khmer
    word}; `prepare(..., spellings=...)` reads each such Latin word as the Khmer one, so "Sreymom" typed
    on one form and "ស្រីមុំ" on another compare as the same word, and block together.

    A spelling is kept when seen at least SPELLING_MIN times and for SPELLING_SHARE of the Khmer word's
    registrations; a word that is itself the romanised form of a common Khmer word is never rewritten."""
    pairs: dict[tuple[str, str], int] = {}
    khmer_total: dict[str, int] = {}
    for record in records:
        if not (record.name_km and record.name_latin):
            continue
        km, latin = _folded(record.name_km), _folded(record.name_latin)
        joined = -1
        if len(km) == len(latin) - 1 and len(latin) >= 2:  # a Khmer word written as two in Latin ("Srey Mom")
            at = next((i for i in range(len(km)) if km[i] != latin[i]), len(km) - 1)
            latin = (*latin[:at], latin[at] + latin[at + 1], *latin[at + 2 :])
            joined = at
        if len(km) != len(latin):
            continue
        for i, (k, word) in enumerate(zip(km, latin, strict=True)):
            khmer_total[k] = khmer_total.get(k, 0) + 1
            if k != word or i == joined:
                pairs[(k, word)] = pairs.get((k, word), 0) + 1
    common = {k for k, count in khmer_total.items() if count >= SPELLING_MIN}
    best: dict[str, tuple[int, str]] = {}
    for (k, word), count in pairs.items():
        if (word in common and word != k) or count < SPELLING_MIN or count < SPELLING_SHARE * khmer_total[k]:
            continue
        if word not in best or count > best[word][0]:
            best[word] = (count, k)
    return {word: k for word, (_count, k) in sorted(best.items())}


def _respelt(folded: list[str], spellings: dict[str, str]) -> list[str]:
    out = [spellings.get(word, word) for word in folded]
    if len(folded) >= 2:  # "Srey Mom" learnt as one word (the Khmer ស្រីមុំ): join the two words
        for i in range(len(folded) - 1):
            joined = spellings.get(folded[i] + folded[i + 1])
            if joined is not None:
                return [*out[:i], joined, *out[i + 2 :]]
    return out


def _folded(name: str) -> tuple[str, ...]:
    return tuple(folded_words(name))


def name_code(sorted_form: str) -> int:
    """A name's folded words, sorted and space-joined, as a positive 56-bit integer (the same in every
    Prepared and process, so two sets of records compare their codes directly); 0 for no name."""
    if not sorted_form:
        return 0
    return int.from_bytes(hashlib.blake2b(sorted_form.encode(), digest_size=7).digest(), "big") + 1


def prepare(records: Sequence[Record], spellings: dict[str, str] | None = None) -> Prepared:
    """The records as arrays; with `spellings` (learn_spellings), the Latin spellings learnt are read as
    the Khmer word they write. Names repeat, so each distinct name's forms are built once."""
    n = len(records)
    spelt = spellings or {}
    rejected: list[str] = []
    name_index: dict[tuple[str, ...], int] = {}
    ids_of: list[list[int]] = [[], []]
    years: list[int] = []
    places: list[str] = []
    phones: list[str] = []
    sexes: list[str] = []
    ids: list[tuple[str, ...]] = []
    mothers: list[int] = []
    household = np.zeros((n, HOUSEHOLD_WIDTH), dtype=np.int64)
    codes_of: dict[str, int] = {}

    read_as: dict[str, tuple[str, ...]] = {}

    def read(name: str) -> tuple[str, ...]:
        """The name's folded words, learnt spellings read (each distinct string folded once: names repeat)."""
        hit = read_as.get(name)
        if hit is None:
            folded = folded_words(name)
            if spelt and folded:
                folded = _respelt(folded, spelt)
            hit = read_as[name] = tuple(folded)
        return hit

    for at, record in enumerate(records):
        for script, name in enumerate((record.name_km, record.name_latin)):
            folded = read(name) if name else ()
            if name and not folded:
                rejected.append(record.key)
            ids_of[script].append(name_index.setdefault(folded, len(name_index)) if folded else -1)
        years.append(record.birth_year or -9999)
        places.append(str(record.village or record.commune or ""))
        phones.append(phone_key(record.phone) if record.phone else "")
        sexes.append(record.sex if record.sex in ("female", "male") else "")
        ids.append(tuple(sorted({k for k in (id_key(v) for v in record.ids) if k})) if record.ids else ())
        mother = read(record.mother_name) if record.mother_name else ()
        mothers.append(name_index.setdefault(mother, len(name_index)) if mother else -1)
        if record.household:
            member_codes: list[int] = []
            for member in record.household:
                form = " ".join(sorted(read(member))) if member else ""
                if not form:
                    continue
                code_ = codes_of.get(form)
                if code_ is None:
                    code_ = codes_of[form] = name_code(form)
                if code_ not in member_codes:
                    member_codes.append(code_)
            household[at, : min(len(member_codes), HOUSEHOLD_WIDTH)] = member_codes[:HOUSEHOLD_WIDTH]
    names = list(name_index)
    name_id = [np.asarray(ids_of[0], dtype=np.int64).reshape(n), np.asarray(ids_of[1], dtype=np.int64).reshape(n)]

    def per_name(form: Any) -> list[np.ndarray]:
        # the form of each distinct name, then per record and script ("" without a name: index -1 is the last)
        table = np.array([*(form(t) for t in names), ""], dtype=object)
        return [table[name_id[0]], table[name_id[1]]]

    sorted_ = per_name(lambda t: " ".join(sorted(t)))
    # how often each name (folded, words sorted) occurs, each record counted once even when both of its
    # scripts give the same form
    sorted_index: dict[str, int] = {}
    sorted_id = np.array([*(sorted_index.setdefault(" ".join(sorted(t)), len(sorted_index)) for t in names), -1])
    s0, s1 = sorted_id[name_id[0]], sorted_id[name_id[1]]
    counts = np.bincount(s0[s0 >= 0], minlength=len(sorted_index) + 1)
    second = (s1 >= 0) & (s1 != s0)
    counts += np.bincount(s1[second], minlength=len(sorted_index) + 1)
    counts[-1] = 0
    big = n + 1
    f0 = np.where(s0 >= 0, counts[s0], big)
    f1 = np.where(s1 >= 0, counts[s1], big)
    lowest = np.minimum(f0, f1)
    name_tf = np.where(lowest < big, lowest / max(n, 1), 0.0)
    if n < TF_MIN_PEOPLE:
        name_tf = np.zeros(n)

    year = np.asarray(years, dtype=np.int32).reshape(n)
    place = np.array(places, dtype=object).reshape(n)
    phone = np.array(phones, dtype=object).reshape(n)
    sex = np.array(sexes, dtype=object).reshape(n)
    codes: dict[str, int] = {"": 0}

    def code(value: str) -> int:
        return codes.setdefault(value, len(codes))

    place_values, place_of = np.unique(np.array(places, dtype=str).reshape(n), return_inverse=True)
    place_table = np.array(
        [[code("p" + v[:w]) if len(v) >= w else 0 for w in (2, 4, 6, 8)] for v in place_values.tolist()],
        dtype=np.int64,
    ).reshape(len(place_values), 4)
    place_codes = place_table[place_of.reshape(n)] if n else np.zeros((0, 4), dtype=np.int64)
    phone_code = np.array([code("t" + v) if v else 0 for v in phones], dtype=np.int64).reshape(n)
    id_codes = np.zeros((n, 2), dtype=np.int64)
    for i, values in enumerate(ids):
        for j, value in enumerate(values[:2]):
            id_codes[i, j] = code("i" + value)
    return Prepared(
        [r.key for r in records],
        sorted_,
        name_tf,
        year,
        place,
        place_codes,
        phone,
        phone_code,
        ids,
        id_codes,
        sex,
        rejected,
        name_id,
        names,
        dict(spelt),
        np.asarray(mothers, dtype=np.int64).reshape(n),
        household,
    )


WORKERS = -1  # rapidfuzz's threads for a batch of comparisons: every core


def _jw(x: list[str], y: list[str]) -> np.ndarray:
    return np.asarray(cpdist(x, y, scorer=JaroWinkler.normalized_similarity, workers=WORKERS))


def _names_similarity(left: Sequence[tuple[str, ...]], right: Sequence[tuple[str, ...]]) -> np.ndarray:
    """Jaro–Winkler of pairs of folded names (tuples of words), the best arrangement. The words are run
    together, one side's in each rotation of their order (the family name first or last, whether the given
    name is one word or two: "Ouk Chansophea", "Chan Sophea Ouk"), and read from both ends (the strings
    reversed letter by letter), the weaker reading deciding, since a shared family name makes the start of
    two siblings' names agree, not their ends. For two names of two words each, word against word, the weaker
    pair of words deciding (the given names of two sisters differ even where "Srey" and the family name
    agree)."""
    if not left:
        return np.empty(0)
    value = np.zeros(len(left))
    two = np.array([len(x) == 2 and len(y) == 2 for x, y in zip(left, right, strict=True)], dtype=bool)
    if two.any():
        at = np.nonzero(two)[0]
        f1, l1 = [left[i][0] for i in at], [left[i][1] for i in at]
        f2, l2 = [right[i][0] for i in at], [right[i][1] for i in at]
        value[at] = np.maximum(np.minimum(_jw(f1, f2), _jw(l1, l2)), np.minimum(_jw(f1, l2), _jw(l1, f2)))
    rest = np.nonzero(~two)[0]
    if len(rest):
        ours, theirs = [left[i] for i in rest], [right[i] for i in rest]
        best = np.zeros(len(rest))
        # either side's words rotated against the other's as typed: the same whichever side is which
        for fixed, turning in ((ours, theirs), (theirs, ours)):
            joined = ["".join(t) for t in fixed]
            back = [s[::-1] for s in joined]
            for turn in range(max(len(t) for t in turning)):
                rotated = ["".join(t[turn % len(t) :] + t[: turn % len(t)]) for t in turning]
                best = np.maximum(best, np.minimum(_jw(joined, rotated), _jw(back, [s[::-1] for s in rotated])))
        value[rest] = best
    result: np.ndarray = value
    return result


def _interned_similarity(prep: Prepared, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """As name_similarity within one Prepared: each distinct pair of names compared once (the measure is
    symmetric), the best over the scripts of both sides."""
    return _similarity_of_ids(prep, [prep.name_id[0][a], prep.name_id[1][a]], [prep.name_id[0][b], prep.name_id[1][b]])


def _similarity_of_ids(prep: Prepared, left: list[np.ndarray], right: list[np.ndarray]) -> np.ndarray:
    """Per pair, the best similarity of the names (indices into prep.names, -1 none) of `left` and `right`,
    each distinct pair of names compared once; -1 where a side has none."""
    best = np.full(len(left[0]), -1.0)
    size = max(len(prep.names), 1)
    codes, where = [], []
    for ia in left:
        for ib in right:
            idx = np.nonzero((ia >= 0) & (ib >= 0))[0]
            low, high = np.minimum(ia[idx], ib[idx]), np.maximum(ia[idx], ib[idx])
            codes.append(low * size + high)
            where.append(idx)
    if not codes:
        return best
    code = np.concatenate(codes)
    at = np.concatenate(where)
    if len(code) == 0:
        return best
    unique, inverse = np.unique(code, return_inverse=True)
    low, high = unique // size, unique % size
    sims = np.ones(len(unique))
    differ = np.nonzero(low != high)[0]
    sims[differ] = _names_similarity([prep.names[i] for i in low[differ]], [prep.names[i] for i in high[differ]])
    np.maximum.at(best, at, sims[inverse])
    return best


def name_similarity(prep: Prepared, a: np.ndarray, b: np.ndarray, prep_b: Prepared | None = None) -> np.ndarray:
    """The best Jaro–Winkler similarity of the pairs' names over scripts and arrangements (`_names_similarity`);
    -1 where a side has no name. With `prep_b`, b indexes that other set of records."""
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    if prep_b is None:
        return _interned_similarity(prep, a, b)
    best = np.full(len(a), -1.0)
    for sa in (0, 1):
        for sb in (0, 1):
            ia, ib = prep.name_id[sa][a], prep_b.name_id[sb][b]
            idx = np.nonzero((ia >= 0) & (ib >= 0))[0]
            if len(idx):
                value = _names_similarity([prep.names[i] for i in ia[idx]], [prep_b.names[i] for i in ib[idx]])
                best[idx] = np.maximum(best[idx], value)
    return best


def _place_level(x: str, y: str) -> int:
    if len(x) < 2 or len(y) < 2:
        return NULL
    if len(x) == 8 and x == y:
        return 0
    for level, width in ((1, 6), (2, 4), (3, 2)):
        if len(x) >= width and len(y) >= width and x[:width] == y[:width]:
            return level
    return 4


def mother_similarity(prep: Prepared, a: np.ndarray, b: np.ndarray, prep_b: Prepared | None = None) -> np.ndarray:
    """Jaro–Winkler of the mothers' names (best arrangement), -1 where a side has none."""
    if prep_b is None:
        return _similarity_of_ids(prep, [prep.mother_id[a]], [prep.mother_id[b]])
    ia, ib = prep.mother_id[a], prep_b.mother_id[b]
    out = np.full(len(a), -1.0)
    idx = np.nonzero((ia >= 0) & (ib >= 0))[0]
    if len(idx):
        out[idx] = _names_similarity([prep.names[i] for i in ia[idx]], [prep_b.names[i] for i in ib[idx]])
    return out


def _mother_level(sim: np.ndarray) -> np.ndarray:
    level = np.full(len(sim), len(MOTHER_THRESHOLDS), dtype=np.int8)
    for i in reversed(range(len(MOTHER_THRESHOLDS))):
        level[sim >= MOTHER_THRESHOLDS[i] - 1e-9] = i
    level[sim < 0] = NULL
    return level


def household_level(ha: np.ndarray, hb: np.ndarray) -> np.ndarray:
    """Levels of the household comparison for pairs of rows of members' codes (0 padding)."""
    common = np.zeros(len(ha), dtype=np.int64)
    for i in range(ha.shape[1]):
        col = ha[:, i : i + 1]
        common += ((hb == col) & (col != 0)).any(axis=1)
    level = np.where(common >= 2, 0, np.where(common == 1, 1, 2)).astype(np.int8)
    level[(ha[:, 0] == 0) | (hb[:, 0] == 0)] = NULL
    return level


def _name_level(sim: np.ndarray) -> np.ndarray:
    level = np.full(len(sim), len(NAME_THRESHOLDS), dtype=np.int8)
    for i in reversed(range(len(NAME_THRESHOLDS))):
        level[sim >= NAME_THRESHOLDS[i] - 1e-9] = i
    level[sim < 0] = NULL
    return level


def compare(prep: Prepared, a: np.ndarray, b: np.ndarray, prep_b: Prepared | None = None) -> np.ndarray:
    """Levels (pairs × comparisons, int8, NULL where a side lacks the value) for the pairs (a[i], b[i]);
    with `prep_b`, b indexes that other set of records."""
    other = prep_b or prep
    out = np.empty((len(a), len(COMPARISONS)), dtype=np.int8)
    out[:, 0] = _name_level(name_similarity(prep, a, b, prep_b))
    ya, yb = prep.year[a], other.year[b]
    diff = np.abs(ya - yb)
    year = np.select([diff == 0, diff == 1, diff == 2], [0, 1, 2], 3)
    year[(ya == -9999) | (yb == -9999)] = NULL
    out[:, 1] = year
    # codes are only comparable within one Prepared: across two, compare the strings
    if prep_b is None:
        pa, pb = prep.place_codes[a], prep.place_codes[b]
        place = np.full(len(a), 4, dtype=np.int8)
        for level, column in ((3, 0), (2, 1), (1, 2), (0, 3)):
            place[(pa[:, column] == pb[:, column]) & (pa[:, column] != 0)] = level
        place[(pa[:, 0] == 0) | (pb[:, 0] == 0)] = NULL
        pha, phb = prep.phone_code[a], prep.phone_code[b]
        phone = np.where(pha == phb, 0, 1).astype(np.int8)
        phone[(pha == 0) | (phb == 0)] = NULL
        ia, ib = prep.id_codes[a], prep.id_codes[b]
        same = np.zeros(len(a), dtype=bool)
        for x in (0, 1):
            for y in (0, 1):
                same |= (ia[:, x] == ib[:, y]) & (ia[:, x] != 0)
        id_level = np.where(same, 0, 1).astype(np.int8)
        id_level[(ia[:, 0] == 0) | (ib[:, 0] == 0)] = NULL
    else:
        place = np.array([_place_level(x, y) for x, y in zip(prep.place[a], other.place[b], strict=True)], np.int8)
        phone = np.array(
            [NULL if not x or not y else int(x != y) for x, y in zip(prep.phone[a], other.phone[b], strict=True)],
            np.int8,
        )
        id_level = np.array(
            [
                NULL if not prep.ids[x] or not other.ids[y] else (0 if set(prep.ids[x]) & set(other.ids[y]) else 1)
                for x, y in zip(a, b, strict=True)
            ],
            np.int8,
        )
    out[:, 2] = place
    out[:, 3] = phone
    out[:, 4] = id_level
    sa, sb = prep.sex[a], other.sex[b]
    sex = np.where(sa == sb, 0, 1).astype(np.int8)
    sex[(sa == "") | (sb == "")] = NULL
    out[:, 5] = sex
    out[:, 6] = _mother_level(mother_similarity(prep, a, b, prep_b))
    out[:, 7] = household_level(prep.household[a], other.household[b])
    return out


# ---------------------------------------------------------------- blocking

BLOCK_CAP = 400  # a block with more records than this pairs nothing (other keys still pair its records)


_KIND = 1 << 56  # block codes: the kind of key in the high bits, its value below


def _intern(values: Iterable[str], index: dict[str, int]) -> np.ndarray:
    return np.array([index.setdefault(v, len(index)) for v in values], dtype=np.int64)


def block_codes(prep: Prepared) -> tuple[np.ndarray, np.ndarray]:
    """The blocking keys of every record as (key code, record) rows: the first and last three letters of the
    folded name run together, in the order typed and reversed (so a swapped order still meets), with the
    birth year or a year either side (two records at most two years apart share one; an unknown year is a
    year of its own); each name word with the commune; the phone; each ID number; each relative's name (the
    mother's, a household member's) with the province."""
    n = len(prep)
    rows_key: list[np.ndarray] = []
    rows_record: list[np.ndarray] = []
    records = np.arange(n, dtype=np.int64)
    # the name's ends, per distinct name
    ends: dict[str, int] = {}
    forward = _intern((("".join(t))[:3] + ("".join(t))[-3:] for t in prep.names), ends)
    backward = _intern((("".join(reversed(t)))[:3] + ("".join(reversed(t)))[-3:] for t in prep.names), ends)
    year = prep.year.astype(np.int64)
    known = year != -9999
    for script in (0, 1):
        nid = prep.name_id[script]
        has = nid >= 0
        for table in (forward, backward):
            end = table[nid[has]] * 8192
            y = year[has]
            k = known[has]
            for offset in (-1, 0, 1):
                rows_key.append(_KIND * 1 + end[k] + (y[k] + offset - 1000))
                rows_record.append(records[has][k])
            rows_key.append(_KIND * 1 + end[~k] + 8191)
            rows_record.append(records[has][~k])
    # the name's ends with the province, whatever the birth years: a person who moved commune and whose age
    # was only estimated on one registration still meets the other
    provinces, province = np.unique(prep.place_codes[:, 0], return_inverse=True)
    province = province.reshape(n)
    for script in (0, 1):
        nid = prep.name_id[script]
        at = np.nonzero((nid >= 0) & (prep.place_codes[:, 0] != 0))[0]
        for table in (forward, backward):
            rows_key.append(_KIND * 6 + table[nid[at]] * len(provinces) + province[at])
            rows_record.append(at)
    # each word of either script's name with the commune
    words: dict[str, int] = {}
    word_ids = [_intern(t, words) for t in prep.names]
    communes: dict[str, int] = {}
    commune = _intern((p[:6] for p in prep.place.tolist()), communes)
    has_commune = prep.place != ""
    for script in (0, 1):
        nid = prep.name_id[script]
        at = np.nonzero((nid >= 0) & has_commune)[0]
        if len(at) == 0:
            continue
        lengths = np.array([len(word_ids[i]) for i in nid[at]], dtype=np.int64)
        flat = np.concatenate([word_ids[i] for i in nid[at]])
        rows_key.append(_KIND * 2 + flat * (len(communes) + 1) + np.repeat(commune[at], lengths))
        rows_record.append(np.repeat(at, lengths))
    has_phone = prep.phone_code > 0
    rows_key.append(_KIND * 3 + prep.phone_code[has_phone])
    rows_record.append(records[has_phone])
    id_values: dict[str, int] = {}
    id_rows = [(i, id_values.setdefault(v, len(id_values))) for i, values in enumerate(prep.ids) for v in values]
    if id_rows:
        pairs = np.array(id_rows, dtype=np.int64)
        rows_key.append(_KIND * 4 + pairs[:, 1])
        rows_record.append(pairs[:, 0])
    # a relative's name (the mother's, or a household member's) with the province: a person who moved commune
    # and whose birth year is unknown on one registration still meets the other through the family
    family_record, family_code = _family_names(prep)
    province = prep.place_codes[family_record, 0] if len(family_record) else np.empty(0, dtype=np.int64)
    known_province = province != 0
    if known_province.any():
        both = np.stack([family_code[known_province], province[known_province]], axis=1)
        _values, family_key = np.unique(both, axis=0, return_inverse=True)
        rows_key.append(_KIND * 5 + family_key.reshape(-1).astype(np.int64))
        rows_record.append(family_record[known_province])
    key = np.concatenate(rows_key) if rows_key else np.empty(0, dtype=np.int64)
    record = np.concatenate(rows_record) if rows_record else np.empty(0, dtype=np.int64)
    # one row per (key, record): both scripts may give a record the same key
    unique = np.unique(np.stack([key, record], axis=1), axis=0) if len(key) else np.empty((0, 2), dtype=np.int64)
    return unique[:, 0], unique[:, 1]


def _family_names(prep: Prepared) -> tuple[np.ndarray, np.ndarray]:
    """(record, name code) rows of the relatives' names each record carries: its household's other members
    and its mother (one code space: a mother named on one registration meets her name in the other's
    household)."""
    at, column = np.nonzero(prep.household != 0)
    member = prep.household[at, column]
    has_mother = np.nonzero(prep.mother_id >= 0)[0]
    mother_code = np.array(
        [name_code(" ".join(sorted(prep.names[i]))) for i in prep.mother_id[has_mother].tolist()], dtype=np.int64
    ).reshape(len(has_mother))
    return np.concatenate([at.astype(np.int64), has_mother]), np.concatenate([member, mother_code])


def candidate_pairs(prep: Prepared, *, cap: int = BLOCK_CAP) -> tuple[np.ndarray, np.ndarray]:
    """Each pair of records sharing a block, once (a < b)."""
    key, record = block_codes(prep)
    if len(key) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    _values, block = np.unique(key, return_inverse=True)
    return _pairs_from_blocks(block.astype(np.int64).reshape(-1), record, cap)


def _pairs_from_blocks(block: np.ndarray, record: np.ndarray, cap: int) -> tuple[np.ndarray, np.ndarray]:
    if len(block) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    order = np.argsort(block, kind="stable")
    block, record = block[order], record[order]
    starts = np.r_[0, np.nonzero(np.diff(block))[0] + 1]
    sizes = np.diff(np.r_[starts, len(block)])
    ends = np.repeat(starts + sizes, sizes)
    position = np.arange(len(block))
    counts = ends - position - 1
    counts[np.repeat(sizes > cap, sizes)] = 0
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    left = np.repeat(position, counts)
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts) + 1
    right = left + offsets
    a, b = record[left], record[right]
    low, high = np.minimum(a, b), np.maximum(a, b)
    keep = low != high
    n = int(record.max()) + 1
    codes = np.unique(low[keep] * n + high[keep])
    return codes // n, codes % n


# ---------------------------------------------------------------- the Fellegi–Sunter model

TF_LEVELS = (0, 1, 2, 3)
# Under this many people a name's frequency cannot be told from chance (two people of eight both "Sok Chantha"
# say nothing about how common the name is): no term-frequency adjustment, the average name's weight.
TF_MIN_PEOPLE = 1000  # the name levels the term-frequency adjustment applies to (all but "differs")


@dataclass
class Model:
    """m and u per comparison level, and the probability that two records taken at random are the same
    person (`prior`)."""

    m: dict[str, list[float]]
    u: dict[str, list[float]]
    prior: float
    threshold: float = 0.5  # the match probability from which a pair is proposed
    trained_on: dict[str, Any] = field(default_factory=dict)
    spellings: dict[str, str] = field(default_factory=dict)  # learn_spellings() of the set it was estimated on

    def weights(self) -> np.ndarray:
        """log2(m/u): comparisons × levels (padded with 0)."""
        width = max(len(levels) for levels in COMPARISONS.values())
        out = np.zeros((len(COMPARISONS), width + 1))  # the last column is NULL's (index -1): weight 0
        for k, name in enumerate(COMPARISONS):
            if name not in self.m or name not in self.u:
                continue  # a model estimated before this comparison existed: it weighs nothing
            for level, (m, u) in enumerate(zip(self.m[name], self.u[name], strict=True)):
                out[k, level] = math.log2(m / u)
        return out

    def match_weight(self, levels: np.ndarray, name_tf: np.ndarray | None = None) -> np.ndarray:
        """With `name_tf` (per pair: how common the more common of the two names is), a name that agrees
        weighs by its own frequency instead of the average name's (Splink's term-frequency adjustment, both
        ways, on every level where the names agree, exactly or closely): two "Sok Sreymom" agree less
        tellingly than two "Ouk Sovannary"."""
        table = self.weights()
        total = np.full(len(levels), math.log2(self.prior / (1 - self.prior)))
        for k in range(levels.shape[1]):
            total += table[k, levels[:, k]]
        if name_tf is not None:
            total += self.tf_adjustment(levels, name_tf)
        return total

    def tf_adjustment(self, levels: np.ndarray, name_tf: np.ndarray) -> np.ndarray:
        """log2(u_exact / tf) where the names agree at a level of TF_LEVELS, 0 elsewhere."""
        u0 = self.u["name"][0]
        out = np.zeros(len(levels))
        agree = np.isin(levels[:, 0], TF_LEVELS) & (name_tf > 0)
        out[agree] = np.log2(u0 / name_tf[agree])
        return out

    def probability(self, levels: np.ndarray, name_tf: np.ndarray | None = None) -> np.ndarray:
        result: np.ndarray = 1.0 / (1.0 + np.power(2.0, -self.match_weight(levels, name_tf)))
        return result

    def explain(self, levels: Sequence[int], name_tf: float | None = None) -> list[Evidence]:
        """Each comparison's level and the weight it adds, strongest first (those that could not be made
        are left out); with `name_tf`, the name's weight is its own (the term-frequency adjustment)."""
        table = self.weights()
        adjust = 0.0
        if name_tf is not None:
            adjust = float(self.tf_adjustment(np.array([list(levels)], dtype=np.int8), np.array([name_tf]))[0])
        evidence = [
            Evidence(name, COMPARISONS[name][level], round(float(table[k, level]) + (adjust if k == 0 else 0.0), 2))
            for k, (name, level) in enumerate(zip(COMPARISONS, levels, strict=True))
            if level != NULL
        ]
        return sorted(evidence, key=lambda e: -abs(e.weight))

    def for_population(self, records: int) -> Model:
        """The model for a set of `records` records: the prior is per pair of records, so it is rescaled
        to keep the expected number of matches of one record (prior × (records - 1) of the set it was
        estimated on)."""
        trained = int(self.trained_on.get("records", 0) or 0)
        if trained <= 1 or records <= 1:
            return self
        per_record = self.prior * (trained - 1)
        prior = min(max(per_record / (records - 1), 1e-12), 0.5)
        return Model(self.m, self.u, prior, self.threshold, {**self.trained_on, "records": records}, self.spellings)

    def to_json(self) -> str:
        return json.dumps(
            {
                "m": self.m,
                "u": self.u,
                "prior": self.prior,
                "threshold": self.threshold,
                "trained_on": self.trained_on,
                "spellings": self.spellings,
            },
            indent=1,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> Model:
        data = json.loads(text)
        return cls(
            data["m"],
            data["u"],
            data["prior"],
            data.get("threshold", 0.5),
            data.get("trained_on", {}),
            data.get("spellings", {}),
        )


@dataclass(frozen=True)
class Evidence:
    comparison: str  # "name", "birth_year", ...
    level: str  # "name_exact", "year_1", ...
    weight: float  # log2(m/u): positive for a match, negative against


DEFAULT_MODEL_PATH = Path(__file__).with_name("default_model.json")


def default_model() -> Model:
    """The model estimated on the synthetic evaluation set (bench/matching.py --save-model)."""
    return Model.from_json(DEFAULT_MODEL_PATH.read_text())


def estimate_u(prep: Prepared, *, samples: int = 200_000, seed: int = 1) -> dict[str, list[float]]:
    """u: the share of each level among random pairs (nearly all different people), smoothed."""
    n = len(prep)
    rng = np.random.default_rng(seed)
    a = rng.integers(0, n, samples)
    b = rng.integers(0, n, samples)
    keep = a != b
    levels = compare(prep, a[keep], b[keep])
    u = _shares(levels, smoothing=1.0)
    # A family shares a phone, a household its village: random pairs of strangers say too little about
    # how often different people agree on them. One in a thousand is the floor.
    for name in ("phone", "place"):
        u[name][0] = max(u[name][0], U_FLOOR)
    return u


U_FLOOR = 1e-3


def _shares(levels: np.ndarray, weights: np.ndarray | None = None, smoothing: float = 0.5) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for k, (name, names) in enumerate(COMPARISONS.items()):
        col = levels[:, k]
        counts = np.array(
            [
                (weights[col == level].sum() if weights is not None else (col == level).sum())
                for level in range(len(names))
            ],
            dtype=float,
        )
        counts += smoothing
        out[name] = [float(c) for c in counts / counts.sum()]
    return out


DETERMINISTIC_RECALL = 0.6  # the share of true pairs the deterministic rules below are taken to find


def estimate_prior(levels: np.ndarray, records: int) -> float:
    """The probability that two records taken at random are the same person, as Splink estimates it: the
    candidate pairs that deterministic rules accept (same ID number; or the same name, birth year and commune;
    or the same phone and a name that agrees closely), divided by the rules' assumed recall, over all pairs of
    records. u comes from random pairs, so the prior must be that of random pairs too (not of the blocked
    candidates, which are similar by construction)."""
    name, year, place, phone, id_number = (levels[:, k] for k in range(5))
    sure = (
        (id_number == 0)
        | ((name == 0) & (year == 0) & (place >= 0) & (place <= 1))
        | ((phone == 0) & (name >= 0) & (name <= 1))
    )
    all_pairs = max(records * (records - 1) / 2, 1)
    return min(max(float(sure.sum()) / DETERMINISTIC_RECALL / all_pairs, 1e-9), 0.5)


def refine_prior(model: Model, levels: np.ndarray, name_tf: np.ndarray, records: int, iterations: int = 30) -> float:
    """The prior estimated from the candidate pairs themselves, with m and u fixed: the expected number of
    true pairs among them (the sum of their match probabilities) over all pairs of records, repeated until it
    settles (EM on the prior alone). Blocking keeps nearly every true pair, so the candidates' expected matches
    are the set's; the deterministic rules' figure (estimate_prior, with its assumed recall) is the start."""
    all_pairs = max(records * (records - 1) / 2, 1)
    prior = model.prior
    for _ in range(iterations):
        expected = float(Model(model.m, model.u, prior).probability(levels, name_tf).sum())
        new = min(max(expected / all_pairs, 1e-12), 0.5)
        if abs(new - prior) <= 1e-4 * prior:
            return new
        prior = new
    return prior


def pairs_on(prep: Prepared, rule: str, *, cap: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """Pairs sharing a training block: "name" (the folded name, words sorted, in either script),
    "contact" (phone or ID number) or "year_commune" (birth year and commune both)."""
    block_of: list[int] = []
    record_of: list[int] = []
    key_ids: dict[str, int] = {}
    for i in range(len(prep)):
        if rule == "name":
            keys = {prep.sorted_[s][i] for s in (0, 1) if prep.sorted_[s][i]}
        elif rule == "id":
            keys = {f"i{value}" for value in prep.ids[i]}
        elif rule == "contact":
            keys = {f"t{prep.phone[i]}"} if prep.phone[i] else set()
            keys |= {f"i{value}" for value in prep.ids[i]}
        else:
            commune = prep.place[i][:6]
            keys = {f"{prep.year[i]}:{commune}"} if commune and prep.year[i] != -9999 else set()
        for key in keys:
            block_of.append(key_ids.setdefault(key, len(key_ids)))
            record_of.append(i)
    return _pairs_from_blocks(np.asarray(block_of, dtype=np.int64), np.asarray(record_of, dtype=np.int64), cap)


def _em_session(
    levels: np.ndarray,
    u: dict[str, list[float]],
    m: dict[str, list[float]],
    ignore: set[str],
    iterations: int,
    fixed: frozenset[str] = frozenset(),
) -> dict[str, list[float]]:
    """EM over one training block's pairs: the comparisons in `ignore` (those the block fixes) weigh nothing
    and keep their m; those in `fixed` weigh with the m given; the others' m are re-estimated from the
    pairs, and the share of matches among them with it."""
    levels = levels.copy()
    for k, name in enumerate(COMPARISONS):
        if name in ignore:
            levels[:, k] = NULL
    if len(levels) == 0:
        return m
    patterns, counts = np.unique(levels, axis=0, return_counts=True)
    prior = 0.05
    for _ in range(iterations):
        p = Model(m, u, prior).probability(patterns)
        expected = p * counts
        prior = min(max(float(expected.sum() / counts.sum()), 1e-6), 1 - 1e-6)
        new_m = _shares(patterns, weights=expected, smoothing=0.01)
        new_m = {name: (m[name] if name in ignore or name in fixed else new_m[name]) for name in COMPARISONS}
        change = sum(abs(x - y) for name in m for x, y in zip(m[name], new_m[name], strict=True))
        m = new_m
        if change < 1e-7:
            break
    return m


MIN_ID_PAIRS = 50


def estimate(
    prep: Prepared,
    pairs: tuple[np.ndarray, np.ndarray] | None = None,
    *,
    u_samples: int = 200_000,
    iterations: int = 40,
    seed: int = 1,
    levels: np.ndarray | None = None,
) -> Model:
    """Estimate the model as Splink does: u from random pairs; m by EM in two training sessions, each on pairs
    blocked on some comparisons and estimating only the others (blocked on birth year and commune, it learns
    how names, phones and IDs of true pairs agree; blocked on the name, how birth years and places do); the
    prior (the probability that two random records match) from deterministic rules."""
    if pairs is None:
        pairs = candidate_pairs(prep)
    u = estimate_u(prep, samples=u_samples, seed=seed)
    m = {
        name: [0.7 if i == 0 else 0.3 / (len(names) - 1) for i in range(len(names))]
        for name, names in COMPARISONS.items()
    }
    by_place = _em_session(compare(prep, *pairs_on(prep, "year_commune")), u, m, {"birth_year", "place"}, iterations)
    # among people sharing a phone or an ID number (families share a phone), the name (as the first session
    # learnt it) tells the true pairs apart: estimate birth year and place from them
    learnt = ("name", "sex", "mother", "household")
    by_name = _em_session(
        compare(prep, *pairs_on(prep, "contact")),
        u,
        {**m, **{k: by_place[k] for k in learnt}},
        {"phone", "id_number"},
        iterations,
        fixed=frozenset(learnt),
    )
    fitted = {
        "birth_year": by_name["birth_year"],
        "place": by_name["place"],
        **{name: by_place[name] for name in ("name", "phone", "id_number", *learnt)},
    }
    # people sharing an ID card or passport number are nearly always one person: where there are enough
    # such pairs, they say best how a true pair's name, birth year, place and phone agree
    id_pairs = pairs_on(prep, "id")
    if len(id_pairs[0]) >= MIN_ID_PAIRS:
        by_id = _em_session(compare(prep, *id_pairs), u, fitted, {"id_number"}, iterations)
        fitted = {**by_id, "id_number": fitted["id_number"]}
    # `levels`: the candidate pairs' levels when the caller has them already (they are compared once)
    if levels is None:
        levels = compare(prep, *pairs)
    prior = estimate_prior(levels, len(prep))
    prior = refine_prior(Model(fitted, u, prior), levels, pair_name_tf(prep, *pairs), len(prep))
    trained_on = {"records": len(prep), "candidate_pairs": len(pairs[0])}
    return Model(fitted, u, prior, trained_on=trained_on, spellings=dict(prep.spellings))


# ---------------------------------------------------------------- results


def pair_name_tf(prep: Prepared, a: np.ndarray, b: np.ndarray, prep_b: Prepared | None = None) -> np.ndarray:
    """Per pair, how common the more common of the two names is (for the term-frequency adjustment)."""
    result: np.ndarray = np.maximum(prep.name_tf[a], (prep_b or prep).name_tf[b])
    return result


@dataclass(frozen=True)
class Match:
    a: str  # record keys
    b: str
    probability: float
    weight: float
    evidence: tuple[Evidence, ...]


def link(
    records: Sequence[Record], model: Model | None = None, *, threshold: float | None = None
) -> tuple[list[Match], Prepared]:
    """Every likely pair among the records (probability >= threshold, `choose`), best first."""
    model = model or default_model()
    threshold = model.threshold if threshold is None else threshold
    prep = prepare(records, model.spellings)
    a, b = candidate_pairs(prep)
    levels = compare(prep, a, b)
    tf = pair_name_tf(prep, a, b)
    probability = model.probability(levels, tf)
    weight = model.match_weight(levels, tf)
    chosen = choose(probability, levels, a, b, threshold)
    return [
        Match(
            prep.keys[a[i]],
            prep.keys[b[i]],
            float(probability[i]),
            float(weight[i]),
            tuple(model.explain(levels[i].tolist(), float(tf[i]))),
        )
        for i in chosen
    ], prep


@dataclass(frozen=True)
class NameFrequencies:
    """How many people bear each name (folded words, sorted, space-joined, as `prepare` reads them with the
    same spellings) among `total` people: the term frequencies of the batch check, kept to score one
    registration at a time with the same weights."""

    counts: dict[str, int]
    total: int
    spellings: dict[str, str] = field(default_factory=dict)

    def of(self, prep: Prepared) -> np.ndarray:
        """Per record of `prep`, its name's share (the less common of its scripts' forms, as `prepare`); a
        name nobody bears yet counts as one person's (the one being registered); 0 without a name."""
        out = np.zeros(len(prep))
        if self.total < max(TF_MIN_PEOPLE, 1):
            return out
        for i in range(len(prep)):
            counts = [max(self.counts.get(prep.sorted_[s][i], 0), 1) for s in (0, 1) if prep.sorted_[s][i]]
            if counts:
                out[i] = min(min(counts) / self.total, 1.0)
        return out


def name_frequencies(names: Iterable[tuple[str, str, int]], spellings: dict[str, str] | None = None) -> NameFrequencies:
    """The frequencies of names from (Khmer name, Latin name, number of people) rows (e.g. a grouped count of
    the identities); a person whose two scripts give the same form counts once, as in `prepare`."""
    spelt = spellings or {}
    counts: dict[str, int] = {}
    total = 0
    seen: dict[str, str] = {}

    def form(name: str) -> str:
        if not name:
            return ""
        if name not in seen:
            folded = folded_words(name)
            seen[name] = " ".join(sorted(_respelt(folded, spelt) if spelt and folded else folded))
        return seen[name]

    for name_km, name_latin, people in names:
        total += people
        for value in {form(name_km or ""), form(name_latin or "")} - {""}:
            counts[value] = counts.get(value, 0) + people
    return NameFrequencies(counts, total, dict(spelt))


def match_one(
    query: Record,
    candidates: Sequence[Record],
    model: Model | None = None,
    *,
    threshold: float | None = None,
    frequencies: NameFrequencies | None = None,
) -> list[Match]:
    """The candidates likely to be the query's person, best first (no blocking: the caller chose them). With
    `frequencies` (name_frequencies of the population, read with the model's spellings), a name weighs by its
    own frequency as in the batch check (`link`, `pair_name_tf`)."""
    model = model or default_model()
    threshold = model.threshold if threshold is None else threshold
    if not candidates:
        return []
    left = prepare([query], model.spellings)
    right = prepare(candidates, model.spellings)
    a = np.zeros(len(candidates), dtype=np.int64)
    b = np.arange(len(candidates), dtype=np.int64)
    levels = compare(left, a, b, right)
    # The model's prior is that of two random records of the set it was estimated on; here the question is
    # whether one of these candidates is the query's person: spread the expected number of matches of one
    # record (prior × (records - 1) of that set) over the candidates.
    local = model.for_population(len(candidates) + 1)
    tf = None
    if frequencies is not None:
        tf = np.maximum(frequencies.of(left)[a], frequencies.of(right)[b])
    probability = local.probability(levels, tf)
    weight = local.match_weight(levels, tf)
    keep = plausible(levels)
    order = np.argsort(-probability, kind="stable")
    return [
        Match(
            query.key,
            right.keys[i],
            float(probability[i]),
            float(weight[i]),
            tuple(local.explain(levels[i].tolist(), None if tf is None else float(tf[i]))),
        )
        for i in order
        if probability[i] >= threshold and keep[i]
    ]


def plausible(levels: np.ndarray) -> np.ndarray:
    """Pairs worth proposing at all: the names at least somewhat alike (or one side without a name), or the
    same ID or passport number. Agreeing on village, birth year and phone alone describes a family, not one
    person; the weights, which assume the comparisons independent, would otherwise propose siblings."""
    name = levels[:, 0]
    result: np.ndarray = ((name >= 0) & (name <= 3)) | (name == NULL) | (levels[:, 4] == 0)
    return result


SURE = 0.95  # from this match probability a pair is proposed whatever else its records' candidates say


def choose(probability: np.ndarray, levels: np.ndarray, a: np.ndarray, b: np.ndarray, threshold: float) -> np.ndarray:
    """The candidate pairs to propose in a check of many people, best first: those at least `threshold` likely
    and `plausible`, except that a pair below SURE gives way to a likelier candidate of either of its records.
    When x's likeliest candidate is w, not y, the pair (x, y) is kept only if w and y are themselves a likely
    pair: the three records hang together (one person registered three times); otherwise y is more likely
    x's namesake than x's own registration. The check of one person (`match_one`) lists every likely
    candidate. Competition happens among the pairs given: leave out (probability 0) a pair people have said
    are two."""
    p = np.where(plausible(levels), probability, 0.0)
    if len(p) == 0:
        return np.empty(0, dtype=np.int64)
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    # per record, its likeliest candidate
    ends, others, both = np.concatenate([a, b]), np.concatenate([b, a]), np.concatenate([p, p])
    order = np.lexsort((-both, ends))
    first = order[np.r_[True, ends[order][1:] != ends[order][:-1]]]
    size = int(ends.max()) + 1
    best, best_of = np.zeros(size), np.full(size, -1, dtype=np.int64)
    best[ends[first]], best_of[ends[first]] = both[first], others[first]
    chosen = np.nonzero(p >= threshold)[0]
    likely = {(min(x, y), max(x, y)) for x, y in zip(a[chosen].tolist(), b[chosen].tolist(), strict=True)}
    keep = [
        i
        for i, x, y in zip(chosen.tolist(), a[chosen].tolist(), b[chosen].tolist(), strict=True)
        if p[i] >= SURE
        or all(
            p[i] >= best[u] or (min(w, v), max(w, v)) in likely
            for u, v, w in ((x, y, int(best_of[x])), (y, x, int(best_of[y])))
        )
    ]
    kept = np.asarray(keep, dtype=np.int64)
    result: np.ndarray = kept[np.argsort(-p[kept], kind="stable")]
    return result


def clusters(pairs: Iterable[tuple[str, str]]) -> list[list[str]]:
    """Connected groups of the pairs (union-find), largest first; each group's keys sorted."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for x, y in pairs:
        rx, ry = find(x), find(y)
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)
    groups: dict[str, list[str]] = {}
    for x in parent:
        groups.setdefault(find(x), []).append(x)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: (-len(g), g))
