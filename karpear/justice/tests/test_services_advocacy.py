"""Escalation to the central office, advocacy actions and case studies (issue 13, item 6)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import make_user
from karpear.core.models import AuditEvent
from karpear.core.roles import Role
from karpear.core.tests.factories import person_input
from karpear.justice import selectors, services
from karpear.justice.models import AdvocacyAction, CaseStudy, Escalation
from karpear.justice.tests import factories as f

pytestmark = pytest.mark.django_db


def test_an_escalation_waits_for_the_central_offices_response_which_only_a_supervisor_gives(users):
    lawyer, supervisor = users["legal_officer"], users["case_supervisor"]
    case = f.case(lawyer, opened=30)
    escalation = services.escalation_raise(
        actor=lawyer, case=case, raised_on=f.days_ago(3), reason="The provincial police will not take the complaint."
    )
    with pytest.raises(ValidationError) as error:
        services.escalation_raise(actor=lawyer, case=case, raised_on=f.days_ago(1), reason="Again")
    assert "still waiting" in error.value.message_dict["reason"][0]

    with pytest.raises(PermissionDenied):
        services.escalation_respond(actor=lawyer, escalation=escalation, responded_on=f.days_ago(1), response="Yes")
    with pytest.raises(ValidationError) as error:
        services.escalation_respond(
            actor=supervisor, escalation=escalation, responded_on=f.days_ago(4), response="We write to the ministry."
        )
    assert set(error.value.message_dict) == {"responded_on"}

    services.escalation_respond(
        actor=supervisor, escalation=escalation, responded_on=f.days_ago(1), response="We write to the ministry."
    )
    row = Escalation.objects.get(pk=escalation.pk)
    assert (row.response, row.responded_by_id) == ("We write to the ministry.", supervisor.pk)
    assert AuditEvent.objects.filter(object_id=str(row.uuid), action="update").exists()
    # answered: the case may be escalated again
    services.escalation_raise(actor=lawyer, case=case, raised_on=f.days_ago(0), reason="The court delays.")
    assert Escalation.objects.filter(case=case).count() == 2


def test_an_escalation_before_the_case_opened_or_without_reason_saves_nothing(users):
    lawyer = users["legal_officer"]
    case = f.case(lawyer, opened=30)
    with pytest.raises(ValidationError) as error:
        services.escalation_raise(actor=lawyer, case=case, raised_on=f.days_ago(31), reason=" ")
    assert set(error.value.message_dict) == {"raised_on", "reason"}
    assert not Escalation.objects.exists()


def test_advocacy_actions_are_recorded_with_the_government_body(users):
    lawyer = users["legal_officer"]
    case = f.case(lawyer, opened=30)
    services.advocacy_add(
        actor=lawyer,
        case=case,
        data=services.AdvocacyInput(
            done_on=f.days_ago(2), body_kind="labour", body="Provincial labour department", action="Meeting"
        ),
    )
    with pytest.raises(ValidationError) as error:
        services.advocacy_add(
            actor=lawyer,
            case=case,
            data=services.AdvocacyInput(done_on=f.days_ago(-2), body_kind="king", body="", action="x"),
        )
    assert set(error.value.message_dict) == {"done_on", "body_kind", "body"}
    assert list(selectors.advocacy(user=lawyer, case=case)["advocacy"]) == list(AdvocacyAction.objects.all())


def test_a_case_study_naming_a_client_or_witness_is_refused(users):
    lawyer = users["legal_officer"]
    case = f.case(lawyer, opened=30, name_latin="Chan Sreymom")
    services.witness_add(
        actor=lawyer, case=case, person=person_input(name_latin="Sok Dara", phone="012345678"), description="Crew"
    )
    for text in (
        "CHAN SREYMOM was recruited by a broker.",
        "A crew member (Sok  Dara) saw it.",
        "Call 012 345 678.",
        f"Case {case.client.case_number}.",
    ):
        with pytest.raises(ValidationError) as error:
            services.case_study_write(actor=lawyer, case=case, title="Home again", text=text)
        assert set(error.value.message_dict) == {"text"}
    assert not CaseStudy.objects.exists()


def test_a_case_study_reaches_donor_reports_only_while_the_client_consents(users, orgs):
    lawyer = users["legal_officer"]
    case = f.case(lawyer, opened=30)
    study = services.case_study_write(
        actor=lawyer, case=case, title="Home again", text="A young woman recruited for a factory abroad..."
    )
    assert list(selectors.case_studies_for_reports(user=lawyer)) == []
    with pytest.raises(ValidationError):
        services.case_study_consent(actor=lawyer, study=study, given=False, on=f.days_ago(1))

    services.case_study_consent(actor=lawyer, study=study, given=True, on=f.days_ago(2))
    assert list(selectors.case_studies_for_reports(user=lawyer)) == [study]

    services.case_study_consent(actor=lawyer, study=study, given=False, on=f.days_ago(1))
    assert list(selectors.case_studies_for_reports(user=lawyer)) == []

    services.case_study_consent(actor=lawyer, study=study, given=True, on=f.days_ago(0))
    rewritten = services.case_study_write(
        actor=lawyer, case=case, study=study, title="Home again", text="A young woman, now back home..."
    )
    assert rewritten.consent_on is None  # a new text needs the client's consent again
    assert list(selectors.case_studies_for_reports(user=lawyer)) == []
    # another organisation's legal officer sees none of it
    other = make_user(orgs["other"], Role.LEGAL_OFFICER)
    assert list(selectors.case_studies_for_reports(user=other)) == []


def test_a_supervisor_gives_a_case_to_another_lawyer_audited_and_nobody_else_may(users, orgs):
    lawyer, supervisor = users["legal_officer"], users["case_supervisor"]
    case = f.case(lawyer, opened=30)
    colleague = make_user(orgs["own"], Role.LEGAL_OFFICER, username="colleague")
    stranger = make_user(orgs["other"], Role.LEGAL_OFFICER, username="stranger")
    assert colleague in services.lawyers_for(supervisor) and stranger not in services.lawyers_for(supervisor)

    with pytest.raises(PermissionDenied):
        services.case_reassign(actor=lawyer, case=case, lawyer=colleague)
    with pytest.raises(ValidationError) as error:
        services.case_reassign(actor=supervisor, case=case, lawyer=stranger)
    assert set(error.value.message_dict) == {"lawyer"}

    services.case_reassign(actor=supervisor, case=case, lawyer=colleague, reason="Conflict of interest")
    case.refresh_from_db()
    assert case.lawyer_id == colleague.pk
    event = AuditEvent.objects.filter(object_id=str(case.uuid), action="update").latest("id")
    assert event.details["previous"] == lawyer.pk and event.details["reason"] == "Conflict of interest"
    assert case in selectors.case_list(user=colleague, mine=True)
