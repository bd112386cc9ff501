"""The articles of the law are loaded by a data migration (0002). A transactional test elsewhere (threads, a
live server) ends with a flush that empties every table, these too; the tests that read them ask for
`articles`, which puts them back first with the migration's own loader."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps


@pytest.fixture
def articles(db: Any) -> None:
    from karpear.justice.models import Article

    if not Article.objects.exists():
        migration: Any = importlib.import_module("karpear.justice.migrations.0002_articles")
        migration.load(apps, None)
