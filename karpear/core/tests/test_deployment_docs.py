"""The production install of docs/deployment.md: the systemd units it shows are the ones shipped, and they start.

The guide tells administrators to copy deploy/systemd/*.service; it also prints them. These tests keep the two
the same, and check that the web unit's gunicorn command line loads Karpear and that the worker unit's command
exists.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[3]
GUIDE = ROOT / "docs" / "deployment.md"
UNITS = ROOT / "deploy" / "systemd"


def _exec_start(unit: str) -> list[str]:
    line = next(line for line in (UNITS / unit).read_text().splitlines() if line.startswith("ExecStart="))
    return shlex.split(line.removeprefix("ExecStart="))


@pytest.mark.parametrize("unit", ["karpear-web.service", "karpear-worker.service"])
def test_the_guide_shows_the_shipped_systemd_unit(unit: str) -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    shown = re.search(rf"`/etc/systemd/system/{re.escape(unit)}`[^\n]*\n(?:[^\n]*\n)*?```ini\n(.*?)```", guide, re.S)

    assert shown is not None, f"docs/deployment.md does not show {unit}"
    assert shown.group(1) == (UNITS / unit).read_text(encoding="utf-8")


def test_the_web_unit_starts_gunicorn_with_karpear() -> None:
    command = _exec_start("karpear-web.service")
    assert command[:2] == ["/opt/karpear/.venv/bin/gunicorn", "karpear.wsgi:application"]

    env = {**os.environ, "KARPEAR_DEBUG": "true", "DATABASE_URL": "sqlite:///:memory:"}
    checked = subprocess.run(
        [sys.executable, "-m", "gunicorn", *command[1:], "--check-config"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert checked.returncode == 0, checked.stderr[-2000:]


def test_the_worker_unit_runs_karpear_worker() -> None:
    command = _exec_start("karpear-worker.service")

    assert command == ["/opt/karpear/.venv/bin/karpear", "worker"]
    assert get_commands()["worker"] == "karpear.core"
