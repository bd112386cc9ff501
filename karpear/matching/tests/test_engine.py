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
    levels = np.array([[0, 0, -1, -1, -1, -1]], dtype=np.int8)  # name and year agree, the rest unknown
    expected = math.log2(0.2 / 0.8) + 2 * math.log2(0.9 / 0.1)
    assert math.isclose(model.match_weight(levels)[0], expected)
    assert math.isclose(model.probability(levels)[0], 1 / (1 + 2**-expected))
    # a name weighs by its own frequency instead of the average name's u (0.1): both ways, as Splink does
    assert math.isclose(model.match_weight(levels, np.array([0.05]))[0], expected + 1)  # rarer: 0.9/0.05
    assert math.isclose(model.match_weight(levels, np.array([0.4]))[0], expected - math.log2(0.4 / 0.1))
    close = np.array([[2, 0, -1, -1, -1, -1]], dtype=np.int8)  # a close name (not exact) too
    assert math.isclose(model.match_weight(close, np.array([0.4]))[0] - model.match_weight(close)[0], -2)
    differs = np.array([[4, 0, -1, -1, -1, -1]], dtype=np.int8)  # names that differ: no adjustment
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
    prep.name_id = []  # the pair-by-pair path
    assert np.allclose(interned, engine.name_similarity(prep, a, b))
