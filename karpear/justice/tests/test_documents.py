"""The printable documents (issue 13, item 9): a submission's letter from the template in Khmer and the case
file for counsel, as PDF with Khmer shaped by an embedded Khmer font; only what the reader may see, audited."""

from __future__ import annotations

import os

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from conftest import login, make_user
from karpear.core.models import AuditEvent
from karpear.core.roles import Role
from karpear.core.tests.factories import person_input
from karpear.justice import pdf, selectors, services
from karpear.justice.tests import factories as f

pytestmark = pytest.mark.django_db


def _letter_case(lawyer):
    case = f.case(lawyer, opened=60, name_km="ចាន់ ស្រីមុំ", name_latin="Chan Sreymom")
    submission = services.submission_add(
        actor=lawyer,
        case=case,
        data=services.SubmissionInput(
            addressee_kind="embassy",
            addressee="Embassy of Cambodia in Bangkok",
            subject="Request to repatriate two fishermen",
            sent_on=f.days_ago(5),
            deadline=f.days_ago(-10),
        ),
    )
    return case, submission


def test_the_pdfs_shape_khmer_with_the_khmer_font_they_name(users):
    fonts = pdf.khmer_fonts()
    assert set(fonts) == {400, 700} and all(uri.startswith("file://") for uri in fonts.values())
    lawyer = users["legal_officer"]
    _case, submission = _letter_case(lawyer)
    used: list[str] = []
    with translation.override("km"):
        context = {**selectors.letter(user=lawyer, submission=submission), "printed": f.days_ago(0)}
        pdf.render("justice/letter_pdf.html", context, used)
    # the font-face loaded and shaped the Khmer text (Latin letters may come from a system font: it has none)
    assert "Karpear-Khmer" in used and "Karpear-Khmer-Bold" in used


def test_the_submission_letter_is_a_khmer_pdf_with_the_cases_references_and_its_printing_is_audited(users):
    lawyer = users["legal_officer"]
    case, submission = _letter_case(lawyer)

    response = login(Client(), lawyer).get(reverse("justice:submission_letter", args=[submission.uuid]))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and "no-store" in response["Cache-Control"]
    if os.environ.get("KARPEAR_KEEP_PDF"):  # to look at it: render a page to PNG (docs/justice.md)
        with open(os.environ["KARPEAR_KEEP_PDF"], "wb") as out:
            out.write(response.content)
    event = AuditEvent.objects.get(action="download", object_id=str(submission.uuid))
    assert event.details["fields"] == "letter"
    context = selectors.letter(user=lawyer, submission=submission)
    assert context["client"].identity.name_km == "ចាន់ ស្រីមុំ"  # the lawyer reads identities: named, audited
    assert AuditEvent.objects.filter(action="view", object_id=str(case.client.uuid)).exists()


def test_the_letter_is_for_who_runs_the_case_and_the_case_file_for_who_sees_it(users, orgs):
    lawyer, supervisor = users["legal_officer"], users["case_supervisor"]
    case, submission = _letter_case(lawyer)
    other = make_user(orgs["other"], Role.LEGAL_OFFICER)
    assert login(Client(), other).get(reverse("justice:submission_letter", args=[submission.uuid])).status_code == 404
    assert login(Client(), other).get(reverse("justice:case_file", args=[case.uuid])).status_code == 404
    assert login(Client(), users["me_officer"]).get(reverse("justice:case_file", args=[case.uuid])).status_code in (
        403,
        404,
    )

    response = login(Client(), supervisor).get(reverse("justice:case_file", args=[case.uuid]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert AuditEvent.objects.get(action="download", object_id=str(case.uuid)).details["fields"] == "case_file"


def test_the_case_file_holds_only_what_the_reader_may_see(users):
    lawyer = users["legal_officer"]
    case, _submission = _letter_case(lawyer)
    services.witness_add(actor=lawyer, case=case, person=person_input(name_latin="Sok Dara"), description="Crew")
    own = selectors.case_file(user=lawyer, case=case)
    assert own["clients"][0].identity is not None and own["witnesses"][0].identity is not None
    assert own["costs"] == []  # a lawyer records costs: the section is there, empty
    witness_person = own["witnesses"][0].person
    assert AuditEvent.objects.filter(action="view", object_id=str(witness_person.uuid)).exists()
