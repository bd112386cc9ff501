"""Text keys for searching and matching names (DOMAIN §6).

Khmer names are stored as typed, normalised by `clean_name`: NFC, single spaces, invisible characters
resolved. Some typists put a zero-width space (U+200B) between the family and the given name: it is a word
boundary (DOMAIN §6), kept (one, invisible, as typed) in the stored name and read as a space by `rotated`,
`initials` and so by the search keys, so the given name alone is still found. A ZERO WIDTH NON-JOINER typed
between two syllables is the same boundary; one in front of a vowel or sign only changes how that mark is
drawn and goes, like the other invisible characters. Codes and other text (`clean_text`) keep no invisible
character at all.

Matching uses a key: each syllable's marks put in one canonical order (so the orders in which people type
subscripts, vowels and signs compare equal), split vowels composed, COENG DA folded to COENG TA (the two
spellings of the same subscript), spaces and word breaks removed. Romanised names are compared case- and
spacing-insensitively.
"""

from __future__ import annotations

import re
import unicodedata

ZWSP = "\u200b"
ZWNJ = "\u200c"
# Every zero-width character clean_text removes.
ZERO_WIDTH = ZWSP + ZWNJ + "\u200d\u2060\ufeff\u00ad"
_REMOVE_ZERO_WIDTH = dict.fromkeys(map(ord, ZERO_WIDTH), None)
# Invisible characters that mark nothing worth keeping in a name: ZWJ, WORD JOINER, BOM, SOFT HYPHEN.
_INVISIBLE = dict.fromkeys(map(ord, "\u200d\u2060\ufeff\u00ad"), None)
_GAPS = re.compile(r"[\s\u200b]+")
_COENG_DA = "\u17d2\u178a"
_COENG_TA = "\u17d2\u178f"
KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")
ASCII_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")


def clean_text(value: str) -> str:
    """What we store for a code or other text a user typed: NFC, without zero-width characters, single spaces."""
    value = unicodedata.normalize("NFC", value).translate(_REMOVE_ZERO_WIDTH)
    return " ".join(value.split())


def clean_name(value: str) -> str:
    """What we store for a person's name: NFC, single spaces, and a word break typed as a zero-width space (or
    as a ZWNJ between syllables) kept as one zero-width space; other invisible characters removed."""
    value = unicodedata.normalize("NFC", value)
    out: list[str] = []
    for index, ch in enumerate(value):
        if ch == ZWNJ:
            following = value[index + 1 : index + 2]
            out.append("" if following and _is_khmer_mark(following) else ZWSP)
        else:
            out.append(ch)
    value = "".join(out).translate(_INVISIBLE)
    value = _GAPS.sub(lambda gap: ZWSP if gap.group().strip(ZWSP) == "" else " ", value)
    return value.strip(" " + ZWSP)


def words(value: str) -> list[str]:
    """The words of a name: spaces and zero-width word breaks both separate them."""
    return [word for word in _GAPS.split(clean_name(value)) if word]


def _letters(value: str) -> str:
    """Letters, marks (Khmer vowels, COENG, signs) and digits; no spaces or punctuation."""
    return "".join(ch for ch in value if unicodedata.category(ch)[0] in "LMN")


_COENG = "\u17d2"
_RO = "\u179a"
# Vowels typed in two parts, and the single character Unicode has for each.
_SPLIT_VOWELS = {"\u17c1\u17b8": "\u17be", "\u17c1\u17b6": "\u17c4"}


def _mark_rank(unit: str) -> int:
    """Where a mark goes in a syllable: subscripts (COENG RO last), register shifters and ROBAT, the dependent
    vowel, then the signs. The order follows Unicode's Khmer syllable structure; what matters for a key is
    that it is one order."""
    first = unit[0]
    if first == _COENG:
        return 1 if unit[1:] == _RO else 0
    if first in "\u17c9\u17ca\u17cc":  # MUUSIKATOAN, TRIISAP, ROBAT
        return 2
    if "\u17b6" <= first <= "\u17c5":  # dependent vowels
        return 3
    if first in "\u17c6\u17c7\u17c8":  # NIKAHIT, REAHMUK, YUUKALEAPINTU
        return 4
    return 5  # the other signs (BANTOC, TOANDAKHIAT, SAMYOK SANNYA, ...)


def _is_khmer_mark(unit: str) -> bool:
    return unit[0] == _COENG or "\u17b6" <= unit[0] <= "\u17d3" or unit[0] == "\u17dd"


def khmer_canonical(value: str) -> str:
    """Khmer text with each syllable's marks in canonical order and split vowels composed (DOMAIN §6).

    A syllable is a base character followed by marks; a subscript is COENG with the consonant after it. The
    sort is stable, so marks of the same rank keep the order they were typed in.
    """
    units: list[str] = []
    i = 0
    while i < len(value):
        if value[i] == _COENG and i + 1 < len(value):
            units.append(value[i : i + 2])
            i += 2
        else:
            units.append(value[i])
            i += 1
    out: list[str] = []
    marks: list[str] = []
    for unit in units:
        if _is_khmer_mark(unit):
            marks.append(unit)
            continue
        out.extend(sorted(marks, key=_mark_rank))
        marks = []
        out.append(unit)
    out.extend(sorted(marks, key=_mark_rank))
    text = "".join(out)
    for split, whole in _SPLIT_VOWELS.items():
        text = text.replace(split, whole)
    return text


def khmer_key(value: str) -> str:
    """The comparison key of a Khmer name (or of any text that may hold Khmer)."""
    value = _letters(clean_text(value).replace(_COENG_DA, _COENG_TA))
    return khmer_canonical(value).casefold()


def latin_key(value: str) -> str:
    """The comparison key of a romanised name: letters and digits only, case-folded."""
    value = unicodedata.normalize("NFKD", clean_text(value))
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    return "".join(ch for ch in value if ch.isalnum()).casefold()


def has_khmer(value: str) -> bool:
    return any("\u1780" <= ch <= "\u17ff" or "\u19e0" <= ch <= "\u19ff" for ch in value)


def name_key(value: str) -> str:
    """The key of a name in either script."""
    return khmer_key(value) if has_khmer(value) else latin_key(value)


def search_key(*values: str) -> str:
    """One key for a place or other record known by several names: each name's key, space-joined."""
    keys: list[str] = []
    for value in values:
        key = khmer_key(value) if has_khmer(value) else latin_key(value)
        if key and key not in keys:
            keys.append(key)
    return " ".join(keys)


def rotated(value: str) -> str:
    """The name with its first word moved to the end, so a given name finds 'Family Given' too."""
    parts = words(value)
    return " ".join(parts[1:] + parts[:1]) if len(parts) > 1 else ""


def initials(value: str) -> str:
    return "".join(word[0].upper() for word in words(value) if word[0].isalpha())[:4]


def to_khmer_digits(value: str) -> str:
    return value.translate(KHMER_DIGITS)


def to_ascii_digits(value: str) -> str:
    return value.translate(ASCII_DIGITS)
