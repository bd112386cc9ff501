"""Monitoring in chromium at 360 px: a programme officer opens Monitoring from the menu, writes the donor report's
summary (saved as version 1, then 2, the first kept under the box) and reads the programme's dashboard, which
fits the phone's width (the progress table stacked).
Screenshots of the dashboard and the editor in Khmer and English (e2e/screenshots/)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from conftest import make_user
from e2e.conftest import SCREENSHOTS, assert_clean, visit
from e2e.test_journeys import submit
from karpear.core.roles import Role
from karpear.monitoring.models import Narrative
from karpear.monitoring.tests.factories import consortium, people, target

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("language", ["km", "en"])
def test_a_programme_officer_writes_the_reports_text_and_reads_the_dashboard(
    new_page: Callable[..., Page], session_login: Callable[..., None], language: str
) -> None:
    c = consortium()
    people(c.caseworker, [("female", 1990)] * 9 + [("male", 2010)] * 6)
    target(c, "people_registered", 40)
    officer = make_user(c.prime, Role.PROGRAMME_OFFICER, username="officer")
    officer.language = language
    officer.save(update_fields=["language"])
    page = new_page(language=language)
    session_login(page.context, officer)
    visit(page, "/")
    page.locator("a[href='/monitoring/']").first.click()
    page.locator(f"a[href='/monitoring/programmes/{c.programme.uuid}/narrative/']").click()
    page.fill("#id_summary", "១៥ នាក់បានចុះឈ្មោះក្នុងត្រីមាសនេះ។" if language == "km" else "15 people registered.")
    submit(page, "form.narrative button.primary")
    page.fill("#id_summary", "១៥ នាក់បានចុះឈ្មោះ ហើយ ៩ នាក់ជាស្ត្រី។" if language == "km" else "15 registered, 9 women.")
    page.fill("#id_lessons", "Ask the commune council early.")
    submit(page, "form.narrative button.primary")
    assert list(Narrative.objects.filter(section="summary").values_list("version", flat=True)) == [2, 1]
    page.locator("details summary").first.click()
    expect(page.locator("details .version")).to_have_count(1)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"monitoring-narrative-{language}.png", full_page=True)
    visit(page, f"/monitoring/programmes/{c.programme.uuid}/")
    expect(page.locator("svg.map")).to_have_count(1)
    # Nothing wider than the phone: the progress table stacks a block per target, each figure after its label.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.evaluate("window.innerWidth"), width
    expect(page.locator("table.progress td[data-label]").first).to_be_visible()
    page.screenshot(path=SCREENSHOTS / f"monitoring-dashboard-{language}.png", full_page=True)
    assert_clean(page)
