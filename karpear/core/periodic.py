"""Run the periodic jobs the apps declare (core.registry.periodic) inside the task worker.

A thread beside django-tasks-db's worker loop: every second it runs the jobs that are due, each in turn, so
a slow job delays the next ones but never the tasks. A job that fails is logged and tried again at its next
time; a dropped database connection is closed and opened again on the next try. Jobs must be safe to run from
several workers at once (they lock, or skip what another worker holds).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.db import close_old_connections, connection

from karpear.core import registry

logger = logging.getLogger("karpear.periodic")


class PeriodicRunner:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.next_run: dict[str, float] = {}

    def run_due(self) -> list[str]:
        """Run every job whose time has come; returns the names of those that ran."""
        ran = []
        for job in registry.periodic_jobs():
            now = self.clock()
            if self.next_run.get(job.name, 0.0) > now:
                continue
            self.next_run[job.name] = now + job.every.total_seconds()
            if not connection.in_atomic_block:  # a test's transaction, or a caller's: leave it alone
                close_old_connections()
            try:
                job.run()
            except Exception:
                logger.exception("periodic job %s failed; it runs again at its next time", job.name)
                if not connection.in_atomic_block:
                    connection.close()  # a broken connection is opened afresh next time
            ran.append(job.name)
        return ran


def start_in_background(tick: float = 1.0) -> threading.Event:
    """Start the runner in a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    runner = PeriodicRunner()

    def loop() -> None:
        while not stop.is_set():
            runner.run_due()
            stop.wait(tick)
        connection.close()

    threading.Thread(target=loop, name="karpear-periodic", daemon=True).start()
    return stop
