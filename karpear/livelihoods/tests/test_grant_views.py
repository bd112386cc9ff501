"""The small-grant pages: a member's application through to disbursement and a follow-up, the refusals shown at
their field, and a referred person taken in from an accepted referral."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from conftest import login, make_org, make_user
from karpear.core.models import Referral
from karpear.core.roles import Role
from karpear.core.tests.factories import register
from karpear.livelihoods import grant_services
from karpear.livelihoods.models import Grant, GrantFollowUp, GrantGate
from karpear.livelihoods.tests import factories as f

pytestmark = pytest.mark.django_db
DAY = "02/02/2026"


@pytest.fixture
def officer():
    return f.officer()


@pytest.fixture
def manager(officer):
    return make_user(officer.memberships.first().organisation, Role.PROGRAMME_OFFICER, username="po")


def test_a_member_applies_is_refused_approval_without_a_reason_then_approved_disbursed_and_followed_up(
    officer, manager
):
    member = f.members(officer, f.group(officer), 1)[0]
    grant_services.gate_add(actor=manager, kind=GrantGate.Kind.TRAINING, topic="financial_literacy")
    field = login(Client(), officer)
    assert "Apply for a small grant" in field.get(f"/livelihoods/members/{member.uuid}/").content.decode()
    response = field.post(
        f"/livelihoods/members/{member.uuid}/grant/",
        {"purpose": "Chickens", "amount_requested": "២០០", "currency": "USD", "applied_on": DAY},
    )
    grant = Grant.objects.get()
    assert response.status_code == 302 and grant.amount_requested == Decimal(200)
    office = login(Client(), manager)
    page = office.get(f"/livelihoods/grants/{grant.uuid}/").content.decode()
    assert "Attended a training on Financial literacy" in page and "not met" in page
    url = f"/livelihoods/grants/{grant.uuid}/decide/"
    response = office.post(url, {"decision": "approve", "on": DAY, "amount_approved": "", "override_reason": ""})
    assert response.status_code == 400 and "Give a reason to approve anyway" in response.content.decode()
    grant.refresh_from_db()
    assert grant.status == Grant.Status.APPLIED
    office.post(
        url, {"decision": "approve", "on": DAY, "amount_approved": "150", "override_reason": "Trained last year"}
    )
    grant.refresh_from_db()
    assert grant.status == Grant.Status.APPROVED
    response = field.post(
        f"/livelihoods/grants/{grant.uuid}/disburse/", {"amount": "150", "currency": "USD", "on": DAY}
    )
    assert response.status_code == 302
    response = field.post(
        f"/livelihoods/grants/{grant.uuid}/disburse/", {"amount": "150", "currency": "USD", "on": DAY}
    )
    assert response.status_code == 400 and "disbursed already" in response.content.decode()
    follow_up = GrantFollowUp.objects.get(grant=grant, month=3)
    response = field.post(
        f"/livelihoods/grant-follow-ups/{follow_up.uuid}/",
        {"done_on": "05/05/2026", "business": "growing", "monthly_income": "60", "note": ""},
    )
    assert response.status_code == 302
    page = field.get(f"/livelihoods/grants/{grant.uuid}/").content.decode()
    assert "Growing" in page and "Trained last year" in page
    assert field.get("/livelihoods/grants/").status_code == 200
    field.cookies["karpear_language"] = "km"
    assert field.get(f"/livelihoods/grants/{grant.uuid}/").status_code == 200


def test_an_accepted_referral_is_taken_in_for_a_grant_from_the_list(officer):
    ccpcr = make_org("ccpcr")
    caseworker = make_user(ccpcr, Role.CASEWORKER, username="cw")
    referral = Referral.objects.create(
        organisation=ccpcr,
        person=register(caseworker, name_latin="Returnee"),
        receiver=officer.memberships.first().organisation,
        reason="Grant after vocational training",
        status=Referral.Status.ACCEPTED,
        assigned_to=officer,
        created_by=caseworker,
        expires_at=timezone.now() + dt.timedelta(days=10),
    )
    field = login(Client(), officer)
    page = field.get("/livelihoods/grants/").content.decode()
    assert f"/livelihoods/referrals/{referral.uuid}/grant/" in page
    response = field.post(
        f"/livelihoods/referrals/{referral.uuid}/grant/",
        {
            "purpose": "Sewing",
            "amount_requested": "300",
            "currency": "USD",
            "applied_on": timezone.localdate().strftime("%d/%m/%Y"),
        },
    )
    assert response.status_code == 302
    grant = Grant.objects.get()
    assert grant.referral_id == referral.pk and grant.member_id is None
    page = field.get(f"/livelihoods/grants/{grant.uuid}/").content.decode()
    assert "Referred to us" in page
    assert f"/livelihoods/referrals/{referral.uuid}/grant/" not in field.get("/livelihoods/grants/").content.decode()


def test_a_programme_officer_retires_a_condition_and_new_decisions_no_longer_check_it(officer, manager):
    from karpear.core.models import AuditEvent

    gate = grant_services.gate_add(actor=manager, kind=GrantGate.Kind.TRAINING, topic="financial_literacy")
    member = f.members(officer, f.group(officer), 1)[0]
    grant = grant_services.grant_apply(
        actor=officer,
        member=member,
        data=grant_services.GrantInput(purpose="Ducks", amount_requested=Decimal(100), applied_on=dt.date(2026, 2, 2)),
    )
    assert [r.met for r in grant_services.eligibility(grant)] == [False]
    field = login(Client(), officer)
    assert (
        f"/livelihoods/grants/conditions/{gate.uuid}/retire/"
        not in field.get("/livelihoods/grants/conditions/").content.decode()
    )
    assert field.post(f"/livelihoods/grants/conditions/{gate.uuid}/retire/").status_code == 403
    office = login(Client(), manager)
    page = office.get("/livelihoods/grants/conditions/").content.decode()
    assert f"/livelihoods/grants/conditions/{gate.uuid}/retire/" in page
    done = office.post(f"/livelihoods/grants/conditions/{gate.uuid}/retire/", follow=True)
    assert "The condition is retired" in done.content.decode()
    assert "No condition yet" in done.content.decode()
    gate.refresh_from_db()
    assert gate.active is False and grant_services.eligibility(grant) == []
    assert AuditEvent.objects.filter(object_type="livelihoods.grantgate", action="update").count() == 1
    grant_services.grant_decide(actor=manager, grant=grant, approve=True, on=dt.date(2026, 2, 3))  # no override
