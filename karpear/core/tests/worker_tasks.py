"""Tasks the worker tests enqueue: the worker process imports them by path, like any task."""

from __future__ import annotations

from django.db import connection
from django.tasks import task


@task()
def sleep_in_database(seconds: float) -> str:
    """Hold a query open for `seconds` (so a test can cut the connection while a task runs)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(%s)", [seconds])
    return "slept"
