"""The case-number prefix index of people, built without blocking writes (docs/development.md, "Migrations").

On PostgreSQL CREATE INDEX CONCURRENTLY, which cannot run in a transaction: hence atomic = False. Elsewhere a
plain CREATE INDEX.
"""

from django.db import migrations, models

from karpear.core.migration_operations import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("core", "0004_name_keys_indexed_with_organisation"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="person",
            index=models.Index(
                fields=["organisation", "case_number"],
                name="core_person_org_case",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
        ),
    ]
