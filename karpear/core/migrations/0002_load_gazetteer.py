"""Load the official gazetteer (provinces, districts, communes, villages) into every new database."""

from django.db import migrations


def load_places(apps, schema_editor):
    from karpear.core.places import load_gazetteer

    load_gazetteer(
        province_model=apps.get_model("core", "Province"),
        district_model=apps.get_model("core", "District"),
        commune_model=apps.get_model("core", "Commune"),
        village_model=apps.get_model("core", "Village"),
        using=schema_editor.connection.alias,
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(load_places, migrations.RunPython.noop, elidable=False)]
