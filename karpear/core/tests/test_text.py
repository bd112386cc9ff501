"""Khmer comparison keys: the orders in which people type a syllable's marks compare equal (DOMAIN §6)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from karpear.core.text import khmer_canonical, khmer_key

COENG = "\u17d2"


@pytest.mark.parametrize(
    ("typed", "canonical", "why"),
    [
        ("ស\u17d2\u179a\u17d2\u178f\u17b8", "ស\u17d2\u178f\u17d2\u179a\u17b8", "COENG RO after the other subscript"),
        ("ក\u17c6\u17bb", "ក\u17bb\u17c6", "vowel before NIKAHIT (កុំ)"),
        ("ប\u17bb\u17c9ន", "ប\u17c9\u17bbន", "register shifter before the vowel (ប៉ុន)"),
        ("ក\u17c1\u17b6\u17c7", "ក\u17c4\u17c7", "E + AA typed apart is the vowel OO (កោះ)"),
        ("ណ\u17c1\u17b8", "ណ\u17be", "E + II typed apart is the vowel OE (ណើ)"),
        ("ភ\u17d2ន\u17c6ព\u17c1ញ", "ភ\u17d2ន\u17c6ព\u17c1ញ", "already canonical: unchanged"),
    ],
)
def test_marks_go_in_one_order(typed: str, canonical: str, why: str) -> None:
    assert khmer_canonical(typed) == canonical, why
    assert khmer_key(typed) == khmer_key(canonical)


def test_different_words_keep_different_keys() -> None:
    assert khmer_key("កុំ") != khmer_key("កំ")
    assert khmer_key("ស្រី") != khmer_key("ស្តី")
    assert khmer_key("សុខ ស្រីមុំ") == "សុខស្រីមុំ"


# One optional mark of each rank: a subscript, COENG RO, a shifter or ROBAT, a vowel, a sign, another sign.
RANKS = [
    [COENG + "\u178f", COENG + "\u1793", COENG + "\u1798"],
    [COENG + "\u179a"],
    ["\u17c9", "\u17ca", "\u17cc"],
    [chr(c) for c in range(0x17B6, 0x17C6)],
    ["\u17c6", "\u17c7", "\u17c8"],
    ["\u17cb", "\u17cd", "\u17d0"],
]
marks = st.tuples(*(st.one_of(st.just(""), st.sampled_from(rank)) for rank in RANKS))
syllable = st.tuples(st.sampled_from("កខគឃងចឆជឈញដឋឌឍណតថទធនបផពភមយរលវសហឡអ"), marks)


@given(st.lists(syllable, min_size=1, max_size=4), st.randoms(use_true_random=False))
def test_any_typing_order_of_a_syllables_marks_gives_the_same_key(syllables, rnd) -> None:
    canonical, typed = [], []
    for base, ranked in syllables:
        canonical.append(base + "".join(ranked))
        shuffled = list(ranked)
        rnd.shuffle(shuffled)
        typed.append(base + "".join(shuffled))
    assert khmer_canonical("".join(typed)) == khmer_canonical("".join(canonical))
    assert khmer_key("".join(typed)) == khmer_key("".join(canonical))


@given(st.text(alphabet=st.characters(min_codepoint=0x1780, max_codepoint=0x17FF), max_size=20))
def test_the_canonical_form_is_stable(text: str) -> None:
    once = khmer_canonical(text)
    assert khmer_canonical(once) == once
    assert khmer_key(khmer_key(text)) == khmer_key(text)


@pytest.mark.django_db
def test_the_migration_rewrites_keys_stored_before_canonical_order(users) -> None:
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    from karpear.core.models import Identity, Province
    from karpear.core.tests.factories import register

    migration = importlib.import_module("karpear.core.migrations.0007_khmer_keys_in_canonical_order")
    typed = "ក\u17c6\u17bb"  # NIKAHIT typed before the vowel
    person = register(users["caseworker"], name_latin="", name_km=f"សុខ {typed}")
    Identity.objects.filter(person=person).update(name_km_key="សុខ" + typed, name_km_alt_key=typed + "សុខ")
    Province.objects.filter(code="12").update(search_key="stale")

    migration.forwards(apps, SimpleNamespace(connection=connection))  # all it reads of the schema editor

    identity = Identity.objects.get(person=person)
    assert (identity.name_km_key, identity.name_km_alt_key) == ("សុខកុំ", "កុំសុខ")
    assert Province.objects.get(code="12").search_key == "រាជធានីភ្នំពេញ phnompenh"
