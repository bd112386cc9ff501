"""The backup and restore procedures of docs/deployment.md, run for real: the restored copy has the same
people and an intact audit chain. SQLite when the suite runs on SQLite, PostgreSQL when it runs on it (CI).

The database backed up is built by a real `migrate`, and it is also the check that the migrations build the
tables, columns, indexes and constraints the models declare: the suite's own test database is created from
the models without migrations (conftest.py), and the two must not differ."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import dj_database_url
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[3]


def _manage(database_url: str, *args: str) -> str:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "KARPEAR_DEBUG": "true", "DATABASE_URL": database_url}
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


# Each table's columns (name, type, nullable) and constraints and indexes (columns, kind), names left out:
# the same shape whether Django built it from the models or from the migrations.
SCHEMA = """
import json
from django.db import connection
intro = connection.introspection
shape = {}
with connection.cursor() as cursor:
    for table in sorted(intro.table_names(cursor)):
        if table == "django_migrations":
            continue
        columns = sorted([c.name, str(c.type_code), bool(c.null_ok)] for c in intro.get_table_description(cursor, table))
        constraints = sorted(
            [list(c["columns"]), *(bool(c[k]) for k in ("primary_key", "unique", "foreign_key", "index", "check")),
             list(c.get("orders") or []), c.get("type") or ""]
            for c in intro.get_constraints(cursor, table).values()
        )
        shape[table] = {"columns": columns, "constraints": constraints}
print(json.dumps(shape, sort_keys=True))
"""


def _schema_here() -> dict[str, object]:
    """The shape of this suite's test database's tables of Karpear's apps (Django's and other libraries' own
    tables are theirs to keep right; the test-only sample module is installed for the suite, never by
    `manage.py`), built from the models."""
    from contextlib import redirect_stdout
    from io import StringIO

    from django.apps import apps

    out = StringIO()
    with redirect_stdout(out):
        exec(SCHEMA, {})  # noqa: S102 - our own constant, run here and in the migrated database's shell
    ours = {
        model._meta.db_table
        for config in apps.get_app_configs()
        if config.name.startswith("karpear.") and not config.name.startswith("karpear.core.tests.")
        for model in config.get_models(include_auto_created=True)
    }
    assert len(ours) > 100
    return {table: shape for table, shape in json.loads(out.getvalue()).items() if table in ours}


def _assert_migrations_build_the_models(url: str) -> None:
    here = _schema_here()
    migrated = json.loads(_manage(url, "shell", "--no-imports", "-c", SCHEMA))
    missing = sorted(here.keys() - migrated.keys())
    assert missing == [], f"tables the models declare and the migrations do not build: {missing}"
    differ = [table for table in here if migrated[table] != here[table]]
    assert differ == [], f"the migrations and the models build these tables differently: {differ}"


COUNT = "from karpear.core.models import Person, AuditEvent; print(Person.objects.count(), AuditEvent.objects.count())"


def _fill(url: str) -> str:
    _manage(url, "migrate", "-v0")
    _manage(url, "loaddemo")
    return _manage(url, "shell", "--no-imports", "-c", COUNT).strip()


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="the sqlite3 command is needed for .backup")
@pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"), reason="runs when the suite runs on SQLite"
)
@pytest.mark.django_db
def test_sqlite_backup_and_restore(tmp_path: Path) -> None:
    live = tmp_path / "live.sqlite3"
    before = _fill(f"sqlite:///{live}")
    _assert_migrations_build_the_models(f"sqlite:///{live}")
    backup = tmp_path / "backup.sqlite3"
    subprocess.run(["sqlite3", str(live), f".backup {backup}"], check=True, timeout=60)
    restored = tmp_path / "restored.sqlite3"
    shutil.copy(backup, restored)  # restore = put the backup file in place while the app is stopped
    url = f"sqlite:///{restored}"
    assert _manage(url, "shell", "--no-imports", "-c", COUNT).strip() == before
    assert "Audit chain intact" in _manage(url, "verify_audit")


@pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql") or shutil.which("pg_dump") is None,
    reason="runs when the suite runs on PostgreSQL",
)
@pytest.mark.django_db
def test_postgresql_backup_and_restore(tmp_path: Path) -> None:
    base = dj_database_url.parse(os.environ["DATABASE_URL"])
    server = f"postgres://{base['USER']}@{base['HOST']}:{base['PORT'] or 5432}"
    names = [f"karpear_backup_{uuid.uuid4().hex[:8]}", f"karpear_restore_{uuid.uuid4().hex[:8]}"]
    psql = ["psql", f"{server}/postgres", "-q", "-c"]
    try:
        for name in names:
            subprocess.run([*psql, f"CREATE DATABASE {name}"], check=True, timeout=60)
        before = _fill(f"{server}/{names[0]}")
        _assert_migrations_build_the_models(f"{server}/{names[0]}")
        dump = tmp_path / "karpear.dump"
        subprocess.run(["pg_dump", "-Fc", "-f", str(dump), f"{server}/{names[0]}"], check=True, timeout=300)
        subprocess.run(["pg_restore", "--no-owner", "-d", f"{server}/{names[1]}", str(dump)], check=True, timeout=300)
        url = f"{server}/{names[1]}"
        assert _manage(url, "shell", "--no-imports", "-c", COUNT).strip() == before
        assert "Audit chain intact" in _manage(url, "verify_audit")
    finally:
        for name in names:
            subprocess.run([*psql, f"DROP DATABASE IF EXISTS {name}"], check=False, timeout=60)
