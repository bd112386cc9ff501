"""The real `karpear worker` keeps going when its database connection drops (issue 8, item 3).

The worker runs as a separate process against the test database on PostgreSQL. Its connections are killed
while it waits (pg_terminate_backend), and cut for several seconds while it runs a task (a proxy between it
and PostgreSQL closes every connection and refuses new ones: a database outage, without stopping the shared
server). Each time it must reconnect by itself, run the interrupted task again, and run the next one.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django_tasks_db.models import DBTaskResult

from conftest import make_org, make_user
from karpear.core import services
from karpear.core.models import ExportJob
from karpear.core.roles import Role
from karpear.core.tests.concurrency import PG_ONLY, keep_places
from karpear.core.tests.worker_tasks import sleep_in_database

pytestmark = [PG_ONLY, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("keep_places")]
__all__ = ["keep_places"]

ROOT = Path(__file__).resolve().parents[3]


def wait_for(condition: Callable[[], Any], timeout: float, what: str, log: Path) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"{what} did not happen within {timeout} s; worker log:\n{log.read_text()[-4000:]}")


class FlakyProxy:
    """A TCP proxy to PostgreSQL that can cut every connection and refuse new ones for a while."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self.lock = threading.Lock()
        self.sockets: list[socket.socket] = []
        self.listener: socket.socket | None = None

    def open(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """Close the listener and every connection: clients see the server vanish and cannot reconnect."""
        if self.listener is not None:
            with contextlib.suppress(OSError):
                self.listener.shutdown(socket.SHUT_RDWR)
            self.listener.close()
            self.listener = None
        with self.lock:
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self.sockets = []


@pytest.fixture
def task_queue(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[..., tuple[subprocess.Popen[bytes], str, Path]]]:
    """Start `karpear worker` on the test database (optionally through another host and port)."""
    processes: list[subprocess.Popen[bytes]] = []

    def start(host: str = "", port: int = 0) -> tuple[subprocess.Popen[bytes], str, Path]:
        db = settings.DATABASES["default"]
        name = f"karpear-worker-test-{uuid.uuid4().hex[:8]}"
        url = (
            f"postgres://{db['USER']}@{host or db['HOST'] or '127.0.0.1'}:{port or db['PORT'] or 5432}/{db['NAME']}"
            f"?application_name={name}"
        )
        env = {**os.environ, "DATABASE_URL": url, "KARPEAR_DEBUG": "true", "PYTHONUNBUFFERED": "1"}
        env.pop("DATABASE_URL_FILE", None)
        env.pop("KARPEAR_TESTING", None)
        env.setdefault("KARPEAR_DB_CONN_MAX_AGE", "60")  # keep connections open, as in production
        log = tmp_path / f"{name}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "karpear", "worker", "--interval", "0.2", "-v", "2"],
            cwd=ROOT,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        processes.append(process)
        return process, name, log

    yield start
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def _status(result_id: str) -> str:
    return DBTaskResult.objects.get(id=result_id).status


def test_the_worker_reconnects_after_its_idle_connections_are_killed(task_queue, start_worker) -> None:
    caseworker = make_user(make_org("alpha"), Role.CASEWORKER)
    services.person_create(actor=caseworker, data=services.PersonInput(sex="female", name_latin="Sok Dara"))
    worker, name, log = start_worker()

    first = services.export_people_request(actor=caseworker)
    wait_for(lambda: ExportJob.objects.get(pk=first.pk).status == "done", 30, "the first export", log)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = %s", [name]
        )
        killed = cursor.fetchone()[0]
    assert killed >= 1  # the worker's loop (and its heartbeat thread, if connected now)

    second = services.export_people_request(actor=caseworker)
    wait_for(lambda: ExportJob.objects.get(pk=second.pk).status == "done", 20, "the export after the kill", log)
    assert worker.poll() is None, log.read_text()[-4000:]


def test_the_worker_survives_an_outage_mid_task_and_runs_the_task_again(task_queue, start_worker) -> None:
    db = settings.DATABASES["default"]
    proxy = FlakyProxy(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))
    proxy.open()
    worker, _name, log = start_worker("127.0.0.1", proxy.port)
    try:
        interrupted = sleep_in_database.enqueue(seconds=2)
        wait_for(lambda: _status(interrupted.id) == "RUNNING", 20, "the task to start", log)

        proxy.cut()  # the connection drops mid-task, and the database stays away for five seconds
        time.sleep(5)
        assert worker.poll() is None, log.read_text()[-4000:]
        proxy.open()

        wait_for(lambda: _status(interrupted.id) == "SUCCESSFUL", 25, "the interrupted task to run again", log)
        assert len(DBTaskResult.objects.get(id=interrupted.id).worker_ids) == 2  # once cut, once whole
        following = sleep_in_database.enqueue(seconds=0)
        wait_for(lambda: _status(following.id) == "SUCCESSFUL", 15, "the next task", log)
        assert worker.poll() is None, log.read_text()[-4000:]
    finally:
        proxy.cut()
