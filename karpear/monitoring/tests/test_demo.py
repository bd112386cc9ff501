"""The monitoring part of the demo: SMART's outreach figures counted from the records (nothing entered by hand), and
the consortium's progress against the seeds' targets as the donor's programme manager sees it."""

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
    load_demo()  # refreshing the demo enters nothing twice
    assert not ManualValue.objects.exists()
    smart = Programme.objects.get(code="smart")
    care = User.objects.get(username="careme")  # CARE leads SMART: the whole consortium's records
    reach = selectors.reach(care, smart)
    figures = {
        figure.indicator.code: figure for figure in selectors.dashboard_figures(care, reach, selectors.parse_period(""))
    }
    assert figures["event_participants"].indicator.kind == "counted"
    # The outreach demo's Anti-Trafficking Day events: CARE's parade in Prey Veng and CWPD's event in Kampong Cham.
    assert figures["event_participants"].value == 900 + 600
    assert figures["community_volunteers_trained"].value == 3 + 4  # CARE's and CWPD's demo volunteers, all trained
    cwpd = User.objects.get(username="cwpdme")  # CWPD's M&E officer: its own sub-grant's targets, its own records
    rows = {
        row.target.indicator: row
        for row in selectors.progress(cwpd, selectors.reach(cwpd, smart), selectors.parse_period(""))
    }
    assert rows["event_participants"].indicator is not None and not rows["event_participants"].indicator.manual
    # SMART's targets on CWPD's sub-grant, counted from CWPD's own records: 600 of 1,500 people, 4 of 54 volunteers.
    assert (rows["event_participants"].achieved, rows["event_participants"].percent) == (600, Decimal(40))
    assert (rows["community_volunteers_trained"].achieved, rows["community_volunteers_trained"].percent) == (
        4,
        Decimal(7),
    )
    lead = {row.target.indicator: row for row in selectors.progress(care, reach, selectors.parse_period(""))}
    assert lead["event_participants"].percent == Decimal(40)  # CARE follows the same sub-grant target
    donor = User.objects.get(username="donor")  # USAID's programme manager: CTIP's whole consortium
    ctip = Programme.objects.get(code="ctip")
    ctip_rows = selectors.progress(donor, selectors.reach(donor, ctip), selectors.parse_period(""))
    assert {row.target.indicator for row in ctip_rows} >= {"savings_groups_formed", "savings_group_members"}
    # Sovann's savings group of twelve is formed under CTIP-SG-03, so that sub-grant's savings targets count it
    # (they showed 0 % when the demo formed it outside any programme).
    sovann = {row.target.indicator: row for row in ctip_rows if row.target.subgrant.reference == "CTIP-SG-03"}
    assert sovann["savings_groups_formed"].achieved == 1
    assert sovann["savings_group_members"].achieved == 12
    # CCPCR's savings group in Svay Rieng (CTIP-SG-01): its ten members head ten households. CEDAC's rice growers'
    # savings group (CTIP-SG-04): eight members, monthly meetings under way, so one group supported.
    by_subgrant = {(row.target.subgrant.reference, row.target.indicator): row for row in ctip_rows}
    assert by_subgrant["CTIP-SG-01", "savings_group_households"].achieved == 10
    assert by_subgrant["CTIP-SG-04", "savings_groups_supported"].achieved == 1
    assert by_subgrant["CTIP-SG-04", "savings_group_members"].achieved == 8


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
