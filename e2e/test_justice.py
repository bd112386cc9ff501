"""A legal case in a real browser (issue 13, item 5), in English and in Khmer: ADHOC's lawyer opens a legal case
from a referral CCPCR sent and ADHOC accepted for them, uploads a piece of evidence, records a submission to the
court, a repatriation and the client's arrival home, a hearing at the provincial court and the judgment with
compensation; the case ends at "judgment given" and the evidence downloads through the audited route."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from conftest import make_org, make_user
from e2e.conftest import SCREENSHOTS, assert_clean, visit
from e2e.test_journeys import submit, t
from karpear.core import services
from karpear.core.models import AuditEvent, Referral
from karpear.core.roles import Role
from karpear.justice.models import Evidence, LegalCase, Repatriation
from karpear.justice.tests.factories import PDF

pytestmark = pytest.mark.django_db(transaction=True)


def _day(days_ago: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=days_ago)).strftime("%d/%m/%Y")


@pytest.mark.parametrize("language", ["en", "km"])
def test_a_lawyer_runs_a_case_from_an_accepted_referral_to_judgment(
    new_page: Callable[..., Page], session_login: Callable[..., None], tmp_path: Path, language: str
) -> None:
    ccpcr, adhoc = make_org("ccpcr"), make_org("adhoc")
    caseworker = make_user(ccpcr, Role.CASEWORKER, username="cw")
    lawyer = make_user(adhoc, Role.LEGAL_OFFICER, username="lawyer")
    person = services.person_create(
        actor=caseworker,
        data=services.PersonInput(sex="male", birth_year=1995, name_km="សុខ ដារ៉ា", name_latin="Sok Dara"),
    )
    Referral.objects.create(  # the referral as core's services leave it once ADHOC accepted it for the lawyer
        organisation=ccpcr,
        person=person,
        receiver=adhoc,
        reason="Legal aid: forced labour on a fishing boat",
        status=Referral.Status.ACCEPTED,
        created_by=caseworker,
        expires_at=timezone.now() + dt.timedelta(days=7),
        assigned_to=lawyer,
        decided_at=timezone.now(),
    )

    page = new_page(language=language)
    session_login(page.context, lawyer)
    visit(page, "/justice/cases/")
    with page.expect_navigation():
        page.locator("#referrals-h + ul").get_by_role("link", name=t("Open a legal case", language)).click()
    page.fill("#id_title", "Forced labour on a fishing boat")
    page.fill("#id_opened_on", _day(60))
    submit(page)
    case = LegalCase.objects.get()
    expect(page.locator("h1")).to_have_text(case.number)

    # Evidence, uploaded with its file.
    page.get_by_role("link", name=t("Investigation", language), exact=True).click()
    page.wait_for_load_state()
    contract = tmp_path / "contract.pdf"
    contract.write_bytes(PDF)
    page.locator("details summary", has_text=t("Add an evidence item", language)).click()
    page.select_option("#id_evidence-kind", "document")
    page.fill("#id_evidence-description", "Employment contract")
    page.fill("#id_evidence-source", "The client")
    page.fill("#id_evidence-obtained_on", _day(50))
    page.set_input_files("#id_evidence-file", str(contract))
    submit(page, "form[action$='/evidence/new/'] button.primary")
    evidence = Evidence.objects.get()
    assert evidence.size == len(PDF) and evidence.file_name == "contract.pdf"

    # A complaint to the court, a hearing, the judgment.
    page.get_by_role("link", name=t("Court", language), exact=True).click()
    page.wait_for_load_state()
    page.locator("details summary", has_text=t("Record a submission", language)).click()
    page.select_option("#id_submission-addressee_kind", "court")
    page.fill("#id_submission-addressee", "Svay Rieng provincial court")
    page.fill("#id_submission-subject", "Complaint against the broker")
    page.fill("#id_submission-sent_on", _day(40))
    submit(page, "form[action$='/submissions/new/'] button.primary")
    page.locator("details summary", has_text=t("Request a repatriation", language)).click()
    page.select_option("#id_repatriation-country", "MY")
    page.fill("#id_repatriation-persons", "1")
    page.fill("#id_repatriation-authority", "Royal Embassy of Cambodia, Kuala Lumpur")
    page.fill("#id_repatriation-requested_on", _day(35))
    submit(page, "form[action$='/repatriations/new/'] button.primary")
    page.locator("details summary", has_text=t("Change the status", language)).click()
    page.select_option("#id_repstatus-status", "arrived")
    page.fill("#id_repstatus-arrived_on", _day(30))
    submit(page, "form[action$='/status/'] button.primary")
    assert Repatriation.objects.get().arrived_on == timezone.localdate() - dt.timedelta(days=30)
    page.locator("details summary", has_text=t("Record a hearing", language)).click()
    page.select_option("#id_hearing-level", "provincial")
    page.fill("#id_hearing-held_on", _day(20))
    page.fill("#id_hearing-outcome", "Heard the client and the broker.")
    submit(page, "form[action$='/hearings/new/'] button.primary")
    page.locator("details summary", has_text=t("Record a judgment", language)).click()
    page.select_option("#id_verdict-level", "provincial")
    page.fill("#id_verdict-decided_on", _day(10))
    page.select_option("#id_verdict-outcome", "convicted")
    page.fill("#id_verdict-sentence", "Five years")
    page.fill("#id_verdict-compensation_ordered", "5000")
    submit(page, "form[action$='/judgments/new/'] button.primary")
    main = page.locator("main")
    expect(main).to_contain_text("Complaint against the broker")
    expect(main).to_contain_text("Heard the client and the broker.")
    expect(main).to_contain_text("Five years")
    expect(main).to_contain_text(t("Arrived home", language))
    page.screenshot(path=str(SCREENSHOTS / f"justice-court-{language}.png"), full_page=True)
    assert LegalCase.objects.get().status == "judgment"

    # The evidence downloads only through the audited route.
    page.get_by_role("link", name=t("Investigation", language), exact=True).click()
    page.wait_for_load_state()
    with page.expect_download() as download:
        page.get_by_role("link", name="contract.pdf").click()
    assert Path(download.value.path()).read_bytes() == PDF
    assert AuditEvent.objects.filter(action="download", object_id=str(evidence.uuid)).count() == 1
    assert_clean(page)  # the download's aborted navigation is the download (e2e/conftest.py's Watcher)
