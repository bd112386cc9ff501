"""A savings group's books and its three-year business plan in chromium at 360 px, in Khmer and English (issue 12,
item 3): the field officer opens the group's books (income and expenses, balance sheet, trial balance, all kept in
double entry from the meetings recorded), then writes the business plan: a negative year is refused at its field
with what was typed kept, the corrected plan is saved, and each quarter shows the plan beside the books.
Screenshots in e2e/screenshots/."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.utils import timezone, translation
from playwright.sync_api import Page, expect

from conftest import make_org
from e2e.conftest import SCREENSHOTS, visit, watcher_of
from e2e.test_journeys import submit, t
from karpear.livelihoods import selectors
from karpear.livelihoods.models import BusinessPlan
from karpear.livelihoods.templatetags.livelihoods_tags import money
from karpear.livelihoods.tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)
ALL = [1, 2, 3]


def _fits_the_phone(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.mark.parametrize("language", ["en", "km"])
def test_a_groups_books_and_its_business_plan_on_a_phone(
    language: str, new_page: Callable[..., Page], session_login: Callable[..., None]
) -> None:
    officer = f.officer(make_org("cedac"))
    officer.language = language
    officer.save(update_fields=["language"])
    group = f.group(officer, "CEDAC savings group")
    f.members(officer, group, 3)
    cycle = f.cycle(officer, group)
    f.meet(officer, cycle, 1, f.START, ALL, shares={1: 2, 2: 2, 3: 2})
    f.meet(officer, cycle, 2, f.weeks(1), ALL, loan={1: 20_000}, fine={2: 500})
    f.meet(officer, cycle, 3, f.weeks(5), ALL, repayment={1: 21_000})  # 1,000 of it the service charge
    books = selectors.group_books(user=officer, group=group, start=f.START, end=timezone.localdate())
    page = new_page(language=language)
    session_login(page.context, officer)

    # The books, from the group's page.
    visit(page, f"/livelihoods/groups/{group.uuid}/")
    with page.expect_navigation():
        page.get_by_role("link", name=t("Books", language), exact=True).click()
    expect(page.locator("h1")).to_have_text(t("Books", language))
    with translation.override(language):
        net = money(books.income_statement.net, "KHR")
        total = money(books.trial_balance.debit, "KHR")
    assert books.income_statement.net > 0 and books.trial_balance.debit == books.trial_balance.credit
    income = page.locator("section[aria-labelledby=income-h] tr.total").last
    expect(income).to_contain_text(t("Net income", language))
    expect(income).to_contain_text(net)
    trial = page.locator("section[aria-labelledby=trial-h] tr.total td")
    expect(trial).to_have_text([total, total])  # debit and credit: the trial balance balances
    _fits_the_phone(page)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"group-books-{language}.png", full_page=True)

    # The business plan: a negative year is refused at its field, nothing saved, what was typed kept.
    visit(page, f"/livelihoods/groups/{group.uuid}/")
    with page.expect_navigation():
        page.get_by_role("link", name=t("Business plan", language), exact=True).click()
    expect(page.locator("main")).to_contain_text(t("This group has no business plan yet.", language))
    page.fill("input[name=starts_on]", "05/01/2026")
    page.fill("textarea[name=activities]", "ទិញម៉ាស៊ីនកិនស្រូវ · buy a rice mill")
    page.fill("textarea[name=funding_sources]", "Savings and a grant")
    for n in (1, 2, 3):
        page.fill(f"input[name=year{n}_investment]", "0")
        page.fill(f"input[name=year{n}_income]", "៤០០០០០")  # Khmer digits, as a phone's keyboard types them
        page.fill(f"input[name=year{n}_costs]", "100000")
    page.fill("input[name=year3_costs]", "-5")
    with page.expect_navigation():
        page.locator("main form button.primary").click()
    watcher = watcher_of(page)  # the refusal's 400 is the answer expected here, nothing else is
    watcher.problems = [problem for problem in watcher.problems if "/business-plan/" not in problem]
    with translation.override(language):
        refusal = t("Year %(n)s: an amount cannot be negative.", language) % {"n": 3}
    expect(page.locator("main")).to_contain_text(refusal)
    expect(page.locator("input[name=year3_costs]")).to_be_focused()
    expect(page.locator("textarea[name=activities]")).to_have_value("ទិញម៉ាស៊ីនកិនស្រូវ · buy a rice mill")
    assert not BusinessPlan.objects.exists()

    page.fill("input[name=year3_costs]", "100000")
    submit(page)
    expect(page.locator("main")).to_contain_text(t("The business plan is saved.", language))
    plan = BusinessPlan.objects.get()
    assert [y.income for y in plan.years.all()] == [400_000] * 3
    quarters = selectors.plan_quarters(user=officer, plan=plan)
    expect(page.locator("section[aria-labelledby=quarters-h] tbody tr")).to_have_count(len(quarters))
    with translation.override(language):
        first_actual = money(quarters[0].income, "KHR")
    expect(page.locator("section[aria-labelledby=quarters-h] tbody tr").first).to_contain_text(first_actual)
    _fits_the_phone(page)
    page.screenshot(path=SCREENSHOTS / f"business-plan-{language}.png", full_page=True)
