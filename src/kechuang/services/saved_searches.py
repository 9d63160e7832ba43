"""Saved searches: a signed-in user keeps a list query and hears of new listings that match it.

`notify_saved_searches` looks only at records created since the search's remembered position (per entity,
the highest record id already considered), under the owner's own visibility, so it can run as often as
wanted (CLI `kechuang saved-searches notify`, a cron job) without repeating a notice or leaking a record.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from kechuang.domain.access import Actor
from kechuang.domain.accounts import (
    MAX_SAVED_SEARCH_NOTICES,
    MAX_SAVED_SEARCHES,
    Notification,
    SavedSearch,
    User,
)
from kechuang.domain.clock import now
from kechuang.domain.entities import REGISTRY_ENTITIES
from kechuang.domain.enums import NotificationKind
from kechuang.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from kechuang.domain.limits import MAX_ID, check_text
from kechuang.store.db import UnitOfWork

from .accounts import actor_for
from .registry import MAX_QUERY_CHARS, list_records, visible_to
from .search import ranked_ids

MAX_FILTERS = 10
Saved: Any = SavedSearch
Users: Any = User


def _user(actor: Actor) -> int:
    if not actor.authenticated or actor.user_id is None:
        raise PermissionDenied("sign in to save searches")
    return actor.user_id


def _scope(entity: str) -> list[str]:
    """The entities a saved search covers: its own, or every registry list for a site search."""
    return [entity] if entity else list(REGISTRY_ENTITIES)


def _checked(value: str, field: str, limit: int) -> str:
    try:
        return check_text(value.strip(), max_length=limit)
    except ValueError as exc:
        raise InvalidInput(f"the {field} {exc}", field=field) from None


def _checked_filters(entity: str, filters: dict[str, Any]) -> dict[str, Any]:
    kept = {name: value for name, value in filters.items() if value not in (None, "")}
    if kept and not entity:
        raise InvalidInput("a site search has no filters", field="filters")
    if len(kept) > MAX_FILTERS:
        raise InvalidInput(f"at most {MAX_FILTERS} filters", field="filters")
    for name, value in kept.items():
        if isinstance(value, bool) or not isinstance(value, str | int) or len(str(value)) > 200:
            raise InvalidInput(
                f"filter '{name[:40]}' must be a short text or a whole number", field=name[:40]
            )
    return kept


def save_search(
    actor: Actor,
    uow: UnitOfWork,
    *,
    entity: str = "",
    q: str = "",
    filters: dict[str, Any] | None = None,
    name: str = "",
    indexes: Any = None,
) -> SavedSearch:
    """Keep the query; listings that exist now are not news, so the positions start at today's newest."""
    user_id = _user(actor)
    if entity and entity not in REGISTRY_ENTITIES:
        raise InvalidInput(f"entity must be one of: {', '.join(REGISTRY_ENTITIES)}", field="entity")
    q = _checked(q, "q", MAX_QUERY_CHARS)
    chosen = _checked_filters(entity, dict(filters or {}))
    if not q and not chosen:
        raise InvalidInput("a saved search needs a search text or a filter", field="q")
    if entity:  # the list's own checks: unknown filter fields, values, query words
        list_records(actor, entity, uow, q=q, filters=chosen, indexes=indexes, limit=1)
    name = _checked(name, "name", 200) or q[:200] or entity  # a long query names its search by its start
    with uow() as session:
        count = session.scalar(select(func.count()).select_from(Saved).where(Saved.user_id == user_id)) or 0
        if count >= MAX_SAVED_SEARCHES:
            raise Conflict(f"you already keep {MAX_SAVED_SEARCHES} saved searches; delete one first")
        positions = {kind: _newest(session, kind) for kind in _scope(entity)}
        saved = SavedSearch(
            user_id=user_id,
            name=name,
            entity=entity,
            q=q,
            filters=chosen,
            positions=positions,
            created_at=now(),
        )
        session.add(saved)
        session.flush()
    return saved


def _newest(session: Any, entity: str) -> int:
    cls: Any = REGISTRY_ENTITIES[entity]
    return int(session.scalar(select(func.max(cls.id))) or 0)


def list_saved_searches(actor: Actor, uow: UnitOfWork) -> list[SavedSearch]:
    """The signed-in user's saved searches, newest first."""
    user_id = _user(actor)
    with uow() as session:
        return list(session.scalars(select(Saved).where(Saved.user_id == user_id).order_by(Saved.id.desc())))


def delete_saved_search(actor: Actor, uow: UnitOfWork, search_id: int) -> None:
    """Delete one of the user's own saved searches (another user's is not found)."""
    user_id = _user(actor)
    with uow() as session:
        found = session.get(SavedSearch, search_id) if 1 <= search_id <= MAX_ID else None
        if found is None or found.user_id != user_id:
            raise NotFound(f"saved search {search_id} not found")
        session.delete(found)


def notify_saved_searches(uow: UnitOfWork, indexes: Any) -> int:
    """Notify owners of listings created since their searches last looked; returns the notices written."""
    with uow() as session:
        searches = list(session.scalars(select(Saved).order_by(Saved.id)))
        owners = {
            user.id: user
            for user in session.scalars(
                select(Users).where(Users.id.in_({s.user_id for s in searches}), Users.active.is_(True))
            )
        }
        ceilings = {kind: _newest(session, kind) for kind in REGISTRY_ENTITIES}
    written = 0
    for search in searches:
        user = owners.get(search.user_id)
        if user is not None:
            written += _notify_one(uow, indexes, search, actor_for(user), ceilings)
    return written


def _notify_one(
    uow: UnitOfWork, indexes: Any, search: SavedSearch, owner: Actor, ceilings: dict[str, int]
) -> int:
    found: dict[str, list[int]] = {}
    moved: dict[str, tuple[int, int]] = {}
    for entity in _scope(search.entity):
        start, ceiling = int(search.positions.get(entity, 0)), ceilings[entity]
        if ceiling <= start:
            continue
        if search.q and indexes.status(entity, uow).pending:
            continue  # the text index is behind: look again next time rather than miss a listing
        found[entity] = _new_matches(owner, entity, search, start, ceiling, uow, indexes)
        moved[entity] = (start, ceiling)
    if not moved:
        return 0
    notices = []
    with uow() as session:
        current = session.get(SavedSearch, search.id, with_for_update=True)
        if current is None:
            return 0  # deleted meanwhile
        positions = dict(current.positions)
        for entity, (start, ceiling) in moved.items():
            if int(positions.get(entity, 0)) != start:
                continue  # a concurrent run already handled this stretch
            positions[entity] = ceiling
            notices += [
                Notification(
                    user_id=current.user_id,
                    kind=NotificationKind.SAVED_SEARCH,
                    subject_entity=entity,
                    subject_id=record_id,
                    text=current.name,
                    created_at=now(),
                    data={"saved_search": current.id},
                )
                for record_id in found[entity]
            ]
        notices = notices[:MAX_SAVED_SEARCH_NOTICES]
        session.add_all(notices)
        current.positions = positions
        current.notified_at = now()
    return len(notices)


def _new_matches(
    owner: Actor, entity: str, search: SavedSearch, start: int, ceiling: int, uow: UnitOfWork, indexes: Any
) -> list[int]:
    """Ids of the records in (start, ceiling] the owner may see that match the search, oldest first;
    their own organization's listings are no news to them."""
    cls: Any = REGISTRY_ENTITIES[entity]
    conditions = [cls.id > start, cls.id <= ceiling, visible_to(owner, cls), cls.merged_into_id.is_(None)]
    if owner.organization_id is not None:
        conditions.append(cls.owner_org_id.is_distinct_from(owner.organization_id))
    for name, value in (search.filters or {}).items():
        if hasattr(cls, name):
            conditions.append(getattr(cls, name) == value)
    if search.q:
        conditions.append(cls.id.in_(ranked_ids(owner, entity, search.q, uow, indexes) or [0]))
    with uow() as session:
        stmt = select(cls.id).where(*conditions).order_by(cls.id).limit(MAX_SAVED_SEARCH_NOTICES)
        return [int(i) for i in session.scalars(stmt)]
