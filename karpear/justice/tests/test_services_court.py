"""Submissions, hearings, judgments and costs through the services, and the home work lists' counts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import make_user
from karpear.core.models import AuditEvent
from karpear.core.roles import Role
from karpear.justice import selectors, services
from karpear.justice.models import Cost, Hearing, LegalCase, Submission, Verdict
from karpear.justice.tests import factories as f

pytestmark = pytest.mark.django_db


def submission(**fields) -> services.SubmissionInput:
    defaults = {
        "addressee_kind": "embassy",
        "addressee": "Embassy of Cambodia in Bangkok",
        "subject": "Request to repatriate",
        "sent_on": f.days_ago(20),
        "deadline": f.days_ago(5),
    }
    defaults.update(fields)
    return services.SubmissionInput(**defaults)


def test_a_hearing_dated_before_the_case_opened_is_refused_with_a_clear_message(users):
    lawyer = users["legal_officer"]
    case = f.case(lawyer, opened=30)
    before = (Hearing.objects.count(), AuditEvent.objects.count())

    with pytest.raises(ValidationError) as error:
        services.hearing_add(
            actor=lawyer, case=case, data=services.HearingInput(level="provincial", held_on=f.days_ago(31))
        )

    assert error.value.message_dict["held_on"] == [
        f"The hearing is dated before the case was opened ({case.opened_on})."
    ]
    assert (Hearing.objects.count(), AuditEvent.objects.count()) == before
    assert LegalCase.objects.get(pk=case.pk).status == "investigation"


def test_hearings_at_each_level_move_the_case_to_court(users):
    lawyer = users["legal_officer"]
    case = f.case(lawyer, opened=300)
    for level, day in (("provincial", 200), ("appeal", 100), ("supreme", 10)):
        services.hearing_add(
            actor=lawyer,
            case=case,
            data=services.HearingInput(level=level, held_on=f.days_ago(day), outcome="Heard", next_on=None),
        )
    assert list(Hearing.objects.order_by("held_on").values_list("level", flat=True)) == [
        "provincial",
        "appeal",
        "supreme",
    ]
    assert LegalCase.objects.get(pk=case.pk).status == "court"
    with pytest.raises(ValidationError) as error:
        services.hearing_add(
            actor=lawyer,
            case=case,
            data=services.HearingInput(level="supreme", held_on=f.days_ago(-3), outcome="Won"),
        )
    assert set(error.value.message_dict) == {"outcome"}


def test_compensation_received_above_ordered_needs_a_confirmation(users):
    lawyer = users["legal_officer"]
    case = f.case(lawyer, opened=300)
    data = services.VerdictInput(
        level="supreme",
        decided_on=f.days_ago(5),
        outcome="convicted",
        sentence="10 years",
        compensation_ordered=Decimal("5000"),
        compensation_received=Decimal("6000"),
    )
    with pytest.raises(ValidationError) as error:
        services.verdict_record(actor=lawyer, case=case, data=data)
    assert "More was received than the court ordered" in error.value.message_dict["compensation_received"][0]
    assert Verdict.objects.count() == 0

    data.excess_confirmed = True
    verdict = services.verdict_record(actor=lawyer, case=case, data=data)
    assert (verdict.compensation_received, verdict.excess_confirmed) == (Decimal("6000"), True)
    assert LegalCase.objects.get(pk=case.pk).status == "judgment"

    services.compensation_receive(actor=lawyer, verdict=verdict, received=Decimal("4000"))
    verdict.refresh_from_db()
    assert (verdict.compensation_received, verdict.excess_confirmed) == (Decimal("4000"), False)
    with pytest.raises(ValidationError):
        services.compensation_receive(actor=lawyer, verdict=verdict, received=Decimal("5000.01"))
    verdict.refresh_from_db()
    assert verdict.compensation_received == Decimal("4000")


def test_riel_compensation_is_whole_riel(users):
    lawyer = users["legal_officer"]
    case = f.case(lawyer)
    with pytest.raises(ValidationError) as error:
        services.verdict_record(
            actor=lawyer,
            case=case,
            data=services.VerdictInput(
                level="provincial",
                decided_on=f.days_ago(1),
                outcome="convicted",
                currency="KHR",
                compensation_ordered=Decimal("1000.5"),
            ),
        )
    assert set(error.value.message_dict) == {"compensation_ordered"}


def test_submissions_wait_for_their_reply_and_count_as_overdue_past_the_deadline(users):
    lawyer = users["legal_officer"]
    case = f.case(lawyer, opened=60)
    late = services.submission_add(actor=lawyer, case=case, data=submission())
    waiting = services.submission_add(actor=lawyer, case=case, data=submission(deadline=f.days_ago(-10)))
    answered = services.submission_add(actor=lawyer, case=case, data=submission(deadline=None))
    services.submission_reply(actor=lawyer, submission=answered, reply_on=f.days_ago(1), reply="Will assist")
    services.hearing_add(
        actor=lawyer, case=case, data=services.HearingInput(level="provincial", held_on=f.days_ago(-2))
    )
    services.hearing_add(
        actor=lawyer, case=case, data=services.HearingInput(level="provincial", held_on=f.days_ago(-9))
    )

    assert list(selectors.submissions_awaiting(user=lawyer)) == [late, waiting]
    assert list(selectors.submissions_awaiting(user=lawyer, overdue=True)) == [late]
    assert selectors.work_counts(user=lawyer) == {"mine": 1, "hearings": 1, "awaiting": 2, "overdue": 1}
    with pytest.raises(ValidationError):
        services.submission_reply(actor=lawyer, submission=answered, reply_on=f.days_ago(0), reply="Again")


def test_the_work_counts_are_one_query(users, django_assert_num_queries):
    lawyer = users["legal_officer"]
    f.case(lawyer)
    lawyer = type(lawyer).objects.get(pk=lawyer.pk)
    from karpear.core import access

    access.membership_for(lawyer)
    with django_assert_num_queries(2):  # the referred people (core.access, once per request), the counts
        selectors.work_counts(user=lawyer)
        selectors.work_counts(user=lawyer)


def test_the_work_counts_in_one_pass_equal_the_lengths_of_the_lists_they_link_to(orgs, users):
    """The home counts come from one query (the unanswered letters read once for "awaiting" and "overdue"): the
    same figures as counting each work list on its own, the way they were counted before, for a lawyer (their
    team's cases, not another team's) and the supervisor (the organisation's)."""
    lawyer, supervisor = users["legal_officer"], users["case_supervisor"]
    from karpear.core.models import Team

    elsewhere = make_user(
        orgs["own"],
        Role.LEGAL_OFFICER,
        username="elsewhere",
        team=Team.objects.create(organisation=orgs["own"], name="Team B"),
    )
    for actor, clients in ((lawyer, 3), (elsewhere, 2)):
        for n in range(clients):
            case = f.case(actor, opened=90, name_latin=f"{actor.username} client {n}")
            services.submission_add(actor=actor, case=case, data=submission())  # overdue
            services.submission_add(actor=actor, case=case, data=submission(deadline=f.days_ago(-10 - n)))
            services.submission_add(actor=actor, case=case, data=submission(deadline=None))  # awaiting, no deadline
            services.submission_add(actor=actor, case=case, data=submission(deadline=f.days_ago(0)))  # due today
            answered = services.submission_add(actor=actor, case=case, data=submission())
            services.submission_reply(actor=actor, submission=answered, reply_on=f.days_ago(1), reply="Noted")
            for days in (-n, -6, -7, 1):  # today or later this week; a week ahead and yesterday are not
                services.hearing_add(
                    actor=actor, case=case, data=services.HearingInput(level="provincial", held_on=f.days_ago(days))
                )
            if n == 0:
                services.case_status_set(actor=actor, case=case, status="closed")
    services.case_reassign(
        actor=supervisor, case=LegalCase.objects.filter(lawyer=elsewhere).order_by("-id").first(), lawyer=lawyer
    )

    for user in (lawyer, elsewhere, supervisor):
        user = type(user).objects.get(pk=user.pk)
        counted_apart = {
            "mine": selectors.case_list(user=user, mine=True, open_only=True).count(),
            "hearings": selectors.hearings_this_week(user=user).count(),
            "awaiting": selectors.submissions_awaiting(user=user).count(),
            "overdue": selectors.submissions_awaiting(user=user, overdue=True).count(),
        }
        assert selectors.work_counts(user=user) == counted_apart
    assert counted_apart["awaiting"] == 5 * 4 and counted_apart["overdue"] == 5  # the supervisor sees all five cases


def test_a_submission_before_the_case_opened_or_with_a_deadline_before_it_was_sent_is_refused(users):
    lawyer = users["legal_officer"]
    case = f.case(lawyer, opened=10)
    with pytest.raises(ValidationError) as error:
        services.submission_add(
            actor=lawyer, case=case, data=submission(sent_on=f.days_ago(11), deadline=f.days_ago(12))
        )
    assert set(error.value.message_dict) == {"sent_on", "deadline"}
    assert Submission.objects.count() == 0


def test_a_cost_is_charged_to_a_budget_line_of_the_organisation(users, budget_line):
    lawyer = users["legal_officer"]
    case = f.case(lawyer)
    data = services.CostInput(
        kind="legal_fees", spent_on=f.days_ago(1), amount=Decimal("250"), currency="USD", budget_line=budget_line
    )

    cost = services.cost_add(actor=lawyer, case=case, data=data)
    services.cost_add(
        actor=lawyer,
        case=case,
        data=services.CostInput(
            kind="travel", spent_on=f.days_ago(1), amount=Decimal("120000"), currency="KHR", budget_line=budget_line
        ),
    )

    assert (cost.amount, cost.budget_line) == (Decimal("250"), budget_line)
    assert selectors.case_costs(user=lawyer, case=case)[1] == {"USD": Decimal("250"), "KHR": Decimal("120000")}


def test_a_cost_without_a_budget_line_is_refused(users, budget_line):
    lawyer = users["legal_officer"]
    case = f.case(lawyer)
    before = (Cost.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as error:
        services.cost_add(
            actor=lawyer,
            case=case,
            data=services.CostInput(
                kind="travel", spent_on=f.days_ago(1), amount=Decimal("10.5"), currency="KHR", budget_line=None
            ),
        )
    assert set(error.value.message_dict) == {"budget_line", "amount"}
    assert error.value.message_dict["budget_line"] == ["Choose the budget line the cost is charged to."]
    assert (Cost.objects.count(), AuditEvent.objects.count()) == before


def test_a_budget_line_of_another_organisation_is_refused(orgs, users, budget_line):
    stranger = make_user(orgs["other"], Role.LEGAL_OFFICER, username="stranger")
    case = f.case(stranger)
    with pytest.raises(ValidationError) as error:
        services.cost_add(
            actor=stranger,
            case=case,
            data=services.CostInput(
                kind="travel", spent_on=f.days_ago(1), amount=Decimal("10"), currency="USD", budget_line=budget_line
            ),
        )
    assert set(error.value.message_dict) == {"budget_line"}


def test_a_caseworker_cannot_record_a_hearing(users):
    case = f.case(users["legal_officer"])
    with pytest.raises(PermissionDenied):
        services.hearing_add(
            actor=users["caseworker"],
            case=case,
            data=services.HearingInput(level="provincial", held_on=f.days_ago(1)),
        )
    assert Hearing.objects.count() == 0


def test_a_repatriation_is_requested_and_arrives_after_its_request(users):
    lawyer = users["legal_officer"]
    case = f.case(lawyer, opened=40)
    rep = services.repatriation_add(
        actor=lawyer,
        case=case,
        data=services.RepatriationInput(country="MY", persons=2, authority="Embassy", requested_on=f.days_ago(30)),
    )
    with pytest.raises(ValidationError) as error:
        services.repatriation_status_set(actor=lawyer, repatriation=rep, status="arrived", arrived_on=f.days_ago(31))
    assert set(error.value.message_dict) == {"arrived_on"}
    with pytest.raises(ValidationError):
        services.repatriation_status_set(actor=lawyer, repatriation=rep, status="arrived")
    services.repatriation_status_set(actor=lawyer, repatriation=rep, status="arrived", arrived_on=f.days_ago(3))
    rep.refresh_from_db()
    assert (rep.status, rep.arrived_on) == ("arrived", f.days_ago(3))
    with pytest.raises(ValidationError) as error:
        services.repatriation_add(
            actor=lawyer,
            case=case,
            data=services.RepatriationInput(country="KH", persons=0, authority="", requested_on=f.days_ago(1)),
        )
    assert set(error.value.message_dict) == {"country", "persons", "authority"}
