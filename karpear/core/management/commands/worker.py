from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from karpear.core import periodic


class Command(BaseCommand):
    help = (
        "Run the background task worker (django-tasks-db's db_worker with Karpear's settings) and the apps' "
        "periodic jobs (sealing the audit chain, expiring referrals, ...)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", action="store_true", help="Run the queued tasks and the due jobs, then stop.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch"]:
            periodic.PeriodicRunner().run_due()
            call_command("db_worker", "--batch", "--interval", "1")
            return
        stop = periodic.start_in_background()
        try:
            call_command("db_worker", "--interval", "1")
        finally:
            stop.set()
