"""Work lists on the home page, the case timeline and its query budget, and the daily reminders (issue 11,
item 6)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import login
from karpear.protection import selectors, services
from karpear.protection.models import FollowUp, ProtectionCase
from karpear.protection.tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalogue", "indicators", "lifecycle")]


def _old(case: ProtectionCase, days: int = 400) -> ProtectionCase:
    ProtectionCase.objects.filter(pk=case.pk).update(arrived_on=timezone.localdate() - dt.timedelta(days=days))
    case.refresh_from_db()
    return case


def test_the_work_lists_count_each_list_in_one_query_for_all(users):
    worker, supervisor = users["caseworker"], users["case_supervisor"]
    overdue = _old(f.case(worker))
    services.return_home(actor=worker, case=overdue, returned_on=timezone.localdate() - dt.timedelta(days=40))
    this_week = _old(f.case(worker, name_latin="Keo Dara"))
    services.return_home(
        actor=worker, case=this_week, returned_on=services.add_months(timezone.localdate(), -1) + dt.timedelta(days=3)
    )
    planned = f.case(worker, name_latin="Ly Thida")
    services.plan_service_add(actor=worker, case=planned, data=services.PlannedServiceInput("meals"))
    services.plan_submit(actor=worker, case=planned)
    services.determination_record(
        actor=worker, case=planned, data=services.DeterminationInput("identified", "police", timezone.localdate())
    )

    with CaptureQueriesContext(connection) as queries:
        counts = selectors.work_counts(user=worker)
    assert len(queries) == 1
    assert counts == {"mine": 3, "overdue": 1, "week": 1, "unscreened": 2, "plans": 1, "referred": 0, "flags": 0}
    assert selectors.work_counts(user=supervisor)["plans"] == 1
    assert [c.pk for c in selectors.case_list(user=worker, work="overdue")] == [overdue.pk]

    browser = login(Client(), supervisor)
    home = browser.get("/").content.decode()
    assert "Service plans waiting for your approval" in home and "/protection/cases/?work=plans" in home


def test_the_case_page_shows_the_timeline_newest_first_within_10_queries_whatever_its_length(users):
    worker = users["caseworker"]
    case = _old(f.case(worker))
    browser = login(Client(), worker)
    browser.get(f"/protection/cases/{case.uuid}/")
    with CaptureQueriesContext(connection) as short:
        assert browser.get(f"/protection/cases/{case.uuid}/").status_code == 200
    for n in range(60):
        services.delivery_record(
            actor=worker,
            case=case,
            data=services.DeliveryInput("meals", timezone.localdate() - dt.timedelta(days=300 - n), provider_name="X"),
        )
    services.return_home(actor=worker, case=case, returned_on=timezone.localdate() - dt.timedelta(days=5))
    with CaptureQueriesContext(connection) as long:
        page = browser.get(f"/protection/cases/{case.uuid}/").content.decode()
    assert len(long) == len(short) <= 10, [q["sql"][:80] for q in long]
    assert page.index("Returned home; follow-up visits scheduled") < page.index("Service delivered: Meals (X)")
    assert page.count('id="timeline-h"') == 1  # once on the page (a merge had left it twice)


def test_the_daily_reminder_mails_each_caseworker_once_a_day_with_case_numbers_only(
    users, django_capture_on_commit_callbacks
):
    worker = users["caseworker"]
    worker.email = "cw@example.org"
    worker.save()
    case = _old(f.case(worker))
    services.return_home(actor=worker, case=case, returned_on=timezone.localdate() - dt.timedelta(days=40))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):  # the mails leave after the commit
        assert services.follow_up_reminders_send() == 1  # the 1-month visit, overdue; the others months away
    with django_capture_on_commit_callbacks(execute=True):
        assert services.follow_up_reminders_send() == 0  # a second worker, or a second run the same day
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["cw@example.org"] and case.number in message.body
    assert "Sok" not in message.body  # never a name
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert services.follow_up_reminders_send(today=tomorrow) == 1
    assert FollowUp.objects.filter(reminded_on=tomorrow).count() == 1
