"""A pytest plugin for `make mutation` only (scripts/mutation.sh loads it): every mutant's test run starts from a
copy of an already migrated SQLite database instead of migrating a new one.

mutmut runs the tests of each mutant in a process of its own; pytest-django would build the test database in
each (about 10 s of migrations and the gazetteer, on this machine longer than most mutants' tests). The script
migrates one template database before mutmut starts (KARPEAR_MUTATION_TEMPLATE_DB); here each test process
copies it to a file of its own (two mutants run at once, and a transactional test flushes its database) and
tells Django to keep it (`--reuse-db`), so `migrate` finds nothing left to apply. The copy is removed when the
process's tests end.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

_ENV = "KARPEAR_MUTATION_TEMPLATE_DB"
_copies: list[Path] = []


def pytest_configure(config: pytest.Config) -> None:
    template = os.environ.get(_ENV)
    if not template:
        return
    from django.conf import settings

    copy = Path(f"{template}.{os.getpid()}")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, copy)
    _copies.append(copy)
    # The same dict Django's connection handler holds, so the connection made for the tests opens the copy.
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = str(copy)


def pytest_unconfigure(config: pytest.Config) -> None:
    while _copies:
        copy = _copies.pop()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{copy}{suffix}").unlink(missing_ok=True)
