from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from karpear.core.demo import DemoLogin, load_demo


def print_logins(command: BaseCommand, logins: list[DemoLogin]) -> None:
    command.stdout.write("\nDemo logins (one per role; passwords are new each time the demo is loaded):\n")
    command.stdout.write(f"  {'username':<12} {'password':<14} {'organisation':<13} role")
    for login in logins:
        command.stdout.write(f"  {login.username:<12} {login.password:<14} {login.organisation:<13} {login.role}")
    two_factor = [login for login in logins if login.totp_secret]
    if two_factor:
        command.stdout.write(
            "\nThese roles read identifying details and need a second factor. Add the key to an authenticator "
            "app, or print the current code with `karpear democode USERNAME`:"
        )
        for login in two_factor:
            command.stdout.write(f"  {login.username:<12} {login.totp_secret}")
    command.stdout.write("")


class Command(BaseCommand):
    help = "Load (or refresh) the demo consortium and print one login per role."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **options: Any) -> None:
        logins, created = load_demo(seed=options["seed"])
        self.stdout.write(self.style.SUCCESS(f"Demo consortium loaded ({created} people created)."))
        print_logins(self, logins)
