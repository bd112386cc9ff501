"""`karpear worker`: django-tasks-db's worker, kept alive through database outages, with a heartbeat and a reaper.

django-tasks-db claims a task by setting it RUNNING and never looks at it again: if the worker dies (kill -9,
a crash of the machine, a dropped connection while it writes the result), the task stays RUNNING for ever
and so does the user's export. Karpear adds, without changing the library's tables:

* **a heartbeat**: each worker process writes its row in `WorkerHeartbeat` every BEAT_EVERY seconds from a
  thread of its own (so a long task does not stop it), naming the task it is running;
* **a reaper**: every REAP_EVERY seconds each worker looks for RUNNING tasks whose worker has not beaten for
  STALE_AFTER seconds (or has moved on without finishing them), and for tasks that failed only because their
  worker was stopped or lost the database (SystemExit, KeyboardInterrupt, OperationalError,
  InterfaceError). Such a task goes back to the queue (tasks are idempotent, STYLE §9) until it has been
  tried MAX_ATTEMPTS times, then it is marked failed. Export jobs follow their tasks
  (`services.export_jobs_reconcile`): "Waiting" again, or "Failed" with the message and the "Try again"
  button on the user's page;
* **reconnection**: a database error in the worker's loop (the connection dropped while idle or mid-task,
  the server restarting) no longer ends the process. The worker closes the broken connection, waits with
  growing pauses (1 s up to 30 s) and goes on, and hands back the task it was running when it fails.

Why a heartbeat and a reaper rather than a task backend with leases: a lease is the same idea kept by the
queue itself, and no maintained Django task backend that runs on both SQLite and PostgreSQL without a
broker offers one today; this keeps django-tasks-db (DESIGN §2) as it is, and covers every task kind at
once. docs/deployment.md §7 describes what an administrator sees.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import InterfaceError, OperationalError, close_old_connections, connection
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult as _DBTaskResult

from karpear.core.models import WorkerHeartbeat

logger = logging.getLogger("karpear.worker")

DBTaskResult = _DBTaskResult
Task = _DBTaskResult[Any, Any]  # a task result row, whatever its task's arguments and return value

BEAT_EVERY = 10.0  # seconds between heartbeats
REAP_EVERY = 15.0  # seconds between two looks for lost tasks, per worker
STALE_AFTER = dt.timedelta(seconds=60)  # a worker silent this long is dead
RETRY_WINDOW = dt.timedelta(hours=1)  # an interrupted task older than this is left failed
FORGET_AFTER = dt.timedelta(days=1)  # heartbeat rows of workers gone this long are removed
MAX_ATTEMPTS = 3
MAX_PAUSE = 30.0  # seconds, the longest wait between two reconnection attempts

READY, RUNNING, FAILED, SUCCESSFUL = "READY", "RUNNING", "FAILED", "SUCCESSFUL"
CONNECTION_ERRORS = (OperationalError, InterfaceError)


class WorkerLost(Exception):  # the name says what happened, as it appears in the task's record
    """The worker running a task stopped, or lost the database, before the task finished."""


# A task that failed with one of these did not fail by itself: its worker was stopped or lost the database.
INTERRUPTED = {
    "builtins.SystemExit",
    "builtins.KeyboardInterrupt",
    "django.db.utils.OperationalError",
    "django.db.utils.InterfaceError",
    f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
}


def attempts(task: Task) -> int:
    return len(task.worker_ids or [])


def will_retry(task: Task) -> bool:
    """Whether a failed task is one the reaper gives back to the queue (interrupted, tries left, recent)."""
    return (
        task.status == FAILED
        and task.exception_class_path in INTERRUPTED
        and attempts(task) < MAX_ATTEMPTS
        and task.finished_at is not None
        and task.finished_at >= timezone.now() - RETRY_WINDOW
    )


def task_state(task_id: str) -> str:
    """How an export job should read its task: queued, running, retrying, failed or finished (or missing)."""
    task = DBTaskResult.objects.filter(id=task_id).first()
    if task is None:
        return "missing"
    if task.status == FAILED:
        return "retrying" if will_retry(task) else "failed"
    return {READY: "queued", RUNNING: "running", SUCCESSFUL: "finished"}.get(task.status, "running")


# ---------------------------------------------------------------- giving tasks back
def requeue(task_id: Any, *, from_status: str) -> bool:
    """Put a task back in the queue; false if another worker or reaper changed it first."""
    changed = DBTaskResult.objects.filter(id=task_id, status=from_status).update(
        status=READY, started_at=None, finished_at=None
    )
    return bool(changed)


def give_up(task_id: Any, reason: str) -> bool:
    """Mark a lost RUNNING task failed for good, with WorkerLost as its exception."""
    changed = DBTaskResult.objects.filter(id=task_id, status=RUNNING).update(
        status=FAILED,
        finished_at=timezone.now(),
        exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
        traceback=f"WorkerLost: {reason}",
        return_value=None,
    )
    return bool(changed)


def release(task: Task, reason: str) -> str:
    """Hand back a RUNNING task whose worker is gone: to the queue, or failed after MAX_ATTEMPTS tries."""
    if attempts(task) < MAX_ATTEMPTS:
        if requeue(task.id, from_status=RUNNING):
            logger.warning("Task %s given back to the queue: %s", task.id, reason)
            return "requeued"
        return "unchanged"
    if give_up(task.id, f"{reason} (tried {attempts(task)} times)"):
        logger.error("Task %s failed: %s after %d attempts", task.id, reason, attempts(task))
        return "failed"
    return "unchanged"


def retry_interrupted(task: Task) -> bool:
    """Give an interrupted failed task (see INTERRUPTED) back to the queue if it has tries left."""
    if will_retry(task) and requeue(task.id, from_status=FAILED):
        logger.warning("Task %s was interrupted (%s); back in the queue", task.id, task.exception_class_path)
        return True
    return False


@dataclass
class ReapReport:
    requeued: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    jobs: int = 0


def _lost(task: Task, beats: dict[str, WorkerHeartbeat], now: dt.datetime) -> str:
    """Why a RUNNING task has no live worker, or "" if it has one."""
    worker_id = task.worker_ids[-1] if task.worker_ids else ""
    started = task.started_at or task.enqueued_at
    settled = started < now - STALE_AFTER  # a worker has had time to beat since it claimed the task
    beat = beats.get(worker_id)
    if beat is None:
        return f"worker {worker_id or '?'} has no heartbeat" if settled else ""
    if beat.beat_at < now - STALE_AFTER:
        return f"worker {worker_id} last seen at {beat.beat_at.isoformat()}"
    if settled and beat.task_id != str(task.id) and beat.beat_at > started + STALE_AFTER:
        return f"worker {worker_id} is alive but no longer runs it"
    return ""


def reap(now: dt.datetime | None = None) -> ReapReport:
    """Give back the tasks of dead workers and the interrupted ones, then bring export jobs in line.

    Safe to run in several workers at once: each change is a conditional update that only one wins.
    """
    from karpear.core import services

    now = now or timezone.now()
    report = ReapReport()
    running = list(DBTaskResult.objects.filter(status=RUNNING))
    if running:
        ids = {t.worker_ids[-1] for t in running if t.worker_ids}
        beats = {b.worker_id: b for b in WorkerHeartbeat.objects.filter(worker_id__in=ids)}
        for task in running:
            reason = _lost(task, beats, now)
            if reason:
                outcome = release(task, reason)
                if outcome == "requeued":
                    report.requeued.append(str(task.id))
                elif outcome == "failed":
                    report.failed.append(str(task.id))
    interrupted = DBTaskResult.objects.filter(
        status=FAILED, exception_class_path__in=INTERRUPTED, finished_at__gte=now - RETRY_WINDOW
    )
    report.requeued += [str(task.id) for task in interrupted if retry_interrupted(task)]
    report.jobs = services.export_jobs_reconcile(task_state=task_state)
    WorkerHeartbeat.objects.filter(beat_at__lt=now - FORGET_AFTER).delete()
    return report


# ---------------------------------------------------------------- the process
def beat(worker_id: str, task_id: str = "", started_at: dt.datetime | None = None) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"beat_at": now, "task_id": task_id, "host": socket.gethostname()[:255], "pid": os.getpid()},
        create_defaults={
            "beat_at": now,
            "started_at": started_at or now,
            "task_id": task_id,
            "host": socket.gethostname()[:255],
            "pid": os.getpid(),
        },
    )


def _close_connection() -> None:
    try:
        connection.close()
    except Exception:  # a connection that is already gone may fail to close: it is closed
        logger.debug("closing a broken connection failed", exc_info=True)


class Heartbeat(threading.Thread):
    """Beats for the worker and runs the reaper, on a connection of its own; survives database outages."""

    def __init__(self, worker: KarpearWorker) -> None:
        super().__init__(name="karpear-heartbeat", daemon=True)
        self.worker = worker
        self.stopping = threading.Event()
        self.started_at = timezone.now()

    def run(self) -> None:
        last_reap = 0.0
        while True:
            try:
                beat(self.worker.worker_id, self.worker.current_task_id or "", self.started_at)
                if time.monotonic() - last_reap >= REAP_EVERY:
                    last_reap = time.monotonic()
                    report = reap()
                    if report.requeued or report.failed:
                        logger.warning("Reaper: requeued %s, failed %s", report.requeued, report.failed)
            except Exception:  # the database may be away: try again at the next beat
                logger.warning("Heartbeat failed; trying again in %s s", BEAT_EVERY, exc_info=True)
                _close_connection()
            else:
                close_old_connections()
            if self.stopping.wait(BEAT_EVERY):
                break
        _close_connection()


class KarpearWorker(Worker):
    """db_worker's Worker, which goes on after a database error and hands back the task it lost."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.current_task_id: str | None = None
        self.orphaned_task_id: str | None = None  # the task it was running when the database went away

    def run(self) -> None:
        pause = 1.0
        while True:
            try:
                self._hand_back_orphan()
                super().run()
                return
            except CONNECTION_ERRORS as exc:
                if not self.running:
                    return
                logger.warning("Database error (%s); reconnecting in %.0f s", exc.__class__.__name__, pause)
                _close_connection()
                time.sleep(pause)
                pause = min(pause * 2, MAX_PAUSE)
                continue

    def run_task(self, db_task_result: Task) -> None:
        self.current_task_id = str(db_task_result.id)
        try:
            super().run_task(db_task_result)  # records a failing task itself; raises only if it cannot
        except BaseException:
            self.orphaned_task_id = self.current_task_id
            raise
        finally:
            self.current_task_id = None
        if db_task_result.status == FAILED:
            retry_interrupted(db_task_result)  # stopped by a signal or a dropped connection: run it again

    def _hand_back_orphan(self) -> None:
        if self.orphaned_task_id is None:
            return
        close_old_connections()
        for task in DBTaskResult.objects.filter(id=self.orphaned_task_id):
            if task.status == RUNNING:
                release(task, "its worker lost the database while running it")
            else:
                retry_interrupted(task)
        self.orphaned_task_id = None


def running_workers(now: dt.datetime | None = None) -> Iterable[WorkerHeartbeat]:
    """Workers that beat within STALE_AFTER (for pages and checks that want to know one is running)."""
    now = now or timezone.now()
    return WorkerHeartbeat.objects.filter(beat_at__gte=now - STALE_AFTER)
