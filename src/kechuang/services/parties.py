"""Deals and contracts are seen by their two parties and by overseers: one scoped, paged query for both."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import func, select

from kechuang.domain.access import Actor
from kechuang.domain.errors import InvalidInput, PermissionDenied
from kechuang.domain.limits import MAX_ID, MAX_OFFSET
from kechuang.store.db import UnitOfWork


def party_page(
    actor: Actor,
    uow: UnitOfWork,
    model: Any,
    what: str,
    *,
    state: tuple[str, type[StrEnum], str],
    limit: int,
    offset: int,
    after: int | None = None,
) -> tuple[list[Any], int]:
    """Rows of `model` (seller_org_id / buyer_org_id) the actor may see, newest first, with their total.

    `state` is (column name, its enum, the wanted value or "" for any); `after` (the last id of the previous
    page) pages by keyset instead of `offset`.
    """
    if not actor.authenticated:
        raise PermissionDenied(f"sign in to see {what}")
    if not 0 <= offset <= MAX_OFFSET:
        raise InvalidInput(f"offset must be from 0 to {MAX_OFFSET}", field="offset")
    conditions = []
    if not actor.is_overseer:
        org = actor.organization_id or -1
        conditions.append((model.seller_org_id == org) | (model.buyer_org_id == org))
    column, enum, value = state
    if value:
        try:
            conditions.append(getattr(model, column) == enum(value))
        except ValueError:
            raise InvalidInput(f"unknown {column} '{value}'", field=column) from None
    if after is not None and (offset or not 1 <= after <= MAX_ID):
        raise InvalidInput(f"after must be an id from 1 to {MAX_ID}, without offset", field="after")
    with uow() as session:
        count = session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0
        below = [model.id < after] if after is not None else []
        items = list(
            session.scalars(
                select(model).where(*conditions, *below).order_by(model.id.desc()).limit(limit).offset(offset)
            )
        )
    return items, count
