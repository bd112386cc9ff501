"""The legal-aid pages: opening a case (directly, from a referral), the case page and its query budget, the
forms' errors next to their fields, evidence uploaded and downloaded (audited), Khmer pages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from conftest import login, make_user
from karpear.core.models import AuditEvent
from karpear.core.roles import Role
from karpear.core.tests.factories import person_input
from karpear.justice import services
from karpear.justice.models import CaseStudy, Escalation, Evidence, Hearing, LegalCase
from karpear.justice.tests import factories as f
from karpear.justice.tests.test_services_cases import _accepted_referral

pytestmark = pytest.mark.django_db


def as_user(user) -> Client:
    return login(Client(), user)


def full_case(lawyer) -> LegalCase:
    case = f.case(lawyer, opened=200)
    services.party_add(actor=lawyer, case=case, kind="company", name="Giant Ocean")
    services.step_add(actor=lawyer, case=case, done_on=f.days_ago(150), action="Interviewed the client")
    services.evidence_add(actor=lawyer, case=case, data=f.evidence_input(), upload=SimpleUploadedFile("a.pdf", f.PDF))
    services.witness_add(actor=lawyer, case=case, person=person_input(name_latin="Witness"), description="Crew")
    services.submission_add(
        actor=lawyer,
        case=case,
        data=services.SubmissionInput(
            addressee_kind="court", addressee="Provincial court", subject="Complaint", sent_on=f.days_ago(100)
        ),
    )
    services.hearing_add(
        actor=lawyer, case=case, data=services.HearingInput(level="provincial", held_on=f.days_ago(50))
    )
    services.verdict_record(
        actor=lawyer,
        case=case,
        data=services.VerdictInput(
            level="provincial", decided_on=f.days_ago(40), outcome="convicted", compensation_ordered=Decimal(900)
        ),
    )
    repatriation = services.repatriation_add(
        actor=lawyer,
        case=case,
        data=services.RepatriationInput(country="TH", persons=1, authority="Embassy", requested_on=f.days_ago(30)),
    )
    services.repatriation_status_set(
        actor=lawyer, repatriation=repatriation, status="arrived", arrived_on=f.days_ago(3)
    )
    return case


def test_a_legal_officer_opens_a_case_directly(users):
    client = as_user(users["legal_officer"])
    response = client.post(
        reverse("justice:case_open"),
        {"title": "Deceived into a fishing boat", "name_latin": "Sok Dara", "sex": "male", "birth_year": "១៩៩៥"},
    )
    case = LegalCase.objects.get()
    assert response.status_code == 302 and response.url == reverse("justice:case_detail", args=[case.uuid])
    assert case.client.birth_year == 1995


def test_opening_without_a_name_shows_the_error_next_to_the_field(users):
    response = as_user(users["legal_officer"]).post(reverse("justice:case_open"), {"title": "x", "sex": "male"})
    assert response.status_code == 400
    assert "Enter the name in Khmer or in Latin letters." in response.content.decode()
    assert LegalCase.objects.count() == 0


def test_a_case_opens_from_the_accepted_referral_on_the_list(orgs, users):
    lawyer = users["legal_officer"]
    referral = _accepted_referral(orgs, users, lawyer)
    client = as_user(lawyer)
    listing = client.get(reverse("justice:case_list")).content.decode()
    assert reverse("justice:case_open_referral", args=[referral.uuid]) in listing

    response = client.post(reverse("justice:case_open_referral", args=[referral.uuid]), {"title": "Wages withheld"})

    case = LegalCase.objects.get()
    assert response.status_code == 302 and case.referral == referral
    page = client.get(reverse("justice:case_detail", args=[case.uuid])).content.decode()
    assert "Chea Pisey" in page  # the referral shares the identity with the assigned lawyer


PAGES = (
    "case_detail",
    "case_parties",
    "case_investigation",
    "case_witnesses",
    "case_court",
    "case_advocacy",
    "case_costs",
)


@pytest.mark.parametrize(
    ("page", "role"), [(page, role) for role in ("legal_officer", "case_supervisor") for page in PAGES]
)
def test_each_case_page_stays_within_ten_queries(users, articles, django_assert_max_num_queries, page, role):
    """Issue 13, "Scale": a case page reads at most 10 SQL queries, for the lawyer (team scope) and the supervisor
    (organisation scope, who also sees the forms of the central office's response and of giving the case away)."""
    case = full_case(users["legal_officer"])
    client = as_user(users[role])
    client.get("/")  # the session and membership are set up by the first request
    with django_assert_max_num_queries(10):
        response = client.get(reverse(f"justice:{page}", args=[case.uuid]))
    assert response.status_code == 200
    assert case.number in response.content.decode()
    if (page, role) == ("case_detail", "case_supervisor"):  # within the ten, the lawyer picker is still there
        assert f'<option value="{users["legal_officer"].pk}"' in response.content.decode()


def test_the_overview_shows_the_timeline_newest_first(users):
    lawyer = users["legal_officer"]
    case = full_case(lawyer)
    page = as_user(lawyer).get(reverse("justice:case_detail", args=[case.uuid])).content.decode()
    order = [page.index(text) for text in ("Complaint", "Employment contract", "Interviewed the client")]
    assert order == sorted(order)


def test_a_hearing_before_the_opening_is_refused_next_to_its_field(users):
    lawyer = users["legal_officer"]
    case = f.case(lawyer, opened=5)
    response = as_user(lawyer).post(
        reverse("justice:case_hearing", args=[case.uuid]),
        {"hearing-level": "provincial", "hearing-held_on": f.days_ago(6).strftime("%d/%m/%Y")},
    )
    assert response.status_code == 400
    assert "The hearing is dated before the case was opened" in response.content.decode()
    assert Hearing.objects.count() == 0


def test_evidence_uploaded_on_the_page_is_downloaded_only_with_access_and_each_download_audited(orgs, users):
    lawyer = users["legal_officer"]
    case = f.case(lawyer)
    client = as_user(lawyer)
    response = client.post(
        reverse("justice:case_evidence", args=[case.uuid]),
        {
            "evidence-kind": "photo",
            "evidence-description": "Photo of the boat",
            "evidence-source": "Monitor",
            "evidence-obtained_on": f.days_ago(2).strftime("%d/%m/%Y"),
            "evidence-file": SimpleUploadedFile("boat.png", f.PNG, content_type="image/png"),
        },
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    url = reverse("justice:evidence_download", args=[evidence.uuid])

    download = client.get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == f.PNG
    assert 'filename="boat.png"' in download["Content-Disposition"]
    assert AuditEvent.objects.filter(action="download", object_id=str(evidence.uuid)).count() == 1

    stranger = make_user(orgs["other"], Role.LEGAL_OFFICER, username="stranger")
    caseworker = users["caseworker"]
    assert as_user(stranger).get(url).status_code == 404
    assert as_user(caseworker).get(url).status_code == 404
    assert AuditEvent.objects.filter(action="download", object_id=str(evidence.uuid)).count() == 1


def test_a_renamed_program_is_refused_on_the_page(users):
    lawyer = users["legal_officer"]
    case = f.case(lawyer)
    response = as_user(lawyer).post(
        reverse("justice:case_evidence", args=[case.uuid]),
        {
            "evidence-kind": "document",
            "evidence-description": "Contract",
            "evidence-source": "Client",
            "evidence-obtained_on": f.days_ago(2).strftime("%d/%m/%Y"),
            "evidence-file": SimpleUploadedFile("contract.pdf", f.EXE),
        },
    )
    assert response.status_code == 400
    assert "This kind of file is not accepted." in response.content.decode()
    assert Evidence.objects.count() == 0


def test_the_case_page_in_khmer(users):
    lawyer = users["legal_officer"]
    case = full_case(lawyer)
    client = as_user(lawyer)
    client.cookies["karpear_language"] = "km"
    page = client.get(reverse("justice:case_court", args=[case.uuid])).content.decode()
    assert "សវនាការ" in page and "សាលក្រម" in page


def test_the_home_page_shows_the_lawyers_work_lists(users):
    lawyer = users["legal_officer"]
    case = f.case(lawyer, opened=10)
    services.hearing_add(
        actor=lawyer, case=case, data=services.HearingInput(level="provincial", held_on=f.days_ago(-1))
    )
    page = as_user(lawyer).get("/").content.decode()
    assert "Hearings this week" in page and "Your legal cases" in page
    due = as_user(lawyer).get(reverse("justice:case_list") + "?due=hearings").content.decode()
    assert case.number in due


def test_a_witness_added_on_the_page_is_listed_with_their_name_for_the_lawyer(users):
    lawyer = users["legal_officer"]
    case = f.case(lawyer)
    client = as_user(lawyer)
    response = client.post(
        reverse("justice:case_witness", args=[case.uuid]),
        {"witness-description": "Crew member", "witness-name_latin": "Heng Vanna", "witness-sex": "male"},
    )
    assert response.status_code == 302 and response.url == reverse("justice:case_witnesses", args=[case.uuid])
    page = client.get(response.url).content.decode()
    assert "Crew member" in page and "Heng Vanna" in page


def test_a_repatriation_is_requested_on_the_court_page(users):
    lawyer = users["legal_officer"]
    case = f.case(lawyer)
    client = as_user(lawyer)
    response = client.post(
        reverse("justice:case_repatriation", args=[case.uuid]),
        {
            "repatriation-country": "MY",
            "repatriation-persons": "២",
            "repatriation-authority": "Embassy in Kuala Lumpur",
            "repatriation-requested_on": f.days_ago(1).strftime("%d/%m/%Y"),
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("justice:case_court", args=[case.uuid])).content.decode()
    assert "Malaysia" in page and "Embassy in Kuala Lumpur" in page


def test_escalation_and_case_study_on_the_advocacy_page(users):
    lawyer, supervisor = users["legal_officer"], users["case_supervisor"]
    case = f.case(lawyer, opened=30, name_latin="Chan Sreymom")
    client = as_user(lawyer)
    response = client.post(
        reverse("justice:case_escalation", args=[case.uuid]),
        {"escalation-raised_on": f.days_ago(1).isoformat(), "escalation-reason": "Police refuse the complaint"},
    )
    assert response.status_code == 302
    escalation = case_escalation = Escalation.objects.get(case=case)
    page = client.get(reverse("justice:case_advocacy", args=[case.uuid])).content.decode()
    assert "Police refuse the complaint" in page
    assert "Record the response" not in page  # the central office answers, not the lawyer

    boss = as_user(supervisor)
    assert "Record the response" in boss.get(reverse("justice:case_advocacy", args=[case.uuid])).content.decode()
    response = boss.post(
        reverse("justice:escalation_response", args=[escalation.uuid]),
        {"response-responded_on": f.days_ago(0).isoformat(), "response-response": "We meet the commissioner."},
    )
    assert response.status_code == 302
    case_escalation.refresh_from_db()
    assert case_escalation.response == "We meet the commissioner."

    response = client.post(
        reverse("justice:case_study", args=[case.uuid]),
        {"study-title": "Home", "study-text": "Chan Sreymom came home."},
    )
    assert response.status_code == 400
    assert "names or identifies a client" in response.content.decode()
    assert "Chan Sreymom came home." in response.content.decode()  # what was typed is kept
    assert not CaseStudy.objects.exists()
