"""The ceiling of what the matching engine's comparisons can tell at a size (issue 16): a classifier fitted on
the *truth* of a training set (seed 7) — the match rate of each combination of comparison levels and name
frequency (half powers of two) among its candidate pairs, a pair proposed from 0.5 — applied to the
evaluation set (seed 16). Supervised, so not a method Karpear may use; it says how far any model over the same
comparisons can go. Not a test; prints one line.

    .venv/bin/python bench/matching_ceiling.py 100000               # every comparison
    .venv/bin/python bench/matching_ceiling.py 100000 --no-family   # without the mother's name and household
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.matching import records_of  # noqa: E402
from bench.matching_data import generate  # noqa: E402
from karpear.matching.engine import model as engine  # noqa: E402


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def features(seed: int, size: int) -> tuple[list[tuple[int, ...]], np.ndarray, int]:
    data = generate(size, seed=seed)
    records = records_of(data, family=FAMILY)
    prep = engine.prepare(records, engine.learn_spellings(records))
    a, b = engine.candidate_pairs(prep)
    levels = engine.compare(prep, a, b)
    bucket = np.round(np.log2(np.maximum(engine.pair_name_tf(prep, a, b), 1e-9)) * 2).astype(int)
    truth = {_pair(x, y) for x, y in data.true_pairs}
    keys = prep.keys
    label = np.array([_pair(keys[x], keys[y]) in truth for x, y in zip(a.tolist(), b.tolist(), strict=True)])
    return [(*row, t) for row, t in zip(levels.tolist(), bucket.tolist(), strict=True)], label, len(truth)


FAMILY = "--no-family" not in sys.argv  # the mother's name and household members compared, or not


def main(size: int) -> None:
    train, train_label, _ = features(7, size)
    counts: dict[tuple[int, ...], list[int]] = defaultdict(lambda: [0, 0])
    for row, label in zip(train, train_label.tolist(), strict=True):
        counts[row][0] += int(label)
        counts[row][1] += 1
    test, test_label, true = features(16, size)
    proposed = np.array([counts[row][1] > 0 and counts[row][0] / counts[row][1] >= 0.5 for row in test])
    hits = int((proposed & test_label).sum())
    precision, recall = hits / max(int(proposed.sum()), 1), hits / true
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(f"ceiling at {size:,}: precision {precision:.3f} recall {recall:.3f} F1 {f1:.3f}")


if __name__ == "__main__":
    sizes = [a for a in sys.argv[1:] if a.isdigit()]
    main(int(sizes[0]) if sizes else 100_000)
