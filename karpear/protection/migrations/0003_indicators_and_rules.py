"""Loads the starting indicator set and the screening rules (DOMAIN §1): the ILO–EC adult and child labour lists
(data/ilo, unverified: karpear/protection/data/indicators.csv adds their Khmer, to be reviewed by a
Khmer-speaking caseworker) and the forced-criminality extension; the rules of DOMAIN §1, marked unverified.
An administrator corrects both in the back office afterwards; this runs once."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "indicators.csv"
THRESHOLDS = [[2, 0, 0], [1, 1, 0], [1, 0, 1], [0, 3, 0], [0, 2, 1]]
RECRUITMENT = ["deceptive_recruitment", "coercive_recruitment", "recruitment_abuse_of_vulnerability"]
ADULT = [RECRUITMENT, ["exploitative_conditions"], ["coercion_at_destination", "abuse_of_vulnerability_at_destination"]]
CHILD = [["recruitment_act", *RECRUITMENT], ["exploitative_conditions"]]
SOURCE = (
    "DOMAIN.md §1: dimension rule seen in a secondary source citing ILO WCMS_105023 p.3; adult rule ILO–EC (2009); "
    "child rule after the Palermo Protocol (no means needed). To verify."
)


def load(apps, schema_editor):
    Indicator = apps.get_model("protection", "Indicator")
    ScreeningRule = apps.get_model("protection", "ScreeningRule")
    with DATA.open(encoding="utf-8") as data:
        rows = list(csv.DictReader(data))
    Indicator.objects.bulk_create(
        Indicator(
            code=row["code"],
            list=row["list"],
            dimension=row["dimension"],
            strength=row["strength"],
            text_en=row["text_en"],
            text_km=row["text_km"],
            source=row["source"],
            note=row["note"],
            order=order,
        )
        for order, row in enumerate(rows, start=1)
    )
    for name, groups in (
        ("adult_labour", ADULT),
        ("adult_sexual", ADULT),
        ("child_labour", CHILD),
        ("child_sexual", CHILD),
    ):
        ScreeningRule.objects.create(list=name, thresholds=THRESHOLDS, groups=groups, source=SOURCE)


def unload(apps, schema_editor):
    apps.get_model("protection", "Indicator").objects.all().delete()
    apps.get_model("protection", "ScreeningRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("protection", "0002_screening")]
    operations = [migrations.RunPython(load, unload)]
