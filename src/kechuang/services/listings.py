"""Listing upkeep: the owner's "still current" confirmation (audited) and reminders before expiry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select

from kechuang.domain.access import Actor, can_edit
from kechuang.domain.accounts import Notification
from kechuang.domain.clock import now
from kechuang.domain.enums import ListingStatus, NotificationKind
from kechuang.domain.errors import InvalidInput, PermissionDenied
from kechuang.domain.feedback import Freshness, ListingReminder
from kechuang.store.db import UnitOfWork

from . import audit
from .accounts import users_of_organization
from .freshness import DEFAULT, LISTINGS, expires_on
from .registry import get_record

REMINDERS: Any = ListingReminder


@dataclass(frozen=True)
class ListingState:
    """What a listing's page says of its freshness: its expiry, whether it is stale or soon due."""

    expires_on: date | None
    stale: bool
    due_soon: bool
    confirmed_at: Any
    can_confirm: bool


def listing_state(actor: Actor, item: Any, freshness: Freshness | None = None) -> ListingState | None:
    """The freshness of a demand or achievement as shown on its page (None for other records)."""
    if getattr(item, "kind_name", "") not in LISTINGS:
        return None
    rule = freshness or DEFAULT
    today = now().date()
    expiry = expires_on(item, rule)
    stale = expiry is not None and expiry < today
    soon = expiry is not None and not stale and expiry <= today + timedelta(days=rule.remind_days)
    return ListingState(expiry, stale, soon, item.confirmed_at,
                        actor.authenticated and can_edit(actor, item.owner_org_id))


def confirm_listing(
    actor: Actor, entity: str, record_id: int, uow: UnitOfWork, *, idempotency_key: str | None = None
) -> Any:
    """The owner says "still current": the listing is confirmed now (and current again), audited."""
    if entity not in LISTINGS:
        raise InvalidInput("only achievements and demands are confirmed", field="entity")
    if not actor.authenticated:
        raise PermissionDenied("sign in to confirm this listing")
    item = get_record(actor, entity, record_id, uow)  # NotFound for what the actor may not see
    if not can_edit(actor, item.owner_org_id):
        raise PermissionDenied("only the owner organization may confirm this listing")
    action = f"{entity}.confirm"
    cls = LISTINGS[entity]
    with uow() as session:
        if audit.replayed(session, actor, idempotency_key, action) is not None:
            return session.get(cls, record_id)
        head = audit.lock_chain(session)
        row: Any = session.get(cls, record_id, populate_existing=True)
        previous = row.confirmed_at
        row.confirmed_at = now()
        audit.append(session, head, actor, action, entity, record_id, {
            "previous": previous.isoformat() if previous else None,
            "confirmed_at": row.confirmed_at.isoformat(),
        })
        audit.remember(session, actor, idempotency_key, action, entity, record_id)
        session.flush()
        session.expunge(row)
        return row


def due_reminders(
    uow: UnitOfWork, freshness: Freshness | None = None, today: date | None = None
) -> list[tuple[str, Any, date]]:
    """Open listings with an owner that go stale within `remind_days` and were not reminded for that date."""
    rule, day = freshness or DEFAULT, today or now().date()
    horizon = day + timedelta(days=rule.remind_days)
    low, high = rule.cutoff(day), rule.cutoff(horizon) + timedelta(days=1)
    due: list[tuple[str, Any, date]] = []
    with uow() as session:
        for entity, cls in LISTINGS.items():
            base = [
                cls.merged_into_id.is_(None), cls.owner_org_id.is_not(None), cls.status == ListingStatus.OPEN
            ]
            if entity == "achievement":
                stamp = func.coalesce(cls.confirmed_at, cls.created_at)
                window = and_(stamp >= low, stamp < high)
            else:
                window = or_(
                    and_(cls.deadline >= day, cls.deadline <= horizon),
                    and_(cls.confirmed_at >= low, cls.confirmed_at < high),
                )
            for item in session.scalars(select(cls).where(*base, window).order_by(cls.id)):
                expiry = expires_on(item, rule)
                if expiry is not None and day <= expiry <= horizon:
                    due.append((entity, item, expiry))
        sent = {
            (r.entity, r.record_id, r.expires_on)
            for r in session.scalars(select(REMINDERS).where(REMINDERS.expires_on >= day))
        }
        session.expunge_all()
    return [(e, item, expiry) for e, item, expiry in due if (e, item.id, expiry) not in sent]


@dataclass(frozen=True)
class RemindResult:
    listings: int
    notifications: int


def remind(
    actor: Actor, uow: UnitOfWork, freshness: Freshness | None = None, today: date | None = None
) -> RemindResult:
    """Notify the owners of listings that go stale soon; a listing is reminded once per expiry date."""
    if not actor.is_admin:
        raise PermissionDenied("only the installation's operator sends listing reminders")
    listings = notices = 0
    for entity, item, expiry in due_reminders(uow, freshness, today):
        users = users_of_organization(uow, item.owner_org_id)
        with uow() as session:
            if session.scalar(select(REMINDERS.id).where(
                REMINDERS.entity == entity, REMINDERS.record_id == item.id, REMINDERS.expires_on == expiry
            )) is not None:
                continue  # another run sent it meanwhile
            session.add(ListingReminder(entity=entity, record_id=item.id, expires_on=expiry,
                                        recipients=len(users), sent_at=now()))
            session.add_all(
                Notification(user_id=user.id or 0, kind=NotificationKind.REMINDER, subject_entity=entity,
                             subject_id=item.id, created_at=now(), data={"expires_on": expiry.isoformat()})
                for user in users
            )
        listings += 1
        notices += len(users)
    return RemindResult(listings, notices)
