"""ISO 3166-1 alpha-2 countries, named in Khmer or English by Babel (CLDR), for destinations and transit.

Codes are what records store (DESIGN §7); names come from CLDR in the user's language, so nobody keeps a
hand-made list. CLDR also names a few regions that are not ISO 3166-1 countries; they are left out.
"""

from __future__ import annotations

from functools import cache

from babel import Locale
from django.utils import translation

# CLDR territories that are not ISO 3166-1 country codes (exceptionally reserved, user-assigned or groupings).
NOT_ISO_3166 = frozenset({"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"})
# Where Cambodian migrants most often go or pass through: first in pickers.
COMMON = ("TH", "VN", "MY", "CN", "KR", "JP", "LA", "SG", "TW", "ID", "MM")


@cache
def _names(language: str) -> dict[str, str]:
    territories = Locale.parse("km" if language.startswith("km") else "en").territories
    return {
        code: name
        for code, name in territories.items()
        if len(code) == 2 and code.isalpha() and code.isupper() and code not in NOT_ISO_3166
    }


def codes() -> frozenset[str]:
    return frozenset(_names("en"))


def name(code: str, language: str | None = None) -> str:
    return _names(language or translation.get_language() or "en").get(code.upper(), code)


def choices(language: str | None = None, first: tuple[str, ...] = COMMON) -> list[tuple[str, str]]:
    """(code, name) pairs: `first` (the common destinations) first, then every country by name."""
    names = _names(language or translation.get_language() or "en")
    rest = sorted((c for c in names if c not in first), key=lambda c: names[c])
    return [(c, names[c]) for c in (*first, *rest)]


def nationality_choices(language: str | None = None) -> list[tuple[str, str]]:
    """For a nationality: Cambodia first, then the neighbours and destinations, then every country."""
    return choices(language, first=("KH", *COMMON))
