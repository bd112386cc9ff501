"""The portal's content (topics, passport fees and offices, hotlines) is seeded by a data migration (0002). A
transactional test elsewhere (threads, a live server) ends with a flush that empties every table, these too; on
PostgreSQL, with tests spread over workers, an outreach test can come after one. Each outreach test that uses the
database puts the content back first, with the migration's own loader (idempotent: get_or_create)."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps


@pytest.fixture(autouse=True)
def portal_content(request: pytest.FixtureRequest) -> None:
    marker = request.node.get_closest_marker("django_db")
    if marker is None and "db" not in request.fixturenames:
        return
    if marker is not None and marker.kwargs.get("transaction"):
        request.getfixturevalue("transactional_db")
    else:
        request.getfixturevalue("db")
    from karpear.outreach.models import Topic

    if not Topic.objects.exists():
        migration: Any = importlib.import_module("karpear.outreach.migrations.0002_seed_portal_content")
        migration.seed(apps, None)
