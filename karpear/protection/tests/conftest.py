"""The indicator set, the screening rules and the service catalogue are loaded by data migrations (0003, 0005). A
transactional test elsewhere (threads, a live server) ends with a flush that empties every table, these too;
the tests that read them ask for `indicators` (or `catalogue`), which puts them back first with the
migrations' own loaders."""

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


@pytest.fixture
def catalogue(db: Any) -> None:
    from karpear.protection.models import ServiceKind

    if not ServiceKind.objects.exists():
        migration: Any = importlib.import_module("karpear.protection.migrations.0005_service_catalogue")
        migration.load(apps, None)


@pytest.fixture
def lifecycle(db: Any) -> None:
    from karpear.protection.models import StageStep

    if not StageStep.objects.exists():
        migration: Any = importlib.import_module("karpear.protection.migrations.0007_steps_and_sustainability")
        migration.load(apps, None)
