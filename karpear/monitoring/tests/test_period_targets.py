"""Targets per period (issue 15 item 2): the managing organisation sets a target's value for a year or a quarter;
progress in that period is measured against it, other periods against the whole programme's target."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import login, make_user
from karpear.core.models import AuditEvent
from karpear.core.roles import Role
from karpear.monitoring import selectors, services
from karpear.monitoring.models import PeriodTarget
from karpear.monitoring.tests.factories import Consortium, consortium, people, target

pytestmark = pytest.mark.django_db


@pytest.fixture
def c() -> Consortium:
    made = consortium()
    people(made.caseworker, [("female", 1990)] * 6)
    return made


def test_progress_in_a_quarter_is_measured_against_that_quarters_target(c: Consortium) -> None:
    whole = target(c, "people_registered", 40)
    officer = make_user(c.prime, Role.PROGRAMME_OFFICER)
    quarter = selectors.quarter_of(timezone.localdate())
    services.period_target_set(actor=officer, target=whole, period=quarter, value=Decimal(12))
    services.period_target_set(actor=officer, target=whole, period=quarter.lower(), value=Decimal(10))  # again
    assert PeriodTarget.objects.get().value == Decimal(10)
    assert AuditEvent.objects.filter(action="update", actor=officer).count() == 2
    reach = selectors.reach(c.manager, c.programme)
    [row] = selectors.progress(c.manager, reach, selectors.parse_period(quarter))
    assert (row.achieved, row.goal, row.percent) == (6, Decimal(10), Decimal(60))
    [year] = selectors.progress(c.manager, reach, selectors.parse_period(quarter[:4]))
    assert year.period_value is None and (year.goal, year.percent) == (Decimal(40), Decimal(15))


@pytest.mark.parametrize(
    ("period", "value", "field"),
    [("", Decimal(5), "period"), ("soon", Decimal(5), "period"), ("2031-Q1", Decimal(5), "period")],
)
def test_bad_periods_are_refused(c: Consortium, period: str, value: Decimal, field: str) -> None:
    whole = target(c, "people_registered", 40)
    with pytest.raises(ValidationError) as refused:
        services.period_target_set(
            actor=make_user(c.prime, Role.PROGRAMME_OFFICER), target=whole, period=period, value=value
        )
    assert field in refused.value.message_dict
    assert not PeriodTarget.objects.exists()


def test_only_the_managing_organisation_sets_targets(c: Consortium) -> None:
    whole = target(c, "people_registered", 40)
    with pytest.raises(ValidationError) as refused:
        services.period_target_set(
            actor=make_user(c.partner, Role.PROGRAMME_OFFICER), target=whole, period="2026", value=Decimal(5)
        )
    assert "target" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        services.period_target_set(actor=c.me, target=whole, period="2026", value=Decimal(5))
    assert not PeriodTarget.objects.exists()


def test_the_targets_page_sets_a_period_target(client: Client, c: Consortium) -> None:
    whole = target(c, "people_registered", 40)
    officer = make_user(c.prime, Role.PROGRAMME_OFFICER)
    login(client, officer)
    url = reverse("monitoring:period_targets", args=[c.programme.uuid])
    assert client.get(url).status_code == 200
    refused = client.post(url, {"target": whole.pk, "period": "later", "value": "5"})
    assert refused.status_code == 200 and "later" in refused.content.decode()  # shown again with what was typed
    answer = client.post(url, {"target": whole.pk, "period": "2026", "value": "20"})
    assert answer.status_code == 302 and PeriodTarget.objects.get().period == "2026"
    assert "2026: 20" in client.get(url).content.decode()
    login(client, c.manager)
    assert client.get(url).status_code == 403
