"""Small grants (issue 12, item 8): one record type for a group member and for a referred survivor, the
eligibility conditions as data checked from training attendance, approval with an override reason, one
disbursement, follow-ups at 3, 6 and 12 months; every refusal leaves the grant as it was."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from conftest import make_org, make_user
from karpear.core.models import Referral
from karpear.core.roles import Role
from karpear.core.tests.factories import register
from karpear.livelihoods import grant_selectors, grant_services, training_services
from karpear.livelihoods.models import Grant, GrantFollowUp, GrantGate, Training
from karpear.livelihoods.tests import factories as f

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 2, 2)
D = Decimal
D200 = Decimal(200)


@pytest.fixture
def officer():
    return f.officer()


@pytest.fixture
def manager(officer):
    return make_user(officer.memberships.first().organisation, Role.PROGRAMME_OFFICER, username="po")


@pytest.fixture
def member(officer):
    grp = f.group(officer)
    return f.members(officer, grp, 1)[0]


def _apply(officer, member, amount=D200):  # type: ignore[no-untyped-def]
    data = grant_services.GrantInput(purpose="Chicken raising", amount_requested=amount, applied_on=DAY)
    return grant_services.grant_apply(actor=officer, member=member, data=data)


def _literacy_gate(manager):  # type: ignore[no-untyped-def]
    return grant_services.gate_add(actor=manager, kind=GrantGate.Kind.TRAINING, topic=Training.Topic.FINANCIAL_LITERACY)


def test_a_member_trained_in_financial_literacy_is_approved_disbursed_and_followed_up_at_3_6_and_12_months(
    officer, manager, member
):
    _literacy_gate(manager)
    training = training_services.training_record(
        actor=officer,
        group=member.group,
        data=training_services.TrainingInput(topic=Training.Topic.FINANCIAL_LITERACY, held_on=DAY, hours=D(12)),
    )
    training_services.attendance_set(actor=officer, training=training, people=[member.person])
    grant = _apply(officer, member)
    grant = grant_services.grant_decide(actor=manager, grant=grant, approve=True, on=DAY, amount_approved=D(150))
    assert grant.status == Grant.Status.APPROVED and grant.override_reason == ""
    assert grant.eligibility[0]["met"] is True
    grant = grant_services.grant_disburse(
        actor=officer, grant=grant, amount=D(150), currency="USD", on=dt.date(2026, 2, 28)
    )
    assert grant.status == Grant.Status.DISBURSED
    due = list(GrantFollowUp.objects.filter(grant=grant).values_list("month", "due_on"))
    assert due == [(3, dt.date(2026, 5, 28)), (6, dt.date(2026, 8, 28)), (12, dt.date(2027, 2, 28))]
    first = GrantFollowUp.objects.get(grant=grant, month=3)
    grant_services.follow_up_record(
        actor=officer,
        follow_up=first,
        done_on=min(timezone.localdate(), dt.date(2026, 5, 30)),
        business="growing",
        monthly_income=D(80),
    )
    counts = grant_selectors.grant_counts(user=manager)
    assert counts["disbursed"] == 1 and counts["follow_ups_done"] == 1
    assert counts["disbursed_amounts"] == {"USD": D(150)}


def test_months_are_added_to_the_last_day_of_a_shorter_month() -> None:
    assert grant_services.add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)
    assert grant_services.add_months(dt.date(2027, 8, 31), 6) == dt.date(2028, 2, 29)


def test_an_ineligible_applicant_is_not_approved_without_an_override_reason(officer, manager, member):
    _literacy_gate(manager)
    grant = _apply(officer, member)
    with pytest.raises(ValidationError) as caught:
        grant_services.grant_decide(actor=manager, grant=grant, approve=True, on=DAY)
    message = caught.value.message_dict["override_reason"][0]
    assert "Attended a training on Financial literacy" in message and "Give a reason" in message
    grant.refresh_from_db()
    assert grant.status == Grant.Status.APPLIED and grant.eligibility == []
    grant = grant_services.grant_decide(
        actor=manager, grant=grant, approve=True, on=DAY, override_reason="Trained by CCPCR's partner last year"
    )
    assert grant.override_reason == "Trained by CCPCR's partner last year"
    assert grant.eligibility[0]["met"] is False
    assert grant_selectors.grant_counts(user=manager)["overridden"] == 1


def test_disbursing_an_unapproved_grant_is_refused_and_nothing_changes(officer, member):
    grant = _apply(officer, member)
    with pytest.raises(ValidationError) as caught:
        grant_services.grant_disburse(actor=officer, grant=grant, amount=D(100), currency="USD", on=DAY)
    assert "Only an approved grant can be disbursed" in caught.value.messages[0]
    grant.refresh_from_db()
    assert grant.status == Grant.Status.APPLIED and grant.amount_disbursed is None
    assert not GrantFollowUp.objects.exists()


def test_a_second_disbursement_is_refused_saying_when_the_first_was(officer, manager, member):
    grant = grant_services.grant_decide(actor=manager, grant=_apply(officer, member), approve=True, on=DAY)
    grant_services.grant_disburse(actor=officer, grant=grant, amount=D(200), currency="USD", on=DAY)
    with pytest.raises(ValidationError) as caught:
        grant_services.grant_disburse(actor=manager, grant=grant, amount=D(200), currency="USD", on=DAY)
    assert "disbursed already, on 02/02/2026 ($200.00)" in caught.value.messages[0]
    assert GrantFollowUp.objects.filter(grant=grant).count() == 3


def test_disbursement_above_the_approved_amount_or_in_another_currency_is_refused(officer, manager, member):
    grant = grant_services.grant_decide(actor=manager, grant=_apply(officer, member), approve=True, on=DAY)
    with pytest.raises(ValidationError) as caught:
        grant_services.grant_disburse(actor=officer, grant=grant, amount=D(500), currency="KHR", on=DAY)
    assert set(caught.value.message_dict) == {"amount", "currency"}
    grant.refresh_from_db()
    assert grant.status == Grant.Status.APPROVED


def test_a_refusal_needs_a_reason_and_a_decided_grant_is_not_decided_again(officer, manager, member):
    grant = _apply(officer, member)
    with pytest.raises(ValidationError) as caught:
        grant_services.grant_decide(actor=manager, grant=grant, approve=False, on=DAY)
    assert "note" in caught.value.message_dict
    grant_services.grant_decide(actor=manager, grant=grant, approve=False, on=DAY, note="No business plan")
    with pytest.raises(ValidationError) as caught:
        grant_services.grant_decide(actor=manager, grant=grant, approve=True, on=DAY)
    assert "decided already" in caught.value.messages[0]


def test_a_field_officer_does_not_approve(officer, member):
    grant = _apply(officer, member)
    with pytest.raises(PermissionDenied):
        grant_services.grant_decide(actor=officer, grant=grant, approve=True, on=DAY)
    grant.refresh_from_db()
    assert grant.status == Grant.Status.APPLIED


def test_one_open_application_per_person(officer, member):
    _apply(officer, member)
    with pytest.raises(ValidationError) as caught:
        _apply(officer, member)
    assert "still open" in caught.value.message_dict["purpose"][0]
    assert Grant.objects.count() == 1


def test_a_referred_survivor_is_taken_in_from_an_accepted_referral_once(officer, manager):
    ccpcr = make_org("ccpcr")
    referral = Referral.objects.create(
        organisation=ccpcr,
        person=register(make_user(ccpcr, Role.CASEWORKER, username="cw"), name_latin="Returnee"),
        receiver=officer.memberships.first().organisation,
        reason="Small business grant",
        status=Referral.Status.ACCEPTED,
        assigned_to=officer,
        created_by=make_user(ccpcr, Role.CASEWORKER, username="cw2"),
        expires_at=timezone.now() + dt.timedelta(days=10),
    )
    assert list(grant_selectors.referrals_for_grant(user=officer)) == [referral]
    data = grant_services.GrantInput(purpose="Sewing shop", amount_requested=D(300))
    grant = grant_services.grant_from_referral(actor=officer, referral=referral, data=data)
    assert grant.referred and grant.person_id == referral.person_id and grant.member is None
    assert list(grant_selectors.referrals_for_grant(user=officer)) == []
    with pytest.raises(ValidationError) as caught:
        grant_services.grant_from_referral(actor=officer, referral=referral, data=data)
    assert "taken in for a grant already" in caught.value.messages[0]
    # a condition for members only does not apply to a referred person's grant
    grant_services.gate_add(actor=manager, kind=GrantGate.Kind.GROUP_MEMBER, applies_to=GrantGate.AppliesTo.MEMBERS)
    assert grant_services.eligibility(grant) == []
    assert grant_selectors.grant_counts(user=manager)["referred"] == 1


def test_a_pending_referral_or_one_to_another_organisation_is_not_taken_in(officer):
    ccpcr = make_org("ccpcr")
    cw = make_user(ccpcr, Role.CASEWORKER, username="cw")
    person = register(cw, name_latin="Returnee")
    pending = Referral.objects.create(
        organisation=ccpcr,
        person=person,
        receiver=officer.memberships.first().organisation,
        reason="Grant",
        created_by=cw,
        expires_at=timezone.now() + dt.timedelta(days=10),
    )
    data = grant_services.GrantInput(purpose="Sewing shop", amount_requested=D(300))
    with pytest.raises(ValidationError) as caught:
        grant_services.grant_from_referral(actor=officer, referral=pending, data=data)
    assert "accept it first" in caught.value.messages[0]
    elsewhere = Referral.objects.create(
        organisation=ccpcr,
        person=person,
        receiver=make_org("cedac"),
        reason="Grant",
        status=Referral.Status.ACCEPTED,
        created_by=cw,
        expires_at=timezone.now() + dt.timedelta(days=10),
    )
    with pytest.raises(ValidationError) as caught:
        grant_services.grant_from_referral(actor=officer, referral=elsewhere, data=data)
    assert "not sent to your organisation" in caught.value.messages[0]
    assert not Grant.objects.exists()


def test_follow_ups_are_recorded_once_and_listed_when_due(officer, manager, member):
    grant = grant_services.grant_decide(actor=manager, grant=_apply(officer, member), approve=True, on=DAY)
    grant_services.grant_disburse(actor=officer, grant=grant, amount=D(200), currency="USD", on=DAY)
    due = grant_selectors.follow_ups_due(user=officer, on=dt.date(2026, 8, 2))
    assert [fu.month for fu in due] == [3, 6]
    first = due[0]
    grant_services.follow_up_record(actor=officer, follow_up=first, done_on=dt.date(2026, 5, 2), business="steady")
    with pytest.raises(ValidationError) as caught:
        grant_services.follow_up_record(actor=officer, follow_up=first, done_on=dt.date(2026, 5, 3), business="stopped")
    assert "recorded already" in caught.value.messages[0]
    first.refresh_from_db()
    assert first.business == "steady"
