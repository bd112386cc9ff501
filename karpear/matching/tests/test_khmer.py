"""The Khmer-specific part of matching: words, romanisation and the folding of romanised spellings."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from karpear.matching.engine import model as engine
from karpear.matching.engine.khmer import fold_word, folded_words, latin_words, romanise


@pytest.mark.parametrize(
    ("khmer", "latin"),
    [
        ("សុខ", "sok"),
        ("ចាន់ធា", "chanthea"),
        ("ស្រី", "srey"),
        ("សុភា", "sophea"),
        ("សុភាព", "sopheap"),
        ("ដារ៉ា", "dara"),
        ("ចន្ធូ", "chanthou"),
        ("វាសនា", "veasnea"),  # folds as Veasna does
        ("ពេជ្រ", "pech"),
        ("សុខ ចាន់ធា", "sok chanthea"),
    ],
)
def test_khmer_names_romanise_to_their_popular_spelling(khmer, latin):
    assert romanise(khmer) == latin


@pytest.mark.parametrize(
    "spellings",
    [
        ("Sok", "Sokh", "សុខ"),
        ("Chantha", "Chanthea", "ចាន់ធា"),
        ("Chea", "Chear", "ជា"),
        ("Srey", "Srei", "ស្រី"),
        ("Pov", "Pauv", "Pou", "ពៅ"),
        ("Sophea", "Sopha", "សុភា"),
        ("Tep", "Teb", "ទេព"),
        ("Kim", "Kem", "គឹម"),
    ],
)
def test_the_usual_spellings_of_one_name_fold_to_one_form(spellings):
    assert len({"".join(folded_words(s)) for s in spellings}) == 1


def test_a_zero_width_space_between_two_words_is_a_word_boundary_not_nothing():
    assert latin_words("សុខ\u200bចាន់ធា") == ["sok", "chanthea"]
    assert latin_words("សុខ\u200cចាន់ធា") == ["sok", "chanthea"]  # a ZWNJ between syllables too


def test_a_name_typed_in_another_character_order_romanises_the_same():
    assert romanise("ស៊ុន") == romanise("ស\u17bb\u17ca\u1793")  # the vowel typed before TRIISAP
    assert romanise("ចិន្តា") == romanise("ចិន្ដា")  # COENG DA for COENG TA
    assert romanise("ចំរើន") == romanise("ចំរ\u17c1\u17b8ន")  # a split vowel


def test_latin_text_is_folded_case_and_accent_insensitively():
    assert fold_word("SÓKH") == fold_word("sok") == "sok"


def test_a_name_of_only_invisible_characters_is_rejected_with_a_message():
    with pytest.raises(engine.EmptyName, match="nothing to match on"):
        engine.check_name("\u200b\u200c\ufeff ")
    prep = engine.prepare([engine.Record("a", name_km="\u200b\u200d"), engine.Record("b", name_latin="Sok Dara")])
    assert prep.rejected == ["a"]
    assert engine.check_name("Sok") == "Sok"


_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=30) | st.text(
    alphabet=st.sampled_from([chr(c) for c in range(0x1780, 0x1800)] + ["\u200b", "\u200c", "\u200d", " ", "a"]),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(_TEXT, _TEXT)
def test_nothing_crashes_on_any_unicode(left, right):
    romanise(left)
    folded_words(right)
    records = [
        engine.Record("a", name_km=left, name_latin=right, mother_name=left, household=(right, left)),
        engine.Record("b", name_km=right, phone=left, mother_name=right, household=(left,)),
    ]
    prep = engine.prepare(records)
    a, b = engine.candidate_pairs(prep)
    levels = engine.compare(prep, [0], [1]) if len(prep) == 2 else None
    assert levels is not None and levels.shape == (1, len(engine.COMPARISONS))
    assert len(a) == len(b) <= 1
    engine.match_one(records[0], records[1:])
    frequencies = engine.name_frequencies((r.name_km, r.name_latin, 1) for r in records)
    assert all(0 <= m.probability <= 1 for m in engine.match_one(records[0], records[1:], frequencies=frequencies))
    # the whole batch path too: spellings learnt from the records themselves, scoring and evidence
    spellings = engine.learn_spellings(records * 6)
    matches, linked = engine.link(records, engine.Model.from_json(engine.default_model().to_json()))
    assert all(0 <= m.probability <= 1 for m in matches) and len(linked) == 2
    latin = folded_words(right)
    assert set(spellings) <= {*latin, *(x + y for x, y in pairwise(latin))}
    for value in (left, right):
        try:
            assert engine.check_name(value) == value
        except engine.EmptyName:
            assert not folded_words(value)
