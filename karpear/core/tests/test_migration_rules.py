"""The migration rule of docs/development.md ("Migrations"), checked over every migration of Karpear's apps.

On a big table (people, identities, households, the audit log and their history) a migration after the
initial one must not build an index without CONCURRENTLY (a plain AddIndex, an AddField/AlterField with
db_index or unique, a unique constraint), must not build one concurrently inside a transaction, must not
change a column's type (a table rewrite), and must not run a RunPython atomically over such a table. The
check reads the operations and, for RunPython, the migration module's source (the model names it uses).
"""

from __future__ import annotations

import ast
import inspect
from typing import Any

import pytest
from django.apps import apps
from django.contrib.postgres.operations import AddIndexConcurrently as PostgresAddIndexConcurrently
from django.db import connection, migrations, models
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ProjectState
from django.test.utils import override_settings

from karpear.core.migration_operations import AddIndexConcurrently, batched_update

BIG_MODELS = {
    "person",
    "identity",
    "household",
    "auditevent",
    "historicalperson",
    "historicalidentity",
    "historicalhousehold",
}
# (app label, migration name) -> why it may break the rule.
ALLOWED: dict[tuple[str, str], str] = {
    ("core", "0001_initial"): "creates the tables, empty",
}


def _names_big_model(source: str) -> bool:
    """Whether the module names a big model in a string ("Person", "core.Identity"), as apps.get_model needs."""
    return any(
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.rsplit(".", 1)[-1].lower() in BIG_MODELS
        for node in ast.walk(ast.parse(source))
    )


def _field_problem(old: models.Field[Any, Any] | None, new: models.Field[Any, Any]) -> str:
    if new.db_index and not (old is not None and old.db_index):
        return "builds an index (db_index) without CONCURRENTLY"
    if new.unique and not (old is not None and old.unique):
        return "builds a unique index without CONCURRENTLY"
    if old is not None and not new.is_relation and old.db_type(connection) != new.db_type(connection):
        return f"changes the column type ({old.db_type(connection)} -> {new.db_type(connection)}): a table rewrite"
    return ""


def violations(app_label: str, migration: migrations.Migration, state: ProjectState, source: str) -> list[str]:
    """What in `migration` breaks the rule, given the project state before it and its module's source."""
    found: list[str] = []
    state = state.clone()
    for operation in migration.operations:
        model = getattr(operation, "model_name", None) or getattr(operation, "name", "")
        model = str(model).lower()
        problem = ""
        if isinstance(operation, PostgresAddIndexConcurrently):
            if migration.atomic:
                problem = "builds an index concurrently inside a transaction: set atomic = False"
        elif isinstance(operation, migrations.AddIndex) and model in BIG_MODELS:
            problem = "AddIndex without CONCURRENTLY: use migration_operations.AddIndexConcurrently"
        elif isinstance(operation, migrations.AddConstraint) and model in BIG_MODELS:
            if isinstance(operation.constraint, models.UniqueConstraint):
                problem = "a unique constraint builds its index without CONCURRENTLY"
        elif isinstance(operation, migrations.AddField) and model in BIG_MODELS:
            problem = _field_problem(None, operation.field)
        elif isinstance(operation, migrations.AlterField) and model in BIG_MODELS:
            old = state.models[app_label, model].fields.get(operation.name)
            problem = _field_problem(old, operation.field)
        elif isinstance(operation, migrations.RunPython):
            atomic = operation.atomic if operation.atomic is not None else migration.atomic
            if atomic and _names_big_model(source):
                problem = "RunPython over a big table in one transaction: set atomic = False and use batched_update"
        if problem:
            found.append(f"{app_label}.{migration.name}: {operation.describe()}: {problem}")
        operation.state_forwards(app_label, state)
    return found


def _loader() -> MigrationLoader:
    """The migrations on disk, also when the suite runs with --no-migrations (pytest-django hides them then)."""
    with override_settings(MIGRATION_MODULES={}):
        return MigrationLoader(None, ignore_no_migrations=True)


def _karpear_migrations(loader: MigrationLoader) -> list[tuple[tuple[str, str], migrations.Migration]]:
    labels = {config.label for config in apps.get_app_configs() if config.name.startswith("karpear.")}
    return sorted(((key, m) for key, m in loader.disk_migrations.items() if key[0] in labels), key=lambda kv: kv[0])


def test_every_migration_builds_indexes_concurrently_and_changes_big_tables_in_batches() -> None:
    loader = _loader()
    checked = _karpear_migrations(loader)
    assert len(checked) > 40 and ("core", "0002_load_gazetteer") in dict(checked)  # the check sees them all
    found: list[str] = []
    for key, migration in checked:
        if key in ALLOWED:
            continue
        state = loader.project_state(key, at_end=False)
        found += violations(key[0], migration, state, inspect.getsource(inspect.getmodule(migration)))
    assert found == []


# ---------------------------------------------------------------- the check catches what it must
def _state() -> ProjectState:
    return _loader().project_state()


def _migration(*operations: Any, atomic: bool = True) -> migrations.Migration:
    migration = migrations.Migration("0999_future", "core")
    migration.operations = list(operations)
    migration.atomic = atomic
    return migration


def _index(name: str = "core_person_future") -> models.Index:
    return models.Index(fields=["organisation", "sex"], name=name)


def test_a_future_plain_index_on_people_is_caught() -> None:
    found = violations("core", _migration(migrations.AddIndex("person", _index())), _state(), "")

    assert found == [
        "core.0999_future: Create index core_person_future on field(s) organisation, sex of model person: "
        "AddIndex without CONCURRENTLY: use migration_operations.AddIndexConcurrently"
    ]


def test_a_future_concurrent_index_inside_a_transaction_is_caught_and_outside_one_passes() -> None:
    operation = AddIndexConcurrently("person", _index())

    assert len(violations("core", _migration(operation), _state(), "")) == 1
    assert violations("core", _migration(operation, atomic=False), _state(), "") == []


def test_a_future_indexed_field_or_type_change_on_a_big_table_is_caught() -> None:
    indexed = migrations.AddField("identity", "future_key", models.CharField(max_length=10, db_index=True))
    retyped = migrations.AlterField("person", "initials", models.TextField(blank=True))
    unique = migrations.AddConstraint(
        "household", models.UniqueConstraint(fields=["organisation", "village", "code"], name="future")
    )
    plain = migrations.AddField("identity", "future_note", models.CharField(max_length=10, blank=True))

    found = violations("core", _migration(indexed, retyped, unique, plain), _state(), "")

    assert [line.rsplit(": ", 1)[-1] for line in found] == [
        "builds an index (db_index) without CONCURRENTLY",
        "a table rewrite",
        "a unique constraint builds its index without CONCURRENTLY",
    ]
    assert "varchar(8) -> text" in found[1]


def test_a_future_atomic_runpython_over_people_is_caught_and_a_batched_one_passes() -> None:
    source = 'def forwards(apps, schema_editor):\n    apps.get_model("core", "Person")\n'
    operation = migrations.RunPython(migrations.RunPython.noop)

    assert len(violations("core", _migration(operation), _state(), source)) == 1
    assert violations("core", _migration(operation, atomic=False), _state(), source) == []
    # A RunPython over small tables (the places) may stay atomic.
    assert violations("core", _migration(operation), _state(), 'apps.get_model("core", "Village")') == []


# ---------------------------------------------------------------- batched_update, which the rule asks for
@pytest.mark.django_db
def test_batched_update_rewrites_only_what_changes_batch_by_batch(users) -> None:
    from karpear.core.models import Identity
    from karpear.core.tests.factories import register

    people = [register(users["caseworker"], name_latin=f"Sok Dara {i}") for i in range(5)]
    Identity.objects.filter(person__in=people[:3]).update(name_latin_key="stale")

    def latin_key(row: Identity) -> dict[str, str]:
        from karpear.core.text import latin_key

        return {"name_latin_key": latin_key(row.name_latin)}

    changed = batched_update(Identity, ["name_latin_key"], latin_key, sources=("name_latin", "name_latin_key"), batch=2)

    assert changed == 3
    assert sorted(Identity.objects.values_list("name_latin_key", flat=True)) == [f"sokdara{i}" for i in range(5)]
    assert batched_update(Identity, ["name_latin_key"], latin_key, sources=("name_latin",), batch=2) == 0
