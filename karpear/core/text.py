"""Text keys for searching and matching names (DOMAIN §6).

Khmer names are stored as typed; matching uses a key: NFC, zero-width characters removed, COENG DA folded
to COENG TA (the two spellings of the same subscript), spaces removed. Romanised names are compared
case- and spacing-insensitively.
"""

from __future__ import annotations

import unicodedata

ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_COENG_DA = "\u17d2\u178a"
_COENG_TA = "\u17d2\u178f"
KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")
ASCII_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")


def clean_text(value: str) -> str:
    """What we store for text a user typed: NFC, without zero-width characters, single spaces."""
    value = unicodedata.normalize("NFC", value).translate(ZERO_WIDTH)
    return " ".join(value.split())


def _letters(value: str) -> str:
    """Letters, marks (Khmer vowels, COENG, signs) and digits; no spaces or punctuation."""
    return "".join(ch for ch in value if unicodedata.category(ch)[0] in "LMN")


def khmer_key(value: str) -> str:
    """The comparison key of a Khmer name (or of any text that may hold Khmer)."""
    value = clean_text(value).replace(_COENG_DA, _COENG_TA)
    return _letters(value).casefold()


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
    words = clean_text(value).split(" ")
    return " ".join(words[1:] + words[:1]) if len(words) > 1 else ""


def initials(value: str) -> str:
    return "".join(word[0].upper() for word in clean_text(value).split(" ") if word and word[0].isalpha())[:4]


def to_khmer_digits(value: str) -> str:
    return value.translate(KHMER_DIGITS)


def to_ascii_digits(value: str) -> str:
    return value.translate(ASCII_DIGITS)
