"""`make bench-concurrency`: the audited person page under concurrent clients, beside the person list (issue 8).

    python bench/concurrency.py                          # 100k people, 20 clients, gunicorn with 2 workers
    python bench/concurrency.py --db h_bench_100k --clients 20 --workers 2 --seconds 15 --rounds 2

Every read of a person's identifying details appends an audit event; issue 8 found that each append took one
global row lock, so the audited person page served a third of what the person list did under 20 clients.
This measures it the way users meet it: gunicorn (sync workers) with production settings (DEBUG off) on
PostgreSQL with the bench consortium of bench/generate.py, and CLIENTS threads, each with its own keep-alive
HTTP connection and the session cookie of the bench case supervisor (logged in, second step passed), asking
as fast as answers come for SECONDS seconds per page:

* trivial page: `/places/` (the same stack, no people), the baseline of DESIGN §11;
* person list: `/people/`, first page (organisation scope: every person of BENCH1);
* person page: `/people/<uuid>/` with identifying details, each request another of 500 people of BENCH1:
  one audited identity read per request (the run checks that the audit log grew by exactly that many).

Pages take turns in ROUNDS rounds (after a warm-up), so machine noise hits them alike. Printed per page:
requests, throughput (req/s), p50 and p95 latency (ms, measured at the client), errors; then the ratio
person page / person list throughput (target ≥ 50 %). A non-200 answer counts as an error and is a MISS.
Results: bench/results/concurrency-<UTC timestamp>.json and bench/results/concurrency-latest.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.run import (  # noqa: E402
    PG_SERVER,
    RESULTS,
    SIZES,
    app_env,
    collectstatic,
    free_port,
    percentile,
    pg_connect,
    prepare_size,
    write_json,
)

PAGES = ("trivial page", "person list", "person page")
RATIO_MIN = 0.5  # person page throughput / person list throughput
PEOPLE_SAMPLE = 500
ROLE = "case_supervisor"


# ================================================================ worker: sessions (Django, the bench database)
def worker_sessions(args: argparse.Namespace) -> None:
    """Log the bench case supervisor in once per client and pick people of BENCH1 with identities."""
    from bench.common import LARGEST, bench_client, bench_organisation, setup_django

    setup_django()
    from django.conf import settings

    from karpear.core.models import Identity

    organisation = bench_organisation(LARGEST)
    cookies = []
    for _ in range(args.clients):
        client = bench_client(ROLE)
        cookies.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    people = [
        str(u)
        for u in Identity.objects.filter(organisation=organisation)
        .order_by("?")
        .values_list("person__uuid", flat=True)[:PEOPLE_SAMPLE]
    ]
    write_json(Path(args.out), {"cookie_name": settings.SESSION_COOKIE_NAME, "cookies": cookies, "people": people})


# ================================================================ the load
class Client(threading.Thread):
    """One user: a keep-alive connection, a session cookie, requests one after the other."""

    def __init__(self, port: int, cookie: str, paths: list[str], stop: threading.Event, start: threading.Barrier):
        super().__init__(daemon=True)
        self.port, self.cookie, self.paths = port, cookie, paths
        self.stop, self.start_line = stop, start
        self.samples: list[float] = []
        self.errors: list[str] = []
        self.answered = 0  # 200 answers, recorded or not (each person page is one audited read)
        self.recording = False

    def run(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Cookie": self.cookie, "Accept": "text/html", "Accept-Encoding": "gzip"}
        self.start_line.wait()
        index = 0
        while not self.stop.is_set():
            path = self.paths[index % len(self.paths)]
            index += 1
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                status, detail = 0, repr(exc)
            else:
                detail = f"{status} {path}"
            elapsed = time.perf_counter() - started
            self.answered += status == 200
            if self.recording:
                if status == 200:
                    self.samples.append(elapsed)
                else:
                    self.errors.append(detail)
        connection.close()


def hammer(port: int, cookies: list[str], paths: list[str], seconds: float, warmup: float) -> dict[str, Any]:
    """All clients on one page for `warmup` + `seconds`; only the last `seconds` are recorded."""
    stop = threading.Event()
    start = threading.Barrier(len(cookies) + 1)
    clients = [
        Client(port, cookie, paths[i % len(paths) :] + paths[: i % len(paths)], stop, start)
        for i, cookie in enumerate(cookies)
    ]
    for client in clients:
        client.start()
    start.wait()
    time.sleep(warmup)
    for client in clients:
        client.recording = True
    t0 = time.perf_counter()
    time.sleep(seconds)
    for client in clients:
        client.recording = False
    elapsed = time.perf_counter() - t0
    stop.set()
    for client in clients:
        client.join(150)
    samples = [s for c in clients for s in c.samples]
    errors = [e for c in clients for e in c.errors]
    return {"seconds": elapsed, "samples": samples, "errors": errors, "answered": sum(c.answered for c in clients)}


def view_events(database: str) -> int:
    with pg_connect(database) as conn:
        row = conn.execute("SELECT count(*) FROM core_auditevent WHERE action = 'view'").fetchone()
        return int(row[0]) if row else 0


def start_gunicorn(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "gunicorn", "karpear.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    cmd += ["--workers", str(workers), "--timeout", "120", "--log-level", "warning", "--error-logfile", "-"]
    cmd += ["--control-socket", str(log.parent / "gunicorn.ctl")]  # not the shared ~/.gunicorn/gunicorn.ctl
    server = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/account/login/")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise SystemExit(f"gunicorn did not start: see {log}\n{log.read_text()[-2000:]}")
        time.sleep(0.3)


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    samples = [s for r in runs for s in r["samples"]]
    seconds = sum(r["seconds"] for r in runs)
    errors = [e for r in runs for e in r["errors"]]
    return {
        "requests": len(samples),
        "seconds": round(seconds, 2),
        "throughput": round(len(samples) / seconds, 1) if seconds else 0.0,
        "p50_ms": round(percentile(samples, 0.50) * 1000, 1) if samples else None,
        "p95_ms": round(percentile(samples, 0.95) * 1000, 1) if samples else None,
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:5],
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="100k", choices=list(SIZES), help="bench size (default 100k)")
    parser.add_argument("--db", default="", help="database (default karpear_bench_<size>, as bench/run.py)")
    parser.add_argument("--regenerate", action="store_true", help="regenerate the people even when present")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    parser.add_argument("--seconds", type=float, default=15.0, help="recorded seconds per page and round")
    parser.add_argument("--warmup", type=float, default=3.0, help="unrecorded seconds before each (default 3)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds over the three pages (default 2)")
    parser.add_argument("--port", type=int, default=0, help="gunicorn's port (default: a free one)")
    parser.add_argument("--worker", choices=["sessions"], help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.db = args.db or f"karpear_bench_{args.size}"
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker == "sessions":
        worker_sessions(args)
        return 0

    started_at = dt.datetime.now(dt.UTC)
    load_start = os.getloadavg()
    print(
        f"Karpear concurrency benchmark: {args.clients} clients, gunicorn {args.workers} workers, {args.size} "
        f"people in {args.db}, {args.rounds} rounds x {args.seconds:g} s per page; load average "
        f"{load_start[0]:.2f} on {os.cpu_count()} CPUs",
        flush=True,
    )
    info = prepare_size(args.size, args.db, args.regenerate)
    env = app_env(PG_SERVER + args.db, secrets.token_urlsafe(48))
    collectstatic(env)
    RESULTS.mkdir(parents=True, exist_ok=True)
    results: dict[str, list[dict[str, Any]]] = {page: [] for page in PAGES}
    audited = {"requests": 0, "events": 0}
    with tempfile.TemporaryDirectory(prefix="karpear-bench-") as tmp_name:
        tmp = Path(tmp_name)
        out = tmp / "sessions.json"
        subprocess.run(
            [sys.executable, __file__, "--worker", "sessions", "--clients", str(args.clients), "--out", str(out)],
            cwd=ROOT,
            env=env,
            check=True,
        )
        sessions = json.loads(out.read_text())
        cookies = [f"{sessions['cookie_name']}={value}; karpear_language=km" for value in sessions["cookies"]]
        paths = {
            "trivial page": ["/places/"],
            "person list": ["/people/"],
            "person page": [f"/people/{uuid}/" for uuid in sessions["people"]],
        }
        port = args.port or free_port()
        log = tmp / "gunicorn.log"
        server = start_gunicorn(env, port, args.workers, log)
        try:
            for round_ in range(1, args.rounds + 1):
                for page in PAGES:
                    before = view_events(args.db) if page == "person page" else 0
                    run = hammer(port, cookies, paths[page], args.seconds, args.warmup)
                    if page == "person page":
                        # Every answered request, recorded or not, read identifying details once.
                        audited["events"] += view_events(args.db) - before
                        audited["requests"] += run["answered"]
                    results[page].append(run)
                    print(
                        f"  round {round_}: {page:<12} {len(run['samples']) / run['seconds']:7.1f} req/s, "
                        f"{len(run['errors'])} errors",
                        flush=True,
                    )
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        server_log = log.read_text()[-3000:]

    summary = {page: summarise(runs) for page, runs in results.items()}
    person, listing, trivial = summary["person page"], summary["person list"], summary["trivial page"]
    ratio = person["throughput"] / listing["throughput"] if listing["throughput"] else 0.0
    misses = []
    if ratio < RATIO_MIN:
        misses.append(f"person page throughput is {ratio:.0%} of the person list's (target >= {RATIO_MIN:.0%})")
    misses += [
        f"{page}: {s['errors']} errors, e.g. {s['error_examples']}" for page, s in summary.items() if s["errors"]
    ]
    if audited["events"] != audited["requests"]:
        misses.append(f"{audited['requests']} person pages answered but {audited['events']} identity reads audited")

    print(
        f"\n{args.clients} concurrent clients, gunicorn --workers {args.workers} (sync), DEBUG off, "
        f"{info['people']:,} people; latency measured at the client (ms).\n"
    )
    print(f"{'page':<14}{'requests':>9}{'req/s':>8}{'p50':>8}{'p95':>8}{'errors':>8}")
    for page in PAGES:
        s = summary[page]
        print(f"{page:<14}{s['requests']:>9}{s['throughput']:>8.1f}{s['p50_ms']:>8}{s['p95_ms']:>8}{s['errors']:>8}")
    print(
        f"\nperson page / person list throughput: {ratio:.0%} (target >= {RATIO_MIN:.0%}); "
        f"person page / trivial page: {person['throughput'] / trivial['throughput']:.0%}"
    )
    load_end = os.getloadavg()
    print(f"load average (1 min) {load_start[0]:.2f} at the start, {load_end[0]:.2f} at the end, {os.cpu_count()} CPUs")
    print(f"audited identity reads: {audited['events']:,} events for {audited['requests']:,} person pages answered")

    stamp = started_at.strftime("%Y%m%d-%H%M%S")
    result = {
        "started": started_at.isoformat(timespec="seconds"),
        "args": {k: v for k, v in vars(args).items() if k not in ("worker", "out")},
        "database": info,
        "environment": {"cpus": os.cpu_count(), "loadavg_start": load_start, "loadavg_end": load_end},
        "summary": summary,
        "ratio_person_page_to_list": round(ratio, 3),
        "target_ratio_min": RATIO_MIN,
        "audited": audited,
        "misses": misses,
        "samples_ms": {
            page: [round(s * 1000, 2) for r in runs for s in r["samples"]] for page, runs in results.items()
        },
        "server_log_tail": server_log,
    }
    path = RESULTS / f"concurrency-{stamp}.json"
    write_json(path, result)
    write_json(RESULTS / "concurrency-latest.json", result)
    print(f"\n{len(misses)} target(s) missed{':' if misses else '.'}")
    for miss in misses:
        print(f"  MISS {miss}")
    print(f"Results: {path.relative_to(ROOT)} (and bench/results/concurrency-latest.json)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
