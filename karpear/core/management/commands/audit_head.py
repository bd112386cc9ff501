from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from karpear.core.audit import head


class Command(BaseCommand):
    help = (
        "Seal what can be sealed and print the audit chain's head (time, then SEQ:HASH). Append it daily to a file "
        "on another machine; `verify_audit --head-file` checks the chain still holds every recorded head."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{timezone.now().isoformat(timespec='seconds')} {head()}")
