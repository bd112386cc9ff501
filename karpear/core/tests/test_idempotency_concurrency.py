"""Two identical form submissions at the same moment save once: the second waits for the first and replays
its answer (core.idempotency), on PostgreSQL and on SQLite.

The test must commit (other threads cannot see an open test transaction), so pytest-django empties every
table after it, the gazetteer loaded by migration 0002 too: this module puts the places back when it is done.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.management.color import no_style
from django.db import connection, connections, transaction
from django.test import Client

from conftest import login, make_user
from karpear.core import idempotency, services
from karpear.core.models import Commune, District, Person, Province, Village
from karpear.core.roles import Role
from karpear.core.tests.factories import form_data

NEW = "/people/new/"
ALREADY = "This was already saved."
PLACES = (Province, District, Commune, Village)  # parents first


@pytest.fixture(scope="module", autouse=True)
def _places_back(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock():
        kept = {model: list(model.objects.all()) for model in PLACES}
    yield
    with django_db_blocker.unblock():
        if not Province.objects.exists():
            with transaction.atomic():
                for model in PLACES:
                    model.objects.bulk_create(kept[model], batch_size=2000)
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), [Village]):
                    cursor.execute(sql)


# ---------------------------------------------------------------- two identical requests at once
@pytest.fixture
def file_database(tmp_path):
    """On SQLite, requests from other threads use a copy of the test database in a file, as a deployment
    does (WAL, BEGIN IMMEDIATE, a busy timeout): the in-memory test database shares one cache between
    threads, where a second writer fails at once instead of waiting. On PostgreSQL: the test database."""

    @contextlib.contextmanager
    def use() -> Iterator[Callable[[str], int]]:
        if connection.vendor != "sqlite":
            yield lambda table: connection.cursor().execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
            return
        path = tmp_path / "karpear.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(path) as copy:
            connection.connection.backup(copy)
        copy.close()
        name = connection.settings_dict["NAME"]
        connection.settings_dict["NAME"] = str(path)  # read by the connections the threads open
        try:
            yield lambda table: sqlite3.connect(path).execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
        finally:
            connection.settings_dict["NAME"] = name

    return use


@pytest.mark.django_db(transaction=True)
def test_two_identical_submissions_at_the_same_moment_save_one_person(orgs, monkeypatch, file_database):
    """The second waits for the first (PostgreSQL: on the key's unique index; SQLite: on the write lock the
    first one holds) and then replays its answer."""
    user = make_user(orgs["own"], Role.CASEWORKER, username="fast-thumbs")
    clients = {"first": login(Client(), user), "second": login(Client(), user)}
    inside, release = threading.Event(), threading.Event()
    calls: list[int] = []
    real_create = services.person_create

    def slow_create(**kwargs: Any) -> Person:
        calls.append(1)
        inside.set()
        assert release.wait(20)
        return real_create(**kwargs)

    monkeypatch.setattr(services, "person_create", slow_create)
    data = form_data(**{idempotency.FIELD: str(uuid.uuid4())})
    answers: dict[str, Any] = {}
    started: dict[str, float] = {}

    def submit(name: str) -> None:
        try:
            started[name] = time.monotonic()
            answers[name] = clients[name].post(NEW, data, follow=True)
        finally:
            connections.close_all()

    with file_database() as count:
        first = threading.Thread(target=submit, args=("first",))
        first.start()
        assert inside.wait(20)
        second = threading.Thread(target=submit, args=("second",))
        second.start()
        if connection.vendor == "postgresql":
            _wait_for_a_blocked_insert()
        else:
            time.sleep(1)  # the second request is now waiting for the write lock
        released = time.monotonic()
        release.set()
        first.join(30)
        second.join(30)
        people = count("core_person")

    assert started["second"] < released  # the two overlapped
    assert people == 1
    assert len(calls) == 1
    first_page, second_page = answers["first"].redirect_chain[-1][0], answers["second"].redirect_chain[-1][0]
    assert first_page == second_page and first_page.startswith("/people/")
    # (From the HTML: the test client's captured contexts mix between threads.)
    assert f'<li class="msg-info" role="status">{ALREADY}</li>' in answers["second"].content.decode()
    assert ALREADY not in answers["first"].content.decode()


def _wait_for_a_blocked_insert() -> None:
    """Until the second request waits on the first one's row lock (proof that the two overlap)."""
    with connection.cursor() as cursor:
        for _ in range(200):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE %s",
                ['INSERT INTO "core_idempotencyrecord"%'],
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError("the second submission never waited for the first")
