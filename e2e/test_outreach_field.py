"""Outreach field work in chromium: a volunteer logs an awareness session with no signal and it is saved once
when the signal returns; a hotline officer records a grievance, raises it to the province and resolves it.
Screenshots at 360 px in Khmer (e2e/screenshots/)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from conftest import make_org, make_user
from e2e.conftest import SCREENSHOTS, assert_clean, visit
from e2e.test_journeys import khmer, picker_update, submit
from karpear.core.roles import Role
from karpear.outreach.models import Activity, Grievance, GrievanceStep

pytestmark = pytest.mark.django_db(transaction=True)

NEW = "/safe-migration/staff/activities/new/"
WORKER_READY = """async () => {
    const registration = await navigator.serviceWorker.ready;
    return !!registration.active && !!navigator.serviceWorker.controller
        && !!(await caches.match('/safe-migration/staff/activities/new/', {cacheName: 'karpear-pages-1'}));
}"""


def test_a_volunteer_logs_a_session_offline_and_it_arrives_once(
    new_page: Callable[..., Page], session_login: Callable[..., None]
) -> None:
    user = make_user(make_org("care"), Role.VOLUNTEER, username="leak")
    user.language = "km"
    user.save(update_fields=["language"])
    page = new_page(language="km")
    session_login(page.context, user)
    visit(page, NEW)
    page.wait_for_function(WORKER_READY, polling=200, timeout=15_000)
    picker_update(page, lambda: page.select_option("#id_province", "14"))  # the phone keeps Prey Veng's districts

    page.context.set_offline(True)
    page.check("input[name=kind][value=session]")
    page.fill("#id_female_adults", "១២")
    page.fill("#id_male_adults", "៨")
    page.check("input[name=topics][value=passport]")
    page.check("input[name=root_causes][value=debt]")
    with page.expect_navigation():
        page.locator("main form > button.primary").click()
    expect(page.locator(".queue li[data-state=waiting]")).to_have_count(1)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "outreach-activity-waiting-km.png", full_page=True)
    assert Activity.objects.count() == 0

    page.context.set_offline(False)
    expect(page.locator(".queue li[data-state=sent]")).to_have_count(1, timeout=15_000)
    page.evaluate("() => navigator.serviceWorker.ready.then(r => r.active.postMessage({type: 'flush'}))")
    page.wait_for_timeout(500)
    activity = Activity.objects.get()
    assert (activity.participants, activity.topics, activity.root_causes) == (20, ["passport"], ["debt"])
    assert activity.recorded_by == user and activity.province_id == "14"
    visit(page, "/safe-migration/staff/activities/")
    expect(page.locator("main")).to_contain_text(khmer("Awareness session"))
    page.screenshot(path=SCREENSHOTS / "outreach-activities-km.png", full_page=True)
    assert_clean(page)


def test_a_grievance_climbs_to_the_province_and_is_resolved(
    new_page: Callable[..., Page], session_login: Callable[..., None]
) -> None:
    hotline = make_user(make_org("ccpcr"), Role.HOTLINE_OFFICER, username="hotline")
    page = new_page(language="en")
    session_login(page.context, hotline)
    visit(page, "/safe-migration/staff/grievances/new/")
    page.check("input[name=about][value=family]")
    page.check("input[name=kinds][value=documents]")
    page.fill("#id_description", "The broker kept two passports.")
    page.fill("#id_documents_kept", "2")
    picker_update(page, lambda: page.select_option("#id_province", "14"))
    submit(page)
    expect(page.locator("main h1")).to_contain_text("Grievance GR-")
    for level, whom in (("1", "Commune council"), ("3", "Provincial Department of Labour")):
        page.select_option("#id_level", level)
        page.fill("#id_raised_with", whom)
        submit(page, "form[action$='/raise/'] button.primary")
    page.check("input[name=resolved][value='1']")
    page.fill("#id_resolution", "Both passports returned.")
    page.fill("#id_documents_returned", "2")
    submit(page, "form[action$='/close/'] button.primary")
    page.fill("#id_how", "Home visit")
    submit(page, "form[action$='/told/'] button.primary")
    grievance = Grievance.objects.get()
    assert (grievance.level, grievance.status, grievance.documents_returned) == (3, "resolved", 2)
    assert GrievanceStep.objects.filter(grievance=grievance).count() == 2 and grievance.outcome_told_on
    page.set_viewport_size({"width": 360, "height": 800})
    page.screenshot(path=SCREENSHOTS / "outreach-grievance-en.png", full_page=True)
    assert_clean(page)
