"""Exports never stay "Running" for ever (issue 8, item 2): the heartbeat, the reaper and "Try again".

A worker killed with kill -9, or one that lost the database while it ran a task, leaves the task RUNNING in
django-tasks-db's table; a worker stopped by a second SIGTERM leaves it FAILED with SystemExit. The reaper
(core/worker.py) gives such tasks back to the queue, up to three tries, then fails them, and the export job
follows: "Waiting" again, or "Failed" with a page that stops updating and offers "Try again".
test_worker_process.py runs the real `karpear worker` on PostgreSQL and cuts its connections.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from conftest import login, make_user
from karpear.core import services, worker
from karpear.core.models import AuditEvent, ExportJob, WorkerHeartbeat
from karpear.core.roles import Role
from karpear.core.tests.factories import register

pytestmark = pytest.mark.django_db

LONG_AGO = dt.timedelta(minutes=5)


@pytest.fixture
def task_queue(settings: Any) -> None:
    """The database task queue of production, instead of the tests' immediate backend."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def job(users: dict[str, Any], task_queue: None, django_capture_on_commit_callbacks: Any) -> ExportJob:
    """An export asked for by the caseworker, queued in the database (not run yet)."""
    register(users["caseworker"], name_latin="Sok Dara")
    with django_capture_on_commit_callbacks(execute=True):
        job = services.export_people_request(actor=users["caseworker"], query="Sok")
    job.refresh_from_db()
    assert job.task_id == str(DBTaskResult.objects.get().id)
    return job


def claimed(job: ExportJob, *workers: str, ago: dt.timedelta = LONG_AGO) -> Any:
    """Its task as a worker leaves it when it dies mid-run: RUNNING, claimed `ago`, tried by `workers`."""
    task = DBTaskResult.objects.get(id=job.task_id)
    DBTaskResult.objects.filter(id=task.id).update(
        status="RUNNING", started_at=timezone.now() - ago, worker_ids=list(workers)
    )
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING)
    return task


def heartbeat(worker_id: str, ago: dt.timedelta, task_id: str = "") -> None:
    at = timezone.now() - ago
    WorkerHeartbeat.objects.create(worker_id=worker_id, started_at=at - LONG_AGO, beat_at=at, task_id=task_id)


def states(job: ExportJob) -> tuple[str, str]:
    job.refresh_from_db()
    return DBTaskResult.objects.get(id=job.task_id).status, job.status


# ---------------------------------------------------------------- the reaper
def test_a_task_whose_worker_stopped_beating_goes_back_to_the_queue_and_its_export_waits(job):
    claimed(job, "dead")
    heartbeat("dead", ago=dt.timedelta(seconds=90))

    report = worker.reap()

    assert report.requeued == [job.task_id]
    assert states(job) == ("READY", "queued")


def test_a_task_claimed_by_a_worker_without_heartbeat_is_given_back_once_settled(job):
    claimed(job, "never-beat", ago=dt.timedelta(seconds=10))
    assert worker.reap().requeued == []  # just claimed: its worker may not have beaten yet
    assert states(job) == ("RUNNING", "running")

    claimed(job, "never-beat", ago=dt.timedelta(seconds=90))
    assert worker.reap().requeued == [job.task_id]
    assert states(job) == ("READY", "queued")


def test_a_task_of_a_live_worker_is_left_alone(job):
    task = claimed(job, "alive")
    heartbeat("alive", ago=dt.timedelta(seconds=3), task_id=str(task.id))

    report = worker.reap()

    assert (report.requeued, report.failed, report.jobs) == ([], [], 0)
    assert states(job) == ("RUNNING", "running")


def test_a_live_worker_that_moved_on_without_finishing_the_task_gives_it_back(job):
    claimed(job, "alive")
    heartbeat("alive", ago=dt.timedelta(seconds=3), task_id="")  # beating, but running nothing

    assert worker.reap().requeued == [job.task_id]
    assert states(job) == ("READY", "queued")


def test_a_task_lost_three_times_fails_and_the_export_says_so(job, client: Client, users):
    claimed(job, "w1", "w2", "w3")
    heartbeat("w3", ago=dt.timedelta(minutes=2))

    report = worker.reap()

    assert report.failed == [job.task_id]
    assert states(job) == ("FAILED", "failed")
    task = DBTaskResult.objects.get(id=job.task_id)
    assert task.exception_class_path == "karpear.core.worker.WorkerLost"
    assert "tried 3 times" in task.traceback
    job.refresh_from_db()
    assert job.error == services.EXPORT_TASK_ERRORS["failed"]
    assert job.finished_at is not None


@pytest.mark.parametrize(
    ("exception", "expected"),
    [
        ("builtins.SystemExit", ("READY", "queued")),  # a second SIGTERM stopped it mid-run
        ("django.db.utils.OperationalError", ("READY", "queued")),  # the database went away
        ("builtins.ValueError", ("FAILED", "failed")),  # a real failure is not run again
    ],
)
def test_an_interrupted_task_is_run_again_and_a_failed_one_is_not(job, exception, expected):
    DBTaskResult.objects.filter(id=job.task_id).update(
        status="FAILED", finished_at=timezone.now(), worker_ids=["w1"], exception_class_path=exception
    )
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING)

    worker.reap()

    assert states(job) == expected


def test_an_export_finishing_while_the_reaper_looks_keeps_its_file(job):
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.DONE)
    DBTaskResult.objects.filter(id=job.task_id).update(status="SUCCESSFUL", finished_at=timezone.now())

    assert worker.reap().jobs == 0
    assert states(job) == ("SUCCESSFUL", "done")


def test_an_export_whose_task_never_got_queued_fails_after_ten_minutes(users):
    fresh = ExportJob.objects.create(
        organisation=users["caseworker"].memberships.get().organisation, requested_by=users["caseworker"]
    )
    stale = ExportJob.objects.create(organisation=fresh.organisation, requested_by=users["caseworker"])
    ExportJob.objects.filter(pk=stale.pk).update(created_at=timezone.now() - dt.timedelta(minutes=11))

    assert worker.reap().jobs == 1

    assert list(ExportJob.objects.order_by("pk").values_list("status", flat=True)) == ["queued", "failed"]


def test_heartbeats_of_workers_gone_for_a_day_are_forgotten(db):
    heartbeat("old", ago=dt.timedelta(days=2))
    heartbeat("recent", ago=dt.timedelta(seconds=5))

    worker.reap()

    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["recent"]


# ---------------------------------------------------------------- the task itself and the worker's own loop
def _interrupt_with(monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> None:
    def stopped(*args: Any, **kwargs: Any) -> Any:
        raise exc

    monkeypatch.setattr("karpear.core.selectors.filter_people", stopped)


def test_an_export_stopped_by_a_signal_waits_again_and_the_signal_goes_on(job, monkeypatch):
    _interrupt_with(monkeypatch, SystemExit(1))

    with pytest.raises(SystemExit):
        services.export_people_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.error) == ("queued", "interrupted: SystemExit")


def test_an_export_that_fails_by_itself_is_marked_failed_and_the_error_goes_on(job, monkeypatch):
    _interrupt_with(monkeypatch, ValueError("broken"))

    with pytest.raises(ValueError, match="broken"):
        services.export_people_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.error) == ("failed", "ValueError: broken")
    assert job.finished_at is not None


def test_the_worker_puts_a_task_stopped_by_a_second_sigterm_back_in_the_queue(job, monkeypatch):
    _interrupt_with(monkeypatch, SystemExit(1))  # what db_worker's second-signal handler raises mid-task
    task = DBTaskResult.objects.get(id=job.task_id)
    task.claim("this-worker")
    karpear_worker = worker.KarpearWorker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="this-worker",
        excluded_queue_names=[],
    )

    karpear_worker.run_task(task)

    assert states(job) == ("READY", "queued")
    assert DBTaskResult.objects.get(id=job.task_id).worker_ids == ["this-worker"]


# ---------------------------------------------------------------- the page
def test_the_page_of_a_failed_export_stops_updating_and_offers_to_try_again(job, users, client: Client):
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.FAILED)
    login(client, users["caseworker"])

    page = client.get(f"/jobs/{job.uuid}/").content.decode()
    partial = client.get(f"/jobs/{job.uuid}/", HTTP_HX_REQUEST="true").content.decode()

    for html in (page, partial):
        assert "hx-trigger" not in html
        assert 'http-equiv="refresh"' not in html
        assert "The export failed. Please try again, or tell your administrator." in html
        assert f'action="/jobs/{job.uuid}/retry/"' in html
    running = ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING)
    assert running == 1
    assert 'hx-trigger="every 2s"' in client.get(f"/jobs/{job.uuid}/").content.decode()


def test_try_again_queues_the_same_export_anew_and_audits_it(
    job, users, client: Client, django_capture_on_commit_callbacks
):
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.FAILED)
    login(client, users["caseworker"])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/jobs/{job.uuid}/retry/")

    again = ExportJob.objects.exclude(pk=job.pk).get()
    assert response.status_code == 302
    assert response["Location"] == f"/jobs/{again.uuid}/"
    assert (again.status, again.params, again.requested_by) == ("queued", job.params, users["caseworker"])
    assert again.task_id == str(DBTaskResult.objects.exclude(id=job.task_id).get().id)
    event = AuditEvent.objects.filter(object_id=str(again.uuid)).get()
    assert (event.action, event.details["retry_of"], event.details["query"]) == ("export", str(job.uuid), "Sok")


def test_try_again_keeps_the_consent_override_and_its_reason(
    users, task_queue, client: Client, django_capture_on_commit_callbacks
):
    supervisor = users["case_supervisor"]
    with django_capture_on_commit_callbacks(execute=True):
        first = services.export_people_request(actor=supervisor, override_reason="Court order 12/2026")
    ExportJob.objects.filter(pk=first.pk).update(status=ExportJob.Status.FAILED)

    with django_capture_on_commit_callbacks(execute=True):
        again = services.export_retry(actor=supervisor, job=first)

    assert again.params == {
        "q": "",
        "consent_override": True,
        "filters": {},
        "override_reason": "Court order 12/2026",
    }
    override = AuditEvent.objects.filter(object_id=str(again.uuid), action="consent_override").get()
    assert override.details["reason"] == "Court order 12/2026"


def test_trying_again_an_export_that_did_not_fail_is_refused(job, users, client: Client):
    login(client, users["caseworker"])

    response = client.post(f"/jobs/{job.uuid}/retry/", follow=True)

    assert "Only an export that failed can be tried again." in response.content.decode()
    assert ExportJob.objects.count() == 1


def test_trying_again_someone_elses_export_is_refused(job, orgs, client: Client):
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.FAILED)
    login(client, make_user(orgs["own"], Role.CASEWORKER, username="colleague"))

    assert client.post(f"/jobs/{job.uuid}/retry/").status_code == 404
    assert ExportJob.objects.count() == 1
