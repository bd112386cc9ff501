"""A zero-width space in a name is a word boundary (core/text.py): rewrite names that still hold one.

Names saved through the services so far were cleaned of zero-width characters (the words joined into one:
that loss cannot be undone here). A name that holds one anyway (loaded by a script) is normalised now by
clean_name, with its search keys and the person's initials.

Batches outside one long transaction (docs: how to write a migration): each batch of rows is read and
rewritten in its own short transaction, so edits elsewhere wait at most for one batch, and a run stopped
halfway is simply run again.
"""

from django.db import migrations, transaction
from django.db.models import Q

from karpear.core.text import ZERO_WIDTH, clean_name, initials, khmer_key, latin_key, rotated

BATCH = 500


def _with_zero_width(field):
    condition = Q()
    for ch in ZERO_WIDTH:
        condition |= Q(**{f"{field}__contains": ch})
    return condition


FIELDS = ["name_km", "name_latin", "name_km_key", "name_latin_key", "name_km_alt_key", "name_latin_alt_key"]


def _normalised(row):
    name_km, name_latin = clean_name(row.name_km), clean_name(row.name_latin)
    return {
        "name_km": name_km,
        "name_latin": name_latin,
        "name_km_key": khmer_key(name_km),
        "name_latin_key": latin_key(name_latin),
        "name_km_alt_key": khmer_key(rotated(name_km)),
        "name_latin_alt_key": latin_key(rotated(name_latin)),
    }


def forwards(apps, schema_editor):
    Identity = apps.get_model("core", "Identity")
    Person = apps.get_model("core", "Person")
    affected = Identity.objects.filter(_with_zero_width("name_km") | _with_zero_width("name_latin")).order_by("pk")
    last = 0
    while True:
        with transaction.atomic():
            rows = list(affected.filter(pk__gt=last).select_for_update()[:BATCH])
            if not rows:
                return
            changed, people = [], []
            for row in rows:
                values = _normalised(row)
                if any(getattr(row, field) != value for field, value in values.items()):
                    for field, value in values.items():
                        setattr(row, field, value)
                    changed.append(row)
                    short = initials(values["name_latin"]) or initials(values["name_km"])
                    people.append(Person(pk=row.pk, initials=short))
            Identity.objects.bulk_update(changed, FIELDS)
            Person.objects.bulk_update(people, ["initials"])
            last = rows[-1].pk


class Migration(migrations.Migration):
    atomic = False  # each batch commits on its own (above)

    dependencies = [("core", "0011_api_tokens_hashed_rate_counters_invitations")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
