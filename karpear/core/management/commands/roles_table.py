from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from karpear.core import roles_doc


class Command(BaseCommand):
    help = "Print the roles × capabilities table of the role guide; --write puts it into docs/roles/README.md."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--write", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["write"]:
            self.stdout.write(roles_doc.table())
            return
        path = roles_doc.guide_path()
        path.write_text(roles_doc.refreshed(path.read_text(encoding="utf-8")), encoding="utf-8")
        self.stdout.write(f"Wrote {path}")
