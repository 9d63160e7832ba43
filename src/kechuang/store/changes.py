"""The change feed of indexed records (record_changes, written by triggers), read in commit-safe order.

A position is (txid, seq). On SQLite writers are serialised, so sequence order is commit order and txid is
always 0. On PostgreSQL a sequence number is taken before its transaction commits, so a reader could see
seq 6 before seq 5; rows are therefore read only from transactions below the oldest one still running
(`pg_snapshot_xmin`), which can no longer add rows, in (txid, seq) order. No committed change is skipped,
none is waited for forever, and reading twice is harmless (indexing is idempotent). The price: a write
transaction left open on the server (xids are server-wide, so in any database) holds indexing back until
it ends; match answers then report their pending changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, text, tuple_
from sqlalchemy.orm import Session

from .tables import record_changes

Position = tuple[int, int]
START: Position = (0, 0)
_NO_CEILING = 2**63 - 1


@dataclass(frozen=True)
class Change:
    txid: int
    seq: int
    record_id: int

    @property
    def position(self) -> Position:
        return (self.txid, self.seq)


def _ceiling(session: Session) -> int:
    """Transactions below this id have all ended: their changes are final."""
    if session.get_bind().dialect.name != "postgresql":
        return _NO_CEILING
    return int(session.scalar(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")) or 0)


def _after(session: Session, entity: str, position: Position, ceiling: int) -> list:  # type: ignore[type-arg]
    """Changes of `entity` after `position`, below `ceiling`, as conditions the position index serves."""
    txid, seq = position
    c = record_changes.c
    if session.get_bind().dialect.name != "postgresql":
        return [c.entity == entity, c.txid == 0, c.seq > seq]  # one writer: txid is always 0
    return [c.entity == entity, c.txid < ceiling, tuple_(c.txid, c.seq) > tuple_(txid, seq)]


def read_changes(session: Session, entity: str, position: Position, limit: int) -> list[Change]:
    """Up to `limit` final changes of `entity` after `position`, in feed order."""
    c = record_changes.c
    stmt = (
        select(c.txid, c.seq, c.record_id)
        .where(*_after(session, entity, position, _ceiling(session)))
        .order_by(c.txid, c.seq)
        .limit(limit)
    )
    return [Change(int(t), int(s), int(r)) for t, s, r in session.execute(stmt)]


def pending_changes(session: Session, entity: str, position: Position) -> int:
    """Changes of `entity` after `position`, final or not yet: how far an index is behind."""
    behind = _after(session, entity, position, _NO_CEILING)
    stmt = select(func.count()).select_from(record_changes).where(*behind)
    return int(session.scalar(stmt) or 0)
