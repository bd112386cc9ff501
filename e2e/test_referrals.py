"""A referral from CCPCR to ADHOC and back, in a real browser, in Khmer and in English (issue 9, item 3): the
caseworker records the person's consent for ADHOC and refers them; ADHOC's supervisor sees the referral waiting
on the home page, accepts it and assigns a lawyer; the lawyer reads the shared identifying details (read only)
and reports back; the caseworker sees what was done and closes the referral, after which ADHOC sees nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from conftest import make_org, make_user
from e2e.conftest import SCREENSHOTS, assert_clean, visit, watcher_of
from e2e.test_journeys import submit, t
from karpear.core import services
from karpear.core.models import Referral
from karpear.core.roles import Role

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("language", ["en", "km"])
def test_a_referral_goes_from_ccpcr_to_adhoc_and_back(
    language: str, new_page: Callable[..., Page], session_login: Callable[..., None]
) -> None:
    ccpcr, adhoc = make_org("ccpcr"), make_org("adhoc")
    caseworker = make_user(ccpcr, Role.CASEWORKER, username="cw")
    receiver = make_user(adhoc, Role.CASE_SUPERVISOR, username="adhoc-sup")
    lawyer = make_user(adhoc, Role.LEGAL_OFFICER, username="lawyer")
    for user in (caseworker, receiver, lawyer):
        user.language = language
        user.save()
    person = services.person_create(
        actor=caseworker,
        data=services.PersonInput(sex="female", birth_year=1998, name_km="សុខ ចន្ថា", name_latin="Sok Chantha"),
    )

    # CCPCR's caseworker: consent to referral to ADHOC, then the referral.
    sender = new_page(language=language)
    session_login(sender.context, caseworker)
    visit(sender, f"/people/{person.uuid}/")
    sender.locator("details summary", has_text=t("Record a consent", language)).click()
    sender.select_option("#id_purpose", "referral")
    sender.check("input[name=given][value=yes]")
    sender.fill("#id_given_by", "ខ្លួនឯង")
    sender.select_option("#id_recipient", str(adhoc.uuid))
    submit(sender, "form[action$='/consents/'] button.primary")
    sender.get_by_role("link", name=t("Refer to another organisation", language)).click()
    sender.select_option("#id_receiver", str(adhoc.uuid))
    sender.check("input[name=sections][value=identity]")
    sender.fill("#id_reason", "ជំនួយផ្លូវច្បាប់: ប្រាក់ឈ្នួលមិនបានបើក")
    sender.screenshot(path=str(SCREENSHOTS / f"referral-form-{language}.png"), full_page=True)
    submit(sender)
    expect(sender.locator(".facts")).to_contain_text(t("Waiting for an answer", language))
    referral = Referral.objects.get()

    # ADHOC's supervisor: the waiting list on the home page, then accept and assign the lawyer.
    deciding = new_page(language=language)
    session_login(deciding.context, receiver)
    visit(deciding, "/")
    waiting = deciding.locator("#wl-referrals_waiting")
    expect(waiting).to_contain_text(t("Referrals waiting for your answer", language))
    with deciding.expect_navigation():
        waiting.get_by_role("link").click()
    with deciding.expect_navigation():
        deciding.get_by_role("link", name=person.case_number).click()
    expect(deciding.locator("main")).to_contain_text("ជំនួយផ្លូវច្បាប់")
    deciding.select_option("#id_assign_to", str(lawyer.uuid))
    deciding.screenshot(path=str(SCREENSHOTS / f"referral-answer-{language}.png"), full_page=True)
    submit(deciding, "button.primary")
    expect(deciding.locator(".facts")).to_contain_text(t("Accepted", language))

    # ADHOC's lawyer: the shared identifying details, read only; then report back.
    working = new_page(language=language)
    session_login(working.context, lawyer)
    visit(working, f"/people/{person.uuid}/")
    expect(working.locator(".identity")).to_contain_text("Sok Chantha")
    expect(working.get_by_role("link", name=t("Change", language), exact=True)).to_have_count(0)
    visit(working, f"/referrals/{referral.uuid}/")
    working.fill("#id_note", "ពាក្យបណ្ដឹងបានដាក់ជូនតុលាការខេត្ត")
    submit(working, "button.primary")
    expect(working.locator(".facts")).to_contain_text(t("Completed by the receiver", language))

    # Back at CCPCR: the outcome, and the caseworker closes the referral.
    visit(sender, f"/referrals/{referral.uuid}/")
    expect(sender.locator(".facts")).to_contain_text("ពាក្យបណ្ដឹងបានដាក់ជូនតុលាការខេត្ត")
    sender.screenshot(path=str(SCREENSHOTS / f"referral-back-{language}.png"), full_page=True)
    submit(sender, "form[action$='/close/'] button")
    expect(sender.locator(".facts")).to_contain_text(t("Closed by the sender", language))
    referral.refresh_from_db()
    assert referral.status == Referral.Status.CLOSED

    # ADHOC no longer sees the person.
    response = working.goto(f"/people/{person.uuid}/")
    assert response is not None and response.status == 404
    watcher_of(working).problems.clear()  # that 404 is the point, not a fault of the page
    for page in (sender, deciding):
        assert_clean(page)
