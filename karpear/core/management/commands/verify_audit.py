from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from karpear.core.audit import verify_chain


class Command(BaseCommand):
    help = "Recompute the audit log's hash chain; exit non-zero and name the first broken link if any."

    def handle(self, *args: Any, **options: Any) -> None:
        checked, broken = verify_chain()
        if broken is not None:
            where = f"event {broken.event_id}" if broken.event_id is not None else "the end of the chain"
            raise CommandError(f"Audit chain broken at {where} after {checked} good events: {broken.reason}")
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {checked} events."))
