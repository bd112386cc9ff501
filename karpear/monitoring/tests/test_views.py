"""Pages and API of monitoring: dashboards with their SVG charts, the indicator page with its breakdowns, the
records behind a figure (audited, aggregates-only viewers get none), figures entered by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from conftest import login
from karpear.core.models import AuditEvent
from karpear.core.tests.factories import this_year
from karpear.monitoring.models import ManualValue
from karpear.monitoring.tests.factories import Consortium, consortium, people, target

pytestmark = pytest.mark.django_db


@pytest.fixture
def c() -> Consortium:
    made = consortium()
    people(made.caseworker, [("female", 1990)] * 6 + [("male", 1990)] * 2)
    target(made, "people_registered", 40)
    return made


def test_the_programme_dashboard_shows_progress_a_map_and_a_trend(client: Client, c: Consortium) -> None:
    login(client, c.manager)
    answer = client.get(reverse("monitoring:programme", args=[c.programme.uuid]), {"period": str(this_year())})
    page = answer.content.decode()
    assert answer.status_code == 200
    assert "people_registered target" in page and "20%" in page  # 8 of 40
    assert 'class="map"' in page and 'class="chart"' in page and page.count("<path") == 25
    # The programme manager's map and trend link to no record.
    assert reverse("monitoring:records", args=["people_registered"]) not in page


def test_the_organisation_dashboard_links_figures_to_their_records(client: Client, c: Consortium) -> None:
    login(client, c.me)
    page = client.get(reverse("monitoring:organisation")).content.decode()
    assert reverse("monitoring:records", args=["people_registered"]) in page


def test_the_indicator_page_shows_each_breakdown_with_hidden_cells(client: Client, c: Consortium) -> None:
    login(client, c.manager)
    answer = client.get(reverse("monitoring:indicator", args=["people_registered"]), {"programme": c.programme.uuid})
    page = answer.content.decode()
    assert answer.status_code == 200
    assert "&lt;5" in page and "Age group" in page and "Province" in page
    assert reverse("monitoring:records", args=["people_registered"]) not in page


def test_records_behind_a_figure_are_listed_and_the_reading_audited(client: Client, c: Consortium) -> None:
    login(client, c.me)
    answer = client.get(
        reverse("monitoring:records", args=["people_registered"]), {"dimension": "sex", "key": "female"}
    )
    page = answer.content.decode()
    assert answer.status_code == 200 and page.count("<li>") >= 6
    assert AuditEvent.objects.filter(actor=c.me, action="view", details__indicator="people_registered").exists()


def test_aggregates_only_viewers_get_no_record_and_no_audit_of_one(client: Client, c: Consortium) -> None:
    login(client, c.manager)
    answer = client.get(reverse("monitoring:records", args=["people_registered"]), {"programme": c.programme.uuid})
    assert answer.status_code == 200
    assert "aggregate figures only" in answer.content.decode()
    assert not AuditEvent.objects.filter(actor=c.manager, action="view").exists()


def test_an_unknown_indicator_or_programme_is_not_found(client: Client, c: Consortium) -> None:
    login(client, c.me)
    assert client.get(reverse("monitoring:indicator", args=["nothing"])).status_code == 404
    assert (
        client.get(reverse("monitoring:indicator", args=["people_registered"]), {"programme": "x"}).status_code == 404
    )


def test_a_figure_is_entered_by_hand_and_bad_input_is_answered_next_to_the_field(client: Client, c: Consortium) -> None:
    login(client, c.me)
    url = reverse("monitoring:manual_value_add")
    data: dict[str, Any] = {
        "indicator": "research_and_case_studies_published",
        "programme": str(c.programme.uuid),
        "period_start": "2026-01-01",
        "period_end": "2025-01-01",
        "value": "150",
        "source": "Head count",
    }
    answer = client.post(url, data)
    assert answer.status_code == 200 and "before its start" in answer.content.decode()
    assert not ManualValue.objects.exists()
    data["period_end"] = "2026-03-31"
    assert client.post(url, data).status_code == 302
    assert ManualValue.objects.get().value == 150


def test_the_api_gives_figures_with_the_same_suppression(client: Client, c: Consortium) -> None:
    login(client, c.manager)
    listed = client.get("/api/v1/monitoring/indicators/").json()
    assert {"code": "people_registered", "kind": "counted"}.items() <= next(
        i for i in listed if i["code"] == "people_registered"
    ).items()
    figure = client.get(
        "/api/v1/monitoring/indicators/people_registered/", {"programme": c.programme.uuid, "period": this_year()}
    ).json()
    sex = next(table for table in figure["tables"] if table["dimension"] == "sex")
    assert figure["value"] == "8.00" and figure["suppressed"] is True
    assert {cell["key"]: (cell["count"], cell["shown"]) for cell in sex["cells"]} == {
        "female": (None, "x"),
        "male": (None, "<5"),
    }
    progress = client.get(f"/api/v1/monitoring/progress/{c.programme.uuid}/").json()
    assert progress[0]["indicator"] == "people_registered" and progress[0]["percent"] == "20"


def test_the_dashboard_reads_in_khmer_with_khmer_digits(client: Client, c: Consortium) -> None:
    login(client, c.manager)
    client.cookies["karpear_language"] = "km"
    page = client.get(reverse("monitoring:programme", args=[c.programme.uuid])).content.decode()
    assert "ភាគរយសម្រេចបាន" in page and "២០%" in page and "20%" not in page


def test_quarters_before_the_programme_are_not_offered(client: Client, c: Consortium) -> None:
    login(client, c.manager)
    page = client.get(reverse("monitoring:programme", args=[c.programme.uuid])).content.decode()
    assert f'value="{dt.date(2024, 1, 1).year}-Q1"' in page and 'value="2023' not in page
