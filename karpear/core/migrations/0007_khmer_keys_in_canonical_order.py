"""Recompute the Khmer search keys now that khmer_key puts each syllable's marks in canonical order.

Keys are derived data: this only rewrites the ones that change, in batches, so it is cheap to re-run.
"""

from django.db import migrations

from karpear.core.text import khmer_key, rotated, search_key

BATCH = 2000


def _rewrite(model, fields, compute):
    changed = []
    for row in model.objects.only("pk", *compute.sources).iterator(chunk_size=BATCH):
        values = compute(row)
        if any(getattr(row, f) != values[f] for f in fields):
            for f in fields:
                setattr(row, f, values[f])
            changed.append(row)
        if len(changed) >= BATCH:
            model.objects.bulk_update(changed, fields)
            changed = []
    if changed:
        model.objects.bulk_update(changed, fields)


class _IdentityKeys:
    sources = ("name_km", "name_km_key", "name_km_alt_key")

    def __call__(self, row):
        return {"name_km_key": khmer_key(row.name_km), "name_km_alt_key": khmer_key(rotated(row.name_km))}


class _PlaceKey:
    sources = ("name_km", "name_en", "search_key")

    def __call__(self, row):
        return {"search_key": search_key(row.name_km, row.name_en)}


def forwards(apps, schema_editor):
    _rewrite(apps.get_model("core", "Identity"), ["name_km_key", "name_km_alt_key"], _IdentityKeys())
    for name in ("Province", "District", "Commune", "Village"):
        _rewrite(apps.get_model("core", name), ["search_key"], _PlaceKey())


class Migration(migrations.Migration):
    dependencies = [("core", "0006_password_change_required")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
