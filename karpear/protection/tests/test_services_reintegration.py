"""Placements, the MoSVY lifecycle, return home, follow-up visits with the sustainability scores, and closure
(issue 11, item 5)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from karpear.core import selectors as core_selectors
from karpear.core.models import Person
from karpear.protection import services
from karpear.protection.models import FollowUp, Placement, ProtectionCase, StageStep, SustainabilityIndicator
from karpear.protection.tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lifecycle")]


def _old_case(user, days: int = 400) -> ProtectionCase:
    case = f.case(user)
    ProtectionCase.objects.filter(pk=case.pk).update(arrived_on=timezone.localdate() - dt.timedelta(days=days))
    case.refresh_from_db()
    return case


def _answers(value: int) -> dict[str, int]:
    return dict.fromkeys(SustainabilityIndicator.objects.values_list("code", flat=True), value)


def _all_steps(user, case) -> None:
    for code in StageStep.objects.values_list("code", flat=True):
        services.step_complete(actor=user, case=case, step=code)


def test_add_months_keeps_the_day_or_takes_the_months_last():
    assert services.add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert services.add_months(dt.date(2026, 11, 15), 3) == dt.date(2027, 2, 15)
    assert services.add_months(dt.date(2026, 3, 1), 24) == dt.date(2028, 3, 1)


def test_the_return_home_schedules_visits_at_1_3_6_12_and_24_months_or_as_configured(users, settings):
    case = _old_case(users["caseworker"])
    back = timezone.localdate() - dt.timedelta(days=300)
    visits = services.return_home(actor=users["caseworker"], case=case, returned_on=back)
    assert [v.months for v in visits] == [1, 3, 6, 12, 24]
    assert visits[0].due_on == services.add_months(back, 1)
    case.refresh_from_db()
    assert case.next_follow_up_on == visits[0].due_on

    settings.PROTECTION_FOLLOW_UP_MONTHS = [2, 6]
    other = _old_case(users["caseworker"])
    assert [v.months for v in services.return_home(actor=users["caseworker"], case=other, returned_on=back)] == [2, 6]


def test_sustainability_scores_golden_numbers():
    indicators = list(SustainabilityIndicator.objects.order_by("order"))
    answers = {i.code: {"economic": 5, "social": 3, "psychosocial": 2}[i.domain] for i in indicators}
    answers["income_source"] = 1  # economic: (0 + 1 + 1 + 1 + 1) / 5 = 0.8
    scores = services.sustainability_scores(answers, indicators)
    assert scores == {
        "economic": Decimal("0.800"),
        "social": Decimal("0.500"),
        "psychosocial": Decimal("0.250"),
        "composite": Decimal("0.517"),  # (0.8 + 0.5 + 0.25) / 3
    }


def test_a_follow_up_visit_fills_the_earliest_due_and_one_dated_before_return_is_refused(users):
    worker = users["caseworker"]
    case = _old_case(worker)
    back = timezone.localdate() - dt.timedelta(days=100)
    services.return_home(actor=worker, case=case, returned_on=back)
    with pytest.raises(ValidationError) as caught:
        services.follow_up_record(
            actor=worker, case=case, data=services.VisitInput(back - dt.timedelta(days=1), _answers(4))
        )
    assert "visited_on" in caught.value.message_dict
    assert not FollowUp.objects.exclude(visited_on=None).exists()

    visit = services.follow_up_record(
        actor=worker, case=case, data=services.VisitInput(back + dt.timedelta(days=30), _answers(4))
    )
    assert (visit.months, visit.composite) == (1, Decimal("0.750"))
    case.refresh_from_db()
    assert case.next_follow_up_on == services.add_months(back, 3)


def test_an_incomplete_survey_is_refused(users):
    worker = users["caseworker"]
    case = _old_case(worker)
    services.return_home(actor=worker, case=case, returned_on=timezone.localdate() - dt.timedelta(days=10))
    answers = _answers(3)
    answers.pop("debt")
    with pytest.raises(ValidationError) as caught:
        services.follow_up_record(actor=worker, case=case, data=services.VisitInput(timezone.localdate(), answers))
    assert "answers" in caught.value.message_dict


def test_a_stage_moves_on_only_with_its_steps_done_and_the_message_names_those_missing(users):
    worker = users["caseworker"]
    case = _old_case(worker)
    services.step_complete(actor=worker, case=case, step="needs_and_plan")
    with pytest.raises(ValidationError) as caught:
        services.stage_advance(actor=worker, case=case)
    message = caught.value.messages[0]
    assert "Family traced and assessed" in message and "The person agrees" in message
    assert "Needs assessed" not in message
    services.step_complete(actor=worker, case=case, step="family_assessed")
    services.step_complete(actor=worker, case=case, step="agrees_to_plan")
    assert services.stage_advance(actor=worker, case=case).stage == "integration"


def test_placements_follow_each_other(users):
    worker = users["caseworker"]
    case = _old_case(worker)
    first_day = timezone.localdate() - dt.timedelta(days=50)
    services.placement_record(actor=worker, case=case, data=services.PlacementInput("shelter", first_day))
    services.placement_record(
        actor=worker, case=case, data=services.PlacementInput("family", first_day + dt.timedelta(days=20))
    )
    shelter = Placement.objects.get(kind="shelter")
    assert shelter.ended_on == first_day + dt.timedelta(days=20)
    with pytest.raises(ValidationError):
        services.placement_record(
            actor=worker, case=case, data=services.PlacementInput("family", first_day, first_day - dt.timedelta(days=1))
        )


def test_closure_without_the_required_steps_is_refused_naming_them_and_nothing_changes(users):
    worker = users["caseworker"]
    case = _old_case(worker)
    with pytest.raises(ValidationError) as caught:
        services.closure_request(actor=worker, case=case, reason="moved")
    assert "Final assessment made" in caught.value.messages[0]
    case.refresh_from_db()
    assert (case.closure_reason, case.status) == ("", "active")


def test_a_closure_approved_by_a_supervisor_closes_the_case_and_the_persons_record(users):
    worker, supervisor = users["caseworker"], users["case_supervisor"]
    case = _old_case(worker)
    services.return_home(actor=worker, case=case, returned_on=timezone.localdate() - dt.timedelta(days=60))
    services.follow_up_record(actor=worker, case=case, data=services.VisitInput(timezone.localdate(), _answers(5)))
    _all_steps(worker, case)
    services.closure_request(actor=worker, case=case, reason="reintegrated", note="Doing well.")
    with pytest.raises(PermissionDenied):
        services.closure_decide(actor=worker, case=case, approve=True)
    assert Person.objects.get(pk=case.person_id).closed_at is None

    services.closure_decide(actor=supervisor, case=case, approve=True)
    case.refresh_from_db()
    assert (case.status, case.stage, case.closure_approved_by) == ("closed", "closure", supervisor)
    assert Person.objects.get(pk=case.person_id).closed_at is not None
    closed = core_selectors.filter_people(
        core_selectors.person_list(user=supervisor), core_selectors.PersonFilters(status="closed")
    )
    assert case.person_id in {p.pk for p in closed}
    with pytest.raises(ValidationError, match="This case is closed"):
        services.step_complete(actor=worker, case=case, step="handover")


def test_a_refused_closure_needs_a_note_and_leaves_the_case_open(users):
    worker, supervisor = users["caseworker"], users["case_supervisor"]
    case = _old_case(worker)
    for code in ("final_assessment", "closure_explained"):
        services.step_complete(actor=worker, case=case, step=code)
    services.closure_request(actor=worker, case=case, reason="declined")
    with pytest.raises(ValidationError):
        services.closure_decide(actor=supervisor, case=case, approve=False)
    services.closure_decide(actor=supervisor, case=case, approve=False, note="Try once more.")
    case.refresh_from_db()
    assert (case.status, case.closure_reason) == ("active", "")
    assert Person.objects.get(pk=case.person_id).closed_at is None
