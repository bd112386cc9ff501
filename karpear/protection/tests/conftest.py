"""The indicator set and screening rules are loaded by a data migration (0003). A transactional test elsewhere
(threads, a live server) ends with a flush that empties every table, these too; the tests that read them ask for
`indicators`, which puts them back first with the migration's own loader."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps


@pytest.fixture
def indicators(db: Any) -> None:
    from karpear.protection.models import Indicator

    if not Indicator.objects.exists():
        migration: Any = importlib.import_module("karpear.protection.migrations.0003_indicators_and_rules")
        migration.load(apps, None)
