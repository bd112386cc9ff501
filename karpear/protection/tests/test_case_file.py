"""The printable case file (issue 11, item 8): a PDF of what the reader may see, its download audited."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import login
from karpear.core.models import AuditEvent
from karpear.protection import selectors
from karpear.protection.tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalogue", "lifecycle")]


def test_the_case_file_is_a_pdf_in_khmer_and_its_download_is_audited(users):
    case = f.case(users["caseworker"])
    users["caseworker"].language = "km"
    users["caseworker"].save()
    browser = login(Client(), users["caseworker"])
    browser.cookies["karpear_language"] = "km"

    response = browser.get(f"/protection/cases/{case.uuid}/file.pdf")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="download", object_id=str(case.uuid))
    assert event.details["fields"] == "case_file"


def test_the_case_file_holds_only_what_the_reader_may_see(users):
    case = f.case(users["caseworker"])
    supervisor_view = selectors.case_file(user=users["case_supervisor"], case=case)
    assert supervisor_view["identity"] is not None  # a supervisor reads identities (audited)
    assert supervisor_view["show_plan"] and supervisor_view["show_follow_ups"]
    shelter = users["shelter_staff"]  # sees nothing of a case not assigned or referred to them
    assert Client().get(f"/protection/cases/{case.uuid}/file.pdf").status_code == 302
    assert login(Client(), shelter).get(f"/protection/cases/{case.uuid}/file.pdf").status_code == 404
    assert login(Client(), users["volunteer"]).get(f"/protection/cases/{case.uuid}/file.pdf").status_code == 404
