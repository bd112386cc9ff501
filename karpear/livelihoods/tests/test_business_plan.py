"""A group's three-year business plan, compared each quarter with its books."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from conftest import login
from karpear.core.models import AuditEvent
from karpear.livelihoods import selectors, services
from karpear.livelihoods.models import BusinessPlan
from karpear.livelihoods.tests import factories as f

pytestmark = pytest.mark.django_db
D = Decimal
ALL = [1, 2, 3]


def _plan(**years):
    rows = [services.PlanYearInput(D(0), D(400_000), D(100_000)) for _ in range(3)]
    for index, row in years.items():
        rows[int(index[-1]) - 1] = row
    return services.BusinessPlanInput(
        starts_on=f.START, activities="Buy a rice mill", funding_sources="Savings and a grant", years=rows
    )


@pytest.fixture
def officer():
    return f.officer()


@pytest.fixture
def cycle(officer):
    group = f.group(officer)
    f.members(officer, group, 3)
    return f.cycle(officer, group)


def test_each_quarter_shows_the_plan_beside_the_income_and_expenses_in_the_books(officer, cycle):
    services.business_plan_save(actor=officer, group=cycle.group, data=_plan())
    f.meet(officer, cycle, 1, f.START, ALL, shares={1: 2, 2: 2, 3: 2})
    f.meet(officer, cycle, 2, f.weeks(1), ALL, loan={1: 20_000}, fine={2: 500})
    f.meet(officer, cycle, 3, dt.date(2026, 2, 12), ALL, repayment={1: 21_000})  # 1,000 of it a charge
    f.meet(officer, cycle, 4, dt.date(2026, 4, 13), ALL, fine={3: 1_000})

    plan = selectors.business_plan_of(user=officer, group=cycle.group)
    quarters = selectors.plan_quarters(user=officer, plan=plan, as_of=dt.date(2026, 5, 1))

    assert [(q.start, q.end) for q in quarters] == [
        (dt.date(2026, 1, 5), dt.date(2026, 4, 4)),
        (dt.date(2026, 4, 5), dt.date(2026, 7, 4)),
    ]
    first, second = quarters
    assert (first.income, first.costs, first.net) == (D(1_500), D(0), D(1_500))  # a fine and a charge
    assert (second.income, second.net) == (D(1_000), D(1_000))
    assert (first.planned_income, first.planned_costs, first.planned_net) == (D(100_000), D(25_000), D(75_000))


def test_a_negative_year_or_a_plan_before_the_group_is_refused_and_nothing_is_saved(officer, cycle):
    bad = _plan(year2=services.PlanYearInput(D(0), D(-1), D(0)))
    bad.starts_on = dt.date(2020, 1, 1)
    with pytest.raises(ValidationError) as caught:
        services.business_plan_save(actor=officer, group=cycle.group, data=bad)
    assert caught.value.message_dict == {
        "year2_income": ["Year 2: an amount cannot be negative."],
        "starts_on": ["The plan cannot start before the group was formed."],
    }
    assert not BusinessPlan.objects.exists()


def test_revising_the_plan_keeps_one_plan_and_audits_each_change(officer, cycle):
    services.business_plan_save(actor=officer, group=cycle.group, data=_plan())
    services.business_plan_save(
        actor=officer, group=cycle.group, data=_plan(year3=services.PlanYearInput(D(5_000_000), D(0), D(0)))
    )
    plan = BusinessPlan.objects.get()
    assert [y.investment for y in plan.years.all()] == [D(0), D(0), D(5_000_000)]
    assert list(AuditEvent.objects.filter(object_type="livelihoods.businessplan").values_list("action", flat=True)) == [
        "create",
        "update",
    ]


def test_the_plan_page_writes_a_plan_and_shows_errors_next_to_their_year(client, officer, cycle):
    login(client, officer)
    url = f"/livelihoods/groups/{cycle.group.uuid}/business-plan/"
    assert "This group has no business plan yet." in client.get(url).content.decode()
    form = {"starts_on": "05/01/2026", "activities": "Rice mill", "funding_sources": "Savings"}
    for n in (1, 2, 3):
        form |= {f"year{n}_investment": "0", f"year{n}_income": "400", f"year{n}_costs": "100"}
    form["year1_income"] = "៤០០០០០"  # Khmer digits
    form["year3_costs"] = "-5"
    response = client.post(url, form)
    assert response.status_code == 400
    assert "Year 3: an amount cannot be negative." in response.content.decode()
    assert "Rice mill</textarea>" in response.content.decode()  # what was typed is kept

    form["year3_costs"] = "100"
    form["year2_income"] = "400"
    assert client.post(url, form).status_code == 302
    plan = BusinessPlan.objects.get()
    assert plan.years.get(number=1).income == D(400_000)
    assert "Plan and books, quarter by quarter" in client.get(url).content.decode()


def test_another_organisation_cannot_read_or_write_the_plan(client, officer, cycle):
    from conftest import make_org

    services.business_plan_save(actor=officer, group=cycle.group, data=_plan())
    stranger = f.officer(make_org("cedac"), username="stranger")
    login(client, stranger)
    url = f"/livelihoods/groups/{cycle.group.uuid}/business-plan/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"activities": "x"}).status_code == 404
