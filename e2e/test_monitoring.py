"""Monitoring in chromium at 360 px: a programme officer opens Monitoring from the menu, writes the donor report's
summary (saved as version 1, then 2, the first kept under the box) and reads the programme's dashboard, which
fits the phone's width (the progress table stacked); a programme manager downloads the donor report and an M&E
officer opens a figure's records and exports the CTDC file.
Screenshots of the dashboard and the editor in Khmer and English (e2e/screenshots/)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from pycanon import anonymity

from conftest import make_user
from e2e.conftest import SCREENSHOTS, assert_clean, visit
from e2e.test_journeys import submit, t
from karpear.core.roles import Role
from karpear.monitoring import standards
from karpear.monitoring.models import Narrative
from karpear.monitoring.tests.factories import consortium, people, target
from karpear.monitoring.tests.test_standards import YEAR, case

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


@pytest.mark.parametrize("language", ["km", "en"])
def test_a_manager_downloads_the_report_and_the_me_officer_opens_a_figure_and_exports_ctdc(
    new_page: Callable[..., Page], session_login: Callable[..., None], language: str, tmp_path: Path
) -> None:
    """Issue 15's journey: the donor's programme manager follows progress on the phone and downloads the year's
    report as XLSX and PDF (in the reader's language; aggregates only, no record opens for them); the M&E
    officer clicks a figure to the records behind it and exports the CTDC file, whose k = 11 pycanon proves."""
    c = consortium()
    for _ in range(12):
        case(c.caseworker)  # one class of 12: women of 27-29 back from Thailand, construction
    for _ in range(3):
        case(c.caseworker, sex="male", birth_year=1990, origin="MY", industry="A")  # a class of 3: left out
    target(c, "protection_cases_opened", 30)
    for user in (c.manager, c.me):
        user.language = language
        user.save(update_fields=["language"])
    dashboard = f"/monitoring/programmes/{c.programme.uuid}/?period={YEAR}"

    page = new_page(language=language)
    session_login(page.context, c.manager)
    visit(page, dashboard)
    expect(page.locator("table.progress td[data-label]").first).to_be_visible()
    expect(page.locator("svg.map a")).to_have_count(0)  # aggregates only: no figure links to records
    for fmt, button in (("xlsx", "(XLSX)"), ("pdf", "(PDF)")):
        visit(page, dashboard)
        with page.expect_navigation():
            page.locator("form.noprint button", has_text=button).click()
        with page.expect_download() as download:
            page.get_by_role("link", name=t("Download", language)).click()
        saved = tmp_path / f"report.{fmt}"
        download.value.save_as(saved)
        assert saved.read_bytes().startswith(b"PK" if fmt == "xlsx" else b"%PDF"), fmt
    book = load_workbook(tmp_path / "report.xlsx", read_only=True)
    assert t("Summary", language)[:31] in book.sheetnames
    page.close()

    page = new_page(language=language)
    session_login(page.context, c.me)
    visit(page, dashboard + "&indicator=people_registered")
    with page.expect_navigation():
        page.locator("svg.map a").first.click()
    assert_clean(page)
    # The 15 people registered in the province, each opening their record (the cases themselves are protection's
    # to show: an M&E officer counts them and opens none).
    expect(page.locator("ul.rows li")).to_have_count(15)
    expect(page.locator("main")).to_contain_text(t("Svay Rieng", language) if language == "en" else "ស្វាយរៀង")
    visit(page, f"/monitoring/exports/?period={YEAR}")
    page.select_option("#id_kind", "monitoring_ctdc")
    page.select_option("#id_format", "csv")
    page.check("#id_accept_suppression")
    submit(page, "main form button")
    with page.expect_download() as download:
        page.get_by_role("link", name=t("Download", language)).click()
    saved = tmp_path / "ctdc.csv"
    download.value.save_as(saved)
    frame = pd.read_csv(saved, dtype=str, keep_default_na=False)
    assert len(frame) == 12  # the class of 3 left out, as the page said it would be
    assert anonymity.k_anonymity(frame, list(standards.QUASI_IDENTIFIERS)) >= standards.K
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"monitoring-ctdc-job-{language}.png", full_page=True)
    assert_clean(page)
