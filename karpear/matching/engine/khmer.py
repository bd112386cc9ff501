"""Khmer names for matching: words, a Khmer-to-Latin romanisation, and a folding of romanised spellings.

Pure functions, no Django. Built on core's name normalisation (`karpear.core.text`): NFC, invisible characters
resolved, each syllable's marks in one canonical order, COENG DA read as COENG TA (DOMAIN §6). A zero-width
space (or ZWNJ between syllables) is a word boundary, as core's `words()` reads it.

Romanisation. Khmer consonants belong to two series (a- and o-series) and each dependent vowel is read
according to the series of the consonant it sits on; a MUUSIKATOAN (៉) or TRIISAP (៊) moves a consonant to the
other series. The table below gives, for each letter, the spelling that Cambodian names are most often written
with in Latin script (the "popular" spellings on ID cards and passports, close to UNGEGN without diacritics:
Sok, Chantha/Chanthea, Srey, Sophea/Sopheap). Where the popular spelling varies by series (ា is "a" on an
a-series consonant, "ea" on an o-series one), the table says so. The other variants (Chanthea/Chantha,
Srey/Srei, Pov/Pauv, Sok/Sokh) are brought together by `fold`, which both sides of a comparison go through.

Syllables. A consonant carrying a subscript in the middle of a word closes the syllable before it and the
subscript starts the next (ចន្ធូ = chan·thou); at the start of a word it is a cluster (ស្រី = srey). A bare
consonant (no vowel) at the end of a word, or after a syllable with a written vowel and before another
syllable, closes the syllable before it (សុខ = sok, វាសនា = veas·na); otherwise it is a syllable with the
inherent vowel (រតនា = ra·ta·na). This is a heuristic, as any Khmer romanisation without a dictionary is.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from karpear.core.text import has_khmer, khmer_canonical, words

# ---------------------------------------------------------------- the table (Khmer-specific)
SERIES_A, SERIES_O = "a", "o"  # the two series

# consonant: (initial, final, series)
CONSONANTS: dict[str, tuple[str, str, str]] = {
    "ក": ("k", "k", SERIES_A),
    "ខ": ("kh", "k", SERIES_A),
    "គ": ("k", "k", SERIES_O),
    "ឃ": ("kh", "k", SERIES_O),
    "ង": ("ng", "ng", SERIES_O),
    "ច": ("ch", "ch", SERIES_A),
    "ឆ": ("chh", "ch", SERIES_A),
    "ជ": ("ch", "ch", SERIES_O),
    "ឈ": ("chh", "ch", SERIES_O),
    "ញ": ("nh", "nh", SERIES_O),
    "ដ": ("d", "t", SERIES_A),
    "ឋ": ("th", "t", SERIES_A),
    "ឌ": ("d", "t", SERIES_O),
    "ឍ": ("th", "t", SERIES_O),
    "ណ": ("n", "n", SERIES_A),
    "ត": ("t", "t", SERIES_A),
    "ថ": ("th", "t", SERIES_A),
    "ទ": ("t", "t", SERIES_O),
    "ធ": ("th", "t", SERIES_O),
    "ន": ("n", "n", SERIES_O),
    "ប": ("b", "p", SERIES_A),
    "ផ": ("ph", "p", SERIES_A),
    "ព": ("p", "p", SERIES_O),
    "ភ": ("ph", "p", SERIES_O),
    "ម": ("m", "m", SERIES_O),
    "យ": ("y", "y", SERIES_O),
    "រ": ("r", "r", SERIES_O),
    "ល": ("l", "l", SERIES_O),
    "វ": ("v", "v", SERIES_O),
    "ឝ": ("s", "s", SERIES_A),
    "ឞ": ("s", "s", SERIES_A),
    "ស": ("s", "s", SERIES_A),
    "ហ": ("h", "h", SERIES_A),
    "ឡ": ("l", "l", SERIES_A),
    "អ": ("", "", SERIES_A),
}

INDEPENDENT_VOWELS = {
    "ឥ": "e",
    "ឦ": "ei",
    "ឧ": "ou",
    "ឨ": "ou",
    "ឩ": "ou",
    "ឪ": "ov",
    "ឫ": "rue",
    "ឬ": "rue",
    "ឭ": "lue",
    "ឮ": "lue",
    "ឯ": "ae",
    "ឰ": "ai",
    "ឱ": "ao",
    "ឲ": "ao",
    "ឳ": "au",
    "\u17a3": "a",  # deprecated letters (write អ), still read
    "\u17a4": "a",
}

# vowel (with its signs, in core's canonical order): (a-series, o-series)
VOWELS: dict[str, tuple[str, str]] = {
    "": ("a", "o"),  # the inherent vowel in a closed syllable (open: "a", see _vowel)
    "ា": ("a", "ea"),
    "ិ": ("e", "i"),
    "ី": ("ey", "i"),
    "ឹ": ("oe", "i"),
    "ឺ": ("eu", "eu"),
    "ុ": ("o", "u"),
    "ូ": ("o", "ou"),
    "ួ": ("uo", "uo"),
    "ើ": ("aeu", "oeu"),
    "ឿ": ("oeu", "oeu"),
    "ៀ": ("ie", "ie"),
    "េ": ("e", "e"),
    "ែ": ("ae", "ae"),
    "ៃ": ("ai", "ey"),
    "ោ": ("ao", "o"),
    "ៅ": ("au", "ov"),
    "ំ": ("am", "um"),
    "ុំ": ("om", "um"),
    "ាំ": ("am", "eam"),
    "ះ": ("ah", "eah"),
    "ិះ": ("eh", "ih"),
    "ុះ": ("oh", "uh"),
    "េះ": ("eh", "eh"),
    "ោះ": ("aoh", "uoh"),
    "ៈ": ("a", "a"),
    "័": ("a", "ea"),
}
_MUUSIKATOAN, _TRIISAP = "\u17c9", "\u17ca"
_BANTOC = "\u17cb"
_SILENT = "\u17cd"  # TOANDAKHIAT: the letter it sits on is not pronounced
_COENG = "\u17d2"
_IGNORED = set("\u17cc\u17ce\u17cf\u17d1\u17d3\u17dd")  # ROBAT and other signs without a sound of their own


# ---------------------------------------------------------------- syllables
class _Syllable:
    __slots__ = ("final", "initial", "series", "vowel")

    def __init__(self, initial: str, series: str) -> None:
        self.initial, self.series, self.vowel, self.final = initial, series, None, ""

    vowel: str | None
    final: str

    def latin(self) -> str:
        if self.vowel is None:  # the inherent vowel: "a" in an open syllable; in a closed one by series
            text = "a"
            if self.final and self.series == SERIES_O:
                text = "ea" if self.final in ("k", "ch") else "o"
        elif self.vowel in INDEPENDENT_VOWELS.values():
            text = self.vowel
        else:
            pair = VOWELS.get(self.vowel, ("", ""))
            text = pair[0] if self.series == SERIES_A else pair[1]
            if self.final and text.endswith("m") and "\u17c6" in self.vowel:  # តាំង = tang, not tamng
                text = text[:-1]
        return self.initial + text + self.final


def _units(word: str) -> list[tuple[str, str]]:
    """The word as (kind, text) units: "C" consonant, "S" subscript consonant, "V" vowel/sign run, "I"
    independent vowel, "X" anything else (Latin letters or digits typed among the Khmer)."""
    units: list[tuple[str, str]] = []
    i = 0
    while i < len(word):
        ch = word[i]
        if ch == _COENG and i + 1 < len(word) and word[i + 1] in CONSONANTS:
            units.append(("S", word[i + 1]))
            i += 2
        elif ch in CONSONANTS:
            units.append(("C", ch))
            i += 1
        elif ch in INDEPENDENT_VOWELS:
            units.append(("I", ch))
            i += 1
        elif "\u17b6" <= ch <= "\u17dd" or ch == _COENG:
            units.append(("V", ch))
            i += 1
        else:
            units.append(("X", ch))
            i += 1
    return units


@lru_cache(maxsize=100_000)
def romanise_word(word: str) -> str:
    """One Khmer word in popular Latin spelling, lower case (`fold` brings the variants together)."""
    word = khmer_canonical(unicodedata.normalize("NFC", word).replace("\u17d2\u178a", "\u17d2\u178f"))
    units = _units(word)
    syllables: list[_Syllable] = []
    out: list[str] = []
    i = 0

    def marks_from(j: int) -> tuple[str, set[str], int]:
        vowel, signs = "", set()
        while j < len(units) and units[j][0] == "V":
            ch = units[j][1]
            if ch in (_MUUSIKATOAN, _TRIISAP, _BANTOC, _SILENT) or ch in _IGNORED or ch == _COENG:
                signs.add(ch)
            else:
                vowel += ch
            j += 1
        return vowel, signs, j

    while i < len(units):
        kind, ch = units[i]
        if kind == "X":
            if ch.isalnum():
                out.append(ch.lower())
            i += 1
            continue
        if kind == "I":
            syllable = _Syllable("", SERIES_A)
            syllable.vowel = INDEPENDENT_VOWELS[ch]
            syllables.append(syllable)
            out.append("")  # placeholder kept in step with syllables
            i += 1
            continue
        if kind == "V":  # a mark with no consonant before it: ignore
            i += 1
            continue
        # a consonant (or a subscript with no base, read as a consonant)
        initial, final, series = CONSONANTS[ch]
        j = i + 1
        subscripts: list[str] = []
        while j < len(units) and units[j][0] == "S":
            subscripts.append(units[j][1])
            j += 1
        vowel, signs, after = marks_from(j)
        previous = syllables[-1] if syllables else None
        open_previous = previous is not None and not previous.final
        at_end = after >= len(units)
        if _SILENT in signs:
            i = after
            continue
        if subscripts and open_previous and previous is not None:
            # mid-word: the consonant closes the syllable before; the subscript starts the next one
            previous.final = final
            if at_end and not vowel:  # a silent subscript at the end (ពេជ្រ = pech)
                i = after
                continue
            ch, subscripts = subscripts[0], subscripts[1:]
            initial, final, series = CONSONANTS[ch]
        elif not vowel and not subscripts and open_previous and previous is not None:
            next_is_bare_last = after < len(units) and units[after][0] == "C" and _is_bare_last(units, after)
            next_has_subscript = after + 1 < len(units) and units[after + 1][0] == "S"
            written_vowel = previous.vowel is not None
            if at_end or _BANTOC in signs or (written_vowel and not next_is_bare_last and not next_has_subscript):
                previous.final = final
                i = after
                continue
        cluster = initial + "".join(CONSONANTS[s][0] for s in subscripts)
        for sub in subscripts:
            if CONSONANTS[sub][2] == SERIES_O and sub not in "ងញនមយរលវ":
                series = SERIES_O
        if _MUUSIKATOAN in signs:
            series = SERIES_A
        elif _TRIISAP in signs:
            series = SERIES_O
        syllable = _Syllable(cluster, series)
        syllable.vowel = vowel or None
        syllables.append(syllable)
        out.append("")
        i = after
    # put the syllables back in the places kept for them
    text: list[str] = []
    k = 0
    for piece in out:
        if piece == "":
            text.append(syllables[k].latin())
            k += 1
        else:
            text.append(piece)
    return "".join(text)


def _is_bare_last(units: list[tuple[str, str]], index: int) -> bool:
    """Is the consonant at `index` the word's last unit, with no vowel or subscript?"""
    rest = units[index + 1 :]
    return all((kind == "V" and ch in (_BANTOC, _SILENT)) or ch in _IGNORED for kind, ch in rest)


def romanise(name: str) -> str:
    """A Khmer name in popular Latin spelling, its words kept apart ("សុខ ចាន់ធា" -> "sok chanthea").
    Latin text in the name is kept as it is (lower case)."""
    return " ".join(romanise_word(word) if has_khmer(word) else word.lower() for word in words(name))


# ---------------------------------------------------------------- folding romanised spellings
# Consonant spellings that name romanisations use interchangeably, longest first.
_CONSONANT_FOLDS = [
    ("chh", "c"),
    ("br", "pr"),
    ("ch", "c"),
    ("j", "c"),
    ("kh", "k"),
    ("gn", "nh"),
    ("ph", "p"),
    ("f", "p"),
    ("th", "t"),
    ("dh", "t"),
    ("sh", "s"),
    ("w", "v"),
    ("z", "s"),
    ("q", "k"),
    ("x", "ks"),
]
_CONSONANT_RE = re.compile("|".join(re.escape(a) for a, _b in _CONSONANT_FOLDS))
_CONSONANT_MAP = dict(_CONSONANT_FOLDS)
# Vowel runs (y counted as a vowel after a consonant) and the class each is folded to.
_VOWEL_RUNS = {
    "a": "a",
    "aa": "a",
    "ea": "a",
    "eah": "a",
    # e and i: ិ ឹ are written both ways (Chhim/Chhem, Kim/Kem, Chenda/Chinda), and so are ី េ ែ in names
    "ae": "i",
    "e": "i",
    "ee": "i",
    "oe": "i",
    "eu": "i",
    "oeu": "i",
    "aeu": "i",
    "eua": "i",
    "oea": "i",
    "eo": "i",  # Keo/Kaev
    "ie": "ie",
    "ia": "ie",
    "iea": "ie",
    "eia": "ie",
    "i": "i",
    "y": "i",
    "ei": "i",
    "ey": "i",
    "ai": "i",
    "ay": "i",
    "eai": "i",
    "o": "o",
    "oo": "o",
    "ou": "o",
    "u": "o",
    "uu": "o",
    "uo": "o",
    "oa": "o",
    "ao": "o",
    "au": "o",
    "aou": "o",
    "or": "o",
}
_FIRST_VOWEL = {"a": "a", "e": "i", "i": "i", "y": "i", "o": "o", "u": "o"}
_VOWEL_RE = re.compile(r"(?<=[^aeiou])[aeiouy]+|^[aeiou][aeiouy]*")
_FINAL_FOLDS = [
    (re.compile(r"(?<=[aeio])r(?=[^aeiouy]|$)"), ""),  # Chear/Chea, Phorl/Phal: an r after a vowel is not said
    (re.compile(r"(?<=[aeiou])h$"), ""),  # Sokuntheah/Sokunthea
    (re.compile(r"av$"), "ao"),  # Sav/Sao
    (re.compile(r"(?<=[aeiou])v$"), ""),  # Pov/Pou, Pauv/Pou, Keov/Keo, Khiev/Khieu
    (re.compile(r"b$"), "p"),  # Teb/Tep
    (re.compile(r"d"), "t"),  # Thida/Thita, Chenda/Chenta: ដ and ត are both written d and t
    (re.compile(r"(?<!n)g"), "k"),
    (re.compile(r"([a-z])\1+"), r"\1"),  # Chann/Chan, Phalla/Phala, Makkara/Makara
]


def ascii_letters(value: str) -> str:
    value = unicodedata.normalize("NFKD", value)
    return "".join(ch for ch in value if ch.isascii() and ch.isalpha()).lower()


@lru_cache(maxsize=100_000)
def fold_word(word: str) -> str:
    """A romanised word folded so that the usual spellings of one Khmer name meet (DOMAIN §6): Sok/Sokh,
    Chea/Chear, Srey/Srei, Pov/Pauv, Chantha/Chanthea, Tep/Teb all fold to one form. Not a phonetic
    algorithm for any other language."""
    word = ascii_letters(word)
    if not word:
        return ""
    word = _CONSONANT_RE.sub(lambda m: _CONSONANT_MAP[m.group()], word)
    for pattern, replacement in _FINAL_FOLDS[:4]:
        word = pattern.sub(replacement, word)
    word = _VOWEL_RE.sub(lambda m: _VOWEL_RUNS.get(m.group(), _FIRST_VOWEL[m.group()[0]]), word)
    for pattern, replacement in _FINAL_FOLDS[4:]:
        word = pattern.sub(replacement, word)
    return word


def latin_words(name: str) -> list[str]:
    """The words of a name in Latin letters: romanised when Khmer, as typed otherwise."""
    out: list[str] = []
    for word in words(name):
        latin = romanise_word(word) if has_khmer(word) else ascii_letters(word)
        out.extend(part for part in re.split(r"[^a-z]+", latin.lower()) if part)
    return out


def folded_words(name: str) -> list[str]:
    """The name's words romanised (when Khmer) and folded; empty words dropped."""
    return list(_folded_words(name))


# An invisible character between two Latin letters: no Latin typist breaks words with one, so it is a stray
# (pasted from Khmer text), not the word boundary it is between Khmer words ("T\u200bhea" is "Thea").
_STRAY_IN_LATIN = re.compile("(?<=[A-Za-z])[\u200b\u200c\u200d\u2060\ufeff\u00ad]+(?=[A-Za-z])")

# ... and one before a Khmer vowel sign, subscript (COENG) or other mark: no Khmer word starts with a mark, so
# it sits inside a syllable ("វិប\u200bុល" is "វិបុល"), not between two words.
_STRAY_IN_KHMER = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]+(?=[\u17b6-\u17d3\u17dd])")


@lru_cache(maxsize=1_000_000)
def _folded_words(name: str) -> tuple[str, ...]:
    # names repeat (a few hundred family and given names make most of a population): romanise each once
    if not name.isascii():
        # a stray goes, unless it parts "SokChantha" where a capital starts a word
        name = _STRAY_IN_LATIN.sub(
            lambda m: " " if m.string[m.end()].isupper() and m.string[m.start() - 1].islower() else "", name
        )
        name = _STRAY_IN_KHMER.sub("", name)
    if name.isascii():  # Latin letters only: what latin_words() gives, without Khmer's normalisation
        return tuple(folded for token in name.split() if (folded := _fold_ascii_token(token)))
    return tuple(folded for word in latin_words(name) if (folded := fold_word(word)))


@lru_cache(maxsize=100_000)
def _fold_ascii_token(token: str) -> str:
    return fold_word("".join(ch for ch in token if ch.isalpha()).lower())
