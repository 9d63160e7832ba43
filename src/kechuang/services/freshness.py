"""Listing freshness: stale demands and achievements leave matching and search; owners confirm them.

The rule (`domain.feedback.Freshness`) is applied here, in SQL, so that no list, search or match can bypass
it; a stale listing keeps its page, its deals and its history. Confirming and reminding: `services.listings`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from kechuang.domain.clock import now
from kechuang.domain.entities import Achievement, Demand
from kechuang.domain.feedback import Freshness
from kechuang.store.db import UnitOfWork

LISTINGS: dict[str, Any] = {"achievement": Achievement, "demand": Demand}
DEFAULT = Freshness()


def current_condition(entity: str, freshness: Freshness | None = None, today: date | None = None) -> Any:
    """SQL condition true for the current listings of `entity` today (None: the entity never expires).

    Equal, row by row, to `Freshness.expires_on(...) >= today` (tested), so pages, counts, search and
    matching agree on what is stale.
    """
    cls = LISTINGS.get(entity)
    if cls is None:
        return None
    rule, day = freshness or DEFAULT, today or now().date()
    cutoff = rule.cutoff(day)
    if entity == "achievement":
        base = func.coalesce(cls.confirmed_at, cls.created_at)
        return or_(base.is_(None), base >= cutoff)
    confirmed = and_(cls.confirmed_at.is_not(None), cls.confirmed_at >= cutoff)  # never NULL: NOT works
    return or_(cls.deadline.is_(None), cls.deadline >= day, confirmed)


def expired_condition(entity: str, freshness: Freshness | None = None, today: date | None = None) -> Any:
    """The negation of `current_condition`, for the "expired only" view."""
    current = current_condition(entity, freshness, today)
    return None if current is None else ~current


def stale_ids(
    uow: UnitOfWork, entity: str, freshness: Freshness | None = None, among: list[int] | None = None
) -> set[int]:
    """Ids of the stale listings of `entity` (optionally only among `among`)."""
    current = current_condition(entity, freshness)
    if current is None or among == []:
        return set()
    cls = LISTINGS[entity]
    conditions: list[ColumnElement[bool]] = [~current]
    if among is not None:
        conditions.append(cls.id.in_(among))
    with uow() as session:
        return set(session.scalars(select(cls.id).where(*conditions)))


def current_ids(uow: UnitOfWork, entity: str, freshness: Freshness | None = None) -> Any:
    """Ids of the current listings for the engine's `only` restriction; None when none is stale."""
    import numpy as np

    if not stale_ids(uow, entity, freshness):
        return None
    cls = LISTINGS[entity]
    with uow() as session:
        ids = list(
            session.scalars(
                select(cls.id).where(cls.merged_into_id.is_(None), current_condition(entity, freshness))
            )
        )
    return np.asarray(sorted(ids), dtype=np.int64)


def is_stale(item: Any, freshness: Freshness | None = None, today: date | None = None) -> bool:
    """Whether a loaded demand or achievement is past its expiry."""
    expiry = expires_on(item, freshness)
    return expiry is not None and expiry < (today or now().date())


def expires_on(item: Any, freshness: Freshness | None = None) -> date | None:
    entity = getattr(item, "kind_name", "")
    if entity not in LISTINGS:
        return None
    return (freshness or DEFAULT).expires_on(
        entity,
        deadline=getattr(item, "deadline", None),
        confirmed_at=item.confirmed_at,
        created_at=item.created_at,
    )


