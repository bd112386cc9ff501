"""A survivor's protection case in a real browser, from the transit centre to closure (issue 11): CCPCR's caseworker
registers a returnee at Svay Rieng, screens them and records what happened (two place pickers on one page), refers
them to ADHOC for legal aid sharing the case summary and the service plan; ADHOC's supervisor accepts it and
ADHOC's lawyer — in Khmer — sees only the shared sections and records the legal aid given, which comes back on
CCPCR's timeline; the caseworker records the return home and a follow-up visit, ticks the closure steps and asks
to close the case; CCPCR's supervisor approves the closure, in Khmer."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from conftest import make_org, make_user
from e2e.conftest import SCREENSHOTS, assert_clean, visit
from e2e.test_journeys import khmer, submit, t
from karpear.core.models import Referral
from karpear.core.roles import Role
from karpear.core.tests.factories import COMMUNE, DISTRICT, PROVINCE
from karpear.protection.models import CaseEvent, ProtectionCase, ServiceDelivery, TraffickingEvent, VictimContext
from karpear.protection.tests.conftest import catalogue, indicators, lifecycle  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("indicators", "catalogue", "lifecycle")]


def _pick(page: Page, select: str, value: str, *, then: str) -> None:
    """Pick a place level in a place picker and wait until its redrawn copy is live. htmx binds the new picker's
    change trigger only when the swap settles; a pick made in between (a machine under load, never a person's
    hand) would go unheard and the next level never load."""
    page.select_option(select, value)
    page.locator(then).wait_for(state="attached")
    expect(page.locator(f"fieldset.picker:has({select})")).not_to_have_class(
        re.compile(r"htmx-(request|swapping|settling)")
    )


def _day(days_ago: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=days_ago)).strftime("%d/%m/%Y")


def test_a_returnee_goes_from_intake_to_an_approved_closure(
    new_page: Callable[..., Page], session_login: Callable[..., None]
) -> None:
    ccpcr, adhoc = make_org("ccpcr"), make_org("adhoc")
    worker = make_user(ccpcr, Role.CASEWORKER, username="cw")
    supervisor = make_user(ccpcr, Role.CASE_SUPERVISOR, username="sup")
    receiver = make_user(adhoc, Role.CASE_SUPERVISOR, username="adhoc-sup")
    lawyer = make_user(adhoc, Role.LEGAL_OFFICER, username="lawyer")
    for user in (lawyer, supervisor):
        user.language = "km"
        user.save()

    # Intake at the Svay Rieng transit centre.
    cw = new_page(language="en")
    session_login(cw.context, worker)
    visit(cw, "/protection/cases/new/")
    cw.select_option("#id_transit_centre", "svay_rieng")
    cw.fill("#id_arrived_on", _day(60))
    cw.select_option("#id_return_type", "deported")
    cw.select_option("#id_handed_over_by", "foreign_immigration")
    cw.fill("#id_name_km", "សុខ ស្រីមុំ")
    cw.fill("#id_name_latin", "Sok Sreymom")
    cw.select_option("#id_sex", "female")
    cw.fill("#id_birth_year", "1999")
    cw.select_option("#id_province", PROVINCE)
    cw.select_option("#id_origin_country", "TH")
    cw.select_option("#id_industry", "A")
    cw.select_option("#id_rights_acknowledged_by", "person")
    cw.select_option("#id_consent_case_management", "yes")
    cw.select_option("#id_consent_statistics", "yes")
    cw.fill("#id_consent_given_by", "The person")
    submit(cw)
    case = ProtectionCase.objects.get()
    expect(cw.locator("main")).to_contain_text(case.number)

    # Screening: every indicator answered "no" (the form's radio buttons), then what happened.
    cw.get_by_role("link", name=t("Screening and identification", "en")).first.click()
    cw.wait_for_load_state()
    cw.locator("input[type=radio][value=no]").evaluate_all("els => els.forEach(e => { e.checked = true; })")
    submit(cw, "form[method=post]:has(input[name=list]) button.primary")
    expect(cw.locator("section[aria-labelledby=suggestion-h]")).to_contain_text(t("Not identified as a victim", "en"))
    visit(cw, f"/protection/cases/{case.uuid}/context/")
    cw.check("input[name=control_methods][value=DebtBondage]")
    cw.check("input[name=control_methods][value=WithholdsDocuments]")
    cw.check("input[name=exploitation_types][value=ForcedLabour]")
    cw.select_option("#id_relationship_to_trafficker", "Acquainted")
    cw.fill("#id_duration_months", "14")
    submit(cw, "form[action$='/context/'] button.primary")
    expect(cw.locator(".facts")).to_contain_text(t("Debt bondage", "en"))
    cw.locator("details summary", has_text=t("Add a step", "en")).click()
    cw.select_option("#id_event_kind", "Recruitment")
    cw.fill("#id_event_happened_on", _day(500))
    cw.select_option("#id_event_origin_country", "KH")
    _pick(cw, "#id_origin-province", PROVINCE, then=f"#id_origin-district option[value='{DISTRICT}']")
    _pick(cw, "#id_origin-district", DISTRICT, then=f"#id_origin-commune option[value='{COMMUNE}']")
    cw.select_option("#id_origin-commune", COMMUNE)
    cw.select_option("#id_event_destination_country", "TH")
    cw.fill("#id_event_destination_place", "Rayong")
    cw.screenshot(path=str(SCREENSHOTS / "protection-context-en.png"), full_page=True)
    submit(cw, "form[action$='/context/event/'] button.primary")
    expect(cw.locator("#events-h + ul")).to_contain_text("Rayong")
    event = TraffickingEvent.objects.get()
    assert (event.origin_commune_id, event.destination_country) == (COMMUNE, "TH")
    assert VictimContext.objects.get().control_methods == ["DebtBondage", "WithholdsDocuments"]

    # Consent for ADHOC, then the referral from the case page.
    visit(cw, f"/people/{case.person.uuid}/")
    cw.locator("details summary", has_text=t("Record a consent", "en")).click()
    cw.select_option("#id_purpose", "referral")
    cw.check("input[name=given][value=yes]")
    cw.fill("#id_given_by", "The person")
    cw.select_option("#id_recipient", str(adhoc.uuid))
    submit(cw, "form[action$='/consents/'] button.primary")
    visit(cw, f"/protection/cases/{case.uuid}/")
    with cw.expect_navigation():
        cw.get_by_role("link", name=t("Refer to a partner (shelter, legal aid, livelihood)", "en")).click()
    cw.select_option("#id_receiver", str(adhoc.uuid))
    cw.check("input[name=sections][value=protection_case_summary]")
    cw.check("input[name=sections][value=protection_service_plan]")
    cw.fill("#id_reason", "Legal aid: wages never paid on the plantation")
    submit(cw)
    referral = Referral.objects.get()

    # ADHOC's supervisor accepts and assigns the lawyer.
    adhoc_sup = new_page(language="en")
    session_login(adhoc_sup.context, receiver)
    visit(adhoc_sup, f"/referrals/{referral.uuid}/")
    adhoc_sup.select_option("#id_assign_to", str(lawyer.uuid))
    submit(adhoc_sup, "button.primary")
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED

    # ADHOC's lawyer, in Khmer: the shared plan, not the screening nor the follow-up; records the legal aid.
    law = new_page(language="km")
    session_login(law.context, lawyer)
    visit(law, f"/protection/cases/{case.uuid}/context/")
    expect(law.locator("main")).to_contain_text(khmer("This part of the case is not shared with your organisation."))
    expect(law.locator("main")).not_to_contain_text("Rayong")
    visit(law, f"/protection/cases/{case.uuid}/reintegration/")
    expect(law.locator("main")).to_contain_text(khmer("This part of the case is not shared with your organisation."))
    visit(law, f"/protection/cases/{case.uuid}/plan/")
    law.locator("details summary", has_text=khmer("Record a service delivered")).click()
    delivery = law.locator("form[action$='/services/']")
    delivery.locator("select[name=kind]").select_option("legal_aid")
    delivery.locator("input[name=delivered_on]").fill(_day(10))
    delivery.locator("input[name=outcome]").fill("ពាក្យបណ្ដឹងបានដាក់ជូនតុលាការខេត្ត")
    law.screenshot(path=str(SCREENSHOTS / "protection-partner-service-km.png"), full_page=True)
    submit(law, "form[action$='/services/'] button.primary")
    assert ServiceDelivery.objects.get().recorded_by_organisation == adhoc

    # Back at CCPCR: the partner's service on the timeline; the return home and a follow-up visit.
    visit(cw, f"/protection/cases/{case.uuid}/")
    expect(cw.locator("main")).to_contain_text("ADHOC")
    assert CaseEvent.objects.filter(case=case, kind="service_delivered", by=lawyer).exists()
    visit(cw, f"/protection/cases/{case.uuid}/reintegration/")
    cw.fill("#id_returned_on", _day(40))
    submit(cw, "form[action$='/reintegration/return/'] button.primary")
    cw.locator("details summary", has_text=t("Record a follow-up visit", "en")).click()
    cw.fill("#id_visited_on", _day(5))
    cw.locator("form[action$='/reintegration/visit/'] input[type=radio][value='4']").evaluate_all(
        "els => els.forEach(e => { e.checked = true; })"
    )
    submit(cw, "form[action$='/reintegration/visit/'] button.primary")
    expect(cw.locator("#visits-h ~ table")).to_contain_text("0.75")

    # The closure stage's steps, then the request to close (the person moved away).
    for step in ("final_assessment", "closure_explained"):
        submit(cw, f"form[action$='/reintegration/step/']:has(input[value={step}]) button")
    cw.locator("details summary", has_text=t("Ask to close the case", "en")).click()
    cw.select_option("#id_closure_reason", "moved")
    submit(cw, "form[action$='/closure/'] button.primary")

    # CCPCR's supervisor, in Khmer: approves the closure.
    sup = new_page(language="km")
    session_login(sup.context, supervisor)
    visit(sup, f"/protection/cases/{case.uuid}/reintegration/")
    sup.check("input[name=decision][value=approve]")
    sup.screenshot(path=str(SCREENSHOTS / "protection-closure-km.png"), full_page=True)
    submit(sup, "form[action$='/closure/decision/'] button.primary")
    case.refresh_from_db()
    assert case.status == "closed" and case.closed_on == timezone.localdate()
    case.person.refresh_from_db()
    assert case.person.closed_at is not None
    expect(sup.locator("#closure-h + p")).to_contain_text(khmer("approved by"))
    for page in (cw, adhoc_sup, law, sup):
        assert_clean(page)
