"""Golden values of the audit chain: the MAC, chain hash, legacy digest and key fingerprint of one fixed event
under one fixed key, written down once. Any change to how events are hashed (a key name, a separator, the key
order, the encoding, a prefix) fails here before an upgrade makes every existing chain fail `verify_audit`.

The event is also written to the database and read back, so the test pins what the sealer and the verifier
compute from a stored row: PostgreSQL's jsonb gives `details` back with its keys in another order, and both
databases give `at` back in UTC. Run on SQLite by default and on PostgreSQL with DATABASE_URL (make pytest-pg).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection

from karpear.core import audit
from karpear.core.models import AuditChainHead, AuditEvent, Organisation, User

KEY = "golden-audit-key-0123456789abcdefghijklmnopqrstuvwxyz"
AT = dt.datetime(2026, 3, 14, 1, 59, 26, 535897, tzinfo=dt.UTC)
# Keys in an order neither sorted nor jsonb's (shortest first), Khmer text, a nested object and a list.
DETAILS: dict[str, Any] = {"reason": "ការគ្រប់គ្រងករណី", "fields": ["phone", "name_km"], "b": {"z": 1, "a": None}}
ACTOR_ID, ORGANISATION_ID = 910001, 920001

GOLDEN_KEY_ID = "8b63b9cb"
GOLDEN_MAC = "8c32defe28aaa9e6e3ec7d71ac2895d13cee682fd5d5b4e177121e9a591cd3ff"
GOLDEN_CHAIN_HASH = "d780dc1dddc97aecd2f2daaf7d486826423d2fdd1dedb68dba06ae09edc30282"
GOLDEN_LEGACY = "53a22d8a6bf3a6d732ca33263b676c5261338845d4926a5378dc019f8ba0c6e8"
# What the MAC is computed over: keys sorted at every level, no spaces, Khmer as UTF-8, not \u escapes.
GOLDEN_CONTENT = (
    '{"action":"view","actor":910001,"actor_name":"sokha","at":"2026-03-14T01:59:26.535897+00:00",'
    '"details":{"b":{"a":null,"z":1},"fields":["phone","name_km"],"reason":"ការគ្រប់គ្រងករណី"},'
    '"ip":"203.0.113.7","object_id":"5b0f2f7e-8d7a-4c1e-9f1e-2b7c6f0e4a11","object_type":"core.person",'
    '"organisation":920001}'
)


def _event(**fields: Any) -> AuditEvent:
    values: dict[str, Any] = {
        "at": AT,
        "actor_id": ACTOR_ID,
        "actor_name": "sokha",
        "organisation_id": ORGANISATION_ID,
        "action": AuditEvent.Action.VIEW,
        "object_type": "core.person",
        "object_id": "5b0f2f7e-8d7a-4c1e-9f1e-2b7c6f0e4a11",
        "ip": "203.0.113.7",
        "details": DETAILS,
    }
    values.update(fields)
    return AuditEvent(**values)


@pytest.fixture
def golden_key(settings: Any) -> bytes:
    settings.AUDIT_KEY = KEY
    return KEY.encode()


def test_the_key_fingerprint_of_a_fixed_key_never_changes(golden_key: bytes) -> None:
    assert audit.key_id() == audit.key_id(golden_key) == GOLDEN_KEY_ID


def test_the_content_hashed_of_a_fixed_event_never_changes() -> None:
    assert audit._canonical(audit._content(_event())) == GOLDEN_CONTENT.encode("utf-8")


def test_the_mac_of_a_fixed_event_never_changes(golden_key: bytes) -> None:
    assert audit._mac(_event(), golden_key) == GOLDEN_MAC


def test_the_chain_hash_after_genesis_never_changes(golden_key: bytes) -> None:
    assert audit._link(audit.GENESIS, 1, GOLDEN_MAC, golden_key) == GOLDEN_CHAIN_HASH


def test_the_legacy_digest_of_a_fixed_event_never_changes() -> None:
    """Scheme 1 (before the audit key): events of old installations are still verified with it."""
    assert audit._legacy_digest(audit.GENESIS, _event()) == GOLDEN_LEGACY


def test_the_order_details_keys_were_written_in_does_not_change_the_mac(golden_key: bytes) -> None:
    reordered = dict(reversed(list(DETAILS.items())))
    reordered["b"] = {"a": None, "z": 1}
    assert audit._mac(_event(details=reordered), golden_key) == GOLDEN_MAC


@pytest.mark.django_db
def test_a_fixed_event_stored_read_back_and_sealed_keeps_its_golden_hashes(golden_key: bytes) -> None:
    """What the database gives back (jsonb's key order, `at` in UTC) hashes as the event written."""
    User.objects.create(pk=ACTOR_ID, username="sokha")
    Organisation.objects.create(pk=ORGANISATION_ID, short_name="golden", name="Golden organisation")
    AuditChainHead.objects.update_or_create(id=1, defaults={"last_hash": audit.GENESIS, "last_seq": 0})
    assert not AuditEvent.objects.exists()  # the chain of this test starts at genesis
    event = _event(scheme=audit.KEYED, key_id=GOLDEN_KEY_ID, mac=GOLDEN_MAC)
    event.save(force_insert=True)

    stored = AuditEvent.objects.get(pk=event.pk)
    assert audit._mac(stored, golden_key) == GOLDEN_MAC
    assert audit.seal_all().sealed >= 1
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.seq, stored.prev_hash, stored.hash) == (1, audit.GENESIS, GOLDEN_CHAIN_HASH)
    assert audit.verify_chain() == (1, None)


# ---------------------------------------------------------------- the chain before the audit key (scheme 1)
def _legacy_chain(count: int) -> list[AuditEvent]:
    """Events as an installation from before the audit key wrote them: SHA-256 of content and previous hash."""
    prev, events = audit.GENESIS, []
    for seq in range(1, count + 1):
        event = _event(actor_id=None, organisation_id=None, actor_name=f"old-{seq}", scheme=audit.LEGACY)
        event.seq, event.prev_hash = seq, prev
        event.hash = prev = audit._legacy_digest(prev, event)
        event.save(force_insert=True)
        events.append(event)
    AuditChainHead.objects.update_or_create(id=1, defaults={"last_hash": prev, "last_seq": count})
    return events


@pytest.mark.django_db
def test_an_event_of_the_chain_before_the_audit_key_edited_in_the_database_is_named(golden_key: bytes) -> None:
    _first, second = _legacy_chain(2)
    assert audit.verify_chain() == (2, None)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET actor_name = %s WHERE id = %s", ["someone-else", second.id])

    assert audit.verify_chain() == (
        1,
        audit.ChainBreak(second.id, "hash does not match the event: this event was changed"),
    )


# ---------------------------------------------------------------- heads recorded elsewhere
@pytest.mark.parametrize(
    "text",
    [
        "",
        "12",
        "12:" + "a" * 63,
        "12:" + "a" * 65,
        "x:" + "a" * 64,
        "-3:" + "a" * 64,
        "2026-11-28 twelve:" + "a" * 64,
        "12:" + "A" * 64,
        "12:" + "g" * 64,
        "1:2:" + "a" * 62,
    ],
)
def test_a_line_that_is_not_an_audit_head_is_refused(text: str) -> None:
    """A head file someone edited is refused, never read as a head that would pass (`verify_audit --head-file`)."""
    with pytest.raises(ValueError, match="not an audit head"):
        audit.Head.parse(text)


def test_a_head_line_with_its_date_is_read() -> None:
    assert audit.Head.parse("2026-11-28T00:00:05+07:00 42:" + "b" * 64 + "\n") == audit.Head(42, "b" * 64)
    assert str(audit.Head(42, "b" * 64)) == "42:" + "b" * 64


@pytest.mark.django_db
def test_the_head_of_an_empty_log_is_the_genesis() -> None:
    assert audit.head() == audit.Head(0, audit.GENESIS)
