from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from karpear.core.demo import load_demo
from karpear.core.management.commands.loaddemo import print_logins


class Command(BaseCommand):
    help = "Migrate, load the demo consortium, then serve it with the task worker running."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("compilemessages", verbosity=0, ignore=[".venv", "node_modules"])
        logins, created = load_demo()
        self.stdout.write(self.style.SUCCESS(f"Demo consortium ready ({created} people created)."))
        print_logins(self, logins)
        worker = subprocess.Popen([sys.executable, "-m", "karpear", "worker"], env=os.environ.copy())
        self.stdout.write(f"Task worker running (pid {worker.pid}). Open http://{options['addrport']}/\n")
        try:
            call_command("runserver", options["addrport"], use_reloader=False)
        finally:
            worker.terminate()
