from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from karpear.core.audit import Head, verify_chain


class Command(BaseCommand):
    help = (
        "Seal what can be sealed, then recompute the audit log's keyed chain; exit non-zero and name the first "
        "broken link if any. With --head or --head-file, also check heads recorded elsewhere (karpear audit_head)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--head", action="append", default=[], help="a head SEQ:HASH printed by audit_head")
        parser.add_argument(
            "--head-file", action="append", default=[], help="a file of heads, one per line (as a cron appends them)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            heads = [Head.parse(text) for text in options["head"]]
            for path in options["head_file"]:
                lines = Path(path).read_text(encoding="utf-8").splitlines()
                heads += [Head.parse(line) for line in lines if line.strip() and not line.startswith("#")]
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        checked, broken = verify_chain(heads=heads)
        if broken is not None:
            where = f"event {broken.event_id}" if broken.event_id is not None else "the end of the chain"
            raise CommandError(f"Audit chain broken at {where} after {checked} good events: {broken.reason}")
        against = f", {len(heads)} recorded heads found" if heads else ""
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {checked} events{against}."))
