"""The audit log: a hash chain that `karpear verify_audit` checks, append-only rows, and login events."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from karpear.core import audit, selectors, services
from karpear.core.models import AuditChainHead, AuditEvent
from karpear.core.tests.factories import register

pytestmark = pytest.mark.django_db

PASSWORD = "pw-123456789"


@pytest.fixture
def chain(users) -> list[AuditEvent]:
    """Five events written by services: two registrations, a read, a login and a failed login."""
    first = register(users["caseworker"], name_latin="Chan Sreymom")
    register(users["caseworker"], name_latin="Sok Dara")
    selectors.person_identity(user=users["caseworker"], person=first)
    services.login_recorded(user=users["case_supervisor"])
    services.login_failed_recorded(username="nobody", ip=None)
    return list(AuditEvent.objects.order_by("id"))


def verify() -> str:
    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue().strip()


def raw_sql(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# ---------------------------------------------------------------- the chain
def sealed(chain: list[AuditEvent]) -> list[AuditEvent]:
    audit.seal_all()
    return list(AuditEvent.objects.filter(id__in=[e.id for e in chain]).order_by("seq"))


def test_writing_an_event_takes_no_lock_and_touches_no_chain_head(users):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        services.login_recorded(user=users["case_supervisor"])
    statements = [q["sql"] for q in queries if "core_audit" in q["sql"]]
    assert len(statements) == 1 and statements[0].startswith("INSERT INTO")
    assert "FOR UPDATE" not in " ".join(q["sql"] for q in queries)
    assert not AuditChainHead.objects.exists()


def test_each_sealed_event_carries_the_hash_of_the_one_before(chain):
    events = sealed(chain)
    assert [e.action for e in events] == ["create", "create", "view", "login", "failed_login"]
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == audit.GENESIS
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert len({e.hash for e in events}) == 5
    assert {e.key_id for e in events} == {audit.key_id()}
    head = AuditChainHead.objects.get()
    assert (head.last_seq, head.last_hash) == (5, events[-1].hash)


def test_events_are_sealed_in_the_order_they_were_written(chain):
    assert [e.id for e in sealed(chain)] == [e.id for e in chain]


def test_verify_audit_passes_on_an_intact_chain(chain):
    assert verify() == "Audit chain intact: 5 events."


def test_verify_audit_passes_on_an_empty_log(db):
    assert verify() == "Audit chain intact: 0 events."


@pytest.mark.parametrize(
    ("column", "value"),
    [("action", "view"), ("actor_name", "someone-else"), ("object_id", "0"), ("details", '{"fields": "none"}')],
)
def test_verify_audit_names_an_event_changed_with_raw_sql(chain, column, value):
    sealed(chain)
    edited = chain[1] if column != "action" else chain[0]

    raw_sql(f"UPDATE core_auditevent SET {column} = %s WHERE id = %s", [value, edited.id])  # noqa: S608 - fixed column names

    index = chain.index(edited)
    with pytest.raises(CommandError) as excinfo:
        verify()
    assert str(excinfo.value) == (
        f"Audit chain broken at event {edited.id} after {index} good events: "
        "hash does not match the event: this event was changed"
    )


def test_an_event_rewritten_with_a_recomputed_hash_but_without_the_key_is_found(chain):
    """Rewriting a row and recomputing the hashes needs the key, which is not in the database."""
    sealed(chain)
    import hashlib

    forged_mac = hashlib.sha256(b"whatever the attacker can compute").hexdigest()
    raw_sql("UPDATE core_auditevent SET actor_name = %s, mac = %s WHERE id = %s", ["nobody", forged_mac, chain[2].id])

    with pytest.raises(CommandError) as excinfo:
        verify()
    assert f"at event {chain[2].id} after 2 good events" in str(excinfo.value)


def test_verify_audit_names_the_event_after_a_deleted_middle_row(chain):
    sealed(chain)
    raw_sql("DELETE FROM core_auditevent WHERE id = %s", [chain[2].id])

    with pytest.raises(CommandError) as excinfo:
        verify()

    assert str(excinfo.value) == (
        f"Audit chain broken at event {chain[3].id} after 2 good events: "
        "previous hash does not match: an earlier event was removed or changed"
    )


def test_verify_audit_notices_a_deleted_first_row(chain):
    sealed(chain)
    raw_sql("DELETE FROM core_auditevent WHERE id = %s", [chain[0].id])

    with pytest.raises(CommandError) as excinfo:
        verify()

    assert str(excinfo.value).startswith(f"Audit chain broken at event {chain[1].id} after 0 good events")


def test_verify_audit_reports_the_end_of_the_chain_after_the_last_row_is_deleted(chain):
    sealed(chain)
    raw_sql("DELETE FROM core_auditevent WHERE id = %s", [chain[-1].id])

    with pytest.raises(CommandError) as excinfo:
        verify()

    assert str(excinfo.value) == (
        "Audit chain broken at the end of the chain after 4 good events: "
        "the newest events were removed: the chain ends before its recorded head"
    )


def test_a_rewound_chain_is_caught_by_a_head_recorded_elsewhere(chain, tmp_path):
    """Delete the newest events and reset the head: the chain looks whole, but not against yesterday's head."""
    out = StringIO()
    call_command("audit_head", stdout=out)
    head_file = tmp_path / "heads"
    head_file.write_text("# appended daily by cron\n" + out.getvalue(), encoding="utf-8")
    events = sealed(chain)
    raw_sql("DELETE FROM core_auditevent WHERE id IN (%s, %s)", [chain[3].id, chain[4].id])
    raw_sql("UPDATE core_auditchainhead SET last_seq = %s, last_hash = %s", [3, events[2].hash])

    assert verify() == "Audit chain intact: 3 events."  # without an outside head, a rewind is invisible
    with pytest.raises(CommandError) as excinfo:
        call_command("verify_audit", "--head-file", str(head_file), stdout=StringIO())
    assert "a head recorded elsewhere is missing" in str(excinfo.value)
    assert "(recorded event 5 is not in the chain)" in str(excinfo.value)


def test_a_rewritten_chain_is_caught_by_a_head_recorded_elsewhere(chain):
    events = sealed(chain)
    recorded = audit.Head(events[1].seq, events[1].hash)
    raw_sql("UPDATE core_auditevent SET hash = %s WHERE id = %s", ["f" * 64, chain[1].id])
    with pytest.raises(CommandError) as excinfo:
        call_command("verify_audit", "--head", str(recorded), stdout=StringIO())
    assert f"at event {chain[1].id}" in str(excinfo.value)


def test_recorded_heads_that_still_hold_pass(chain, tmp_path):
    first = StringIO()
    call_command("audit_head", stdout=first)
    services.login_failed_recorded(username="later", ip=None)
    second = StringIO()
    call_command("audit_head", stdout=second)
    heads = tmp_path / "heads"
    heads.write_text(first.getvalue() + second.getvalue(), encoding="utf-8")
    out = StringIO()
    call_command("verify_audit", "--head-file", str(heads), stdout=out)
    assert out.getvalue().strip() == "Audit chain intact: 6 events, 2 recorded heads found."


def test_a_bad_head_is_a_clear_error(chain):
    with pytest.raises(CommandError, match="not an audit head"):
        call_command("verify_audit", "--head", "yesterday", stdout=StringIO())


def test_an_event_inserted_without_the_key_is_never_sealed(chain):
    """The sealer is no oracle: a row someone inserts with a made-up MAC stays out of the chain, and is named."""
    sealed(chain)
    raw_sql(
        "INSERT INTO core_auditevent (at, actor_name, action, object_type, object_id, details, scheme, key_id, mac) "
        "VALUES (%s, %s, %s, '', '', %s, 2, %s, %s)",
        ["2026-01-01T00:00:00+00:00", "forger", "login", "{}", audit.key_id(), "0" * 64],
    )
    forged = AuditEvent.objects.get(actor_name="forger")

    result = audit.seal_all()

    assert result.sealed == 0 and result.refused == [forged.id]
    forged = AuditEvent.objects.get(id=forged.id)
    assert forged.seq is None and forged.refused_at is not None
    with pytest.raises(CommandError) as excinfo:
        verify()
    assert f"at event {forged.id}" in str(excinfo.value) and "cannot be sealed" in str(excinfo.value)


def test_an_event_changed_before_it_was_sealed_is_found(chain):
    raw_sql("UPDATE core_auditevent SET actor_name = %s WHERE id = %s", ["someone-else", chain[1].id])
    with pytest.raises(CommandError) as excinfo:
        verify()
    assert f"at event {chain[1].id}" in str(excinfo.value)


def test_new_events_after_a_break_do_not_hide_it(chain):
    sealed(chain)
    raw_sql("UPDATE core_auditevent SET action = %s WHERE id = %s", ["view", chain[0].id])

    services.login_failed_recorded(username="later", ip=None)

    with pytest.raises(CommandError) as excinfo:
        verify()
    assert str(excinfo.value).startswith(f"Audit chain broken at event {chain[0].id} after 0 good events")


def test_the_keyed_chain_continues_after_events_of_the_unkeyed_chain(users, settings):
    """Events written before the audit key (scheme 1) verify as they were written; the keyed chain follows."""
    first = audit._event(
        actor=None, action="login", obj=None, organisation=None, actor_name="old", details={}, key=b"k"
    )
    first.scheme, first.seq, first.prev_hash, first.mac, first.key_id = audit.LEGACY, 1, audit.GENESIS, "", ""
    first.hash = audit._legacy_digest(audit.GENESIS, first)
    first.save(force_insert=True)
    AuditChainHead.objects.create(id=1, last_hash=first.hash, last_seq=1)
    services.login_failed_recorded(username="new", ip=None)
    assert verify() == "Audit chain intact: 2 events."
    newest = AuditEvent.objects.get(seq=2)
    assert newest.scheme == audit.KEYED and newest.prev_hash == first.hash


def test_a_chain_sealed_with_another_key_does_not_verify(chain, settings):
    sealed(chain)
    settings.AUDIT_KEY = "another-key-than-the-one-that-sealed-the-chain"
    with pytest.raises(CommandError) as excinfo:
        verify()
    assert "sealed with another audit key" in str(excinfo.value)


def test_the_worker_seals_within_its_periodic_jobs(chain):
    from karpear.core.periodic import PeriodicRunner

    assert "audit_seal" in PeriodicRunner().run_due()
    assert not AuditEvent.objects.filter(seq__isnull=True).exists()


# ---------------------------------------------------------------- golden values: a change to hashing fails here
GOLDEN_KEY = b"golden-audit-key-for-tests"


def _golden_event() -> AuditEvent:
    import datetime as dt

    return AuditEvent(
        at=dt.datetime(2026, 11, 28, 9, 30, 15, 123456, tzinfo=dt.UTC),
        actor_id=None,
        actor_name="caseworker",
        organisation_id=None,
        action="view",
        object_type="core.person",
        object_id="7d3c0f6e-2c1a-4b8e-9d5f-0a1b2c3d4e5f",
        ip="203.0.113.7",
        details={"reason": "view", "fields": "identity", "ព័ត៌មាន": [1, 2.5, None, True], "z": {"b": 1, "a": 2}},
    )


GOLDEN_MAC = "54c25cf3743f2fddc81624928223ff8d58cae0152be7e242b04247ad05f85fe5"
GOLDEN_LINK = "9a6e8ac84f480045eb7fa195442594903d5ca438444442cc0e657cef59301c40"
GOLDEN_KEY_ID = "5da8023e"


def test_the_hash_of_a_fixed_event_is_pinned():
    event = _golden_event()
    assert audit._mac(event, GOLDEN_KEY) == GOLDEN_MAC
    assert audit._link(audit.GENESIS, 1, GOLDEN_MAC, GOLDEN_KEY) == GOLDEN_LINK
    assert audit.key_id(GOLDEN_KEY) == GOLDEN_KEY_ID


def test_the_pinned_hash_survives_a_round_trip_through_the_database(db):
    """PostgreSQL's jsonb reorders keys and SQLite's JSON keeps them: the MAC must not care (CI runs both)."""
    event = _golden_event()
    event.mac = audit._mac(event, GOLDEN_KEY)
    event.save(force_insert=True)
    stored = AuditEvent.objects.get(id=event.id)
    assert audit._mac(stored, GOLDEN_KEY) == GOLDEN_MAC


# ---------------------------------------------------------------- append-only through the ORM
def stored() -> list[tuple]:
    return list(AuditEvent.objects.order_by("id").values_list("id", "action", "hash"))


def test_queryset_update_is_refused_and_nothing_changes(chain):
    before = stored()

    with pytest.raises(PermissionError, match="append-only"):
        AuditEvent.objects.filter(id=chain[0].id).update(action="view")

    assert stored() == before


def test_queryset_delete_is_refused_and_nothing_changes(chain):
    before = stored()

    with pytest.raises(PermissionError, match="append-only"):
        AuditEvent.objects.all().delete()

    assert stored() == before


def test_saving_a_changed_event_is_refused_and_nothing_changes(chain):
    before = stored()
    event = AuditEvent.objects.get(id=chain[0].id)
    event.action = "view"

    with pytest.raises(PermissionError, match="append-only"):
        event.save()

    assert stored() == before


def test_deleting_an_event_is_refused_and_nothing_changes(chain):
    before = stored()

    with pytest.raises(PermissionError, match="append-only"):
        AuditEvent.objects.get(id=chain[0].id).delete()

    assert stored() == before
    assert verify() == "Audit chain intact: 5 events."


# ---------------------------------------------------------------- login, failed login and logout
def events() -> list[tuple]:
    return list(AuditEvent.objects.order_by("id").values_list("action", "actor_id", "actor_name", "organisation_id"))


def test_login_through_the_login_page_writes_a_login_event(orgs, users):
    response = Client().post("/account/login/", {"username": "alpha-volunteer", "password": PASSWORD})

    assert response.status_code == 302
    assert events() == [("login", users["volunteer"].pk, "alpha-volunteer", orgs["own"].pk)]


def test_failed_login_writes_a_failed_login_event_without_an_actor(users):
    response = Client().post("/account/login/", {"username": "alpha-volunteer", "password": "wrong-password"})

    assert response.status_code == 200
    assert events() == [("failed_login", None, "alpha-volunteer", None)]


def test_logout_writes_a_logout_event(orgs, users):
    client = Client()
    client.post("/account/login/", {"username": "alpha-volunteer", "password": PASSWORD})

    response = client.post("/account/logout/")

    assert response.status_code == 302
    assert [e[:3] for e in events()] == [
        ("login", users["volunteer"].pk, "alpha-volunteer"),
        ("logout", users["volunteer"].pk, "alpha-volunteer"),
    ]


def test_login_events_carry_the_client_address(users):
    Client(REMOTE_ADDR="203.0.113.7").post("/account/login/", {"username": "alpha-volunteer", "password": PASSWORD})

    assert list(AuditEvent.objects.values_list("action", "ip")) == [("login", "203.0.113.7")]


def test_login_events_keep_the_chain_intact(users):
    client = Client()
    client.post("/account/login/", {"username": "alpha-volunteer", "password": "wrong-password"})
    client.post("/account/login/", {"username": "alpha-volunteer", "password": PASSWORD})
    client.post("/account/logout/")

    assert verify() == "Audit chain intact: 3 events."


# ---------------------------------------------------------------- concurrency
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_and_sealers_keep_one_unbroken_chain():
    """Writers never wait for each other; two sealers running at the same time still make one chain."""
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite's in-memory test database locks whole tables across threads; SQLite runs writers one at a time anyway"
        )
    import threading

    from django.db import connections

    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(25):
                services.login_failed_recorded(username=f"writer-{n}-{i}", ip=None)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    def seal() -> None:
        try:
            for _ in range(10):
                audit.seal()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)] + [
        threading.Thread(target=seal) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert verify() == "Audit chain intact: 100 events."
    assert sorted(AuditEvent.objects.values_list("seq", flat=True)) == list(range(1, 101))


def test_events_recorded_in_a_batch_are_written_together_in_order_and_verify(django_assert_num_queries):
    from karpear.core.models import AuditEvent

    before = AuditEvent.objects.count()
    with django_assert_num_queries(2), audit.batched():  # the count below, then one insert
        audit.record(actor=None, action="view", fields="identity", n=1)
        audit.record(actor=None, action="search", kind="name", n=2)
        assert AuditEvent.objects.count() == before  # nothing written yet
    assert [e.details["n"] for e in AuditEvent.objects.order_by("pk")[before:]] == [1, 2]
    audit.seal_all()
    assert audit.verify_chain()[1] is None


def test_a_batch_that_raises_writes_nothing_and_recording_after_it_writes_at_once():
    from karpear.core.models import AuditEvent

    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), audit.batched():
        audit.record(actor=None, action="view", n=1)
        raise RuntimeError
    assert AuditEvent.objects.count() == before
    audit.record(actor=None, action="view", n=2)
    assert AuditEvent.objects.count() == before + 1


def test_an_event_of_an_anonymous_visitor_is_written_without_an_actor_or_a_name(db):
    """A public page (the portal's help request) audits with the anonymous user: no actor row, no name.
    (Kills `actor if actor is not None and actor.pk else None` made always the actor: an anonymous user
    cannot be stored as one.)"""
    from django.contrib.auth.models import AnonymousUser

    event = audit.record(actor=AnonymousUser(), action=AuditEvent.Action.VIEW, note="portal")
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor_id, stored.actor_name, stored.details) == (None, "", {"note": "portal"})


def test_an_event_of_the_system_has_no_actor_and_an_empty_name(db):
    """The worker audits with no actor: the name stays empty, so `verify_audit` and the log's page show it
    as the system's. (Kills the default name for no actor changed from "".)"""
    event = audit.record(actor=None, action=AuditEvent.Action.VIEW)
    assert AuditEvent.objects.filter(pk=event.pk, actor__isnull=True, actor_name="").exists()
