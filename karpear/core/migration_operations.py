"""Migration building blocks for big tables: indexes built concurrently, data changed in short batches.

The rule and its reasons are in docs/development.md ("Migrations"); test_migration_rules.py enforces it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.contrib.postgres.operations import AddIndexConcurrently as _PostgresAddIndexConcurrently
from django.contrib.postgres.operations import RemoveIndexConcurrently as _PostgresRemoveIndexConcurrently
from django.db import DEFAULT_DB_ALIAS, migrations, models, transaction
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import ProjectState

BATCH = 2000


def _postgres(schema_editor: BaseDatabaseSchemaEditor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


class AddIndexConcurrently(_PostgresAddIndexConcurrently):
    """CREATE INDEX CONCURRENTLY on PostgreSQL (writes go on while it builds); a plain AddIndex elsewhere.

    The migration must say `atomic = False`: PostgreSQL cannot build an index concurrently in a transaction.
    """

    def database_forwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        if _postgres(schema_editor):
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        if _postgres(schema_editor):
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class RemoveIndexConcurrently(_PostgresRemoveIndexConcurrently):
    """DROP INDEX CONCURRENTLY on PostgreSQL; a plain RemoveIndex elsewhere. Needs `atomic = False` too."""

    def database_forwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        if _postgres(schema_editor):
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.RemoveIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        if _postgres(schema_editor):
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.RemoveIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


def batched_update(
    model: type[models.Model],
    fields: Sequence[str],
    compute: Callable[[Any], dict[str, Any]],
    *,
    sources: Sequence[str],
    using: str = DEFAULT_DB_ALIAS,
    batch: int = BATCH,
) -> int:
    """Recompute `fields` of every row of `model`, `batch` rows per transaction; returns the rows changed.

    For a data migration with `atomic = False` over a big table. It walks the primary key (no long-lived
    cursor), locks one batch at a time (SELECT ... FOR UPDATE, so an edit made meanwhile is not overwritten
    with a value computed from the old row) and writes only the rows whose values change: stopped half-way,
    it is simply run again. `compute(row)` gets a row with `sources` loaded and returns {field: value}.
    """
    manager = model._default_manager.db_manager(using)
    last: Any = None
    changed_total = 0
    while True:
        with transaction.atomic(using=using):
            rows = manager.order_by("pk").only(*sources)
            if last is not None:
                rows = rows.filter(pk__gt=last)
            page = list(rows.select_for_update()[:batch])
            if not page:
                return changed_total
            changed = []
            for row in page:
                values = compute(row)
                if any(getattr(row, name) != values[name] for name in fields):
                    for name in fields:
                        setattr(row, name, values[name])
                    changed.append(row)
            if changed:
                manager.bulk_update(changed, fields)
            changed_total += len(changed)
            last = page[-1].pk
