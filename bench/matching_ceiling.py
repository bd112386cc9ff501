"""A supervised reference for the matching engine (issue 16): what a classifier that has seen the *truth* of
another set does with the engine's candidate pairs and comparisons. Not a method Karpear may use (it needs
labelled pairs), and not a bound (a better model or more evidence could do better); it says whether the
unsupervised engine leaves much on the table. Not a test; prints a few lines.

A gradient-boosted classifier (scikit-learn's HistGradientBoostingClassifier) is fitted on seed 7's candidate
pairs, labelled with the truth, and applied to seed 16's (the evaluation set), over:
- the comparisons: each level, the name's and the mother's Jaro–Winkler as numbers, the birth years'
  difference, the name's frequency (both records'), which scripts each record's name is in;
- with `context`, also what the engine's match probabilities say around the pair: each record's likeliest
  candidate, whether this pair is it, and how many likely candidates each record has.

    .venv/bin/python bench/matching_ceiling.py 100000
    .venv/bin/python bench/matching_ceiling.py 100000 --version 1
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.matching import records_of  # noqa: E402
from bench.matching_data import VERSION, VERSIONS, generate  # noqa: E402
from karpear.matching.engine import model as engine  # noqa: E402


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def features(seed: int, size: int, version: int) -> dict[str, Any]:
    data = generate(size, seed=seed, version=version)
    records = records_of(data)
    prep = engine.prepare(records, engine.learn_spellings(records))
    a, b = engine.candidate_pairs(prep)
    levels = engine.compare(prep, a, b)
    fitted = engine.estimate(prep, (a, b), levels=levels)
    tf = engine.pair_name_tf(prep, a, b)
    probability = fitted.probability(levels, tf) * engine.plausible(levels)
    year_a, year_b = prep.year[a], prep.year[b]
    years = np.where((year_a == -9999) | (year_b == -9999), -1, np.abs(year_a - year_b))

    def scripts(i: np.ndarray) -> np.ndarray:
        result: np.ndarray = (prep.name_id[0][i] >= 0) + 2 * (prep.name_id[1][i] >= 0)
        return result

    comparisons = np.column_stack(
        [
            levels,
            engine.name_similarity(prep, a, b),
            engine.mother_similarity(prep, a, b),
            years,
            tf,
            np.minimum(prep.name_tf[a], prep.name_tf[b]),
            scripts(a),
            scripts(b),
        ]
    )
    best = np.zeros(len(prep))
    np.maximum.at(best, a, probability)
    np.maximum.at(best, b, probability)
    likely = np.bincount(np.r_[a[probability >= 0.1], b[probability >= 0.1]], minlength=len(prep))
    context = np.column_stack(
        [probability, best[a], best[b], probability >= best[a], probability >= best[b], likely[a], likely[b]]
    )
    truth = {_pair(x, y) for x, y in data.true_pairs}
    cross = {_pair(x, y) for x, y in data.cross_script_pairs}
    keys = prep.keys
    pairs = [_pair(keys[x], keys[y]) for x, y in zip(a.tolist(), b.tolist(), strict=True)]
    return {
        "comparisons": comparisons,
        "context": np.column_stack([comparisons, context]),
        "label": np.array([p in truth for p in pairs]),
        "cross": np.array([p in cross for p in pairs]),
        "true": len(truth),
        "cross_true": len(cross),
    }


def _score(chosen: np.ndarray, test: dict[str, Any]) -> str:
    hits = int((chosen & test["label"]).sum())
    precision, recall = hits / max(int(chosen.sum()), 1), hits / test["true"]
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    cross = int((chosen & test["cross"]).sum()) / max(test["cross_true"], 1)
    return f"precision {precision:.3f} recall {recall:.3f} F1 {f1:.3f} Khmer↔Latin recall {cross:.3f}"


def main(argv: list[str] | None = None) -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("size", type=int, nargs="?", default=100_000)
    parser.add_argument("--version", type=int, default=VERSION, choices=VERSIONS)
    args = parser.parse_args(argv)
    train, test = features(7, args.size, args.version), features(16, args.size, args.version)
    for name in ("comparisons", "context"):
        classifier = HistGradientBoostingClassifier(max_iter=300, max_leaf_nodes=63, random_state=0)
        classifier.fit(train[name], train["label"])
        chosen = classifier.predict_proba(test[name])[:, 1] >= 0.5
        print(f"supervised, {name}, {args.size:,} (set version {args.version}): {_score(chosen, test)}")


if __name__ == "__main__":
    main()
