"""The audit log: append-only events, each authenticated with a key kept outside the database, sealed into a
keyed hash chain by a background step (DESIGN §6; docs/security.md, "Audit chain and its external head").

Writing takes no lock. `record()` inserts the event in the caller's transaction, with a MAC (HMAC-SHA256 with
the audit key) of its content, so an event exists exactly when the change does and no audited action waits
for another: the old single chain head, locked by every append, made all audited work in the system take turns.

`seal()` — run every few seconds by the task worker (a periodic job), and by `verify_audit` and `audit_head`
first — takes the events not yet sealed in the order they were written, checks each MAC (an event altered, or
inserted by someone without the key, is never sealed), and links them into the chain: each sealed event gets
the next sequence number and a chain hash = HMAC(key, previous hash, sequence number, MAC). Only the sealer
locks the chain head, and sealers take turns.

`verify_chain()` recomputes every MAC and chain hash and names the first event that does not fit: an edited
row, a deleted one, one inserted without the key, or a chain cut short before its recorded head. Someone with
write access to the database could still delete the newest events *and* reset the head: comparing with a head
hash recorded elsewhere (`karpear audit_head`, appended daily to a file on another machine; `verify_audit
--head-file`) catches that. Events written before the keyed chain (scheme 1: SHA-256 without a key) are
verified as they were written, and the keyed chain continues from their last hash.
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from karpear.core.models import AuditChainHead, AuditEvent, Organisation, User

GENESIS = "0" * 64
LEGACY, KEYED = 1, 2  # AuditEvent.scheme
SEAL_BATCH = 500

# The client address of the request being served; set by middleware, read here, so services need not carry it.
current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("karpear_audit_ip", default=None)
# Events recorded inside `batched()`, appended together when it ends.
_pending: contextvars.ContextVar[list[AuditEvent] | None] = contextvars.ContextVar(
    "karpear_audit_pending", default=None
)


# ---------------------------------------------------------------- keys and digests
def _key() -> bytes:
    key: str = settings.AUDIT_KEY
    return key.encode("utf-8")  # pragma: no mutate ("UTF-8" is the same codec)


def key_id(key: bytes | None = None) -> str:
    """A short fingerprint of the audit key, stored on each event (the key itself never is)."""
    return hashlib.sha256(b"karpear-audit-key-id:" + (key or _key())).hexdigest()[:8]


def _content(event: AuditEvent) -> dict[str, Any]:
    return {
        "at": event.at.isoformat(),
        "actor": event.actor_id,
        "actor_name": event.actor_name,
        "organisation": event.organisation_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "ip": event.ip,
        "details": event.details,
    }


def _canonical(payload: dict[str, Any]) -> bytes:
    """One byte string per content whatever the database did to it (PostgreSQL's jsonb reorders keys)."""
    text = json.dumps(
        payload,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,  # pragma: no mutate (None reads as false too)
    )
    return text.encode("utf-8")  # pragma: no mutate ("UTF-8" is the same codec)


def _mac(event: AuditEvent, key: bytes) -> str:
    """The event's own MAC: its content under the audit key."""
    return hmac.new(key, b"karpear-audit-event:" + _canonical(_content(event)), hashlib.sha256).hexdigest()


def _link(prev_hash: str, seq: int, mac: str, key: bytes) -> str:
    """The chain hash of a sealed event: the previous hash, its place and its MAC, under the audit key."""
    message = f"karpear-audit-chain:{prev_hash}:{seq}:{mac}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _legacy_digest(prev_hash: str, event: AuditEvent) -> str:
    """Scheme 1, the chain before the audit key: SHA-256 of the content and the previous hash."""
    payload = {"prev": prev_hash, **_content(event)}
    return hashlib.sha256(_canonical(payload)).hexdigest()


# ---------------------------------------------------------------- writing
def object_ref(obj: models.Model | None) -> tuple[str, str]:
    if obj is None:
        return "", ""
    public_id = getattr(obj, "uuid", None) or obj.pk
    return obj._meta.label_lower, str(public_id)


def _event(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None,
    organisation: Organisation | None,
    actor_name: str,
    details: dict[str, Any],
    key: bytes,
) -> AuditEvent:
    object_type, object_id = object_ref(obj)
    # The object's own organisation by id: no query per object when many are recorded at once.
    organisation_id = organisation.pk if organisation is not None else getattr(obj, "organisation_id", None)
    event = AuditEvent(
        at=timezone.now(),
        actor=actor if actor is not None and actor.pk else None,
        actor_name=actor_name or (actor.get_username() if actor is not None else ""),
        organisation_id=organisation_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        ip=current_ip.get(),
        details=json.loads(json.dumps(details, default=str)),
        # scheme: the model's default, KEYED.
        key_id=key_id(key),  # pragma: no mutate (key_id(None) falls back to the same key: docs/testing.md)
    )
    event.mac = _mac(event, key)
    return event


def record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    organisation: Organisation | None = None,
    actor_name: str = "",
    **details: Any,
) -> AuditEvent:
    """Append one event. Call it inside the transaction of the change it describes, as its last write.

    No lock is taken: the event is sealed into the chain within seconds by `seal()`.
    """
    event = _event(
        actor=actor,
        action=action,
        obj=obj,
        organisation=organisation,
        actor_name=actor_name,
        details=details,
        key=_key(),
    )
    pending = _pending.get()
    if pending is not None:
        pending.append(event)
    else:
        event.save(force_insert=True)  # pragma: no mutate (a new event is inserted either way)
    return event


@contextmanager
def batched() -> Iterator[None]:
    """Append the events recorded inside in one insert when the block ends: a page that records several (a
    search by name that also shows names) pays one write. Nothing is written if the block raises: no answer is
    sent either, so nothing was read."""
    pending: list[AuditEvent] = []
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    if pending:
        AuditEvent.objects.bulk_create(pending)


def record_many(
    *,
    actor: User | None,
    action: str,
    objects: Iterable[models.Model],
    organisation: Organisation | None = None,
    **details: Any,
) -> int:
    """Append one event per object (the same action and details) in one insert; returns how many."""
    key = _key()
    events = [
        _event(
            actor=actor,
            action=action,
            obj=obj,
            organisation=organisation,
            actor_name="",  # pragma: no mutate (None is empty too: the actor's username is taken)
            details=details,
            key=key,
        )
        for obj in objects
    ]
    AuditEvent.objects.bulk_create(events, batch_size=1000)  # pragma: no mutate (rows per statement, not which)
    return len(events)


# ---------------------------------------------------------------- sealing
@dataclass(frozen=True)
class SealResult:
    sealed: int
    refused: list[int]  # ids of events whose MAC does not fit: altered or forged, left unsealed


def seal(*, limit: int = SEAL_BATCH) -> SealResult:
    """Link up to `limit` unsealed events into the chain, oldest first. Safe to run from several processes:
    the chain head's row lock makes sealers take turns."""
    key = _key()
    with transaction.atomic():
        head = _locked_head()
        pending = list(
            AuditEvent._base_manager.filter(seq__isnull=True, refused_at__isnull=True).order_by("id")[:limit]
        )
        refused: list[int] = []
        sealed: list[AuditEvent] = []
        prev, seq = head.last_hash, head.last_seq
        for event in pending:
            if not hmac.compare_digest(event.mac, _mac(event, key)):
                refused.append(event.id)
                continue
            seq += 1
            event.seq, event.prev_hash = seq, prev
            event.hash = _link(prev, seq, event.mac, key)
            prev = event.hash
            sealed.append(event)
        if refused:
            AuditEvent._base_manager.filter(id__in=refused).update(refused_at=timezone.now())
        if sealed:
            AuditEvent._base_manager.bulk_update(  # pragma: no mutate (batch_size: rows per statement, not which)
                sealed,
                ["seq", "prev_hash", "hash"],
                batch_size=500,  # pragma: no mutate
            )
            AuditChainHead.objects.filter(id=1).update(last_hash=prev, last_seq=seq, sealed_at=timezone.now())
    return SealResult(len(sealed), refused)


def seal_all() -> SealResult:
    """Seal until nothing sealable is left (commands and tests; the worker seals batch by batch)."""
    total, refused = 0, []
    while True:
        result = seal()
        total += result.sealed
        refused += result.refused
        if result.sealed + len(result.refused) < SEAL_BATCH:
            return SealResult(total, refused)


def _locked_head() -> AuditChainHead:
    # Without id=1 the call finds or makes the same row: the table's only one, and its first (docs/testing.md).
    head, _created = AuditChainHead.objects.select_for_update().get_or_create(  # pragma: no mutate
        id=1, defaults={"last_hash": GENESIS, "last_seq": 0}
    )
    return head


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> Head:
        """`SEQ:HASH` as `audit_head` prints it (a line of a head file may start with a date and a space)."""
        words = text.split()
        match = re.fullmatch(r"(\d+):([0-9a-f]{64})", words[-1]) if words else None
        if match is None:
            raise ValueError(f"not an audit head (SEQ:HASH): {text.strip()!r}")
        return cls(int(match[1]), match[2])


def head() -> Head:
    """The chain's newest sealed event, after sealing what can be sealed now."""
    seal_all()
    current = AuditChainHead.objects.get(id=1)  # seal() made it if there was none
    return Head(current.last_seq, current.last_hash)


# ---------------------------------------------------------------- verifying
@dataclass(frozen=True)
class ChainBreak:
    event_id: int | None
    reason: str


def _sealed() -> Iterator[AuditEvent]:
    events = AuditEvent.objects.filter(seq__isnull=False).order_by("seq")
    return events.iterator(chunk_size=2000)  # pragma: no mutate (rows per round trip, not which)


def verify_chain(*, heads: Sequence[Head] = ()) -> tuple[int, ChainBreak | None]:
    """Recompute the chain (after sealing what can be sealed). Returns (events checked, first break or None).

    `heads` are chain heads recorded elsewhere earlier: each must still be in the chain with the same hash,
    else the chain was cut short and rebuilt, or rewritten, since it was recorded.
    """
    key = _key()
    seal_all()
    expected = {h.seq: h.hash for h in heads}
    prev, checked, last_seq = GENESIS, 0, 0
    expected_key_id = key_id(key)  # pragma: no mutate (key_id(None) falls back to the same key)
    for event in _sealed():
        if event.prev_hash != prev:
            return checked, ChainBreak(
                event.id, "previous hash does not match: an earlier event was removed or changed"
            )
        if event.scheme == LEGACY:
            if _legacy_digest(prev, event) != event.hash:
                return checked, ChainBreak(event.id, "hash does not match the event: this event was changed")
        else:
            if event.key_id != expected_key_id:
                return checked, ChainBreak(event.id, "sealed with another audit key: this event was forged")
            if not hmac.compare_digest(event.mac, _mac(event, key)):
                return checked, ChainBreak(event.id, "hash does not match the event: this event was changed")
            seq = event.seq or 0  # pragma: no mutate (a sealed event always has a sequence number)
            if event.hash != _link(prev, seq, event.mac, key):
                return checked, ChainBreak(
                    event.id, "hash does not match the event: its place in the chain was changed"
                )
        if event.seq in expected and expected.pop(event.seq) != event.hash:
            return checked, ChainBreak(event.id, "differs from the head recorded elsewhere: the chain was rewritten")
        prev, last_seq = event.hash, event.seq or last_seq
        checked += 1
    current = AuditChainHead.objects.filter(id=1).first()
    if current is not None and (current.last_hash != prev or current.last_seq != last_seq):
        return checked, ChainBreak(None, "the newest events were removed: the chain ends before its recorded head")
    if expected:
        return checked, ChainBreak(
            None,
            "a head recorded elsewhere is missing: the newest events were removed and the chain was cut short "
            f"(recorded event {min(expected)} is not in the chain)",
        )
    unsealed = AuditEvent.objects.filter(seq__isnull=True)
    if unsealed.exists():
        first = unsealed.order_by("id").first()
        assert first is not None
        return checked, ChainBreak(
            first.id, "cannot be sealed: its MAC does not fit (altered, or written without the key)"
        )
    return checked, None
