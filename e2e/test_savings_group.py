"""A savings group's meeting recorded with no signal, then its share-out, in chromium at 360 px, in Khmer and
English (issue 12): the field officer opens the meeting screen while online (the phone keeps it), loses the
signal, records the meeting, and it waits in the phone's queue; when the signal returns it is sent once. The
share-out is then computed, confirmed and printed. Screenshots in e2e/screenshots/."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from conftest import make_org
from e2e.conftest import SCREENSHOTS, assert_clean, visit
from e2e.test_journeys import submit, t
from karpear.livelihoods.models import LedgerEntry, Meeting, ShareOut
from karpear.livelihoods.tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)

KEPT = """async (path) => {
    const registration = await navigator.serviceWorker.ready;
    return !!registration.active && !!navigator.serviceWorker.controller
        && !!(await caches.match(path, {cacheName: 'karpear-pages-1'}));
}"""


@pytest.mark.parametrize("language", ["en", "km"])
def test_a_meeting_recorded_offline_is_sent_once_then_the_cycle_is_shared_out(
    language: str, new_page: Callable[..., Page], session_login: Callable[..., None]
) -> None:
    officer = f.officer(make_org("sovann"))
    officer.language = language
    officer.save(update_fields=["language"])
    group = f.group(officer)
    f.members(officer, group, 3)
    cycle = f.cycle(officer, group)
    screen = f"/livelihoods/cycles/{cycle.uuid}/meetings/new/"
    page = new_page(language=language)
    session_login(page.context, officer)

    visit(page, screen)
    page.wait_for_function(KEPT, arg=screen, polling=200, timeout=15_000)

    page.context.set_offline(True)
    page.reload()  # no signal: the screen comes from the phone
    page.fill("input[name=held_on]", "05/01/2026")
    for number, shares in ((1, "2"), (2, "៣"), (3, "1")):  # Khmer digits as a phone's keyboard types them
        page.fill(f"input[name=shares-{number}]", shares)
    with page.expect_navigation():
        page.locator("main form button.primary").click()
    expect(page.locator(".queue")).to_be_visible()
    expect(page.locator(".queue li[data-state=waiting]")).to_have_count(1)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"meeting-offline-{language}.png", full_page=True)
    assert Meeting.objects.count() == 0

    page.context.set_offline(False)
    expect(page.locator(".queue li[data-state=sent]")).to_have_count(1, timeout=15_000)
    meeting = Meeting.objects.get()
    shares = sorted(
        LedgerEntry.objects.filter(meeting=meeting, kind=LedgerEntry.Kind.SHARES).values_list("shares", flat=True)
    )
    assert shares == [1, 2, 3]

    # Sent again (another page load asks the worker to flush): nothing is left, nothing is saved twice.
    visit(page, screen)
    page.evaluate("() => navigator.serviceWorker.ready.then(r => r.active.postMessage({type: 'flush'}))")
    page.wait_for_timeout(500)
    assert Meeting.objects.count() == 1

    # The share-out at that meeting: computed, confirmed, printed.
    visit(page, f"/livelihoods/cycles/{cycle.uuid}/share-out/")
    submit(page, "main form button[name=_preview]")
    expect(page.locator("table.table tbody tr")).to_have_count(3)
    page.screenshot(path=SCREENSHOTS / f"share-out-{language}.png", full_page=True)
    submit(page, "main form button[name=_confirm]")
    share_out = ShareOut.objects.get()
    assert sum(line.payout for line in share_out.lines.all()) == share_out.pool
    expect(page.locator("h1")).to_contain_text(t("Share-out sheet", language))
    pdf = page.request.get(f"/livelihoods/share-outs/{share_out.uuid}/?format=pdf")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    assert_clean(page)
