"""The backup and restore procedures of docs/deployment.md, run for real: the restored copy has the same
people and an intact audit chain. SQLite always; PostgreSQL when the suite runs on it (CI)."""

from __future__ import annotations

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


COUNT = "from karpear.core.models import Person, AuditEvent; print(Person.objects.count(), AuditEvent.objects.count())"


def _fill(url: str) -> str:
    _manage(url, "migrate", "-v0")
    _manage(url, "loaddemo")
    return _manage(url, "shell", "--no-imports", "-c", COUNT).strip()


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="the sqlite3 command is needed for .backup")
def test_sqlite_backup_and_restore(tmp_path: Path) -> None:
    live = tmp_path / "live.sqlite3"
    before = _fill(f"sqlite:///{live}")
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
def test_postgresql_backup_and_restore(tmp_path: Path) -> None:
    base = dj_database_url.parse(os.environ["DATABASE_URL"])
    server = f"postgres://{base['USER']}@{base['HOST']}:{base['PORT'] or 5432}"
    names = [f"karpear_backup_{uuid.uuid4().hex[:8]}", f"karpear_restore_{uuid.uuid4().hex[:8]}"]
    psql = ["psql", f"{server}/postgres", "-q", "-c"]
    try:
        for name in names:
            subprocess.run([*psql, f"CREATE DATABASE {name}"], check=True, timeout=60)
        before = _fill(f"{server}/{names[0]}")
        dump = tmp_path / "karpear.dump"
        subprocess.run(["pg_dump", "-Fc", "-f", str(dump), f"{server}/{names[0]}"], check=True, timeout=300)
        subprocess.run(["pg_restore", "--no-owner", "-d", f"{server}/{names[1]}", str(dump)], check=True, timeout=300)
        url = f"{server}/{names[1]}"
        assert _manage(url, "shell", "--no-imports", "-c", COUNT).strip() == before
        assert "Audit chain intact" in _manage(url, "verify_audit")
    finally:
        for name in names:
            subprocess.run([*psql, f"DROP DATABASE IF EXISTS {name}"], check=False, timeout=60)
