"""The audit log: append-only, hash-chained events (DESIGN §6).

Services call `record()` inside their own transaction, so an event exists exactly when the change does.
Each event's hash covers its fields and the previous event's hash; `verify_chain()` recomputes the chain and
names the first event that no longer fits, so an edited or deleted row is found.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from karpear.core.models import AuditChainHead, AuditEvent, Organisation, User

GENESIS = "0" * 64

# The client address of the request being served; set by middleware, read here, so services need not carry it.
current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("karpear_audit_ip", default=None)


def _digest(prev_hash: str, event: AuditEvent) -> str:
    payload = {
        "prev": prev_hash,
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
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def object_ref(obj: models.Model | None) -> tuple[str, str]:
    if obj is None:
        return "", ""
    public_id = getattr(obj, "uuid", None) or obj.pk
    return obj._meta.label_lower, str(public_id)


@transaction.atomic
def record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    organisation: Organisation | None = None,
    actor_name: str = "",
    **details: Any,
) -> AuditEvent:
    """Append one event. Call it inside the transaction of the change it describes.

    The chain head row is locked for the append, so concurrent writers (several web processes and
    workers) extend the chain one after another and never fork it.
    """
    object_type, object_id = object_ref(obj)
    if organisation is None and obj is not None:
        organisation = getattr(obj, "organisation", None)
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1, defaults={"last_hash": GENESIS})
    event = AuditEvent(
        at=timezone.now(),
        actor=actor if actor is not None and actor.pk else None,
        actor_name=actor_name or (actor.get_username() if actor is not None else ""),
        organisation=organisation,
        action=action,
        object_type=object_type,
        object_id=object_id,
        ip=current_ip.get(),
        details=json.loads(json.dumps(details, default=str)),
        prev_hash=head.last_hash,
    )
    event.hash = _digest(head.last_hash, event)
    event.save(force_insert=True)
    head.last_hash = event.hash
    head.save(update_fields=["last_hash"])
    return event


@dataclass(frozen=True)
class ChainBreak:
    event_id: int | None
    reason: str


def _events() -> Iterator[AuditEvent]:
    return AuditEvent.objects.order_by("id").iterator(chunk_size=2000)


def verify_chain() -> tuple[int, ChainBreak | None]:
    """Recompute the chain. Returns (events checked, first break or None)."""
    prev = GENESIS
    checked = 0
    for event in _events():
        if event.prev_hash != prev:
            return checked, ChainBreak(
                event.id, "previous hash does not match: an earlier event was removed or changed"
            )
        if _digest(prev, event) != event.hash:
            return checked, ChainBreak(event.id, "hash does not match the event: this event was changed")
        prev = event.hash
        checked += 1
    head = AuditChainHead.objects.filter(id=1).first()
    if head is not None and head.last_hash != prev:
        return checked, ChainBreak(None, "the newest events were removed: the chain ends before its recorded head")
    return checked, None


@transaction.atomic
def record_many(
    *,
    actor: User | None,
    action: str,
    objects: Iterable[models.Model],
    organisation: Organisation | None = None,
    **details: Any,
) -> int:
    """Append one event per object with the same action and details, in bulk inserts; returns how many.

    For one act that touches many records (an export names each person whose identity went into the file).
    Each object's organisation is used unless `organisation` is given. The chain head is locked once.
    """
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1, defaults={"last_hash": GENESIS})
    at = timezone.now()
    actor_id = actor.pk if actor is not None and actor.pk else None
    actor_name = actor.get_username() if actor is not None else ""
    ip = current_ip.get()
    clean = json.loads(json.dumps(details, default=str))
    prev = head.last_hash
    batch: list[AuditEvent] = []
    total = 0
    for obj in objects:
        object_type, object_id = object_ref(obj)
        event = AuditEvent(
            at=at,
            actor_id=actor_id,
            actor_name=actor_name,
            organisation_id=organisation.pk if organisation is not None else getattr(obj, "organisation_id", None),
            action=action,
            object_type=object_type,
            object_id=object_id,
            ip=ip,
            details=clean,
            prev_hash=prev,
        )
        event.hash = prev = _digest(prev, event)
        batch.append(event)
        if len(batch) >= 1000:
            AuditEvent.objects.bulk_create(batch)
            total += len(batch)
            batch = []
    if batch:
        AuditEvent.objects.bulk_create(batch)
        total += len(batch)
    if total:
        head.last_hash = prev
        head.save(update_fields=["last_hash"])
    return total
