"""What the sealer does and what the verifier answers, break for break, word for word (issue 19: the mutants of
core/audit.py the suite let through). `verify_audit` prints these answers to the operator checking the log."""

from __future__ import annotations

import pytest
from django.db import connection

from conftest import make_org, make_user
from karpear.core import audit
from karpear.core.models import AuditChainHead, AuditEvent
from karpear.core.roles import Role

pytestmark = pytest.mark.django_db

CHANGED_PLACE = "hash does not match the event: its place in the chain was changed"
OTHER_KEY = "sealed with another audit key: this event was forged"
REWRITTEN = "differs from the head recorded elsewhere: the chain was rewritten"
CUT_SHORT = "the newest events were removed: the chain ends before its recorded head"
UNSEALABLE = "cannot be sealed: its MAC does not fit (altered, or written without the key)"


def raw_sql(sql: str, params: list[object]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def write(count: int, name: str = "user") -> list[AuditEvent]:
    return [audit.record(actor=None, action="login", actor_name=f"{name}-{i}") for i in range(count)]


def forge() -> AuditEvent:
    """An event written into the table by someone without the audit key (its MAC is made up)."""
    event = write(1, "forger")[0]
    raw_sql("UPDATE core_auditevent SET mac = %s WHERE id = %s", ["0" * 64, event.id])
    return event


@pytest.fixture
def chain() -> list[AuditEvent]:
    write(4)
    audit.seal_all()
    return list(AuditEvent.objects.order_by("seq"))


# ---------------------------------------------------------------- sealing
def test_a_forged_event_does_not_stop_the_events_after_it_from_being_sealed() -> None:
    forged = forge()
    good = write(2)
    assert audit.seal_all() == audit.SealResult(2, [forged.id])
    assert not AuditEvent.objects.filter(id__in=[e.id for e in good], seq__isnull=True).exists()


def test_a_refused_event_is_refused_once_and_not_checked_again() -> None:
    forged = forge()
    assert audit.seal() == audit.SealResult(0, [forged.id])
    assert audit.seal() == audit.SealResult(0, [])
    assert AuditEvent.objects.get(id=forged.id).refused_at is not None


def test_more_events_than_a_batch_with_a_forged_one_are_all_sealed_and_counted() -> None:
    """A forged event in the first full batch: every good event is still sealed, all are counted once."""
    forged = forge()
    AuditEvent.objects.bulk_create(
        [
            audit._event(
                actor=None, action="view", obj=None, organisation=None, actor_name="x", details={}, key=audit._key()
            )
            for _ in range(audit.SEAL_BATCH)
        ]
    )
    assert audit.seal_all() == audit.SealResult(audit.SEAL_BATCH, [forged.id])
    assert not AuditEvent.objects.filter(seq__isnull=True, refused_at__isnull=True).exists()
    assert audit.head().seq == audit.SEAL_BATCH


def test_the_chain_head_says_when_it_was_last_sealed() -> None:
    write(1)
    audit.seal_all()
    assert AuditChainHead.objects.get(id=1).sealed_at is not None


# ---------------------------------------------------------------- what the verifier answers
def test_an_event_moved_to_another_place_in_the_chain_is_named(chain: list[AuditEvent]) -> None:
    last = chain[-1]
    raw_sql("UPDATE core_auditevent SET seq = %s WHERE id = %s", [last.seq + 10, last.id])
    raw_sql("UPDATE core_auditchainhead SET last_seq = %s", [last.seq + 10])
    assert audit.verify_chain() == (len(chain) - 1, audit.ChainBreak(last.id, CHANGED_PLACE))


def test_an_event_sealed_with_another_key_is_named(chain: list[AuditEvent], settings: object) -> None:
    settings.AUDIT_KEY = "another-key-than-the-one-that-sealed-the-chain"  # type: ignore[attr-defined]
    assert audit.verify_chain() == (0, audit.ChainBreak(chain[0].id, OTHER_KEY))


def test_a_chain_rewritten_since_its_head_was_recorded_is_named(chain: list[AuditEvent]) -> None:
    recorded = audit.Head(chain[1].seq or 0, "f" * 64)
    assert audit.verify_chain(heads=[recorded]) == (1, audit.ChainBreak(chain[1].id, REWRITTEN))


def test_a_chain_whose_head_was_moved_on_is_caught_even_when_the_hash_still_fits(chain: list[AuditEvent]) -> None:
    raw_sql("UPDATE core_auditchainhead SET last_seq = last_seq + 1", [])
    assert audit.verify_chain() == (len(chain), audit.ChainBreak(None, CUT_SHORT))


def test_a_head_recorded_elsewhere_beyond_the_chain_is_reported_missing(chain: list[AuditEvent]) -> None:
    missing = audit.Head(99, "a" * 64)
    assert audit.verify_chain(heads=[missing]) == (
        len(chain),
        audit.ChainBreak(
            None,
            "a head recorded elsewhere is missing: the newest events were removed and the chain was cut short "
            "(recorded event 99 is not in the chain)",
        ),
    )


def test_an_event_that_cannot_be_sealed_is_named(chain: list[AuditEvent]) -> None:
    forged = forge()
    assert audit.verify_chain() == (len(chain), audit.ChainBreak(forged.id, UNSEALABLE))


# ---------------------------------------------------------------- writing many events at once
def test_events_written_together_name_their_actor_and_the_organisation_acted_for() -> None:
    """record_many (export builds, revoked tokens): each event names who acted, by username, and the organisation
    given, not the one each object belongs to (a receiver reading a referred person acts for the receiver)."""
    owner, receiver = make_org("alpha"), make_org("beta")
    actor = make_user(receiver, Role.CASE_SUPERVISOR, username="reader")
    objects = [make_org(f"o{i}") for i in range(2)] + [owner]
    assert audit.record_many(actor=actor, action="view", objects=objects, organisation=receiver, reason="list") == 3
    events = list(AuditEvent.objects.filter(action="view").order_by("id"))
    assert [(e.actor_id, e.actor_name, e.organisation_id) for e in events] == [(actor.pk, "reader", receiver.pk)] * 3
    assert [e.object_id for e in events] == [str(o.uuid) for o in objects]
    assert all(e.details == {"reason": "list"} for e in events)
    assert audit.seal_all().sealed == 3 and audit.verify_chain() == (3, None)
