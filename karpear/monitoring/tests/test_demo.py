"""The monitoring part of the demo: CWPD's figures entered by hand under SMART, and the consortium's progress
against the seeds' targets as the donor's programme manager sees it."""

from __future__ import annotations

import importlib
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps

from karpear.core.demo import load_demo
from karpear.core.models import Programme, User
from karpear.monitoring import selectors
from karpear.monitoring.models import ManualValue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _seeded_tables() -> None:
    """Tables other apps seed by data migrations, put back if a transactional test flushed them (PostgreSQL)."""
    for app_label, model, migration, loader in [
        ("protection", "Indicator", "karpear.protection.migrations.0003_indicators_and_rules", "load"),
        ("outreach", "Topic", "karpear.outreach.migrations.0002_seed_portal_content", "seed"),
    ]:
        if not apps.get_model(app_label, model).objects.exists():
            module: Any = importlib.import_module(migration)
            getattr(module, loader)(apps, None)


def test_progress_against_the_seeds_targets_for_a_sub_grantee_and_the_donor() -> None:
    load_demo()
    load_demo()  # refreshing the demo enters no figure twice
    assert ManualValue.objects.count() == 3
    cwpd = User.objects.get(username="cwpdme")  # CWPD's M&E officer: its own sub-grant's targets
    smart = Programme.objects.get(code="smart")
    rows = {
        row.target.indicator: row
        for row in selectors.progress(cwpd, selectors.reach(cwpd, smart), selectors.parse_period(""))
    }
    assert (rows["event_participants"].achieved, rows["event_participants"].percent) == (Decimal(1030), Decimal(69))
    assert (rows["community_volunteers_trained"].achieved, rows["community_volunteers_trained"].percent) == (
        Decimal(38),
        Decimal(70),
    )
    donor = User.objects.get(username="donor")  # USAID's programme manager: CTIP's whole consortium
    ctip = Programme.objects.get(code="ctip")
    ctip_rows = selectors.progress(donor, selectors.reach(donor, ctip), selectors.parse_period(""))
    assert {row.target.indicator for row in ctip_rows} >= {"savings_groups_formed", "savings_group_members"}


def test_the_demo_dashboards_render_for_the_donor_and_the_me_officer(client: Any) -> None:
    from django.urls import reverse

    from conftest import login

    load_demo()
    donor, officer = User.objects.get(username="donor"), User.objects.get(username="monitoring")
    ctip = Programme.objects.get(code="ctip")
    login(client, donor)
    page = client.get(reverse("monitoring:programme", args=[ctip.uuid])).content.decode()
    assert "Savings groups formed" in page and 'class="map"' in page
    login(client, officer)
    assert client.get(reverse("monitoring:organisation")).status_code == 200
    assert client.get(reverse("monitoring:indicator", args=["protection_cases_opened"])).status_code == 200
