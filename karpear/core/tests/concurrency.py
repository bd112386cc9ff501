"""Helpers for tests that run work at the same moment in several threads, each with its own connection.

Such tests need a transactional database (`@pytest.mark.django_db(transaction=True)`): every thread commits
for real, as web processes do. pytest-django empties every table after such a test, the gazetteer's too (it
is loaded by a data migration); `keep_places` writes the places back once the module is done, so the tests
that run after it in the same process still find them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, connections, transaction

from karpear.core.models import Commune, District, Province, Village

POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
PG_ONLY = pytest.mark.skipif(
    not POSTGRES,
    reason="needs PostgreSQL: SQLite runs one write transaction at a time (BEGIN IMMEDIATE), so concurrent "
    "writers queue up there and can neither deadlock nor race; `make test` with CI=true runs this on PostgreSQL",
)
PLACE_MODELS = (Province, District, Commune, Village)  # parents first


@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None


def run_concurrently(jobs: list[Callable[[], Any]], timeout: float = 60) -> list[Outcome]:
    """Run each job in its own thread, all released at the same moment; each thread closes its connection."""
    barrier = threading.Barrier(len(jobs))
    outcomes = [Outcome() for _ in jobs]

    def runner(index: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout)
            outcomes[index].value = job()
        except BaseException as exc:  # reported to the test, which asserts on it
            outcomes[index].error = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, job), daemon=True) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    stuck = [i for i, thread in enumerate(threads) if thread.is_alive()]
    assert not stuck, f"threads {stuck} still running after {timeout} s"
    return outcomes


# ---------------------------------------------------------------- the gazetteer across flushes
def _read_places() -> dict[type, tuple[list[str], list[tuple[Any, ...]]]]:
    rows = {}
    qn = connection.ops.quote_name
    for model in PLACE_MODELS:
        columns = [f.column for f in model._meta.concrete_fields]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(map(qn, columns))} FROM {qn(model._meta.db_table)}")  # noqa: S608
            rows[model] = (columns, cursor.fetchall())
    return rows


def _write_places(rows: dict[type, tuple[list[str], list[tuple[Any, ...]]]]) -> None:
    from django.core.management.color import no_style

    if Province.objects.exists():
        return
    qn = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        for model in PLACE_MODELS:
            columns, values = rows[model]
            table, names = qn(model._meta.db_table), ", ".join(map(qn, columns))
            if connection.vendor == "postgresql":  # COPY: one round trip instead of one per row
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in values:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", values)  # noqa: S608
        for sql in connection.ops.sequence_reset_sql(no_style(), [Village]):
            cursor.execute(sql)


@pytest.fixture(scope="module")
def keep_places(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Read the places before the module's tests and write them back after the last one's flush."""
    with django_db_blocker.unblock():
        rows = _read_places()
    yield
    with django_db_blocker.unblock():
        _write_places(rows)
