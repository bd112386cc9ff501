from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from karpear.core import periodic


class Command(BaseCommand):
    help = (
        "Run the background task worker: django-tasks-db's worker with a heartbeat, a reaper that gives back "
        "the tasks of workers that died, and reconnection after a database outage (karpear/core/worker.py); "
        "and the apps' periodic jobs (sealing the audit chain, expiring referrals, ...: core/periodic.py)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", action="store_true", help="Run the due jobs and the queued tasks, then stop.")
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between two looks at an empty queue (default 1)."
        )
        parser.add_argument(
            "--worker-id",
            default="",
            help="A name unique among the workers (default: the host, pid and a random part).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        import os
        import socket

        from karpear.core import worker as machinery
        from karpear.core.models import WorkerHeartbeat

        DbWorkerCommand(stdout=self.stdout, stderr=self.stderr).configure_logging(options["verbosity"])
        worker_id = options["worker_id"] or f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(8)}"
        worker = machinery.KarpearWorker(
            queue_names=["default"],
            interval=options["interval"],
            batch=options["batch"],
            backend_name="default",
            startup_delay=not options["batch"],
            max_tasks=None,
            worker_id=worker_id[:64],
            excluded_queue_names=[],
        )
        heartbeat = machinery.Heartbeat(worker)
        worker.configure_signals()
        heartbeat.start()
        if options["batch"]:
            periodic.PeriodicRunner().run_due()
            stop_periodic = None
        else:
            stop_periodic = periodic.start_in_background()
        try:
            worker.run()
        finally:
            if stop_periodic is not None:
                stop_periodic.set()
            heartbeat.stopping.set()
            heartbeat.join(timeout=5)
            try:  # a clean stop: nobody needs to wait for this worker's heartbeat to go stale
                WorkerHeartbeat.objects.filter(worker_id=worker.worker_id).delete()
            except Exception:  # the database may be what stopped us
                machinery.logger.debug("could not remove the heartbeat row", exc_info=True)
