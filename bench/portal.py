"""`make bench-portal`: the public safe-migration portal under 200 concurrent requests (issue 14, "Scale").

    python bench/portal.py                                 # 200 at once, 10 rounds, gunicorn with 1 worker
    python bench/portal.py --concurrency 200 --rounds 10 --workers 1 --db karpear_bench_portal

The portal is read by villagers who never log in, often at once (a radio spot, a workshop handing out the
address). The issue's target: 200 concurrent public page requests on loopback served with p95 < 300 ms by one
web process, reported beside a trivial page through the same stack.

How it measures:

* **Server**: gunicorn with `--workers` sync worker processes (default 1: "one web process"), production
  settings (DEBUG off, `collectstatic` first, a persistent database connection), on a free local port, over
  a PostgreSQL database that holds the portal's seeded content (migrations only; `--db`, default
  `karpear_bench_portal`, created and migrated when missing).
* **Clients**: one asyncio process opens `--concurrency` connections at the same moment, each sending one
  GET (as a phone does: a new connection, `Accept-Encoding: gzip`, the language cookie of half the
  visitors in Khmer, half in English) and reading the whole answer. The latency of a request is from the
  moment its connection is opened to the last byte, measured at the client. One burst per page and round.
* **Pages**, taking turns in `--rounds` rounds after one unrecorded warm-up round: the **trivial page**
  `/health/` (core's liveness answer: every middleware, no template, no database) and the portal's pages
  a visitor reads: home, a topic page, who can help, the job-offer check (empty and with answers), the
  help-request form and the status form.
* **Target**: p95 < 300 ms for every portal page; the figure is printed beside the trivial page's. A
  non-200 answer is an error and a MISS. Benchmarks are not tests: the exit status stays 0.

Results: bench/results/portal-<UTC timestamp>.json and bench/results/portal-latest.json (arguments, load
average, per page the summary and every sample). The client, gunicorn and PostgreSQL share the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.concurrency import start_gunicorn  # noqa: E402
from bench.run import (  # noqa: E402
    PG_SERVER,
    RESULTS,
    app_env,
    collectstatic,
    dev_env,
    ensure_database,
    free_port,
    percentile,
    run,
    write_json,
)

P95_MS = 300.0
TRIVIAL = "trivial page"
JOB_ANSWERS = "fee=yes&documents_kept=no&no_contract=unsure&too_good=yes&secret_travel=no"
PAGES: dict[str, str] = {
    TRIVIAL: "/health/",
    "portal home": "/safe-migration/",
    "topic page": "/safe-migration/{topic}/",
    "who can help": "/safe-migration/who-can-help/",
    "job check (form)": "/safe-migration/job-check/",
    "job check (answers)": "/safe-migration/job-check/?" + JOB_ANSWERS,
    "help request form": "/safe-migration/help/",
    "status form": "/safe-migration/status/",
}


async def fetch(port: int, path: str, language: str) -> tuple[float, int, int]:
    """One visitor's GET on a new connection: (seconds to the last byte, status, bytes received)."""
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html\r\nAccept-Encoding: gzip\r\n"
        f"Cookie: karpear_language={language}\r\nConnection: close\r\n\r\n"
    )
    writer.write(request.encode("ascii"))
    await writer.drain()
    answer = await reader.read()  # until the server closes the connection (Connection: close)
    elapsed = time.perf_counter() - started
    writer.close()
    status = int(answer[9:12]) if answer.startswith(b"HTTP/1.") else 0
    return elapsed, status, len(answer)


async def burst(port: int, path: str, concurrency: int) -> list[tuple[float, int, int]]:
    """`concurrency` visitors asking at the same moment; half in Khmer, half in English."""
    tasks = [fetch(port, path, "km" if i % 2 == 0 else "en") for i in range(concurrency)]
    results = await asyncio.gather(*tasks, return_exceptions=True)
    return [r if isinstance(r, tuple) else (0.0, 0, 0) for r in results]


def worker_cpu_seconds(master: int) -> float:
    """User + system CPU seconds of gunicorn's worker processes so far (Linux /proc): what the server spent,
    whatever else the machine was doing."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    for pid in children:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime (fields 14 and 15 of stat)
    return total


def first_topic(database_url: str) -> str:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute('SELECT slug FROM outreach_topic ORDER BY "order", slug LIMIT 1').fetchone()
    if not row:
        raise SystemExit("the bench database holds no portal topic: are outreach's migrations applied?")
    return str(row[0])


def summarise(samples: list[tuple[float, int, int]]) -> dict[str, Any]:
    good = [s for s, status, _ in samples if status == 200]
    errors = [status for _, status, _ in samples if status != 200]
    sizes = [size for _, status, size in samples if status == 200]
    return {
        "requests": len(samples),
        "p50_ms": round(percentile(good, 0.50) * 1000, 1) if good else None,
        "p95_ms": round(percentile(good, 0.95) * 1000, 1) if good else None,
        "max_ms": round(max(good) * 1000, 1) if good else None,
        "errors": len(errors),
        "error_statuses": sorted(set(errors))[:5],
        "bytes_mean": round(sum(sizes) / len(sizes)) if sizes else 0,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="karpear_bench_portal", help="PostgreSQL database (created if missing)")
    parser.add_argument("--concurrency", type=int, default=200, help="requests at the same moment (default 200)")
    parser.add_argument("--rounds", type=int, default=10, help="recorded rounds over the pages (default 10)")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn sync workers (default 1)")
    parser.add_argument("--port", type=int, default=0, help="gunicorn's port (default: a free one)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started_at = dt.datetime.now(dt.UTC)
    load_start = os.getloadavg()
    print(
        f"Karpear portal benchmark: {args.concurrency} concurrent requests, gunicorn {args.workers} sync "
        f"worker(s), {args.rounds} rounds; load average {load_start[0]:.2f} on {os.cpu_count()} CPUs",
        flush=True,
    )
    database_url = PG_SERVER + args.db
    created = ensure_database(args.db)
    print(f"  database {args.db}{' (created)' if created else ''}: migrating", flush=True)
    run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], dev_env(database_url), "migrate")
    env = app_env(database_url, secrets.token_urlsafe(48))
    collectstatic(env)
    topic = first_topic(database_url)
    paths = {page: path.format(topic=topic) for page, path in PAGES.items()}
    samples: dict[str, list[tuple[float, int, int]]] = {page: [] for page in PAGES}
    cpu: dict[str, float] = dict.fromkeys(PAGES, 0.0)
    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="karpear-bench-") as tmp_name:
        log = Path(tmp_name) / "gunicorn.log"
        port = args.port or free_port()
        server = start_gunicorn(env, port, args.workers, log)
        try:
            for round_ in range(args.rounds + 1):  # round 0 warms up and is not recorded
                for page, path in paths.items():
                    before = worker_cpu_seconds(server.pid)
                    answers = asyncio.run(burst(port, path, args.concurrency))
                    if round_:
                        samples[page].extend(answers)
                        cpu[page] += worker_cpu_seconds(server.pid) - before
                if round_:
                    print(f"  round {round_} of {args.rounds} done", flush=True)
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        server_log = log.read_text()[-3000:]

    summary = {page: summarise(s) for page, s in samples.items()}
    for page, s in summary.items():
        # The web process's CPU time per request: load-independent; 200 requests at once on one process are all
        # answered within about 200 times this on an otherwise idle core.
        s["server_cpu_ms"] = round(cpu[page] * 1000 / s["requests"], 2) if s["requests"] else None
    trivial = summary[TRIVIAL]["p95_ms"] or 0.0
    misses = [
        f"{page}: p95 {s['p95_ms']} ms (target < {P95_MS:g} ms)"
        for page, s in summary.items()
        if page != TRIVIAL and (s["p95_ms"] is None or s["p95_ms"] >= P95_MS)
    ]
    misses += [f"{page}: {s['errors']} errors {s['error_statuses']}" for page, s in summary.items() if s["errors"]]
    print(
        f"\n{args.concurrency} requests at once per burst, {args.rounds} bursts per page, gunicorn --workers "
        f"{args.workers} (sync), DEBUG off; latency at the client from connect to last byte (ms).\n"
    )
    print(
        f"{'page':<22}{'requests':>9}{'p50':>9}{'p95':>9}{'max':>9}{'×trivial':>10}{'cpu/req':>9}{'bytes':>8}"
        f"{'errors':>8}"
    )
    for page, s in summary.items():
        ratio = f"{s['p95_ms'] / trivial:.2f}" if s["p95_ms"] and trivial else "-"
        print(
            f"{page:<22}{s['requests']:>9}{s['p50_ms']!s:>9}{s['p95_ms']!s:>9}{s['max_ms']!s:>9}{ratio:>10}"
            f"{s['server_cpu_ms']!s:>9}{s['bytes_mean']:>8}{s['errors']:>8}"
        )
    print("\ncpu/req: the web process's CPU milliseconds per request (user + system), whatever the machine's load.")
    load_end = os.getloadavg()
    print(
        f"\nload average (1 min) {load_start[0]:.2f} at the start, {load_end[0]:.2f} at the end, {os.cpu_count()} CPUs"
    )
    stamp = started_at.strftime("%Y%m%d-%H%M%S")
    result = {
        "started": started_at.isoformat(timespec="seconds"),
        "args": vars(args),
        "environment": {"cpus": os.cpu_count(), "loadavg_start": load_start, "loadavg_end": load_end},
        "target_p95_ms": P95_MS,
        "summary": summary,
        "misses": misses,
        "samples_ms": {page: [round(s * 1000, 2) for s, _, _ in values] for page, values in samples.items()},
        "server_log_tail": server_log,
    }
    path = RESULTS / f"portal-{stamp}.json"
    write_json(path, result)
    write_json(RESULTS / "portal-latest.json", result)
    print(f"\n{len(misses)} target(s) missed{':' if misses else '.'}")
    for miss in misses:
        print(f"  MISS {miss}")
    print(f"Results: {path.relative_to(ROOT)} (and bench/results/portal-latest.json)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
