"""A repatriation's arrival handed over to protection (issue 13, item 4): a referral through core per person who
arrived, with their consent, to the organisation that registers the intake; what came of it is read back
through core (`registry.referral_records`), never from protection directly. Refusals save nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from conftest import login, make_user
from karpear.core import registry
from karpear.core.models import AuditEvent, Consent, Referral
from karpear.core.roles import Role
from karpear.core.tests.factories import person_input
from karpear.justice import services
from karpear.justice.models import Handover, LegalCase, Repatriation
from karpear.justice.tests import factories as f

pytestmark = pytest.mark.django_db


def _arrived(lawyer, case: LegalCase, *, arrived: bool = True) -> Repatriation:
    repatriation = services.repatriation_add(
        actor=lawyer,
        case=case,
        data=services.RepatriationInput(country="MY", persons=2, authority="Embassy", requested_on=f.days_ago(20)),
    )
    if arrived:
        repatriation = services.repatriation_status_set(
            actor=lawyer, repatriation=repatriation, status="arrived", arrived_on=f.days_ago(2)
        )
    return repatriation


def _handover(lawyer, repatriation, receiver, people, **fields) -> list[Handover]:
    return services.repatriation_handover(
        actor=lawyer,
        repatriation=repatriation,
        data=services.HandoverInput(receiver=receiver, people=people, **fields),
    )


def test_the_people_who_arrived_are_referred_to_protection_with_their_consent(users, orgs):
    lawyer = users["legal_officer"]
    case = f.case(lawyer, name_latin="Mao Sreyneang")
    mother = services.client_add(
        actor=lawyer, case=case, client=person_input(name_latin="Mao Sophea"), relation="family"
    )
    repatriation = _arrived(lawyer, case)

    done = _handover(lawyer, repatriation, orgs["other"], [case.client, mother.person], consent_given_by="The person")

    assert len(done) == 2
    referrals = Referral.objects.filter(receiver=orgs["other"]).order_by("id")
    assert [r.person_id for r in referrals] == [case.client_id, mother.person_id]
    first = referrals[0]
    assert first.status == Referral.Status.PENDING and first.consent is not None
    assert sorted(first.sections.values_list("name", flat=True)) == ["identity", "justice_case"]
    assert "Malaysia" in first.reason and case.number in first.reason
    assert Consent.objects.filter(purpose="referral", recipient=orgs["other"], given=True).count() == 2
    assert AuditEvent.objects.filter(action="create", object_type="justice.handover").count() == 2


def test_nothing_is_handed_over_before_the_arrival_is_recorded(users, orgs):
    lawyer = users["legal_officer"]
    case = f.case(lawyer)
    repatriation = _arrived(lawyer, case, arrived=False)
    with pytest.raises(ValidationError) as refused:
        _handover(lawyer, repatriation, orgs["other"], [case.client], consent_given_by="The person")
    assert "people" in refused.value.message_dict
    assert not Referral.objects.exists() and not Consent.objects.filter(purpose="referral").exists()
    assert not Handover.objects.exists()


def test_without_a_consent_to_that_organisation_nothing_is_saved_for_anyone(users, orgs):
    lawyer = users["legal_officer"]
    case = f.case(lawyer)
    repatriation = _arrived(lawyer, case)
    with pytest.raises(ValidationError) as refused:
        _handover(lawyer, repatriation, orgs["other"], [case.client])
    assert "receiver" in refused.value.message_dict
    assert not Referral.objects.exists() and not Handover.objects.exists()


def test_only_the_cases_own_clients_are_handed_over(users, orgs):
    lawyer = users["legal_officer"]
    case = f.case(lawyer)
    other_case = f.case(lawyer, name_latin="Somebody Else")
    repatriation = _arrived(lawyer, case)
    with pytest.raises(ValidationError) as refused:
        _handover(lawyer, repatriation, orgs["other"], [other_case.client], consent_given_by="The person")
    assert refused.value.message_dict["people"] == ["Choose among the clients of the case."]
    assert not Referral.objects.exists()


def test_the_repatriation_page_shows_the_handover_and_what_the_receiver_reports_through_core(users, orgs, monkeypatch):
    lawyer = users["legal_officer"]
    case = f.case(lawyer)
    repatriation = _arrived(lawyer, case)
    client = login(Client(), lawyer)
    court = client.get(f"/justice/cases/{case.uuid}/court/").content.decode()
    assert f"/justice/repatriations/{repatriation.uuid}/" in court
    assert "Hand over to protection for their intake" in court

    answer = client.post(
        f"/justice/repatriations/{repatriation.uuid}/handover/",
        {
            "handover-receiver": str(orgs["other"].uuid),
            "handover-people": [str(case.client.uuid)],
            "handover-consent_given_by": "Self",
        },
    )
    assert answer.status_code == 302, answer.content
    assert answer["Location"] == f"/justice/repatriations/{repatriation.uuid}/"
    referral = Referral.objects.get()
    assert "1 person handed over to protection" in client.get(f"/justice/cases/{case.uuid}/court/").content.decode()
    page = client.get(answer["Location"]).content.decode()
    assert "Handed over to BETA" in page and "No intake registered yet." in page

    # What an app reports of a referral (protection registers the intake) comes only through core's registry,
    # for the referrals the user may see.
    def told(*, user, referral_ids):
        return [
            registry.ReferralRecord(referral_id=pk, label="Intake registered by BETA", on=f.days_ago(1))
            for pk in referral_ids.values_list("pk", flat=True)
        ]

    monkeypatch.setitem(registry._REFERRAL_RECORDS, "test_app", told)
    page = client.get(answer["Location"]).content.decode()
    assert "Intake registered by BETA" in page and "No intake registered yet." not in page
    assert referral.status == Referral.Status.PENDING  # handing over asks; the receiver still has to accept


def test_a_refused_handover_is_shown_again_with_its_message(users, orgs):
    lawyer = users["legal_officer"]
    case = f.case(lawyer)
    repatriation = _arrived(lawyer, case)
    answer = login(Client(), lawyer).post(
        f"/justice/repatriations/{repatriation.uuid}/handover/",
        {"handover-receiver": str(orgs["other"].uuid), "handover-people": [str(case.client.uuid)]},
    )
    assert answer.status_code == 400
    assert "No consent to referral to BETA" in answer.content.decode()
    assert not Referral.objects.exists()


def test_another_organisation_never_hands_over_a_repatriation_it_cannot_see(users, orgs):
    lawyer = users["legal_officer"]
    case = f.case(lawyer)
    repatriation = _arrived(lawyer, case)
    stranger = make_user(orgs["other"], Role.LEGAL_OFFICER, username="stranger")
    answer = login(Client(), stranger).post(
        f"/justice/repatriations/{repatriation.uuid}/handover/",
        {
            "handover-receiver": str(orgs["own"].uuid),
            "handover-people": [str(case.client.uuid)],
            "handover-consent_given_by": "x",
        },
    )
    assert answer.status_code == 404
    assert not Referral.objects.exists()


@pytest.mark.parametrize("page", ["court", "repatriation"])
def test_the_court_and_repatriation_pages_with_a_handover_stay_within_ten_queries(
    users, orgs, django_assert_max_num_queries, page
):
    lawyer = users["legal_officer"]
    case = f.case(lawyer)
    repatriation = _arrived(lawyer, case)
    _handover(lawyer, repatriation, orgs["other"], [case.client], consent_given_by="The person")
    client = login(Client(), lawyer)
    client.get("/")
    url = f"/justice/cases/{case.uuid}/court/" if page == "court" else f"/justice/repatriations/{repatriation.uuid}/"
    with django_assert_max_num_queries(10):
        response = client.get(url)
    text = response.content.decode()
    assert response.status_code == 200
    assert ("1 person handed over" if page == "court" else "Handed over to BETA") in text
    assert "Hand over to protection for their intake" in text  # still offered (another client may arrive)


def _case_from_referral(orgs, users) -> tuple[LegalCase, Repatriation]:
    """A case opened from another organisation's accepted referral (its client stays theirs), whose
    repatriation has arrived."""
    from karpear.justice.tests.test_services_cases import _accepted_referral

    lawyer = users["legal_officer"]
    referral = _accepted_referral(orgs, users, lawyer)
    case = services.case_open_from_referral(
        actor=lawyer, referral=referral, data=services.CaseInput(title="Stranded in Malaysia", opened_on=f.days_ago(30))
    )
    return case, _arrived(lawyer, case)


NO_OWN_CLIENT = "to hand over to protection: a client another organisation referred stays theirs"


def test_a_case_without_a_client_of_its_own_offers_no_handover_and_says_why(users, orgs):
    """docs/justice.md: only the case's own clients are handed over (a client another organisation referred stays
    theirs). With none, the court page offers no handover link, and the repatriation page no form: each says why."""
    case, repatriation = _case_from_referral(orgs, users)
    client = login(Client(), users["legal_officer"])

    court = client.get(f"/justice/cases/{case.uuid}/court/").content.decode()
    assert "Hand over to protection for their intake" not in court
    assert NO_OWN_CLIENT in court
    page = client.get(f"/justice/repatriations/{repatriation.uuid}/").content.decode()
    assert 'name="handover-people"' not in page and NO_OWN_CLIENT in page

    answer = client.post(
        f"/justice/repatriations/{repatriation.uuid}/handover/",
        {"handover-receiver": str(orgs["other"].uuid), "handover-people": [str(case.client.uuid)]},
    )
    assert answer.status_code == 400
    assert not Referral.objects.filter(receiver=orgs["other"]).exists() and not Handover.objects.exists()


def test_a_client_of_its_own_added_to_a_referred_case_can_be_handed_over(users, orgs):
    case, repatriation = _case_from_referral(orgs, users)
    lawyer = users["legal_officer"]
    sister = services.client_add(
        actor=lawyer, case=case, client=person_input(name_latin="Chea Srey"), relation="family"
    )
    client = login(Client(), lawyer)
    court = client.get(f"/justice/cases/{case.uuid}/court/").content.decode()
    assert "Hand over to protection for their intake" in court and NO_OWN_CLIENT not in court
    page = client.get(f"/justice/repatriations/{repatriation.uuid}/").content.decode()
    assert str(sister.person.uuid) in page and str(case.client.uuid) not in page  # the referred client stays theirs

    with pytest.raises(ValidationError) as refused:
        _handover(lawyer, repatriation, orgs["other"], [case.client], consent_given_by="The person")
    assert refused.value.message_dict["people"] == ["Choose among the clients of the case."]
    done = _handover(lawyer, repatriation, orgs["other"], [sister.person], consent_given_by="Her mother")
    assert [row.referral.person_id for row in done] == [sister.person_id]


def test_the_service_says_why_when_the_case_has_no_client_of_its_own(users, orgs):
    case, repatriation = _case_from_referral(orgs, users)
    with pytest.raises(ValidationError) as refused:
        _handover(users["legal_officer"], repatriation, orgs["other"], [case.client], consent_given_by="Self")
    assert refused.value.message_dict["people"][0].startswith("No client of this case's own to hand over")
    assert not Handover.objects.exists()
