"""People a partner hands over to protection through core's referrals (issue 13, item 4): ADHOC's lawyer refers
the client who came home from abroad to CCPCR, CCPCR accepts and its caseworker registers the intake from the
referral; ADHOC is told through core that an intake was registered, without the case's number or a link."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import Client
from django.utils import timezone

from conftest import login, make_user
from karpear.core import referrals
from karpear.core.models import AuditEvent, Person, Referral
from karpear.core.roles import Role
from karpear.core.tests.factories import form_data, person_input
from karpear.justice import services as justice
from karpear.protection import arrivals
from karpear.protection.models import ProtectionCase
from karpear.protection.tests import factories as f

pytestmark = pytest.mark.django_db


def _days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


@pytest.fixture
def handed_over(users, orgs):
    """ALPHA's lawyer hands the client who arrived from Malaysia over to BETA, with her consent."""
    lawyer = users["legal_officer"]
    case = justice.case_open(
        actor=lawyer,
        client=person_input(name_latin="Mao Sreyneang", sex="female"),
        data=justice.CaseInput(title="Deceived by a broker", opened_on=_days_ago(30)),
    )
    repatriation = justice.repatriation_add(
        actor=lawyer,
        case=case,
        data=justice.RepatriationInput(country="MY", persons=1, authority="Embassy", requested_on=_days_ago(20)),
    )
    justice.repatriation_status_set(actor=lawyer, repatriation=repatriation, status="arrived", arrived_on=_days_ago(2))
    (handover,) = justice.repatriation_handover(
        actor=lawyer,
        repatriation=repatriation,
        data=justice.HandoverInput(receiver=orgs["other"], people=[case.client], consent_given_by="The person"),
    )
    return {"lawyer": lawyer, "case": case, "repatriation": repatriation, "referral": handover.referral}


@pytest.fixture
def receiver(orgs):
    return {
        "caseworker": make_user(orgs["other"], Role.CASEWORKER, username="beta-cw"),
        "supervisor": make_user(orgs["other"], Role.CASE_SUPERVISOR, username="beta-sup"),
    }


def _accept(handed_over, receiver) -> Referral:
    return referrals.referral_accept(
        actor=receiver["supervisor"], referral=handed_over["referral"], assign_to=receiver["caseworker"]
    )


def test_the_intake_is_registered_from_the_referral_and_the_sender_is_told_without_the_number(handed_over, receiver):
    referral = _accept(handed_over, receiver)
    caseworker = receiver["caseworker"]
    assert list(arrivals.referrals_awaiting_intake(user=caseworker)) == [referral]

    start = arrivals.intake_initial(user=caseworker, referral=referral)
    assert start["name_latin"] == "Mao Sreyneang" and start["handed_over_by"] == "ngo"
    assert AuditEvent.objects.filter(
        actor=caseworker, action="view", object_id=str(referral.person.uuid), details__fields="identity"
    ).exists()  # reading the shared identity to prefill the form is audited

    case = arrivals.intake_from_referral(
        actor=caseworker,
        referral=referral,
        person=person_input(name_latin=start["name_latin"], sex=start["sex"]),
        intake=f.intake(origin_country="MY", arrived_on=_days_ago(2)),
    )
    assert case.referral == referral and case.organisation == caseworker.memberships.get().organisation
    assert case.person.organisation_id == case.organisation_id and case.person_id != referral.person_id
    assert list(arrivals.referrals_awaiting_intake(user=caseworker)) == []

    (told,) = referrals.records_from(user=handed_over["lawyer"], referrals=[referral])[referral.pk]
    assert (told.label, told.url, told.on) == ("Protection intake registered by BETA", "", _days_ago(2))
    (seen,) = referrals.records_from(user=caseworker, referrals=[referral])[referral.pk]
    assert seen.label == f"Protection case {case.number}" and seen.url == f"/protection/cases/{case.uuid}/"


def test_one_intake_per_referral(handed_over, receiver):
    referral = _accept(handed_over, receiver)
    caseworker = receiver["caseworker"]
    arrivals.intake_from_referral(actor=caseworker, referral=referral, person=person_input(), intake=f.intake())
    with pytest.raises(Http404):  # no longer waiting for an intake: not offered again
        arrivals.referral_for_intake(user=caseworker, uuid=referral.uuid)
    with pytest.raises(ValidationError, match="already registered"):
        arrivals.intake_from_referral(actor=caseworker, referral=referral, person=person_input(), intake=f.intake())
    assert ProtectionCase.objects.filter(referral=referral).count() == 1


def test_a_referral_not_yet_accepted_opens_no_intake_and_saves_nothing(handed_over, receiver):
    people = Person.objects.count()
    with pytest.raises(ValidationError, match="accepted"):
        arrivals.intake_from_referral(
            actor=receiver["supervisor"], referral=handed_over["referral"], person=person_input(), intake=f.intake()
        )
    assert Person.objects.count() == people and not ProtectionCase.objects.exists()


def test_the_sender_cannot_register_an_intake_from_its_own_referral(handed_over, users):
    people = Person.objects.count()
    with pytest.raises((Http404, ValidationError)):  # the sender's caseworker: not a referral to them
        arrivals.intake_from_referral(
            actor=users["caseworker"], referral=handed_over["referral"], person=person_input(), intake=f.intake()
        )
    assert Person.objects.count() == people and not ProtectionCase.objects.exists()


def test_the_pages_list_the_referral_prefill_the_form_and_register_the_intake(handed_over, receiver):
    referral = _accept(handed_over, receiver)
    browser = login(Client(), receiver["caseworker"])

    listed = browser.get("/protection/referred/").content.decode()
    assert f"/protection/referred/{referral.uuid}/intake/" in listed and "referred by ALPHA" in listed
    form = browser.get(f"/protection/referred/{referral.uuid}/intake/")
    assert form.status_code == 200 and 'value="Mao Sreyneang"' in form.content.decode()

    data = {**form_data(name_latin="Mao Sreyneang"), **f.intake_post(origin_country="MY")}
    answer = browser.post(f"/protection/referred/{referral.uuid}/intake/", data)

    case = ProtectionCase.objects.get(referral=referral)
    assert answer.status_code == 302 and answer["Location"] == f"/protection/cases/{case.uuid}/"
    assert browser.get("/protection/referred/").content.decode().count("/intake/") == 0


def test_a_refused_intake_from_a_referral_is_shown_again_and_saves_nothing(handed_over, receiver):
    referral = _accept(handed_over, receiver)
    people = Person.objects.count()
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).strftime("%d/%m/%Y")
    answer = login(Client(), receiver["caseworker"]).post(
        f"/protection/referred/{referral.uuid}/intake/", {**form_data(), **f.intake_post(arrived_on=tomorrow)}
    )
    assert answer.status_code == 400
    assert "The arrival date cannot be in the future." in answer.content.decode()
    assert Person.objects.count() == people and not ProtectionCase.objects.exists()


def test_the_lawyers_repatriation_page_shows_the_intake_registered_by_the_receiver(
    handed_over, receiver, django_assert_max_num_queries
):
    referral = _accept(handed_over, receiver)
    arrivals.intake_from_referral(
        actor=receiver["caseworker"], referral=referral, person=person_input(), intake=f.intake()
    )
    case = ProtectionCase.objects.get(referral=referral)
    browser = login(Client(), handed_over["lawyer"])
    browser.get("/")
    with django_assert_max_num_queries(10):
        page = browser.get(f"/justice/repatriations/{handed_over['repatriation'].uuid}/")
    text = page.content.decode()
    assert "Handed over to BETA" in text and "Protection intake registered by BETA" in text
    # the lawyer may not open BETA's case: neither its number nor a link to it
    assert case.number not in text and f"/protection/cases/{case.uuid}/" not in text
