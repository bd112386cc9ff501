"""Two officers at the same moment on PostgreSQL (threads, each with its own connection, committing for real):
one disbursement of a grant, and no advisor following an eleventh household."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from conftest import make_user
from karpear.core.models import User
from karpear.core.roles import Role
from karpear.core.tests.concurrency import PG_ONLY, keep_places, run_concurrently
from karpear.livelihoods import grant_services, training_services
from karpear.livelihoods.models import AdvisorHousehold, FarmerRole, Grant, GrantFollowUp
from karpear.livelihoods.tests import factories as f

pytestmark = [PG_ONLY, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("keep_places")]
__all__ = ["keep_places"]
DAY = dt.date(2026, 2, 2)


def _actor(user_id: int) -> User:
    return User.objects.get(pk=user_id)


def test_two_officers_disbursing_the_same_grant_at_once_disburse_it_once() -> None:
    officer = f.officer()
    organisation = officer.memberships.first().organisation
    other = make_user(organisation, Role.PROGRAMME_OFFICER, username="po")
    member = f.members(officer, f.group(officer), 1)[0]
    data = grant_services.GrantInput(purpose="Pigs", amount_requested=Decimal(200), applied_on=DAY)
    grant = grant_services.grant_apply(actor=officer, member=member, data=data)
    grant_services.grant_decide(actor=other, grant=grant, approve=True, on=DAY)

    def disburse(user_id: int):  # type: ignore[no-untyped-def]
        return lambda: grant_services.grant_disburse(
            actor=_actor(user_id), grant=Grant.objects.get(pk=grant.pk), amount=Decimal(200), currency="USD", on=DAY
        )

    outcomes = run_concurrently([disburse(officer.pk), disburse(other.pk)])

    errors = [o.error for o in outcomes if o.error is not None]
    assert len(errors) == 1 and isinstance(errors[0], ValidationError)
    assert "disbursed already" in errors[0].messages[0]
    assert GrantFollowUp.objects.filter(grant=grant).count() == 3


def test_two_officers_adding_the_tenth_and_eleventh_household_at_once_leave_the_advisor_with_ten() -> None:
    officer = f.officer()
    other = make_user(officer.memberships.first().organisation, Role.FIELD_OFFICER, username="fo2")
    members = f.members(officer, f.group(officer), 12)
    advisor = training_services.farmer_role_name(
        actor=officer, member=members[0], kind=FarmerRole.Kind.ADVISOR, since=DAY
    )
    for member in members[1:10]:
        training_services.advisor_follow(actor=officer, advisor=advisor, person=member.person, since=DAY)

    def follow(user_id: int, index: int):  # type: ignore[no-untyped-def]
        return lambda: training_services.advisor_follow(
            actor=_actor(user_id), advisor=advisor, person=members[index].person, since=DAY
        )

    outcomes = run_concurrently([follow(officer.pk, 10), follow(other.pk, 11)])

    errors = [o.error for o in outcomes if o.error is not None]
    assert len(errors) == 1 and "follows 10 households already" in errors[0].messages[0]
    assert AdvisorHousehold.objects.filter(advisor=advisor, until__isnull=True).count() == 10
