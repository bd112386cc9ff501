"""`make bench`: server time, SQL queries and page weight of Karpear's people pages on PostgreSQL (issue part 14).

    python bench/run.py                      # 10k, 100k and 1M people, 30 timed requests each
    python bench/run.py --quick              # smoke run: 10k people, 10 timed requests
    python bench/run.py --sizes 100k --repeat 50 --explain
    python bench/run.py --db-1m karpear_bench  # reuse an existing 1M database

For each size the people live in a PostgreSQL database of their own (karpear_bench_10k, ...), created,
migrated and filled by bench/generate.py when it does not hold that many bench people yet. A worker process
per size (Django settings are per process) then times, through Django's test client in-process (no network)
and with production settings (DEBUG off), the person list and three name searches as the case supervisor
of the largest bench organisation (organisation scope) and as a caseworker (own scope), each beside

* the raw-SQL baseline: ONE query through `connection.cursor()` fetching the rows the page shows (the case
  numbers are compared with the page's, so the baseline is known to be right), and
* the trivial page: `/places/` without a query, through the same middleware, session, login, second-factor
  check and base template.

All three are timed in the same rounds, interleaved, so machine noise hits them alike. Last, a real server
(`runserver` with DEBUG off; whitenoise serves the compressed static files) and Debian's chromium measure the
transferred bytes of the login page on a first visit and of the later pages after logging in with a TOTP
code, in Khmer and in English.

Benchmarks are not tests: a missed target is marked in the table and in the JSON, and the exit status stays 0.
Results: bench/results/bench-<timestamp>.json and bench/results/latest.json. See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import BENCH_PASSWORD, LARGEST, ORG_SHARES, setup_django  # noqa: E402
from e2e.chromium import CHROMIUM, CHROMIUM_ARGS, PHONE  # noqa: E402

RESULTS = ROOT / "bench" / "results"
PG_SERVER = "postgres://postgres@127.0.0.1:5432/"
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
DEFAULT_DB = {label: f"karpear_bench_{label}" for label in SIZES}

# The targets of issue part 14 and DESIGN §8 / §11.
P95_MS = 200.0  # at 1M
RATIO_MAX = 3.0  # page p95 / (trivial page p95 + raw SQL p95), at 1M
QUERIES_MAX = 10  # every page, every size
FIRST_VISIT_KB = 150.0
LATER_PAGE_KB = 30.0
JUDGED_AT = "1m"  # the size at which the time and ratio targets apply

ROLES = (("case_supervisor", "organisation"), ("caseworker", "own"))
PAGE_SIZE = 25  # karpear.core.views.PAGE_SIZE: the page fetches PAGE_SIZE + 1 rows to know of a next page
CASE_LINK = re.compile(r'<a href="/people/[0-9a-f-]{36}/">([^<]+)</a>')


# ================================================================ helpers shared by both sides
def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    low = math.floor(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def app_env(database_url: str, secret_key: str) -> dict[str, str]:
    """The environment of a production-like Karpear process over plain HTTP on this machine."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="karpear.settings",
        KARPEAR_DEBUG="false",
        KARPEAR_SECRET_KEY=secret_key,
        KARPEAR_AUDIT_KEY=secret_key,
        KARPEAR_SECURE_SSL_REDIRECT="false",
        KARPEAR_SECURE_COOKIES="false",
        KARPEAR_HSTS_SECONDS="0",
        KARPEAR_ALLOWED_HOSTS="127.0.0.1,localhost",
        # One connection for the whole run, so a reconnect does not land in a sample.
        KARPEAR_DB_CONN_MAX_AGE="3600",
        KARPEAR_LOG_LEVEL="ERROR",
        # The bench repeats each name search many times; a person is limited per user (the count and the
        # audit event of each search are still written, so they are in the timings).
        KARPEAR_NAME_SEARCH_RATE="1000000/1m",
        PYTHONUNBUFFERED="1",
    )
    env.pop("KARPEAR_TESTING", None)
    return env


def dev_env(database_url: str) -> dict[str, str]:
    """For migrate and bench/generate.py (which refuses to run with DEBUG off)."""
    env = dict(os.environ)
    env.update(DATABASE_URL=database_url, KARPEAR_DEBUG="true", PYTHONUNBUFFERED="1")
    return env


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8")


# ================================================================ worker: server times (one size, one process)
def like_prefix(key: str) -> str:
    return key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


PERSON_COLUMNS = "p.case_number, p.uuid, p.initials, p.sex, p.birth_year, c.name_km, c.name_en, pr.name_km, pr.name_en"


def baseline_sql(scope: str, key_field: str | None) -> str:
    """One hand-written query for the rows a people page shows: the organisation (and, for the own scope, the
    user's records), for a name search the name-key prefix on core_identity joined to core_person (for a
    case-number search the case-number prefix), newest first, page size + 1 rows, with the commune and
    province the row displays."""
    where = ["p.organisation_id = %(org)s"]
    if scope == "own":
        where.append("(p.created_by_id = %(user)s OR p.assigned_to_id = %(user)s)")
    join = ""
    if key_field == "case_number":
        where.append("p.case_number LIKE %(prefix)s")  # stored upper-case; the page upper-cases the query
    elif key_field:
        join = "JOIN core_identity i ON i.person_id = p.id "
        where.append("i.organisation_id = %(org)s")
        where.append(f"(i.{key_field}_key LIKE %(prefix)s OR i.{key_field}_alt_key LIKE %(prefix)s)")
    return (
        f"SELECT {PERSON_COLUMNS} FROM core_person p {join}"
        "LEFT JOIN core_commune c ON c.code = p.commune_id "
        "LEFT JOIN core_province pr ON pr.code = p.province_id "
        f"WHERE {' AND '.join(where)} "
        "ORDER BY p.created_at DESC, p.id DESC LIMIT %(limit)s"
    )


def count_sql(scope: str, key_field: str | None) -> str:
    """How many rows the page's condition matches in all (reported, not timed)."""
    sql = baseline_sql(scope, key_field)
    body = sql[sql.index(" FROM ") : sql.index(" ORDER BY ")]
    return f"SELECT count(*) {body}"


def choose_queries(cursor: Any, org_id: int, caseworker_id: int) -> dict[str, str]:
    """Search terms that exist in this database: a Khmer given-name prefix, a frequent romanised family name,
    and the full romanised name and the case number of the caseworker's oldest record (rare: the deepest
    match)."""
    from bench.names import FAMILY, FEMALE, MALE, UNISEX
    from karpear.core.text import khmer_key, latin_key

    def matches(field: str, key: str) -> int:
        cursor.execute(
            "SELECT count(*) FROM (SELECT 1 FROM core_identity WHERE organisation_id = %s "
            f"AND ({field}_key LIKE %s OR {field}_alt_key LIKE %s) LIMIT 1000) s",
            [org_id, like_prefix(key), like_prefix(key)],
        )
        return int(cursor.fetchone()[0])

    chosen: dict[str, str] = {}
    for km, _latin, _weight in sorted(FEMALE + MALE + UNISEX, key=lambda n: -n[2]):
        prefix = km[:3]  # e.g. សុភ of សុភា: what someone has typed after three keystrokes
        if matches("name_km", khmer_key(prefix)) > PAGE_SIZE:
            chosen["search_km"] = prefix
            break
    for _km, latin, _weight in sorted(FAMILY, key=lambda n: -n[2]):
        if matches("name_latin", latin_key(latin[0])) > PAGE_SIZE:
            chosen["search_latin"] = latin[0]
            break
    cursor.execute(
        "SELECT i.name_latin FROM core_person p JOIN core_identity i ON i.person_id = p.id "
        "WHERE p.organisation_id = %s AND (p.created_by_id = %s OR p.assigned_to_id = %s) AND i.name_latin <> '' "
        "ORDER BY p.created_at, p.id LIMIT 1",
        [org_id, caseworker_id, caseworker_id],
    )
    row = cursor.fetchone()
    if row:
        chosen["search_latin_full"] = row[0]
    cursor.execute(
        "SELECT p.case_number FROM core_person p "
        "WHERE p.organisation_id = %s AND (p.created_by_id = %s OR p.assigned_to_id = %s) "
        "ORDER BY p.created_at, p.id LIMIT 1",
        [org_id, caseworker_id, caseworker_id],
    )
    row = cursor.fetchone()
    if row:
        chosen["search_case"] = row[0]
    return chosen


PAGE_LABELS = {
    "list": "person list",
    "search_km": "search, Khmer given-name prefix",
    "search_latin": "search, Latin family name",
    "search_latin_full": "search, full Latin name (rare)",
    "search_case": "search, case number (oldest)",
}


def explain(cursor: Any, sql: str, params: Any = None) -> list[str]:
    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
    return [r[0] for r in cursor.fetchall()]


def worker_times(args: argparse.Namespace) -> None:
    setup_django()
    from django.db import connection

    from bench.common import bench_organisation, bench_user

    started = time.perf_counter()
    organisation = bench_organisation(LARGEST)
    cursor = connection.cursor()
    cursor.execute("SELECT count(*) FROM core_person")
    people_in_db = int(cursor.fetchone()[0])
    terms = choose_queries(cursor, organisation.pk, bench_user("caseworker").pk)
    print(f"  search terms: {json.dumps(terms, ensure_ascii=False)}", flush=True)
    scopes = []
    for role, scope in ROLES:
        scopes.append(measure_scope(role, scope, organisation.pk, terms, args))
        print(f"  {role}: done ({time.perf_counter() - started:.0f}s)", flush=True)

    cursor.execute("SELECT version()")
    version = cursor.fetchone()[0]
    pg_settings = {}
    for name in ("shared_buffers", "work_mem", "effective_cache_size", "jit", "random_page_cost"):
        cursor.execute(f"SHOW {name}")
        pg_settings[name] = cursor.fetchone()[0]
    result = {
        "people_in_db": people_in_db,
        "organisation": organisation.short_name,
        "organisation_people": scopes[0]["visible_people"],
        "search_terms": terms,
        "postgresql": version,
        "postgresql_settings": pg_settings,
        "scopes": scopes,
        "seconds": round(time.perf_counter() - started, 1),
    }
    write_json(Path(args.out), result)


def measure_scope(role: str, scope: str, org_id: int, terms: dict[str, str], args: argparse.Namespace) -> dict:
    """Time the people pages, their raw-SQL baselines and the trivial page for the bench user of `role`."""
    from urllib.parse import urlencode

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.common import bench_client, bench_user
    from karpear.core.text import has_khmer, khmer_key, latin_key

    user = bench_user(role)
    client = bench_client(role)
    client.cookies["karpear_language"] = "km"  # the default language of the app
    cursor = connection.cursor()
    base_params = {"org": org_id, "user": user.pk, "limit": PAGE_SIZE + 1}
    cursor.execute(count_sql(scope, None), base_params)
    visible = int(cursor.fetchone()[0])

    def get(url: str) -> str:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} answered {response.status_code} {response.get('Location', '')}")
        return response.content.decode()

    def raw(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        with connection.cursor() as c:
            c.execute(sql, params)
            return c.fetchall()

    pages: list[dict[str, Any]] = []
    for name in PAGE_LABELS:
        if name == "list":
            url, key_field, params = "/people/", None, dict(base_params)
        elif name == "search_case" and name in terms:
            url = "/people/?" + urlencode({"q": terms[name]})
            key_field, params = "case_number", {**base_params, "prefix": like_prefix(terms[name].upper())}
        elif name in terms:
            query = terms[name]
            url = "/people/?" + urlencode({"q": query})
            khmer = has_khmer(query)
            key_field = "name_km" if khmer else "name_latin"
            key = khmer_key(query) if khmer else latin_key(query)
            params = {**base_params, "prefix": like_prefix(key)}
        else:
            continue
        cursor.execute(count_sql(scope, key_field), params)
        pages.append(
            {
                "name": name,
                "label": PAGE_LABELS[name],
                "url": url,
                "query": terms.get(name, ""),
                "matching_rows": int(cursor.fetchone()[0]),
                "raw": {"sql": baseline_sql(scope, key_field), "params": params},
            }
        )

    # The baseline must fetch what the page shows: the same case numbers, in the same order.
    for page in pages:
        html = get(page["url"])
        shown = CASE_LINK.findall(html.split('id="results"', 1)[1])
        rows = raw(page["raw"]["sql"], page["raw"]["params"])
        expected = [r[0] for r in rows[:PAGE_SIZE]]
        has_next = "page=2" in html
        page["rows_shown"] = len(shown)
        page["has_next"] = has_next
        page["rows_match"] = shown == expected and has_next == (len(rows) > PAGE_SIZE)
        if not page["rows_match"]:
            raise AssertionError(
                f"{role} {page['url']}: the raw-SQL baseline does not fetch what the page shows\n"
                f"  page: {shown} (next page: {has_next})\n  raw:  {expected} ({len(rows)} rows)"
            )

    # SQL queries of one request each, after a first request warmed every cache.
    trivial: dict[str, Any] = {"name": "trivial", "label": "trivial page /places/", "url": "/places/"}
    for page in [trivial, *pages]:
        get(page["url"])
        with CaptureQueriesContext(connection) as captured:
            get(page["url"])
        page["queries"] = len(captured.captured_queries)
        page["query_log"] = [
            {"ms": round(float(q["time"]) * 1000, 2), "sql": q["sql"]} for q in captured.captured_queries
        ]

    # Timed rounds: the trivial page, then each page and its raw query, interleaved.
    timed: list[tuple[str, Callable[[], Any]]] = [("trivial", lambda: get("/places/"))]
    for page in pages:
        timed.append((page["name"], lambda url=page["url"]: get(url)))
        timed.append(("raw_" + page["name"], lambda p=page["raw"]: raw(p["sql"], p["params"])))
    samples: dict[str, list[float]] = {name: [] for name, _fn in timed}
    for _ in range(args.warmup):
        for _name, fn in timed:
            fn()
    for _ in range(args.repeat):
        for name, fn in timed:
            t0 = time.perf_counter()
            fn()
            samples[name].append((time.perf_counter() - t0) * 1000)

    trivial.update(summary(samples["trivial"]))
    for page in pages:
        page.update(summary(samples[page["name"]]))
        page["raw"].update(summary(samples["raw_" + page["name"]]))
        page["trivial_p95_ms"] = trivial["p95_ms"]
        page["ratio_baseline"] = round(page["p95_ms"] / (trivial["p95_ms"] + page["raw"]["p95_ms"]), 2)
        page["ratio_raw"] = round(page["p95_ms"] / page["raw"]["p95_ms"], 1)
        # The plans of the page's own people query and of the baseline, now that the caches are warm.
        main = [q for q in page["query_log"] if "core_person" in q["sql"] and "LIMIT" in q["sql"]]
        if main:
            page["explain_page"] = explain(cursor, main[-1]["sql"])
        page["explain_raw"] = explain(cursor, page["raw"]["sql"], page["raw"]["params"])
    return {
        "role": role,
        "scope": scope,
        "user": user.username,
        "visible_people": visible,
        "trivial": trivial,
        "pages": pages,
    }


def summary(values: list[float]) -> dict[str, Any]:
    return {
        "p50_ms": round(percentile(values, 0.5), 3),
        "p95_ms": round(percentile(values, 0.95), 3),
        "min_ms": round(min(values), 3),
        "max_ms": round(max(values), 3),
        "samples_ms": [round(v, 3) for v in values],
    }


# ================================================================ worker: page weight in chromium
def worker_weight(args: argparse.Namespace) -> None:
    # Playwright's sync API runs an event loop in this thread; the ORM calls here are plain and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    setup_django()
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from playwright.sync_api import sync_playwright

    from bench.common import bench_user

    user = bench_user("caseworker")
    original_language = user.language
    device = TOTPDevice.objects.filter(user=user, name="bench-totp", confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="bench-totp", confirmed=True)

    def totp_code() -> str:
        """The current code, waiting for the next time step if this one was used already (replay guard)."""
        device.refresh_from_db()
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        while totp.t() <= device.last_t:
            time.sleep(0.5)
        return f"{totp.token():0{device.digits}d}"

    base = args.base_url.rstrip("/")
    languages = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            for language in ("km", "en"):
                # After login Karpear sets the language cookie to the user's language: make it this run's.
                user.language = language
                user.save(update_fields=["language"])
                languages.append(weigh_language(browser, base, language, user.username, totp_code))
            browser.close()
    finally:
        user.language = original_language
        user.save(update_fields=["language"])
    write_json(Path(args.out), {"server": base, "user": user.username, "languages": languages})


class NetworkLog:
    """Bytes on the wire per request, from the Chrome DevTools protocol (encodedDataLength: headers + body
    as received, i.e. compressed), including redirects and responses served from the cache (0 bytes)."""

    def __init__(self, cdp: Any) -> None:
        self.requests: dict[str, dict[str, Any]] = {}
        self.entries: list[dict[str, Any]] = []
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.requestServedFromCache", self._cached)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.loadingFailed", self._failed)
        cdp.send("Network.enable")

    def _sent(self, event: dict[str, Any]) -> None:
        redirect = event.get("redirectResponse")
        previous = self.requests.get(event["requestId"])
        if redirect and previous:
            previous.update(
                status=redirect["status"], bytes=int(redirect.get("encodedDataLength", 0)), encoding="", done=True
            )
            self.entries.append(previous)
        request = event["request"]
        entry = {
            "url": request["url"],
            "method": request["method"],
            "type": event.get("type", ""),
            "status": None,
            "bytes": 0,
            "encoding": "",
            "from_cache": False,
            "done": False,
        }
        self.requests[event["requestId"]] = entry

    def _response(self, event: dict[str, Any]) -> None:
        entry = self.requests.get(event["requestId"])
        if entry is None:
            return
        response = event["response"]
        headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
        entry["status"] = response["status"]
        entry["encoding"] = headers.get("content-encoding", "")
        entry["type"] = event.get("type", entry["type"])
        if response.get("fromDiskCache") or response.get("fromPrefetchCache"):
            entry["from_cache"] = True

    def _cached(self, event: dict[str, Any]) -> None:
        entry = self.requests.get(event["requestId"])
        if entry is not None:
            entry["from_cache"] = True

    def _finished(self, event: dict[str, Any]) -> None:
        entry = self.requests.pop(event["requestId"], None)
        if entry is not None:
            entry.update(bytes=int(event.get("encodedDataLength", 0)), done=True)
            self.entries.append(entry)

    def _failed(self, event: dict[str, Any]) -> None:
        entry = self.requests.pop(event["requestId"], None)
        if entry is not None:
            entry.update(failed=event.get("errorText", "failed"), done=True)
            self.entries.append(entry)

    def take(self) -> list[dict[str, Any]]:
        entries, self.entries = self.entries, []
        return entries


def weigh_language(browser: Any, base: str, language: str, username: str, totp_code: Callable[[], str]) -> dict:
    locale = "km-KH" if language == "km" else "en-GB"
    context = browser.new_context(base_url=base, viewport=PHONE, locale=locale)  # fresh profile: empty cache
    context.set_default_timeout(30_000)
    page = context.new_page()
    log = NetworkLog(context.new_cdp_session(page))
    steps: list[dict[str, Any]] = []

    def settle(name: str, first_visit: bool, expect_path: str) -> None:
        page.wait_for_load_state("networkidle")
        page.evaluate("document.fonts.ready.then(() => true)")
        page.wait_for_timeout(300)  # late events (a font, the favicon) reach the log
        path = page.url.removeprefix(base)
        if path.split("?")[0] != expect_path:
            raise SystemExit(f"{language}: expected {expect_path} after '{name}', got {page.url}")
        entries = log.take()
        total = sum(e["bytes"] for e in entries)
        budget = FIRST_VISIT_KB if first_visit else LATER_PAGE_KB
        steps.append(
            {
                "name": name,
                "path": path,
                "first_visit": first_visit,
                "requests": len(entries),
                "requests_from_cache": sum(1 for e in entries if e["from_cache"]),
                "bytes": total,
                "kb": round(total / 1024, 1),
                "budget_kb": budget,
                "ok": total / 1024 <= budget,
                "resources": [
                    {
                        "url": e["url"].removeprefix(base),
                        "method": e["method"],
                        "type": e["type"],
                        "status": e["status"],
                        "encoding": e["encoding"],
                        "from_cache": e["from_cache"],
                        "bytes": e["bytes"],
                        **({"failed": e["failed"]} if "failed" in e else {}),
                    }
                    for e in entries
                ],
            }
        )

    page.goto("/account/login/")
    settle("login page (first visit, empty cache)", True, "/account/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", BENCH_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button.primary").click()
    settle("log in → second-step page", False, "/account/two-factor/")
    page.fill("#id_otp_token", totp_code())
    with page.expect_navigation():
        page.locator("main form button.primary").click()
    settle("second step → home page", False, "/")
    page.goto("/")
    settle("home page (later visit)", False, "/")
    page.goto("/people/")
    settle("people list (later page)", False, "/people/")
    context.close()
    return {"language": language, "locale": locale, "steps": steps}


# ================================================================ orchestration
def pg_connect(database: str = "postgres") -> Any:
    import psycopg

    return psycopg.connect(PG_SERVER + database, autocommit=True)


def ensure_database(name: str) -> bool:
    """Create the database if it is missing; True when it was created."""
    from psycopg import sql

    with pg_connect() as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def bench_people(name: str) -> int:
    with pg_connect(name) as conn:
        row = conn.execute(
            "SELECT count(*) FROM core_person WHERE organisation_id IN "
            "(SELECT id FROM core_organisation WHERE short_name = ANY(%s))",
            [list(ORG_SHARES)],
        ).fetchone()
        return int(row[0]) if row else 0


def run(cmd: list[str], env: dict[str, str], label: str) -> float:
    t0 = time.perf_counter()
    completed = subprocess.run(cmd, cwd=ROOT, env=env, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"{label} failed (exit {completed.returncode}): {' '.join(cmd)}")
    return time.perf_counter() - t0


def prepare_size(label: str, database: str, regenerate: bool) -> dict[str, Any]:
    people = SIZES[label]
    url = PG_SERVER + database
    info: dict[str, Any] = {"label": label, "people": people, "database": database}
    created = ensure_database(database)
    print(f"\n== {label}: {people:,} people in {database}{' (created)' if created else ''}", flush=True)
    info["migrate_seconds"] = round(
        run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], dev_env(url), "migrate"), 1
    )
    present = bench_people(database)
    if present == people and not regenerate:
        print(f"  {present:,} bench people already there: not regenerated", flush=True)
        info["generated"] = False
    else:
        print(f"  {present:,} bench people there: generating {people:,}", flush=True)
        cmd = [sys.executable, "bench/generate.py", "--people", str(people)]
        info["generate_seconds"] = round(run(cmd, dev_env(url), "bench/generate.py"), 1)
        info["generated"] = True
        present = bench_people(database)
        if present != people:
            raise SystemExit(f"{database} holds {present:,} bench people after generation, not {people:,}")
    return info


def collectstatic(env: dict[str, str]) -> None:
    """The manifest (hashed names) and the .gz/.br files whitenoise serves with DEBUG off."""
    run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], env, "collectstatic")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def measure_weight(env: dict[str, str], tmp: Path) -> dict[str, Any]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"]
    log_path = tmp / "server.log"
    with log_path.open("w") as server_log:
        server = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=server_log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(base + "/account/login/", timeout=5) as response:  # noqa: S310
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the server did not start: see {log_path}\n{log_path.read_text()[-2000:]}")
                time.sleep(0.3)
            out = tmp / "weight.json"
            cmd = [sys.executable, __file__, "--worker", "weight", "--base-url", base, "--out", str(out)]
            run(cmd, env, "page weight")
            return json.loads(out.read_text())
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


# ================================================================ the report
def judge_page(size: str, page: dict[str, Any]) -> list[str]:
    misses = []
    if page["queries"] > QUERIES_MAX:
        misses.append(f"queries {page['queries']} > {QUERIES_MAX}")
    if size == JUDGED_AT and "ratio_baseline" in page:
        if page["p95_ms"] >= P95_MS:
            misses.append(f"p95 {page['p95_ms']:.0f} ms ≥ {P95_MS:.0f}")
        if page["ratio_baseline"] > RATIO_MAX:
            misses.append(f"×baseline {page['ratio_baseline']:.1f} > {RATIO_MAX:.0f}")
    return misses


def times_table(sizes: list[dict[str, Any]]) -> tuple[str, list[str]]:
    head = (
        f"{'size':<5} {'scope':<13} {'page':<32} {'rows':>5} {'SQL':>3} {'p50':>7} {'p95':>7} "
        f"{'raw p95':>8} {'triv p95':>8} {'×base':>6} {'×raw':>6}  verdict"
    )
    lines = [head, "-" * len(head)]
    all_misses = []
    for size in sizes:
        for scope in size["scopes"]:
            trivial = scope["trivial"]
            rows = [trivial, *scope["pages"]]
            for page in rows:
                misses = judge_page(size["label"], page)
                all_misses += [f"{size['label']} {scope['scope']} {page['label']}: {m}" for m in misses]
                if misses:
                    verdict = "MISS: " + "; ".join(misses)
                elif page is trivial or size["label"] != JUDGED_AT:
                    verdict = "ok (SQL)"
                else:
                    verdict = "ok"
                if page is trivial:
                    label = "trivial page /places/ (baseline)"
                    lines.append(
                        f"{size['label']:<5} {scope['scope']:<13} {label:<32} {'':>5} {page['queries']:>3} "
                        f"{page['p50_ms']:7.1f} {page['p95_ms']:7.1f} {'':>8} {'':>8} {'':>6} {'':>6}  {verdict}"
                    )
                else:
                    rows_txt = f"{page['rows_shown']}{'+' if page['has_next'] else ''}"
                    lines.append(
                        f"{size['label']:<5} {scope['scope']:<13} {page['label']:<32} {rows_txt:>5} "
                        f"{page['queries']:>3} {page['p50_ms']:7.1f} {page['p95_ms']:7.1f} "
                        f"{page['raw']['p95_ms']:8.2f} {page['trivial_p95_ms']:8.1f} "
                        f"{page['ratio_baseline']:6.2f} {page['ratio_raw']:6.0f}  {verdict}"
                    )
        lines.append("")
    return "\n".join(lines), all_misses


def weight_table(weight: dict[str, Any]) -> tuple[str, list[str]]:
    head = f"{'lang':<4} {'step':<40} {'req':>3} {'cached':>6} {'KB':>7} {'budget':>6}  verdict   what"
    lines = [head, "-" * len(head)]
    misses = []
    for language in weight["languages"]:
        for step in language["steps"]:
            verdict = "ok" if step["ok"] else "MISS"
            if not step["ok"]:
                misses.append(
                    f"page weight {language['language']} {step['name']}: {step['kb']} KB > {step['budget_kb']}"
                )
            by_type: dict[str, int] = {}
            for r in step["resources"]:
                by_type[r["type"] or "other"] = by_type.get(r["type"] or "other", 0) + r["bytes"]
            what = ", ".join(f"{t.lower()} {b / 1024:.1f}" for t, b in sorted(by_type.items(), key=lambda i: -i[1]))
            lines.append(
                f"{language['language']:<4} {step['name']:<40} {step['requests']:>3} {step['requests_from_cache']:>6} "
                f"{step['kb']:7.1f} {step['budget_kb']:6.0f}  {verdict:<8}  {what}"
            )
    return "\n".join(lines), misses


def print_explains(sizes: list[dict[str, Any]]) -> None:
    for size in sizes:
        for scope in size["scopes"]:
            for page in scope["pages"]:
                print(f"\n--- {size['label']} {scope['scope']} {page['label']}: the page's people query")
                print("\n".join(page.get("explain_page", ["(not found)"])))
                print("--- the raw-SQL baseline\n" + "\n".join(page["explain_raw"]))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k,1m", help="comma-separated: 10k, 100k, 1m")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per page (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed rounds first (default 3)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 10k only, 10 timed requests")
    parser.add_argument("--regenerate", action="store_true", help="regenerate the people even when present")
    for label in SIZES:
        parser.add_argument(f"--db-{label}", default=DEFAULT_DB[label], help=f"database for {label}")
    parser.add_argument("--no-weight", action="store_true", help="skip the page weight in chromium")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of every page query")
    # internal: the per-process workers
    parser.add_argument("--worker", choices=["times", "weight"], help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes = "10k"
        args.repeat = min(args.repeat, 10)
        args.warmup = min(args.warmup, 2)
    labels = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in labels if s not in SIZES]
    if unknown:
        parser.error(f"unknown size(s) {unknown}; use {', '.join(SIZES)}")
    args.size_labels = sorted(set(labels), key=list(SIZES).index)
    if args.repeat < 2:
        parser.error("--repeat must be at least 2")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker == "times":
        worker_times(args)
        return 0
    if args.worker == "weight":
        worker_weight(args)
        return 0

    started_at = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    load_start = os.getloadavg()
    secret_key = secrets.token_urlsafe(48)
    print(
        f"Karpear benchmark: sizes {', '.join(args.size_labels)}, {args.repeat} timed requests "
        f"(+{args.warmup} warm-up) per page; load average {load_start[0]:.2f} on {os.cpu_count()} CPUs",
        flush=True,
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    sizes: list[dict[str, Any]] = []
    weight: dict[str, Any] | None = None
    with tempfile.TemporaryDirectory(prefix="karpear-bench-") as tmp_name:
        tmp = Path(tmp_name)
        static_done = False
        for label in args.size_labels:
            database = getattr(args, f"db_{label}")
            info = prepare_size(label, database, args.regenerate)
            env = app_env(PG_SERVER + database, secret_key)
            if not static_done:
                collectstatic(env)
                static_done = True
            out = tmp / f"times-{label}.json"
            cmd = [sys.executable, __file__, "--worker", "times", "--repeat", str(args.repeat)]
            cmd += ["--warmup", str(args.warmup), "--out", str(out)]
            print(f"  timing ({args.repeat} rounds)...", flush=True)
            load_before = os.getloadavg()[0]
            info["measure_seconds"] = round(run(cmd, env, f"timing {label}"), 1)
            info["loadavg_1min"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
            info.update(json.loads(out.read_text()))
            sizes.append(info)
        if not args.no_weight and sizes:
            database = sizes[-1]["database"]
            print(f"\n== page weight in chromium (server on {database}, DEBUG off, whitenoise)", flush=True)
            weight = measure_weight(app_env(PG_SERVER + database, secret_key), tmp)
            weight["database"] = database

    seconds = time.perf_counter() - started
    pg = sizes[0]["postgresql"].split(" on ")[0] if sizes else "?"
    print(
        f"\nServer time (ms, Django test client in-process, DEBUG off, Khmer UI) and SQL queries per page, {pg}, "
        f"{args.repeat} rounds.\n"
        "×base = page p95 / (trivial page p95 + raw SQL p95), the baseline of DESIGN §11 (target ≤ 3 at 1M);\n"
        "×raw  = page p95 / raw SQL p95 alone (the page also pays for session, login, second factor and template).\n"
        f"Targets: ≤ {QUERIES_MAX} SQL queries per page at every size; p95 < {P95_MS:.0f} ms and ×base ≤ "
        f"{RATIO_MAX:.0f} at 1M. rows: people shown, + when a next page exists.\n"
    )
    table, misses = times_table(sizes)
    print(table)
    for size in sizes:
        terms = ", ".join(f"{k}={v!r}" for k, v in size["search_terms"].items())
        scopes = ", ".join(f"{s['scope']} {s['visible_people']:,}" for s in size["scopes"])
        matching = "; ".join(
            f"{s['scope']}: " + ", ".join(f"{p['name']} {p['matching_rows']:,}" for p in s["pages"])
            for s in size["scopes"]
        )
        print(f"{size['label']}: {size['database']}, visible people {scopes}; searched {terms}")
        before, after = size["loadavg_1min"]
        busy = " (BUSY MACHINE: timings inflated)" if max(before, after) > (os.cpu_count() or 1) else ""
        print(f"      load average (1 min) {before:.2f} before timing, {after:.2f} after, {os.cpu_count()} CPUs{busy}")
        print(f"      matching rows {matching}")
    if weight is not None:
        print(
            f"\nPage weight in chromium (bytes received incl. headers, as compressed on the wire; CDP "
            f"encodedDataLength), bench caseworker, server on {weight['database']}.\n"
            f"Budgets: first visit ≤ {FIRST_VISIT_KB:.0f} KB including fonts; later pages ≤ {LATER_PAGE_KB:.0f} KB.\n"
        )
        wtable, wmisses = weight_table(weight)
        print(wtable)
        misses += wmisses
    if args.explain:
        print_explains(sizes)

    stamp = started_at.strftime("%Y%m%d-%H%M%S")
    result = {
        "started": started_at.isoformat(timespec="seconds"),
        "seconds": round(seconds, 1),
        "args": {k: v for k, v in vars(args).items() if k not in ("worker", "out", "base_url")},
        "environment": {
            "python": platform.python_version(),
            "machine": platform.platform(),
            "cpus": os.cpu_count(),
            "loadavg_start": load_start,
            "loadavg_end": os.getloadavg(),
        },
        "targets": {
            "p95_ms_below": P95_MS,
            "ratio_baseline_max": RATIO_MAX,
            "judged_at": JUDGED_AT,
            "queries_max": QUERIES_MAX,
            "first_visit_kb": FIRST_VISIT_KB,
            "later_page_kb": LATER_PAGE_KB,
        },
        "misses": misses,
        "sizes": sizes,
        "page_weight": weight,
    }
    path = RESULTS / f"bench-{stamp}.json"
    write_json(path, result)
    write_json(RESULTS / "latest.json", result)
    print(f"\n{len(misses)} target(s) missed{':' if misses else '.'}")
    for miss in misses:
        print(f"  MISS {miss}")
    print(f"Results: {path.relative_to(ROOT)} (and bench/results/latest.json). Took {seconds / 60:.1f} min.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
