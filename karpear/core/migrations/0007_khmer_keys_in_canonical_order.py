"""Recompute the Khmer search keys now that khmer_key puts each syllable's marks in canonical order.

Keys are derived data. Identities are a big table, so this follows docs/development.md ("Migrations"): no
transaction around the whole migration (atomic = False), 2,000 rows per short transaction, walking the primary
key, and only the rows whose keys change are written. Stopped half-way, it is simply run again.
"""

from django.db import migrations

from karpear.core.migration_operations import batched_update
from karpear.core.text import khmer_key, rotated, search_key


def _identity_keys(row):
    return {"name_km_key": khmer_key(row.name_km), "name_km_alt_key": khmer_key(rotated(row.name_km))}


def _place_key(row):
    return {"search_key": search_key(row.name_km, row.name_en)}


def forwards(apps, schema_editor):
    using = schema_editor.connection.alias
    batched_update(
        apps.get_model("core", "Identity"),
        ["name_km_key", "name_km_alt_key"],
        _identity_keys,
        sources=("name_km", "name_km_key", "name_km_alt_key"),
        using=using,
    )
    for name in ("Province", "District", "Commune", "Village"):
        batched_update(
            apps.get_model("core", name),
            ["search_key"],
            _place_key,
            sources=("name_km", "name_en", "search_key"),
            using=using,
        )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("core", "0006_password_change_required")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
