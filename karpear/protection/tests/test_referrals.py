"""Protection's sections on core's referrals (issue 11, item 4): the receiver sees exactly what is shared, and
the services it delivers come back to the sender's case."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from conftest import login, make_org, make_user
from karpear.core import access, referrals
from karpear.core import services as core_services
from karpear.core.models import Consent
from karpear.core.roles import Role
from karpear.protection import selectors, services
from karpear.protection.models import CaseEvent, Determination, FollowUp, ProtectionCase, ServiceDelivery
from karpear.protection.tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalogue", "indicators", "lifecycle")]


@pytest.fixture
def shared(users, orgs):
    """A case of 'alpha', screened and followed, referred to ADHOC for legal aid sharing the case summary and the
    service plan (not the screening nor the follow-up), accepted and assigned to ADHOC's legal officer."""
    worker = users["caseworker"]
    adhoc = make_org("adhoc")
    lawyer = make_user(adhoc, Role.LEGAL_OFFICER, username="lawyer")
    receiver = make_user(adhoc, Role.CASE_SUPERVISOR, username="adhoc-sup")
    case = f.case(worker)
    ProtectionCase.objects.filter(pk=case.pk).update(arrived_on=timezone.localdate() - dt.timedelta(days=90))
    case.refresh_from_db()
    services.determination_record(
        actor=worker,
        case=case,
        data=services.DeterminationInput("identified", "police", timezone.localdate()),
    )
    services.return_home(actor=worker, case=case, returned_on=timezone.localdate() - dt.timedelta(days=40))
    services.delivery_record(
        actor=worker, case=case, data=services.DeliveryInput("meals", timezone.localdate(), provider_name="CCPCR")
    )
    core_services.consent_record(
        actor=worker,
        person=case.person,
        purpose=Consent.Purpose.REFERRAL,
        given=True,
        given_by="self",
        recipient=adhoc,
    )
    referral = referrals.referral_create(
        actor=worker,
        person=case.person,
        receiver=adhoc,
        sections=["protection_case_summary", "protection_service_plan"],
        reason="Legal aid against the broker.",
    )
    referrals.referral_accept(actor=receiver, referral=referral, assign_to=lawyer)
    return {"case": case, "lawyer": lawyer, "adhoc": adhoc, "worker": worker}


def test_the_receiver_sees_exactly_the_sections_shared(shared):
    lawyer, case = shared["lawyer"], shared["case"]
    assert access.visible(lawyer, ProtectionCase.objects.filter(pk=case.pk)).exists()
    assert [d.kind.code for d in selectors.deliveries(user=lawyer, case=case)] == ["meals"]
    assert not access.visible(lawyer, Determination.objects.filter(case=case)).exists()  # screening not shared
    assert not access.visible(lawyer, FollowUp.objects.filter(case=case)).exists()  # follow-up not shared
    assert selectors.shared_sections(user=lawyer, case=case) == {"protection_case_summary", "protection_service_plan"}

    browser = login(Client(), lawyer)
    page = browser.get(f"/protection/cases/{case.uuid}/reintegration/").content.decode()
    assert "This part of the case is not shared with your organisation." in page
    screening = browser.get(f"/protection/cases/{case.uuid}/screening/").content.decode()
    assert "This part of the case is not shared with your organisation." in screening  # not "not screened yet"
    plan_page = browser.get(f"/protection/cases/{case.uuid}/plan/").content.decode()
    assert "Services delivered" in plan_page and "Meals" in plan_page


def test_a_service_the_receiver_delivers_comes_back_to_the_senders_case_timeline(shared):
    lawyer, case, worker = shared["lawyer"], shared["case"], shared["worker"]
    browser = login(Client(), lawyer)
    response = browser.post(
        f"/protection/cases/{case.uuid}/services/",
        {
            "kind": "legal_aid",
            "delivered_on": timezone.localdate().strftime("%d/%m/%Y"),
            "cost": "120",
            "currency": "USD",
            "outcome": "Complaint filed.",
        },
        follow=True,
    )
    assert "The service delivered is recorded." in response.content.decode()
    delivery = ServiceDelivery.objects.get(kind__code="legal_aid")
    assert (delivery.organisation_id, delivery.recorded_by_organisation, delivery.provider) == (
        case.organisation_id,
        shared["adhoc"],
        shared["adhoc"],
    )
    assert delivery in selectors.deliveries(user=worker, case=case)
    event = CaseEvent.objects.get(case=case, kind="service_delivered", by=lawyer)
    assert event.by_organisation == shared["adhoc"] and event.detail["referred"] is True


def test_a_partner_without_an_accepted_referral_sharing_the_plan_cannot_record_a_service(shared, orgs):
    case = shared["case"]
    stranger = make_user(make_org("gamma"), Role.LEGAL_OFFICER, username="stranger")
    from django.http import Http404

    with pytest.raises(Http404):
        services.delivery_record_referred(
            actor=stranger,
            case=case,
            data=services.DeliveryInput("legal_aid", timezone.localdate(), cost=Decimal("1"), currency="USD"),
        )
    referral = referrals.referrals_of_person(user=shared["worker"], person=case.person).get()
    referrals.referral_close(actor=shared["worker"], referral=referral)
    shared["lawyer"].__dict__.pop("_karpear_shared", None)
    with pytest.raises(Http404):
        services.delivery_record_referred(
            actor=shared["lawyer"], case=case, data=services.DeliveryInput("legal_aid", timezone.localdate())
        )
    assert not ServiceDelivery.objects.filter(kind__code="legal_aid").exists()


def test_volunteers_programme_and_me_officers_never_see_protection_cases(users):
    case = f.case(users["caseworker"])
    for role in ("volunteer", "programme_officer", "me_officer"):
        user = users[role]
        assert not access.visible(user, ProtectionCase.objects.all()).exists()
        assert not selectors.deliveries(user=user, case=case).exists()
        browser = login(Client(), user)
        assert browser.get(f"/protection/cases/{case.uuid}/").status_code == 404
        assert browser.get("/protection/cases/").status_code == 403
    with pytest.raises(PermissionDenied):
        services.delivery_record(
            actor=users["volunteer"],
            case=case,
            data=services.DeliveryInput("meals", timezone.localdate(), provider_name="X"),
        )
