"""Shared test fixtures: organisations, one user per role, and logging in with a second factor."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management.color import no_style
from django.db import connection, transaction
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice
from hypothesis import settings as hypothesis_settings

from karpear.core.models import Commune, District, Membership, Organisation, Province, Team, User, Village
from karpear.core.roles import Role, spec_for


@pytest.fixture(autouse=True)
def _english(settings: Any) -> None:
    """Tests read English messages unless they switch language themselves."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _private_media(settings: Any, tmp_path_factory: Any) -> None:
    """Private files (photos) of each test go to a directory of their own, never the checkout's private/."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path_factory.mktemp("private")


# ---------------------------------------------------------------- hypothesis without a deadline
# Property tests check what holds, not how fast: hypothesis's default 200 ms an example fails them on a CI machine
# running two suites and a fuzz at once (a pure-Python example once took longer there). Benchmarks are in bench/.
hypothesis_settings.register_profile("karpear", deadline=None)
hypothesis_settings.load_profile("karpear")


# ---------------------------------------------------------------- static files scanned once per process
# Each test client builds its own request handler, and WhiteNoise's middleware scans every static file as it is
# built (the finders' too, in tests: the admin's, DRF's, the Swagger and ReDoc distributions): 0.2 s a client,
# a third of a short view test's time. The files do not change during a run, so each scan's result is kept per
# process and handed to the next middleware (its StaticFile objects are read-only and may be shared).
_SCANS: dict[tuple[Any, ...], dict[str, Any]] = {}
_HEADER_SETTINGS = ("WHITENOISE_MIMETYPES", "WHITENOISE_ADD_HEADERS_FUNCTION", "WHITENOISE_IMMUTABLE_FILE_TEST")


def _scanned_once(method: Any) -> Any:
    def scan(self: Any, *args: Any) -> None:
        from django.conf import settings

        key = (  # what the scan reads, and what the files' headers are made of
            method.__name__,
            *args,
            getattr(self, "static_prefix", None),
            str(settings.STATIC_ROOT),
            tuple(map(str, settings.STATICFILES_DIRS)),
            tuple(settings.INSTALLED_APPS),
            repr(settings.STORAGES),
            settings.DEBUG,
            self.max_age,
            self.allow_all_origins,
            self.charset,
            *(repr(getattr(settings, name, None)) for name in _HEADER_SETTINGS),
        )
        if key not in _SCANS:
            before = dict(self.files)
            method(self, *args)
            _SCANS[key] = {url: found for url, found in self.files.items() if before.get(url) is not found}
        self.files.update(_SCANS[key])

    return scan


def _scan_static_files_once() -> None:
    from whitenoise.base import WhiteNoise
    from whitenoise.middleware import WhiteNoiseMiddleware

    if not getattr(WhiteNoise, "_karpear_scanned_once", False):
        WhiteNoise.update_files_dictionary = _scanned_once(WhiteNoise.update_files_dictionary)  # type: ignore[method-assign]
        WhiteNoiseMiddleware.add_files_from_finders = _scanned_once(WhiteNoiseMiddleware.add_files_from_finders)  # type: ignore[method-assign]
        WhiteNoise._karpear_scanned_once = True  # type: ignore[attr-defined]


_scan_static_files_once()


def make_org(short: str, kind: str = Organisation.Kind.NGO) -> Organisation:
    return Organisation.objects.create(short_name=short, name=f"{short.upper()} organisation", kind=kind)


def make_user(
    organisation: Organisation,
    role: str,
    username: str | None = None,
    team: Team | None = None,
    **membership: Any,
) -> User:
    user = User.objects.create_user(username=username or f"{organisation.short_name}-{role}", password="pw-123456789")
    user.language = "en"
    user.save()
    Membership.objects.create(user=user, organisation=organisation, role=role, team=team, **membership)
    return user


def login(client: Client, user: User) -> Client:
    """Log in; for roles (and staff) that need a second factor, mark the session as verified with a backup device."""
    client.force_login(user)
    if user.is_staff or any(spec_for(m.role).needs_two_factor for m in user.memberships.all()):
        device, _ = StaticDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    client.cookies["karpear_language"] = "en"
    return client


@pytest.fixture
def orgs(db: Any) -> dict[str, Organisation]:
    return {"own": make_org("alpha"), "other": make_org("beta")}


@pytest.fixture
def users(orgs: dict[str, Organisation]) -> dict[str, User]:
    """One user per role in the 'own' organisation, all in one team."""
    team = Team.objects.create(organisation=orgs["own"], name="Team A")
    return {role.value: make_user(orgs["own"], role.value, team=team) for role in Role}


# ---------------------------------------------------------------- the longest files first
# `make pytest` runs `pytest -n 2 --dist loadfile --no-loadscope-reorder`: whole files go to the two processes in
# the order they were collected (xdist's default order, by number of tests, put the long files of two or three
# tests last, where each ran alone at the end while the other process waited: a minute and more of each suite).
# Started first, a long file runs beside everything else. Measured per file on PostgreSQL (`--durations=0`), longest
# first; the list keeps the files that take about 20 s and more.
LONGEST_FIRST = (
    "karpear/core/tests/test_access_matrix.py",  # 391 s of the suite's 1,049 (2026-11-29)
    "karpear/core/tests/test_backup_restore.py",  # 98 s: a real migrate and loaddemo
    "karpear/protection/tests/test_demo.py",  # 40 s
    "karpear/monitoring/tests/test_demo.py",  # 25 s
    "karpear/justice/tests/test_demo.py",  # 23 s
    "karpear/core/tests/test_worker_process.py",  # 21 s
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {path: index for index, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))  # stable: the rest keep order


# ---------------------------------------------------------------- the test database without migrations
# The suite runs with --no-migrations (pyproject.toml): the test database's tables come straight from the
# models, in seconds, instead of replaying every migration (over a minute per process, most of it Django
# rendering model states). What the migrations load besides tables (the gazetteer, the screening indicators,
# the service catalogue, the portal's content, ...) is loaded here by running their data functions in the
# migrations' order. That the migrations build exactly the tables the models declare is checked against a
# real `migrate` in test_backup_restore.py, on SQLite and on PostgreSQL; `pytest --migrations` migrates.


def load_migrations_data() -> None:
    """Run the forward function of every RunPython operation in Karpear's migrations, in the migrations' order,
    against the current models (on a new database the functions that rewrite existing rows find none)."""
    from django.apps import apps as current_apps
    from django.db import migrations
    from django.db.migrations.loader import MigrationLoader
    from django.test.utils import override_settings

    with override_settings(MIGRATION_MODULES={}):  # pytest-django's --no-migrations hides them from the loader
        loader = MigrationLoader(None, ignore_no_migrations=True)
    ours = {config.label for config in current_apps.get_app_configs() if config.name.startswith("karpear.")}
    plan: list[tuple[str, str]] = []
    for leaf in sorted(loader.graph.leaf_nodes()):
        plan.extend(key for key in loader.graph.forwards_plan(leaf) if key not in plan)
    for key in plan:
        if key[0] not in ours:
            continue
        for operation in loader.graph.nodes[key].operations:
            if isinstance(operation, migrations.RunPython):
                with connection.schema_editor(atomic=operation.atomic) as editor:
                    operation.code(current_apps, editor)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any, request: pytest.FixtureRequest) -> None:
    with django_db_blocker.unblock():
        # Not when the database was migrated after all (`--migrations`, or the mutation runs' migrated copy).
        if request.config.option.nomigrations and not Village.objects.exists():
            load_migrations_data()


# ---------------------------------------------------------------- the gazetteer across flushes
# The gazetteer is loaded by a data migration; a transactional test (threads, processes, a live server) ends
# with a flush that empties the place tables too, which would leave every later test of that worker without
# places. The rows are read once per session and written back after such a test.
PLACE_MODELS = (Province, District, Commune, Village)  # parents first
type PlaceRows = dict[type, tuple[list[str], list[tuple[Any, ...]]]]  # model -> (columns, rows)


def read_places() -> PlaceRows:
    rows: PlaceRows = {}
    for model in PLACE_MODELS:
        columns = [f.column for f in model._meta.concrete_fields]
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
            rows[model] = (columns, cursor.fetchall())
    assert rows[Village][1], "the test database has no villages: migration 0002 did not load the gazetteer"
    return rows


def restore_places(rows: PlaceRows) -> None:
    """Write the places back if a flush emptied them (COPY on PostgreSQL, executemany on SQLite)."""
    if Province.objects.exists():
        return
    qn = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        for model in PLACE_MODELS:
            columns, values = rows[model]
            table, names = qn(model._meta.db_table), ", ".join(map(qn, columns))
            if connection.vendor == "postgresql":  # one round trip instead of one per row
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in values:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", values)  # noqa: S608
        for sql in connection.ops.sequence_reset_sql(no_style(), [Village]):  # PostgreSQL: ids go on after ours
            cursor.execute(sql)


_PLACE_ROWS: list[PlaceRows] = []  # read once, before the first flush


def _is_transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    names = getattr(item, "fixturenames", ())
    return "transactional_db" in names or "live_server" in names or bool(marker and marker.kwargs.get("transaction"))


@pytest.fixture(autouse=True)
def _places_read_before_a_flush(request: pytest.FixtureRequest, django_db_blocker: Any) -> None:
    if _is_transactional(request.node) and not _PLACE_ROWS:
        with django_db_blocker.unblock():
            _PLACE_ROWS.append(read_places())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """After a transactional test's fixtures are torn down (its flush done), put the places back for the next
    test. Not after a process's last test: its teardown has destroyed the test database already (the session
    fixtures end with it), and the connection points at the database the tests were never run in."""
    result = yield
    if _PLACE_ROWS and _is_transactional(item) and nextitem is not None:
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            restore_places(_PLACE_ROWS[0])
    return result
