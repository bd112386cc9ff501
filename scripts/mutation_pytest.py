"""A pytest plugin for `make mutation` only (scripts/mutation.sh loads it): what each mutant's test run can skip.

mutmut forks every mutant's process from one that has already imported Django, the apps and the test modules,
and calls `pytest.main()` in it with the tests that reached the mutated function. Most of what is left of a
mutant's time is this plugin's business (docs/testing.md, "How a run fits half an hour"):

- **No migrations.** pytest-django would build the test database in each process: about 10 s of migrations
  and the gazetteer when new, and still 1–1.5 s of CPU with `--reuse-db` (Django renders every app's migration
  state to find nothing left to apply). The script migrates one template database before mutmut starts
  (KARPEAR_MUTATION_TEMPLATE_DB); here each test process copies it to a file of its own (two mutants run at
  once, and a transactional test flushes its database) and `setup_databases` only points the connection at
  the copy. The copy is removed when the process's tests end.
- **One matrix row per kind of object and way in.** The access matrix asks every route as every role and
  actor (258 routes); the routes of one kind of object read the same declaration through the same functions
  of `access.py`, so the mutation run keeps one route per kind and per read / write
  (`KARPEAR_MUTATION_MATRIX=all` keeps them all). `make test` runs every route.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

_ENV = "KARPEAR_MUTATION_TEMPLATE_DB"
_copies: list[Path] = []


def _point_at_copy(copy: Path) -> Any:
    """A stand-in for django.test.utils.setup_databases: the copy is already migrated."""

    def setup_databases(*, aliases: Any = None, **_: Any) -> list[Any]:
        from django.conf import settings
        from django.db import connections

        for alias in aliases or ["default"]:
            connection = connections[alias]
            connection.close()
            settings.DATABASES[alias]["NAME"] = str(copy)
            connection.settings_dict["NAME"] = str(copy)
        return []

    return setup_databases


def pytest_configure(config: pytest.Config) -> None:
    template = os.environ.get(_ENV)
    if not template:
        return
    import django.test.utils

    copy = Path(f"{template}.{os.getpid()}")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, copy)
    _copies.append(copy)
    # pytest-django imports setup_databases from django.test.utils when its session fixture runs.
    django.test.utils.setup_databases = _point_at_copy(copy)


def pytest_unconfigure(config: pytest.Config) -> None:
    while _copies:
        copy = _copies.pop()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{copy}{suffix}").unlink(missing_ok=True)


def _matrix_key(route: Any) -> tuple[Any, ...]:
    return (route.kind, route.method == "get")


# The test files written against mutants of each mutated module (docs/testing.md): small, fast, and each aimed
# at one way the code can go wrong.
_AIMED = {
    ".access.": ("test_access_mutants", "test_access_places"),
    ".audit.": ("test_audit",),
}


def _aimed_first(items: list[pytest.Item]) -> None:
    """Run the tests written against this module's mutants before the rest (mutmut's order otherwise kept).

    mutmut orders a mutant's tests fastest first and stops at the first failure; the fastest tests are rarely
    the ones that notice a changed access rule, so a killed mutant of a hot function used to run 6–9 s of
    other tests before the one aimed at it. Only the order changes: a survivor still runs every test.
    """
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    aimed = next((files for module, files in _AIMED.items() if module in mutant), ())
    if aimed:
        items.sort(key=lambda item: not item.path.name.startswith(aimed))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not os.environ.get(_ENV):
        return
    _aimed_first(items)
    if os.environ.get("KARPEAR_MUTATION_MATRIX") == "all":
        return
    from karpear.core.tests.matrix import collect

    routes = collect().routes
    kept: dict[tuple[Any, ...], str] = {}
    for name in sorted(routes):
        kept.setdefault(_matrix_key(routes[name]), name)
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        route = callspec.params.get("name") if callspec is not None else None
        if item.name.startswith("test_access_matrix[") and route not in kept.values():
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
