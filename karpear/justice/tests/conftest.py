"""The articles of the law are loaded by a data migration (0002). A transactional test elsewhere (threads, a
live server) ends with a flush that empties every table, these too; the tests that read them ask for
`articles`, which puts them back first with the migration's own loader."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps


@pytest.fixture
def articles(db: Any) -> None:
    from karpear.justice.models import Article

    if not Article.objects.exists():
        migration: Any = importlib.import_module("karpear.justice.migrations.0002_articles")
        migration.load(apps, None)


@pytest.fixture
def budget_line(orgs: dict[str, Any]) -> Any:
    """A budget line ("1") of the own organisation's sub-grant CTIP-SG-02, under another organisation's programme."""
    from conftest import make_user
    from karpear.core.models import BudgetLine, Programme, SubGrant
    from karpear.core.roles import Role

    donor = make_user(orgs["other"], Role.PROGRAMME_MANAGER, username="donor").memberships.get().organisation
    programme = Programme.objects.create(
        organisation=donor, donor=donor, code="ctip", name="CTIP", start_date="2026-01-01", end_date="2027-12-31"
    )
    grant = SubGrant.objects.create(
        organisation=orgs["own"],
        programme=programme,
        reference="CTIP-SG-02",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2027, 12, 31),
    )
    return BudgetLine.objects.create(subgrant=grant, code="1", description="Legal aid", amount=Decimal(120000))
