"""The matching engine without Django: the case that matters most, blocking, the estimated weights, golden
numbers of the scoring, and clusters."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np

from karpear.matching.engine import model as engine

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from bench.matching_data import generate


def test_a_returnee_registered_in_khmer_meets_a_later_latin_registration_with_a_new_phone_and_age():
    earlier = engine.Record(
        "ccpcr", name_km="សុខ ចាន់ធា", birth_year=1996, sex="female", commune="200103", phone="012345678"
    )
    later = engine.Record(
        "other", name_latin="Chanthea Sok", birth_year=1998, sex="female", commune="200103", phone="+85597111222"
    )
    stranger = engine.Record("x", name_latin="Keo Sophal", birth_year=1970, sex="male", commune="200103")

    matches = engine.match_one(later, [stranger, earlier])

    assert [m.b for m in matches] == ["ccpcr"]
    evidence = {e.comparison: e.level for e in matches[0].evidence}
    assert evidence == {
        "name": "name_exact",
        "birth_year": "year_2",
        "place": "place_commune",
        "phone": "phone_differs",
        "sex": "sex_same",
    }
    assert matches[0].evidence[0].comparison == "name"  # the strongest piece of evidence first


def test_a_name_with_a_zero_width_space_is_two_words_and_meets_the_name_with_a_space():
    prep = engine.prepare([engine.Record("a", name_km="សុខ\u200bចាន់ធា"), engine.Record("b", name_latin="Sok Chantha")])
    assert engine.name_similarity(prep, np.array([0]), np.array([1]))[0] == 1.0


def test_sisters_named_srey_something_are_not_a_close_name():
    prep = engine.prepare([engine.Record("a", name_latin="Sok Sreymom"), engine.Record("b", name_latin="Sok Sreypov")])
    assert engine.name_similarity(prep, np.array([0]), np.array([1]))[0] < 0.88


def test_pairs_come_only_from_shared_blocks_each_once():
    block = np.array([1, 1, 1, 2, 2, 3], dtype=np.int64)
    record = np.array([0, 1, 2, 1, 2, 3], dtype=np.int64)
    a, b = engine._pairs_from_blocks(block, record, cap=10)
    assert list(zip(a.tolist(), b.tolist(), strict=True)) == [(0, 1), (0, 2), (1, 2)]
    a, b = engine._pairs_from_blocks(block, record, cap=2)  # block 1 is over the cap
    assert list(zip(a.tolist(), b.tolist(), strict=True)) == [(1, 2)]


def test_blocking_grows_about_linearly_with_the_people():
    small = engine.candidate_pairs(engine.prepare(_records(2000)))[0].size
    large = engine.candidate_pairs(engine.prepare(_records(8000)))[0].size
    # four times the people: the square would give sixteen times the pairs; blocks of common names still grow
    # with the people (docs/matching.md has the measured growth), but less than the square
    assert large < 12 * small


def _records(size: int) -> list[engine.Record]:
    data = generate(size, seed=3)
    return [
        engine.Record(
            p.key,
            p.name_km,
            p.name_latin,
            p.birth_year,
            p.sex,
            p.village,
            "",
            p.phone,
            (p.national_id,) if p.national_id else (),
        )
        for p in data.records
    ]


def test_the_weights_are_estimated_from_the_data_and_find_the_known_duplicates():
    data = generate(3000, seed=5)
    records = [
        engine.Record(
            p.key,
            p.name_km,
            p.name_latin,
            p.birth_year,
            p.sex,
            p.village,
            "",
            p.phone,
            tuple(v for v in (p.national_id, p.passport) if v),
        )
        for p in data.records
    ]
    prep = engine.prepare(records)
    pairs = engine.candidate_pairs(prep)
    fitted = engine.estimate(prep, pairs, u_samples=50_000)
    # an exact name is far likelier among true pairs than among random ones; far-apart birth years are not
    assert fitted.m["name"][0] > 0.5 > 100 * fitted.u["name"][0]
    assert fitted.m["birth_year"][3] < 0.05 < fitted.u["birth_year"][3]
    probability = fitted.probability(engine.compare(prep, *pairs), engine.pair_name_tf(prep, *pairs))
    keys = prep.keys
    found = {
        tuple(sorted((keys[x], keys[y])))
        for x, y in zip(pairs[0][probability >= 0.5], pairs[1][probability >= 0.5], strict=True)
    }
    truth = {tuple(sorted(p)) for p in data.true_pairs}
    precision, recall = len(found & truth) / len(found), len(found & truth) / len(truth)
    assert precision > 0.85 and recall > 0.8


def test_the_match_weight_is_the_prior_plus_each_comparisons_log_ratio():
    model = engine.Model(
        m={name: [0.9] + [0.1 / (len(levels) - 1)] * (len(levels) - 1) for name, levels in engine.COMPARISONS.items()},
        u={name: [0.1] + [0.9 / (len(levels) - 1)] * (len(levels) - 1) for name, levels in engine.COMPARISONS.items()},
        prior=0.2,
    )
    levels = np.array([[0, 0, -1, -1, -1, -1, -1, -1]], dtype=np.int8)  # name and year agree, the rest unknown
    expected = math.log2(0.2 / 0.8) + 2 * math.log2(0.9 / 0.1)
    assert math.isclose(model.match_weight(levels)[0], expected)
    assert math.isclose(model.probability(levels)[0], 1 / (1 + 2**-expected))
    # a name weighs by its own frequency instead of the average name's u (0.1): both ways, as Splink does
    assert math.isclose(model.match_weight(levels, np.array([0.05]))[0], expected + 1)  # rarer: 0.9/0.05
    assert math.isclose(model.match_weight(levels, np.array([0.4]))[0], expected - math.log2(0.4 / 0.1))
    close = np.array([[2, 0, -1, -1, -1, -1, -1, -1]], dtype=np.int8)  # a close name (not exact) too
    assert math.isclose(model.match_weight(close, np.array([0.4]))[0] - model.match_weight(close)[0], -2)
    differs = np.array([[4, 0, -1, -1, -1, -1, -1, -1]], dtype=np.int8)  # names that differ: no adjustment
    assert math.isclose(model.match_weight(differs, np.array([0.4]))[0], model.match_weight(differs)[0])
    assert engine.Model.from_json(model.to_json()).weights().tolist() == model.weights().tolist()


def test_clusters_join_pairs_that_share_a_person():
    assert engine.clusters([("a", "b"), ("c", "d"), ("b", "e")]) == [["a", "b", "e"], ["c", "d"]]


def test_the_default_model_ships_with_the_app():
    model = engine.default_model()
    assert set(model.m) == set(engine.COMPARISONS) and 0 < model.prior < 1


def test_spellings_written_beside_the_khmer_are_learnt_and_then_meet_the_khmer_alone():
    # សុវណ្ណ is romanised "sovon" (folded), but written "Sovann" by the staff here, beside the Khmer, on enough
    # registrations to be learnt; a spelling seen once ("Oudom" for ឧត្តម, "otam") is not
    both = [engine.Record(f"b{i}", name_km="សុខ សុវណ្ណ", name_latin="Sok Sovann") for i in range(6)]
    once = [engine.Record("o", name_km="ចាន់ ឧត្តម", name_latin="Chan Oudom")]

    spellings = engine.learn_spellings([*both, *once])

    assert spellings == {"sovan": "sovon"}
    records = [engine.Record("km", name_km="សុខ សុវណ្ណ"), engine.Record("latin", name_latin="Sovan Sok")]
    before = engine.name_similarity(engine.prepare(records), np.array([0]), np.array([1]))[0]
    after = engine.name_similarity(engine.prepare(records, spellings), np.array([0]), np.array([1]))[0]
    assert before < 1.0 and after == 1.0


def test_a_common_word_is_never_rewritten_as_another():
    # "Sok" typed beside សុខ and, by a slip, beside ស៊ុន: "sok" is the romanised form of a common Khmer word
    records = [engine.Record(f"s{i}", name_km="សុខ", name_latin="Sok") for i in range(10)]
    records += [engine.Record(f"x{i}", name_km="ស៊ុន", name_latin="Sok") for i in range(10)]
    assert engine.learn_spellings(records) == {}


def test_names_compared_once_per_distinct_pair_give_what_comparing_each_pair_gives():
    prep = engine.prepare(_records(600))
    rng = np.random.default_rng(4)
    a, b = rng.integers(0, len(prep), 3000), rng.integers(0, len(prep), 3000)
    interned = engine.name_similarity(prep, a, b)
    # the path of two sets of records (one registration against its candidates) compares pair by pair
    assert np.allclose(interned, engine.name_similarity(prep, a, b, prep))


def test_the_household_and_the_mothers_name_are_compared_across_scripts():
    earlier = engine.Record(
        "earlier", name_km="សុខ ចាន់ធា", mother_name="ជា សុភា", household=("ជា សុភា", "សុខ ស្រីមុំ", "សុខ ដារា")
    )
    later = engine.Record(
        "later", name_latin="Chanthea Sok", mother_name="Chea Sophea", household=("Chea Sopha", "Sok Sreymom")
    )
    cousin = engine.Record("cousin", name_latin="Sok Chantha", mother_name="Chan Sophea", household=("Sok Dara",))
    stranger = engine.Record("stranger", name_latin="Sok Chantha", mother_name="Mao Sreyneang", household=("Mao Dara",))
    prep = engine.prepare([earlier, later, cousin, stranger])

    levels = engine.compare(prep, np.array([0, 0, 0]), np.array([1, 2, 3]))

    mother, household = (list(engine.COMPARISONS).index(k) for k in ("mother", "household"))
    assert [engine.COMPARISONS["mother"][x] for x in levels[:, mother]] == [
        "mother_same",
        "mother_close",
        "mother_differs",
    ]
    assert [engine.COMPARISONS["household"][x] for x in levels[:, household]] == [
        "household_most",  # the mother and the sister, written in the other script
        "household_some",
        "household_none",
    ]
    # across two sets of records (one registration against candidates), the same levels
    across = engine.compare(
        engine.prepare([earlier]),
        np.zeros(3, dtype=np.int64),
        np.arange(3),
        engine.prepare([later, cousin, stranger]),
    )
    assert across[:, mother].tolist() == levels[:, mother].tolist()
    assert across[:, household].tolist() == levels[:, household].tolist()


def test_without_a_household_or_a_mothers_name_on_both_sides_nothing_is_weighed():
    prep = engine.prepare(
        [
            engine.Record("a", name_latin="Sok Dara", household=("Chea Sophea",)),
            engine.Record("b", name_latin="Sok Dara"),
        ]
    )
    levels = engine.compare(prep, np.array([0]), np.array([1]))
    assert levels[0, 6] == engine.NULL and levels[0, 7] == engine.NULL


def test_one_registration_weighs_a_common_name_as_the_batch_check_does(monkeypatch):
    monkeypatch.setattr(engine, "TF_MIN_PEOPLE", 10)  # a small population, to see each weight
    common = [
        engine.Record(f"c{i}", name_latin="Sok Sreymom", birth_year=1970 + i, commune=f"1{i:02d}101") for i in range(24)
    ]
    pair = [
        engine.Record("s1", name_latin="Sok Sreymom", birth_year=1995, commune="200101"),
        engine.Record("s2", name_latin="SREYMOM SOK", birth_year=1996, commune="200102"),
        engine.Record("r1", name_latin="Ouk Sovannary", birth_year=1995, commune="200101"),
        engine.Record("r2", name_latin="Ouk Sovannary", birth_year=1996, commune="200102"),
    ]
    records = common + pair
    shipped = engine.default_model()
    model = engine.Model(shipped.m, shipped.u, shipped.prior, 0.5, {"records": len(records)})
    batch = {(m.a, m.b): m.weight for m in engine.link(records, model, threshold=0.0)[0]}
    frequencies = engine.name_frequencies((r.name_km, r.name_latin, 1) for r in records)

    def one(key: str, other: str, **kwargs: object) -> float:
        query = next(r for r in records if r.key == key)
        found = engine.match_one(query, [r for r in records if r.key != key], model, threshold=0.0, **kwargs)
        return next(m.weight for m in found if m.b == other)

    # the same weight as the batch check gives the pair, in either direction
    assert math.isclose(one("s2", "s1", frequencies=frequencies), batch[("s1", "s2")], abs_tol=1e-9)
    assert math.isclose(one("r1", "r2", frequencies=frequencies), batch[("r1", "r2")], abs_tol=1e-9)
    # two "Sok Sreymom" (26 of 28 people) agree less tellingly than two "Ouk Sovannary" (2 of 28): log2(26/2)
    common_weight, rare_weight = one("s2", "s1", frequencies=frequencies), one("r1", "r2", frequencies=frequencies)
    assert math.isclose(rare_weight - common_weight, math.log2(26 / 2), abs_tol=1e-9)
    # without the frequencies (as before), both names weighed as the average name
    assert math.isclose(one("s2", "s1"), one("r1", "r2"), abs_tol=1e-9)


def test_a_name_nobody_bears_yet_counts_as_the_one_being_registered(monkeypatch):
    frequencies = engine.name_frequencies([("សុខ ស្រីមុំ", "Sok Sreymom", 3000), ("", "Keo Dara", 1000)])
    assert frequencies.total == 4000 and frequencies.counts == {"sok srimom": 3000, "ki tara": 1000}
    prep = engine.prepare(
        [
            engine.Record("new", name_latin="Ouk Sovannary"),
            engine.Record("sok", name_km="សុខ ស្រីមុំ"),
            engine.Record("none"),
        ]
    )
    assert frequencies.of(prep).tolist() == [1 / 4000, 0.75, 0.0]
    # under TF_MIN_PEOPLE people, a name's frequency is chance: no adjustment
    small = engine.name_frequencies([("សុខ ស្រីមុំ", "Sok Sreymom", 3), ("", "Keo Dara", 1)])
    assert small.of(prep).tolist() == [0.0, 0.0, 0.0]


def test_the_synthetic_set_carries_family_evidence_and_siblings_share_their_parents():
    data = generate(3000, seed=5)
    records = data.records
    with_mother = sum(bool(p.mother_name) for p in records) / len(records)
    with_household = sum(bool(p.household) for p in records) / len(records)
    assert 0.35 < with_mother < 0.45 and 0.3 < with_household < 0.4
    # seeded: the same set each time
    assert [(p.key, p.name_km, p.name_latin, p.birth_year, p.phone) for p in records[:50]] == [
        (p.key, p.name_km, p.name_latin, p.birth_year, p.phone) for p in generate(3000, seed=5).records[:50]
    ]


def _similarity(x: engine.Record, y: engine.Record) -> float:
    prep = engine.prepare([x, y])
    return float(engine.name_similarity(prep, np.array([0]), np.array([1]))[0])


def test_a_name_typed_as_one_word_or_with_the_family_name_last_meets_its_words():
    run_together = engine.Record("a", name_km="ឈឹមពិសាល")  # Khmer typed without the space
    spaced = engine.Record("b", name_latin="Chhim Pisal")
    compound = engine.Record("c", name_latin="Ouk Chansophea")
    split_and_moved = engine.Record("d", name_latin="Chan Sophea Ouk")  # the given name in two words, family last
    other = engine.Record("e", name_latin="Ouk Chanthy")
    assert _similarity(run_together, spaced) == 1.0
    assert _similarity(compound, split_and_moved) == 1.0
    assert _similarity(compound, other) < 0.95
    # the measure is symmetric, whichever record comes first
    assert _similarity(split_and_moved, compound) == _similarity(compound, split_and_moved)


def test_a_stray_invisible_character_inside_a_word_is_not_a_word_boundary():
    from karpear.matching.engine.khmer import folded_words

    assert folded_words("Mom T\u200bhea") == folded_words("Mom Thea")  # pasted into a Latin word
    assert folded_words("MOM T\ufeffHEA") == folded_words("MOM THEA")
    assert folded_words("Sok\u200bChantha") == folded_words("Sok Chantha")  # a capital starts the next word
    assert folded_words("វិប\u200bុល") == folded_words("វិបុល")  # before a vowel sign, inside a syllable
    assert folded_words("បញ\u200b្ញា") == folded_words("បញ្ញា")  # before a subscript
    assert len(folded_words("សុខ\u200bចាន់ធា")) == 2  # between two Khmer words it still parts them


def test_a_person_who_moved_commune_with_an_unknown_birth_year_still_meets_the_other_registration():
    earlier = engine.Record("a", name_km="ញឹម សុខវណ្ណា", birth_year=1990, village="16030303")
    later = engine.Record("b", name_latin="Sokvana Nhim", village="16070507")  # other district, no year, no phone
    pairs = engine.candidate_pairs(engine.prepare([earlier, later]))
    assert list(zip(*(x.tolist() for x in pairs), strict=True)) == [(0, 1)]


def test_a_likely_pair_gives_way_to_a_likelier_candidate_of_its_records_unless_it_is_sure():
    levels = np.zeros((4, len(engine.COMPARISONS)), dtype=np.int8)  # names alike: every pair plausible
    levels[:, list(engine.COMPARISONS).index("id_number")] = engine.NULL  # no ID number
    a = np.array([0, 0, 3, 5])
    b = np.array([1, 2, 4, 4])
    probability = np.array([0.9, 0.6, 0.97, 0.99])
    # record 0: its pair with 1 (0.9) is likelier than with 2 (0.6), a namesake's; record 4's two pairs are
    # both sure (a person registered three times)
    chosen = engine.choose(probability, levels, a, b, 0.5)
    assert [(int(a[i]), int(b[i])) for i in chosen] == [(5, 4), (3, 4), (0, 1)]
    # a pair people said are two (probability 0) does not outweigh the others
    probability[0] = 0.0
    chosen = engine.choose(probability, levels, a, b, 0.5)
    assert [(int(a[i]), int(b[i])) for i in chosen] == [(5, 4), (3, 4), (0, 2)]
    # a pair whose names are not alike is never proposed, however likely
    levels[3, 0] = 4
    assert (5, 4) not in [(int(a[i]), int(b[i])) for i in engine.choose(probability, levels, a, b, 0.5)]


def test_the_prior_is_the_candidates_expected_matches_over_all_pairs():
    model = engine.default_model()
    levels = np.zeros((50, len(engine.COMPARISONS)), dtype=np.int8)  # 50 pairs agreeing on everything
    levels[25:] = [4, 3, 4, 1, 1, 1, 2, 2]  # and 25 disagreeing on everything
    prior = engine.refine_prior(model, levels, np.zeros(50), records=1000)
    settled = engine.Model(model.m, model.u, prior).probability(levels).sum()
    assert math.isclose(prior, settled / (1000 * 999 / 2), rel_tol=1e-3)
    assert 24 < settled < 26  # the agreeing pairs are matches, the others not


def test_the_synthetic_set_names_people_as_cambodians_are_named_and_siblings_differently():
    from collections import Counter

    def top_share(version: int) -> float:
        names = Counter((p.name_km or p.name_latin.lower()) for p in generate(6000, seed=2, version=version).records)
        return names.most_common(1)[0][1] / sum(names.values())

    # version 1 drew only the lists' common names; version 2 also surnames from fathers' given names and
    # compound given names: the commonest full name is several times rarer
    assert top_share(2) < top_share(1) / 2
    data = generate(6000, seed=2)
    by_family: dict[int, list[str]] = {}
    originals = {min(pair) for pair in data.true_pairs} | {
        p.key for p in data.records if all(p.key not in pair for pair in data.true_pairs)
    }
    for p in data.records:
        if p.key in originals and p.name_km:
            by_family.setdefault(p.family, []).append(p.name_km.replace("\u200b", " ").split()[-1])
    assert all(len(given) == len(set(given)) for given in by_family.values())
