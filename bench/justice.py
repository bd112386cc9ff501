"""The scale bench of issue 13 (justice), on PostgreSQL, each figure beside a baseline measured in the same run.

    .venv/bin/python bench/justice.py [--cases 100000] [--repeat 30] [--regenerate] [--out bench/results/justice.json]
    make bench-justice

On a shared machine, make the data first, untimed and niced, then time under the machine's lock:

    nice -n 19 .venv/bin/python bench/justice.py --database karpear_bench_justice_x --generate-only
    flock /work/wt/bench.lock .venv/bin/python bench/justice.py --database karpear_bench_justice_x --explain
    flock /work/wt/bench.lock .venv/bin/python bench/justice.py --database karpear_bench_justice_x --repeat 20

(--generate-only also lowers its PostgreSQL backend to nice 19 with no parallel workers; --explain loads each
page once and prints every SELECT it ran with its time under EXPLAIN (ANALYZE, BUFFERS), and the plans of the
slower ones.)

The script uses a database of its own, `karpear_bench_justice` on postgres://postgres@127.0.0.1:5432/ (--database
and --server choose others): it creates it when missing and migrates it. It makes (once; again with
--regenerate) an organisation `benchjus` with 40 legal officers in 8 teams and a case supervisor, --cases
clients and legal cases (one per client, spread over the lawyers, opened over the last four years), and per case
4 submissions, 3 hearings and 3 evidence items: 1M records for 100k cases. Everything is generated in
PostgreSQL with INSERT ... SELECT over generate_series (every other column takes the model's default), so
100k cases and 1M records take about a minute; the services are not run (their rules are tested, not benched).

Then, as the first legal officer (team scope: their team's 12,500 cases) and as the case supervisor
(organisation scope: all of them), it measures through the pages (Django's test client, logged in, Khmer):

- the case list, the lawyer's own cases, a search by case number, and the three work lists behind the home
  page (hearings this week, submissions awaiting a reply, replies past their deadline): p50/p95 and SQL queries;
- the home page (the four work-list counts come from one query);

with production-like settings (DEBUG off, as bench/run.py);
- each part of one case's page (overview, parties, investigation, witnesses, court, advocacy, costs): p50/p95
  and SQL queries;

beside, interleaved round by round so machine noise hits both alike, ONE raw SQL query fetching the rows the
page shows (the same scope condition, filter, order and LIMIT 26) and the trivial page `/places/` (the same
middleware stack with no case data). Targets (issue 13, "Scale"): lists and work lists p95 < 200 ms, case page
<= 10 queries. A missed target is marked and the script exits 0. The machine's load average is printed
before and after.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SERVER = "postgres://postgres@127.0.0.1:5432"
DATABASE = "karpear_bench_justice"
ORG = "benchjus"
LAWYERS = 40
TEAMS = 8
LIMIT = 26  # the pages fetch a page (25) and one more row to know whether there is a next page


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def prepare_database(server: str, name: str) -> None:
    """Create the bench database when missing (never another one: the name is the script's or --database)."""
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if found is None:
            conn.execute(f'CREATE DATABASE "{name}"')  # the name is ours, not user input


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--server", default=SERVER)
    parser.add_argument("--database", default=DATABASE)
    parser.add_argument("--out", default="")
    parser.add_argument(
        "--generate-only",
        action="store_true",
        help="make the data (when missing) and stop: run it outside the timing lock, under nice",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="load each page once and print EXPLAIN (ANALYZE, BUFFERS) of every SELECT it ran",
    )
    parser.add_argument(
        "--no-migrate",
        action="store_true",
        help="measure the schema as it is (e.g. migrated back to an earlier migration to compare)",
    )
    args = parser.parse_args(argv)
    if not args.database.startswith("karpear_bench"):
        raise SystemExit("use a database of the bench's own (karpear_bench_...), never the test database")
    prepare_database(args.server, args.database)
    # Production-like settings, as bench/run.py's app_env: DEBUG off, static files from their manifest, one
    # connection for the whole run.
    secret = secrets.token_urlsafe(48)
    os.environ.update(
        DATABASE_URL=f"{args.server}/{args.database}",
        KARPEAR_DEBUG="false",
        KARPEAR_SECRET_KEY=secret,
        KARPEAR_AUDIT_KEY=secret,
        KARPEAR_SECURE_SSL_REDIRECT="false",
        KARPEAR_SECURE_COOKIES="false",
        KARPEAR_HSTS_SECONDS="0",
        KARPEAR_ALLOWED_HOSTS="localhost,testserver",
        KARPEAR_DB_CONN_MAX_AGE="3600",
        KARPEAR_LOG_LEVEL="ERROR",
    )
    os.environ.pop("KARPEAR_TESTING", None)
    from bench.common import setup_django

    setup_django()
    from django.core.management import call_command

    if not args.no_migrate:
        call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    return Bench(args).run()


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args

    # ------------------------------------------------------------ data
    def raw(self, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall()) if cursor.description else []

    def insert_select(self, model: Any, exprs: dict[str, str], source: str, params: list[Any] | None = None) -> None:
        """INSERT INTO model's table SELECT `exprs` FROM `source`; every other column takes the model's default
        (a uuid and the timestamps are made by PostgreSQL)."""
        from django.db import connection, models

        columns, values, args = [], [], []
        for field in model._meta.concrete_fields:
            if isinstance(field, models.AutoField):
                continue
            columns.append(field.column)
            if field.column in exprs:
                values.append(exprs[field.column])
            elif field.name == "uuid":
                values.append("gen_random_uuid()")
            elif field.name in ("created_at", "updated_at"):
                values.append("now()")
            elif field.has_default():
                values.append("%s")
                args.append(field.get_db_prep_save(field.get_default(), connection))
            elif field.null:
                values.append("NULL")
            elif isinstance(field, (models.CharField, models.TextField, models.FileField)):
                values.append("''")
            else:
                raise SystemExit(f"{model.__name__}.{field.name}: no value for the bench rows")
        sql = f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) SELECT {', '.join(values)} FROM {source}"
        self.raw(sql, [*args, *(params or [])])

    def lower_priority(self) -> None:
        """Generation is not timed: it yields the CPU to whatever is (this process and its PostgreSQL backend at
        nice 19, no parallel workers for the index builds)."""
        os.setpriority(os.PRIO_PROCESS, 0, 19)
        pid = self.raw("SELECT pg_backend_pid()")[0][0]
        try:
            os.setpriority(os.PRIO_PROCESS, int(pid), 19)
        except OSError as exc:  # another user's process: say so, and go on
            print(f"could not lower the PostgreSQL backend's priority: {exc}")
        self.raw("SET max_parallel_maintenance_workers = 0")
        self.raw("SET max_parallel_workers_per_gather = 0")

    def generate(self) -> dict[str, Any]:
        from django.db import transaction

        from conftest import make_org, make_user
        from karpear.core.models import Organisation, Person, Team, User
        from karpear.core.roles import Role
        from karpear.justice.models import Evidence, Hearing, LegalCase, Submission

        organisation = Organisation.objects.filter(short_name=ORG).first()
        have = LegalCase.objects.filter(organisation=organisation).count() if organisation else 0
        records = (
            Submission.objects.filter(organisation=organisation).count()
            + Hearing.objects.filter(organisation=organisation).count()
            + Evidence.objects.filter(organisation=organisation).count()
            if organisation
            else 0
        )
        if organisation is not None and have == self.args.cases and not self.args.regenerate:
            return {"cases": have, "records": records, "generation_s": 0.0}
        if self.args.generate_only:  # a timed run keeps its priority (its connection is the one measured)
            self.lower_priority()
        else:
            print("making the data within a timed run: better first with --generate-only, outside the lock, niced")
        start = time.perf_counter()
        if organisation is not None:
            org = organisation.pk
            for table in ("justice_evidence", "justice_hearing", "justice_submission"):
                self.raw(f"DELETE FROM {table} WHERE organisation_id = %s", [org])
            self.raw("DELETE FROM justice_historicallegalcase WHERE organisation_id = %s", [org])
            self.raw("DELETE FROM justice_legalcase WHERE organisation_id = %s", [org])
            self.raw("DELETE FROM core_person WHERE organisation_id = %s", [org])
        with transaction.atomic():
            organisation = organisation or make_org(ORG)
            teams = [
                Team.objects.get_or_create(organisation=organisation, name=f"Bench team {n}")[0] for n in range(TEAMS)
            ]
            lawyers = []
            for n in range(LAWYERS):
                name = f"{ORG}-lawyer-{n:02d}"
                user = User.objects.filter(username=name).first() or make_user(
                    organisation, Role.LEGAL_OFFICER, username=name, team=teams[n % TEAMS]
                )
                lawyers.append(user)
            if not User.objects.filter(username=f"{ORG}-supervisor").exists():
                make_user(organisation, Role.CASE_SUPERVISOR, username=f"{ORG}-supervisor")
        org = organisation.pk
        lawyer_ids = "ARRAY[" + ",".join(str(user.pk) for user in lawyers) + "]"
        team_ids = "ARRAY[" + ",".join(str(teams[n % TEAMS].pk) for n in range(LAWYERS)) + "]"
        with transaction.atomic():
            self.insert_select(
                Person,
                {
                    "organisation_id": str(int(org)),
                    "case_number": "'BJ-' || lpad(g::text, 7, '0')",
                    "sex": "CASE WHEN mod(g, 3)::int = 0 THEN 'male' ELSE 'female' END",
                    "birth_year": "1970 + mod(g, 35)::int",
                    "created_by_id": f"({lawyer_ids})[1 + mod(g, {LAWYERS})::int]",
                },
                "generate_series(1, %s) g",
                [self.args.cases],
            )
            self.insert_select(
                LegalCase,
                {
                    "organisation_id": "p.organisation_id",
                    "number": f"'{ORG.upper()}-L-' || lpad(p.id::text, 8, '0')",
                    "client_id": "p.id",
                    "title": "'Bench legal case ' || p.id",
                    "opened_on": "current_date - (mod(p.id, 1500)::int)",
                    "status": "(ARRAY['investigation','submitted','court','judgment','closed'])[1 + mod(p.id, 5)::int]",
                    "lawyer_id": f"({lawyer_ids})[1 + mod(p.id, {LAWYERS})::int]",
                    "team_id": f"({team_ids})[1 + mod(p.id, {LAWYERS})::int]",
                    "created_by_id": f"({lawyer_ids})[1 + mod(p.id, {LAWYERS})::int]",
                },
                "core_person p WHERE p.organisation_id = %s",
                [org],
            )
            cases = "justice_legalcase c CROSS JOIN generate_series(1, {n}) k WHERE c.organisation_id = %s"
            sent = "LEAST(current_date, c.opened_on + 10 * k)"
            self.insert_select(
                Submission,
                {
                    "organisation_id": "c.organisation_id",
                    "case_id": "c.id",
                    "recorded_by_id": "c.lawyer_id",
                    "addressee_kind": "(ARRAY['mosvy','interior','embassy','court','police'])[k]",
                    "addressee": "'Office ' || k",
                    "subject": "'Letter ' || k || ' of case ' || c.id",
                    "sent_on": sent,
                    "deadline": f"{sent} + 30",
                    "reply_on": f"CASE WHEN mod(c.id + k, 3)::int = 0 THEN NULL ELSE LEAST(current_date, {sent} + 20) END",
                    "reply": "CASE WHEN mod(c.id + k, 3)::int = 0 THEN '' ELSE 'Received.' END",
                },
                cases.format(n=4),
                [org],
            )
            self.insert_select(
                Hearing,
                {
                    "organisation_id": "c.organisation_id",
                    "case_id": "c.id",
                    "recorded_by_id": "c.lawyer_id",
                    "level": "(ARRAY['provincial','appeal','supreme'])[k]",
                    "court_name": "'Court ' || k",
                    "held_on": "c.opened_on + 60 * k",
                    "outcome": "CASE WHEN c.opened_on + 60 * k < current_date THEN 'Adjourned.' ELSE '' END",
                },
                cases.format(n=3),
                [org],
            )
            self.insert_select(
                Evidence,
                {
                    "organisation_id": "c.organisation_id",
                    "case_id": "c.id",
                    "recorded_by_id": "c.lawyer_id",
                    "kind": "(ARRAY['document','photo','statement'])[k]",
                    "description": "'Evidence ' || k",
                    "source": "'The client'",
                    "obtained_on": "c.opened_on",
                },
                cases.format(n=3),
                [org],
            )
        self.raw("VACUUM ANALYZE")  # as autovacuum leaves a table at rest: statistics, and the visibility map
        self.raw("RESET max_parallel_maintenance_workers")
        self.raw("RESET max_parallel_workers_per_gather")
        have = LegalCase.objects.filter(organisation_id=org).count()
        records = (
            Submission.objects.filter(organisation_id=org).count()
            + Hearing.objects.filter(organisation_id=org).count()
            + Evidence.objects.filter(organisation_id=org).count()
        )
        return {"cases": have, "records": records, "generation_s": round(time.perf_counter() - start, 1)}

    # ------------------------------------------------------------ plans
    def explain(self) -> int:
        """Each list, work list, the home page and each part of one case's page, once, as the lawyer and as the
        supervisor: every SELECT the page ran, EXPLAIN (ANALYZE, BUFFERS) again, its execution time on one line,
        and the whole plan of those taking 2 ms or more."""
        import re

        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from karpear.core.models import User
        from karpear.justice.models import LegalCase

        print(f"load average: {load_average()}")
        for who in ("lawyer-00", "supervisor"):
            user = User.objects.get(username=f"{ORG}-{who}")
            client = self.client_for(user)
            case = LegalCase.objects.filter(lawyer__username=f"{ORG}-lawyer-00").order_by("-opened_on", "-id").first()
            assert case is not None
            urls = {
                "case list": "/justice/cases/",
                "my cases": "/justice/cases/?mine=1",
                "search by number": f"/justice/cases/?q={case.number[:-2]}",
                "hearings this week": "/justice/cases/?due=hearings",
                "awaiting a reply": "/justice/cases/?due=awaiting",
                "replies overdue": "/justice/cases/?due=overdue",
                "home": "/",
                **{
                    f"case page: {part or 'overview'}": f"/justice/cases/{case.uuid}/{part}"
                    for part in ("", "parties/", "investigation/", "witnesses/", "court/", "advocacy/", "costs/")
                },
            }
            client.get("/")
            for name, url in urls.items():
                with CaptureQueriesContext(connection) as captured:
                    response = client.get(url)
                if response.status_code != 200:
                    raise SystemExit(f"{url} answered {response.status_code}")
                print(f"\n=== {who}: {name} ({url}): {len(captured)} queries")
                for number, query in enumerate(captured.captured_queries, start=1):
                    sql = query["sql"]
                    if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                        print(f"  {number:>2}. {sql[:100]}")
                        continue
                    with connection.cursor() as cursor:
                        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                        plan = [row[0] for row in cursor.fetchall()]
                    found = re.search(r"Execution Time: ([0-9.]+) ms", plan[-1])
                    took = float(found.group(1)) if found else 0.0
                    print(f"  {number:>2}. {took:8.2f} ms  {sql[:110]}")
                    if took >= 2:
                        print("\n".join(f"        {line}" for line in plan))
        print(f"\nload average: {load_average()}")
        return 0

    # ------------------------------------------------------------ measuring
    def client_for(self, user: Any) -> Any:
        from django.test import Client

        from conftest import login

        type(user).objects.filter(pk=user.pk).update(language="km")  # the Khmer interface, as the bench runs
        user.language = "km"
        client = Client(HTTP_HOST="localhost")
        login(client, user)
        client.cookies["karpear_language"] = "km"
        return client

    def measure(self, client: Any, url: str, baseline: Callable[[], Any], trivial: Any) -> dict[str, Any]:
        """The page, its raw SQL and the trivial page, interleaved round by round."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client.get(url)
        page_times, raw_times, trivial_times = [], [], []
        queries = 0
        for _ in range(self.args.repeat):
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                response = client.get(url)
                page_times.append(time.perf_counter() - start)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
            queries = len(captured)
            start = time.perf_counter()
            baseline()
            raw_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            trivial()
            trivial_times.append(time.perf_counter() - start)
        return {
            "p50_ms": ms(statistics.median(page_times)),
            "p95_ms": ms(p95(page_times)),
            "queries": queries,
            "raw_p50_ms": ms(statistics.median(raw_times)),
            "trivial_p50_ms": ms(statistics.median(trivial_times)),
        }

    def run(self) -> int:
        from django.utils import timezone

        from karpear.core.models import Membership, User
        from karpear.justice.models import Evidence, Hearing, LegalCase, Submission

        before = load_average()
        made = self.generate()
        if self.args.generate_only:
            print(f"generated: {made}")
            return 0
        if self.args.explain:
            return self.explain()
        lawyer = User.objects.get(username=f"{ORG}-lawyer-00")
        supervisor = User.objects.get(username=f"{ORG}-supervisor")
        org = Membership.objects.get(user=supervisor).organisation_id
        team = Membership.objects.get(user=lawyer).team_id
        today = timezone.localdate()
        week = today + dt.timedelta(days=6)
        case = LegalCase.objects.filter(lawyer=lawyer, organisation_id=org).order_by("-opened_on", "-id").first()
        assert case is not None
        number_prefix = case.number[:-2]
        print(f"load average before: {before}")
        print(
            f"cases {made['cases']}, submissions + hearings + evidence {made['records']}, generation {made['generation_s']} s"
        )

        scopes = {
            "lawyer": ("(c.lawyer_id = %s OR c.created_by_id = %s OR c.team_id = %s)", [lawyer.pk, lawyer.pk, team]),
            "supervisor": ("TRUE", []),
        }
        results: dict[str, Any] = {"cases": made["cases"], "records": made["records"], "rows": {}}
        for who, user in (("lawyer", lawyer), ("supervisor", supervisor)):
            client = self.client_for(user)
            trivial_client = self.client_for(user)

            def trivial(c: Any = trivial_client) -> Any:
                return c.get("/places/")

            scope, scope_args = scopes[who]
            cases = f"FROM justice_legalcase c WHERE c.organisation_id = %s AND {scope}"

            def rows(sql: str, params: list[Any]) -> Callable[[], Any]:
                return lambda: self.raw(sql, params)

            pages = {
                "case list": (
                    "/justice/cases/",
                    rows(
                        f"SELECT c.id, c.number {cases} ORDER BY c.opened_on DESC, c.id DESC LIMIT {LIMIT}",
                        [org, *scope_args],
                    ),
                ),
                "my cases": (
                    "/justice/cases/?mine=1",
                    rows(
                        f"SELECT c.id, c.number {cases} AND c.lawyer_id = %s ORDER BY c.opened_on DESC, c.id DESC "
                        f"LIMIT {LIMIT}",
                        [org, *scope_args, user.pk],
                    ),
                ),
                "search by number": (
                    f"/justice/cases/?q={number_prefix}",
                    rows(
                        f"SELECT c.id, c.number {cases} AND c.number LIKE %s ORDER BY c.opened_on DESC, c.id DESC "
                        f"LIMIT {LIMIT}",
                        [org, *scope_args, number_prefix + "%"],
                    ),
                ),
                "hearings this week": (
                    "/justice/cases/?due=hearings",
                    rows(
                        f"SELECT h.id, c.number FROM justice_hearing h JOIN justice_legalcase c ON c.id = h.case_id "
                        f"WHERE h.organisation_id = %s AND {scope} AND h.held_on BETWEEN %s AND %s "
                        f"ORDER BY h.held_on, h.id LIMIT {LIMIT}",
                        [org, *scope_args, today, week],
                    ),
                ),
                "awaiting a reply": (
                    "/justice/cases/?due=awaiting",
                    rows(
                        f"SELECT s.id, c.number FROM justice_submission s JOIN justice_legalcase c ON c.id = s.case_id "
                        f"WHERE s.organisation_id = %s AND {scope} AND s.reply_on IS NULL "
                        f"ORDER BY s.deadline, s.sent_on, s.id LIMIT {LIMIT}",
                        [org, *scope_args],
                    ),
                ),
                "replies overdue": (
                    "/justice/cases/?due=overdue",
                    rows(
                        f"SELECT s.id, c.number FROM justice_submission s JOIN justice_legalcase c ON c.id = s.case_id "
                        f"WHERE s.organisation_id = %s AND {scope} AND s.reply_on IS NULL AND s.deadline < %s "
                        f"ORDER BY s.deadline, s.sent_on, s.id LIMIT {LIMIT}",
                        [org, *scope_args, today],
                    ),
                ),
                "home (work-list counts)": (
                    "/",
                    # As the page counts: the letters read once for "awaiting" and "overdue" (COUNT ... FILTER).
                    rows(
                        f"SELECT (SELECT COUNT(*) {cases} AND c.lawyer_id = %s AND c.status <> 'closed'), "
                        f"(SELECT COUNT(*) FROM justice_hearing h JOIN justice_legalcase c ON c.id = h.case_id "
                        f"WHERE h.organisation_id = %s AND {scope} AND h.held_on BETWEEN %s AND %s), "
                        f"l.awaiting, l.overdue FROM (SELECT COUNT(*) AS awaiting, "
                        f"COUNT(s.deadline) FILTER (WHERE s.deadline < %s) AS overdue "
                        f"FROM justice_submission s JOIN justice_legalcase c ON c.id = s.case_id "
                        f"WHERE s.organisation_id = %s AND {scope} AND s.reply_on IS NULL) l",
                        [org, *scope_args, user.pk, org, *scope_args, today, week, today, org, *scope_args],
                    ),
                ),
            }
            for part, path in (
                ("overview", ""),
                ("parties", "parties/"),
                ("investigation", "investigation/"),
                ("witnesses", "witnesses/"),
                ("court", "court/"),
                ("advocacy", "advocacy/"),
                ("costs", "costs/"),
            ):
                model = {"investigation": Evidence, "court": Submission}.get(part, Hearing)
                pages[f"case page: {part}"] = (
                    f"/justice/cases/{case.uuid}/{path}",
                    rows(
                        f"SELECT * FROM {model._meta.db_table} WHERE case_id = %s ORDER BY id DESC LIMIT {LIMIT}",
                        [case.pk],
                    ),
                )
            for name, (url, baseline) in pages.items():
                row = self.measure(client, url, baseline, trivial)
                row["target"] = "<= 10 queries" if name.startswith("case page") else "p95 < 200 ms"
                row["missed"] = row["queries"] > 10 if name.startswith("case page") else row["p95_ms"] >= 200
                results["rows"][f"{who}: {name}"] = row

        after = load_average()
        results["load_average"] = {"before": before, "after": after}
        print(
            f"{'page':<42} {'p50 ms':>8} {'p95 ms':>8} {'queries':>7} {'raw SQL':>8} {'ratio':>6} "
            f"{'/places/':>8} {'ratio':>6}  target"
        )
        for name, row in results["rows"].items():
            raw_ratio = row["p50_ms"] / row["raw_p50_ms"] if row["raw_p50_ms"] else float("nan")
            trivial_ratio = row["p50_ms"] / row["trivial_p50_ms"] if row["trivial_p50_ms"] else float("nan")
            print(
                f"{name:<42} {row['p50_ms']:>8} {row['p95_ms']:>8} {row['queries']:>7} {row['raw_p50_ms']:>8} "
                f"{raw_ratio:>6.1f} {row['trivial_p50_ms']:>8} {trivial_ratio:>6.1f}  {row['target']}"
                f"{'  MISSED' if row['missed'] else ''}"
            )
        print(f"load average before {before}, after {after}")
        if self.args.out:
            Path(self.args.out).write_text(json.dumps(results, indent=2, default=str) + "\n")
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
