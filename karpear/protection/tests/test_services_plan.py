"""Needs assessment, the service plan and its approval, and the services delivered (issue 11, item 3)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from conftest import make_user
from karpear.core.models import AuditEvent
from karpear.core.roles import Role
from karpear.protection import selectors, services
from karpear.protection.models import (
    CaseEvent,
    NeedsAssessment,
    PlanEvent,
    PlannedService,
    ProtectionCase,
    ServiceDelivery,
    ServiceKind,
    ServicePlan,
)
from karpear.protection.tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalogue")]

NEEDS = {
    "safety": "some",
    "health": "urgent",
    "psychosocial": "some",
    "shelter": "none",
    "family": "some",
    "education": "none",
    "livelihood": "urgent",
    "legal": "some",
}


def plan_rows() -> tuple[int, int, int, int]:
    return (
        ServicePlan.objects.count(),
        PlannedService.objects.count(),
        PlanEvent.objects.count(),
        ServiceDelivery.objects.count(),
    )


def test_the_catalogue_holds_the_services_of_the_programme_with_khmer_names_and_the_reintegration_chain():
    codes = list(selectors.catalogue().values_list("code", flat=True))
    for code in (
        "meals",
        "medical_check",
        "temporary_shelter",
        "counselling",
        "transport_home",
        "family_tracing",
        "education",
        "vocational_training",
        "financial_literacy",
        "business_grant",
        "internship",
        "family_livelihood_course",
        "non_formal_education",
        "school_enrolment",
        "legal_aid",
    ):
        assert code in codes
    assert not ServiceKind.objects.filter(name_km="").exists()
    chain = ServiceKind.objects.exclude(chain=None).order_by("chain").values_list("code", flat=True)
    assert list(chain) == ["vocational_training", "financial_literacy", "business_grant", "business_follow_up"]
    assert ServiceKind.objects.get(code="financial_literacy").duration == "2 days"


def test_a_needs_assessment_is_recorded_with_a_level_per_domain_and_urgent_needs_go_to_the_timeline(users):
    case = f.case(users["caseworker"])
    services.assessment_record(actor=users["caseworker"], case=case, data=services.AssessmentInput(NEEDS, "Tired."))

    assessment = selectors.latest_assessment(user=users["caseworker"], case=case)
    assert (assessment.health, assessment.livelihood, assessment.summary) == ("urgent", "urgent", "Tired.")
    event = CaseEvent.objects.get(case=case, kind="assessed")
    assert event.detail == {"urgent": ["health", "livelihood"]}


def test_an_assessment_with_a_domain_left_out_names_it_and_saves_nothing(users):
    case = f.case(users["caseworker"])
    with pytest.raises(ValidationError) as caught:
        services.assessment_record(
            actor=users["caseworker"], case=case, data=services.AssessmentInput({**NEEDS, "legal": ""})
        )
    assert list(caught.value.message_dict) == ["legal"]
    assert not NeedsAssessment.objects.exists()


def test_a_plan_is_built_sent_approved_and_a_later_change_makes_a_new_version_to_approve(users):
    worker, supervisor = users["caseworker"], users["case_supervisor"]
    case = f.case(worker)
    meals = services.plan_service_add(actor=worker, case=case, data=services.PlannedServiceInput("meals"))
    services.plan_service_add(
        actor=worker, case=case, data=services.PlannedServiceInput("vocational_training", provider_name="Don Bosco")
    )
    plan = services.plan_submit(actor=worker, case=case)
    assert (plan.status, plan.version) == ("submitted", 1)

    with pytest.raises(PermissionDenied):
        services.plan_decide(actor=worker, case=case, approve=True)  # a caseworker does not approve
    with pytest.raises(ValidationError) as caught:
        services.plan_decide(actor=supervisor, case=case, approve=False)
    assert "note" in caught.value.message_dict
    plan = services.plan_decide(actor=supervisor, case=case, approve=True)
    assert (plan.status, plan.approved_by) == ("approved", supervisor)

    services.plan_service_remove(actor=worker, case=case, item_uuid=meals.uuid)
    plan.refresh_from_db()
    assert (plan.status, plan.version, plan.approved_by) == ("draft", 2, None)
    history = [(e.action, e.version) for e in selectors.plan_events(user=supervisor, case=case)]
    assert history == [
        ("removed", 2),
        ("approved", 1),
        ("submitted", 1),
        ("added", 1),
        ("added", 1),
    ]
    assert [i.kind.code for i in selectors.planned_services(user=worker, case=case)] == ["vocational_training"]
    assert AuditEvent.objects.filter(object_type="protection.serviceplan", action="update").count() == 2


def test_a_plan_returned_for_changes_is_a_draft_again_with_the_supervisors_note(users):
    worker, supervisor = users["caseworker"], users["case_supervisor"]
    case = f.case(worker)
    services.plan_service_add(actor=worker, case=case, data=services.PlannedServiceInput("counselling"))
    services.plan_submit(actor=worker, case=case)
    plan = services.plan_decide(actor=supervisor, case=case, approve=False, note="Add a medical check.")
    assert plan.status == "draft"
    assert PlanEvent.objects.filter(action="returned", detail="Add a medical check.").exists()
    with pytest.raises(ValidationError):
        services.plan_decide(actor=supervisor, case=case, approve=True)  # nothing waits for approval


def test_an_empty_plan_cannot_be_sent_and_an_unknown_service_is_refused(users):
    case = f.case(users["caseworker"])
    with pytest.raises(ValidationError, match="Add at least one service"):
        services.plan_submit(actor=users["caseworker"], case=case)
    with pytest.raises(ValidationError) as caught:
        services.plan_service_add(actor=users["caseworker"], case=case, data=services.PlannedServiceInput("flying"))
    assert list(caught.value.message_dict) == ["kind"]
    assert plan_rows() == (0, 0, 0, 0)


def test_a_plan_edit_after_closure_is_refused_and_changes_nothing(users):
    case = f.case(users["caseworker"])
    services.plan_service_add(actor=users["caseworker"], case=case, data=services.PlannedServiceInput("meals"))
    ProtectionCase.objects.filter(pk=case.pk).update(status="closed")
    before = plan_rows()
    with pytest.raises(ValidationError, match="This case is closed"):
        services.plan_service_add(actor=users["caseworker"], case=case, data=services.PlannedServiceInput("meals"))
    with pytest.raises(ValidationError, match="This case is closed"):
        services.delivery_record(
            actor=users["caseworker"],
            case=case,
            data=services.DeliveryInput("meals", timezone.localdate(), provider_name="CCPCR"),
        )
    assert plan_rows() == before


def test_a_service_delivered_is_recorded_with_its_provider_cost_currency_and_outcome(users, orgs):
    worker = users["caseworker"]
    case = f.case(worker)
    day = timezone.localdate()
    delivery = services.delivery_record(
        actor=worker,
        case=case,
        data=services.DeliveryInput(
            "medical_check", day, provider=orgs["other"], cost=Decimal("25000"), currency="KHR", outcome="Healthy."
        ),
    )
    assert (delivery.cost, delivery.currency, delivery.provider, delivery.outcome) == (
        Decimal("25000"),
        "KHR",
        orgs["other"],
        "Healthy.",
    )
    assert delivery.recorded_by_organisation == orgs["own"]
    event = CaseEvent.objects.get(case=case, kind="service_delivered")
    assert event.detail["service"] == "medical_check" and event.detail["cost"] == "25000"


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"cost": Decimal("10")}, {"currency"}),
        ({"cost": Decimal("-1"), "currency": "USD"}, {"cost"}),
        ({"provider_name": ""}, {"provider_name"}),
        ({"delivered_on": 1}, {"delivered_on"}),  # days from today: tomorrow
        ({"delivered_on": -30}, {"delivered_on"}),  # before the arrival
        ({"kind": "business_grant"}, {"business_type", "cost"}),
    ],
)
def test_a_bad_delivery_names_its_fields_and_saves_nothing(users, fields, errors):
    case = f.case(users["caseworker"])
    fields = dict(fields)
    shift = fields.pop("delivered_on", 0)
    data = {
        "kind": "meals",
        "delivered_on": timezone.localdate() + dt.timedelta(days=shift),
        "provider_name": "CCPCR",
        **fields,
    }
    with pytest.raises(ValidationError) as caught:
        services.delivery_record(actor=users["caseworker"], case=case, data=services.DeliveryInput(**data))
    assert set(caught.value.message_dict) == errors
    assert not ServiceDelivery.objects.exists()


def test_the_reintegration_chain_is_drawn_from_the_services_delivered(users):
    worker = users["caseworker"]
    case = f.case(worker)
    day = timezone.localdate()
    services.delivery_record(
        actor=worker, case=case, data=services.DeliveryInput("vocational_training", day, provider_name="Don Bosco")
    )
    services.delivery_record(
        actor=worker,
        case=case,
        data=services.DeliveryInput(
            "business_grant", day, provider_name="CCPCR", cost=Decimal("300"), currency="USD", business_type="Noodles"
        ),
    )
    delivered = list(selectors.deliveries(user=worker, case=case))
    chain = selectors.reintegration_chain(delivered, list(selectors.catalogue()))
    assert [(s["kind"].code, bool(s["delivery"])) for s in chain] == [
        ("vocational_training", True),
        ("financial_literacy", False),
        ("business_grant", True),
        ("business_follow_up", False),
    ]
    assert chain[2]["delivery"].business_type == "Noodles"


def test_roles_without_the_capability_or_outside_the_case_cannot_plan_and_nothing_changes(users, orgs):
    case = f.case(users["caseworker"])
    stranger = make_user(orgs["other"], Role.CASE_SUPERVISOR, username="stranger")
    for user in (users["volunteer"], users["programme_officer"], users["me_officer"], users["shelter_staff"]):
        with pytest.raises(PermissionDenied):
            services.plan_service_add(actor=user, case=case, data=services.PlannedServiceInput("meals"))
    from django.http import Http404

    with pytest.raises(Http404):
        services.plan_service_add(actor=stranger, case=case, data=services.PlannedServiceInput("meals"))
    assert plan_rows() == (0, 0, 0, 0)
