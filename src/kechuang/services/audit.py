"""The append-only, hash-chained audit log of market transitions, and its verification.

Every audited write first updates the single `audit_head` row: on PostgreSQL that row lock, on SQLite
the database write lock, serializes all audited transactions, so two parties acting at once are
applied one after the other (the second sees the first's outcome) and the chain never forks.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kechuang.domain.access import Actor
from kechuang.domain.clock import now
from kechuang.domain.errors import Conflict, InvalidInput, PermissionDenied
from kechuang.domain.market import GENESIS, AuditEvent, AuditHead, IdempotencyKey, event_hash

Events: Any = AuditEvent
Head: Any = AuditHead
Keys: Any = IdempotencyKey
VERIFY_BATCH = 5000
MAX_IDEMPOTENCY_KEY = 200  # the column's size: a longer key is refused, never cut (two keys would merge)


def replayed(session: Session, actor: Actor, key: str | None, action: str) -> IdempotencyKey | None:
    """The earlier request this key stands for (None when absent or new); reused for another action: 409.

    Every audited module (market, calls, tasks, chains) takes its retries through here and `remember`."""
    if not key:
        return None
    if len(key) > MAX_IDEMPOTENCY_KEY:
        raise InvalidInput(
            f"an idempotency key is at most {MAX_IDEMPOTENCY_KEY} characters", field="idempotency_key"
        )
    found: IdempotencyKey | None = session.scalar(
        select(Keys).where(Keys.user_key == str(actor.user_id or actor.name), Keys.key == key)
    )
    if found is not None and found.action != action:
        raise Conflict(
            f"idempotency key '{key}' was already used for '{found.action}'", field="idempotency_key"
        )
    return found


def replayed_id(session: Session, actor: Actor, key: str | None, action: str) -> int | None:
    """The id the earlier request with this key produced (None when the key is absent or new)."""
    found = replayed(session, actor, key, action)
    return found.result_id if found is not None else None


def remember(
    session: Session, actor: Actor, key: str | None, action: str, entity: str, result_id: int | None
) -> None:
    """Keep what a keyed request produced, in its own transaction, so a retry returns it (`replayed`)."""
    if key:
        session.add(
            IdempotencyKey(
                user_key=str(actor.user_id or actor.name),
                key=key,
                action=action,
                result_entity=entity,
                result_id=result_id,
                created_at=now(),
            )
        )


def lock_chain(session: Session) -> AuditHead:
    """Take the chain's lock as the transaction's first write; returns the head to append after."""
    result = session.execute(update(Head).where(Head.id == 1).values(seq=Head.seq))
    if result.rowcount == 0:  # type: ignore[attr-defined]
        session.add(AuditHead(id=1, seq=0, last_hash=GENESIS))
        session.flush()
    head: AuditHead | None = session.get(Head, 1, populate_existing=True)
    assert head is not None  # created just above when missing
    return head


def append(
    session: Session,
    head: AuditHead,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: int | None,
    payload: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event after `head` (locked by `lock_chain` in this transaction)."""
    stamp = now()
    seq = head.seq + 1
    body = dict(payload or {})
    digest = event_hash(head.last_hash, seq, stamp, actor.name, action, entity, entity_id, body)
    event = AuditEvent(
        seq=seq,
        at=stamp,
        actor=actor.name,
        action=action,
        entity=entity,
        entity_id=entity_id,
        payload=body,
        prev_hash=head.last_hash,
        hash=digest,
    )
    session.add(event)
    head.seq = seq
    head.last_hash = digest
    return event


@dataclass
class Verification:
    """What `verify` found: events checked, the first broken sequence number and why, and the time."""

    events: int
    ok: bool
    broken_seq: int | None = None
    reason: str = ""
    seconds: float = 0.0


def verify(actor: Actor, session_factory: Any) -> Verification:
    """Recompute every hash in order; an edited, deleted or reordered event breaks the chain."""
    if not actor.is_overseer:
        raise PermissionDenied("only administrators, officers and registrars may verify the audit log")
    started = time.perf_counter()
    prev, expected_seq, count = GENESIS, 1, 0
    with session_factory() as session:
        head = session.get(Head, 1)
        for event in _events(session):
            count += 1
            if event.seq != expected_seq:
                return _broken(count, expected_seq, f"event {expected_seq} is missing", started)
            if event.prev_hash != prev:
                return _broken(count, event.seq, "its previous hash does not match the chain", started)
            digest = event_hash(
                prev,
                event.seq,
                event.at or datetime.min,
                event.actor,
                event.action,
                event.entity,
                event.entity_id,
                event.payload,
            )
            if digest != event.hash:
                return _broken(count, event.seq, "its content was changed after it was written", started)
            prev, expected_seq = event.hash, expected_seq + 1
        if head is not None and (head.seq != count or head.last_hash != prev):
            return _broken(count, count + 1, "events after the last one were deleted", started)
    return Verification(count, True, seconds=time.perf_counter() - started)


def _broken(count: int, seq: int, reason: str, started: float) -> Verification:
    return Verification(count, False, seq, reason, time.perf_counter() - started)


def _events(session: Session) -> Iterator[AuditEvent]:
    """All events in sequence order, read in batches so memory stays flat on long chains."""
    last = 0
    while True:
        batch = list(
            session.scalars(select(Events).where(Events.seq > last).order_by(Events.seq).limit(VERIFY_BATCH))
        )
        if not batch:
            return
        yield from batch
        last = batch[-1].seq
        session.expunge_all()


def events_of(session: Session, entity: str, entity_id: int) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(Events).where(Events.entity == entity, Events.entity_id == entity_id).order_by(Events.seq)
        )
    )
