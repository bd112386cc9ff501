"""The scale bench of issue 12 (livelihoods), on PostgreSQL, each figure beside a raw-SQL baseline of the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/karpear_bench_liv \\
        .venv/bin/python bench/livelihoods.py --groups 100000 [--repeat 30] [--out bench/results/livelihoods.json]

The database must exist and be migrated (`manage.py migrate`). The script makes (once; again with
--regenerate) a bench organisation `benchliv` with a field officer, one savings group of 30 members through a
cycle of 52 weekly meetings recorded through the services (so every rule and lock runs: this is the meeting
screen's save), and then groups up to --groups, inserted in bulk with the template group's place and programme
(no members or ledger: see "Limits" below). Then it measures:

- meeting save: `services.meeting_record` of a 30-member meeting (p50/p95 over the 52), beside a raw INSERT of
  the same number of ledger-like rows into a temporary table;
- share-out of the 30-member, 52-meeting group: `services.share_out_preview`, beside the raw SQL sum of shares
  per member;
- the group list and a search by the start of a name through the pages (test client, logged in; p95 and SQL
  queries per page), beside the raw SQL of the rows the page shows;
- programme-level SAVIX indicators (`/livelihoods/indicators/`), beside a raw SQL aggregate of the ledger.

Targets (issue 12, "Scale"): meeting save < 300 ms, share-out < 50 ms, indicators < 2 s, list and search p95 <
200 ms, <= 10 queries per page. Limits: only the template group has members and a ledger, so the indicators
and the share-out are measured on one cycle's ledger, not on 2M members and 10M entries; the list and search
run over --groups groups. A missed target is marked, and the script exits 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import setup_django

setup_django()

from django.db import connection, reset_queries  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from conftest import make_org, make_user  # noqa: E402
from karpear.core.models import Organisation, User  # noqa: E402
from karpear.core.roles import Role  # noqa: E402
from karpear.core.text import name_key  # noqa: E402
from karpear.livelihoods import services  # noqa: E402
from karpear.livelihoods.models import Cycle, Group, LedgerEntry  # noqa: E402
from karpear.livelihoods.tests import factories as f  # noqa: E402

ORG = "benchliv"
MEMBERS = 30
MEETINGS = 52


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def timed(action: Callable[[], Any], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return times


def raw(sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall()) if cursor.description else []


def officer_of() -> User:
    organisation = Organisation.objects.filter(short_name=ORG).first() or make_org(ORG)
    found = User.objects.filter(username=f"{ORG}-officer").first()
    return found or make_user(organisation, Role.FIELD_OFFICER, username=f"{ORG}-officer")


def template(officer: User, regenerate: bool) -> tuple[Cycle, list[float]]:
    """The 30-member group through 52 weekly meetings ending this week, recorded through the services; each
    save timed. A template left half-made by an interrupted run is not reused."""
    found = (
        Cycle.objects.filter(group__organisation__short_name=ORG, group__name__startswith="Bench template group")
        .annotate(n=Count("meetings"))
        .filter(n=MEETINGS)
        .first()
    )
    if found is not None and not regenerate:
        return found, []
    first = timezone.localdate() - dt.timedelta(weeks=MEETINGS)
    group = f.group(officer, f"Bench template group {uuid.uuid4().hex[:6]}", formed_on=first - dt.timedelta(days=30))
    f.members(officer, group, MEMBERS, joined_on=first - dt.timedelta(days=30))
    cycle = f.cycle(officer, group, started_on=first, planned_end_on=first + dt.timedelta(weeks=MEETINGS + 1))
    numbers = list(range(1, MEMBERS + 1))
    saves = []
    for week in range(MEETINGS):
        start = time.perf_counter()
        f.meet(
            officer,
            cycle,
            week + 1,
            first + dt.timedelta(weeks=week),
            numbers,
            shares={n: 1 + n % 5 for n in numbers},
            fine={n: 500 for n in numbers if (n + week) % 10 == 0},
        )
        saves.append(time.perf_counter() - start)
    return cycle, saves


def more_groups(template_group: Group, total: int) -> int:
    """Groups up to `total` in the bench organisation, in bulk (names spread so that searches find a few)."""
    have = Group.objects.filter(organisation=template_group.organisation).count()
    fields = {
        name: getattr(template_group, name)
        for name in (
            "organisation_id",
            "kind",
            "province_id",
            "district_id",
            "commune_id",
            "village_id",
            "programme_id",
            "formed_on",
            "created_by_id",
        )
        if hasattr(template_group, name)
    }
    batch = []
    for index in range(have, total):
        name = f"Bench group {index:06d}"
        batch.append(Group(uuid=uuid.uuid4(), name=name, name_key=name_key(name), **fields))
        if len(batch) == 5000:
            Group.objects.bulk_create(batch)
            batch = []
    Group.objects.bulk_create(batch)
    return Group.objects.filter(organisation=template_group.organisation).count()


def page(client: Client, url: str, repeat: int) -> dict[str, Any]:
    client.get(url)
    times = []
    queries = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured)
    return {"p50_ms": ms(statistics.median(times)), "p95_ms": ms(p95(times)), "queries": queries}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--out", default="")
    args = parser.parse_args(argv)
    assert connection.vendor == "postgresql", "the bench runs on PostgreSQL (DATABASE_URL)"
    officer = officer_of()
    start = time.perf_counter()
    cycle, saves = template(officer, args.regenerate)
    groups = more_groups(cycle.group, args.groups)
    entries = LedgerEntry.objects.filter(cycle=cycle).count()
    generated = time.perf_counter() - start
    raw("ANALYZE")
    results: dict[str, Any] = {"groups": groups, "ledger_entries": entries, "generation_s": round(generated, 1)}

    # The meeting screen's save, beside a raw INSERT of as many rows.
    per_meeting = max(1, entries // MEETINGS)
    raw("CREATE TEMP TABLE IF NOT EXISTS bench_rows (member int, kind text, amount numeric, shares int)")

    def insert() -> None:
        values = ",".join(["(%s, 'shares', 5000, 1)"] * per_meeting)
        raw(f"INSERT INTO bench_rows VALUES {values}", list(range(per_meeting)))

    if saves:
        baseline = timed(insert, len(saves))
        results["meeting_save"] = {
            "p50_ms": ms(statistics.median(saves)),
            "p95_ms": ms(p95(saves)),
            "raw_p50_ms": ms(statistics.median(baseline)),
            "target_ms": 300,
        }

    # Share-out of the 30-member group after 52 meetings.
    share = timed(lambda: services.share_out_preview(actor=officer, cycle=cycle), args.repeat)
    sums = timed(
        lambda: raw(
            "SELECT member_id, SUM(shares) FROM livelihoods_ledgerentry WHERE cycle_id = %s GROUP BY member_id",
            [cycle.pk],
        ),
        args.repeat,
    )
    results["share_out"] = {
        "p50_ms": ms(statistics.median(share)),
        "p95_ms": ms(p95(share)),
        "raw_p50_ms": ms(statistics.median(sums)),
        "target_ms": 50,
    }

    # Pages: the group list, a search, the programme's indicators.
    client = Client()
    client.force_login(officer)
    reset_queries()
    results["group_list"] = page(client, "/livelihoods/groups/", args.repeat) | {"target_p95_ms": 200}
    results["group_search"] = page(client, "/livelihoods/groups/?q=Bench+group+0123", args.repeat) | {
        "target_p95_ms": 200
    }
    results["indicators"] = page(client, "/livelihoods/indicators/", max(3, args.repeat // 5)) | {"target_p95_ms": 2000}
    org = cycle.group.organisation_id
    for name, sql, params in (
        (
            "group_list",
            "SELECT id, name FROM livelihoods_group WHERE organisation_id = %s ORDER BY name_key, id LIMIT 25",
            [org],
        ),
        (
            "group_search",
            "SELECT id, name FROM livelihoods_group WHERE organisation_id = %s AND name_key LIKE %s "
            "ORDER BY name_key, id LIMIT 25",
            [org, name_key("Bench group 0123") + "%"],
        ),
        (
            "indicators",
            "SELECT cycle_id, kind, SUM(amount), SUM(shares) FROM livelihoods_ledgerentry GROUP BY cycle_id, kind",
            None,
        ),
    ):
        baseline = timed(functools.partial(raw, sql, params), args.repeat)
        results[name]["raw_p50_ms"] = ms(statistics.median(baseline))

    print(f"{'what':<14} {'p50 ms':>9} {'p95 ms':>9} {'raw SQL p50':>12} {'ratio':>8} {'queries':>8}  target")
    for name, row in results.items():
        if not isinstance(row, dict):
            continue
        ratio = row["p50_ms"] / row["raw_p50_ms"] if row.get("raw_p50_ms") else float("nan")
        target = row.get("target_ms") or row.get("target_p95_ms")
        measured = row["p95_ms"] if "target_p95_ms" in row else row["p50_ms"]
        queries = row.get("queries", "")
        missed = (target is not None and measured > target) or (queries != "" and int(queries) > 10)
        print(
            f"{name:<14} {row['p50_ms']:>9} {row['p95_ms']:>9} {row.get('raw_p50_ms', ''):>12} {ratio:>8.1f} "
            f"{queries!s:>8}  {target}{'  MISSED' if missed else ''}"
        )
    print(f"groups {groups}, ledger entries {entries}, generation {results['generation_s']} s")
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
