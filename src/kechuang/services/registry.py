"""Registry use cases: list, search, show and create records, with visibility enforced in the query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from sqlalchemy import String, cast, false, func, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from kechuang.domain.access import Actor, can_see
from kechuang.domain.entities import Record
from kechuang.domain.enums import Visibility
from kechuang.domain.errors import InvalidInput, NotFound, PermissionDenied
from kechuang.store.db import UnitOfWork

from .tabular.columns import EntitySpec, spec_for

SEARCH_FIELDS = ("name_zh", "name_en", "title_zh", "title_en", "keywords_zh", "keywords_en", "aliases")


@dataclass
class Page:
    """One page of results and the total the actor may see."""

    items: list[Any]
    count: int


def record_spec(entity: str) -> EntitySpec:
    """The spec of a registry record entity (not a link table)."""
    spec = spec_for(entity)
    if not issubclass(spec.cls, Record):
        raise InvalidInput(f"'{entity}' is not a registry entity", field="entity")
    return spec


def visible_to(actor: Actor, cls: Any) -> ColumnElement[bool]:
    """SQL condition equal to `can_see` for every row, so pages and counts never include hidden items."""
    if actor.is_admin:
        return true()
    allowed = [cls.visibility == Visibility.PUBLIC]
    if actor.authenticated:
        allowed.append(cls.visibility == Visibility.MEMBERS)
    if actor.organization_id is not None:
        allowed.append(cls.owner_org_id == actor.organization_id)
    return or_(*allowed) if allowed else false()


def list_records(
    actor: Actor,
    entity: str,
    uow: UnitOfWork,
    *,
    q: str = "",
    limit: int = 20,
    offset: int = 0,
    filters: dict[str, Any] | None = None,
    include_merged: bool = False,
) -> Page:
    """A page of visible records, newest first, optionally matching `q` in names, titles or keywords."""
    if limit < 1 or offset < 0:
        raise InvalidInput("limit must be at least 1 and offset not negative", field="limit")
    cls = record_spec(entity).cls
    conditions = [visible_to(actor, cls)]
    if not include_merged:
        conditions.append(cls.merged_into_id.is_(None))
    if q.strip():
        conditions.append(_text_match(cls, q.strip()))
    for name, value in (filters or {}).items():
        if value in (None, ""):
            continue
        if not hasattr(cls, name):
            raise InvalidInput(f"cannot filter {entity} by '{name}'", field=name)
        conditions.append(getattr(cls, name) == value)
    with uow() as session:
        count = session.scalar(select(func.count()).select_from(cls).where(*conditions)) or 0
        stmt = select(cls).where(*conditions).order_by(cls.id.desc()).limit(limit).offset(offset)
        items = list(session.scalars(stmt))
    return Page(items, count)


def _text_match(cls: Any, q: str) -> ColumnElement[bool]:
    pattern = f"%{q.lower()}%"
    columns = [getattr(cls, name) for name in SEARCH_FIELDS if hasattr(cls, name)]
    return or_(*(func.lower(cast(column, String)).like(pattern) for column in columns))


def get_record(actor: Actor, entity: str, record_id: int, uow: UnitOfWork) -> Any:
    """One record, or NotFound when it does not exist or the actor may not see it (no existence leak)."""
    cls = record_spec(entity).cls
    with uow() as session:
        item = session.get(cls, record_id)
    if item is None or not can_see(actor, item.visibility, item.owner_org_id):
        raise NotFound(f"{cls.kind_name} {record_id} not found")
    return item


def parse_fields(spec: EntitySpec, data: dict[str, Any]) -> dict[str, Any]:
    """Validate API/form input with the same parsers as imports; the first bad field is named."""
    values: dict[str, Any] = {}
    for name, raw in data.items():
        parser = spec.parsers.get(name)
        if parser is None:
            raise InvalidInput(f"unknown field '{name}'", field=name)
        try:
            parsed = parser(raw)
        except (ValueError, TypeError) as exc:
            raise InvalidInput(str(exc), field=name) from None
        if parsed is not None or name not in spec.enum_defaults:
            values[name] = parsed
    for group in spec.required_any:
        if not any(values.get(name) for name in group):
            raise InvalidInput(f"fill {' or '.join(group)}", field=group[0])
    return values


def create_record(actor: Actor, entity: str, data: dict[str, Any], uow: UnitOfWork) -> Any:
    """Create a record owned by the actor's organization (admins may name another owner)."""
    if not actor.authenticated:
        raise PermissionDenied("sign in to create records")
    spec = record_spec(entity)
    owner = data.pop("owner_org_id", None) if actor.is_admin else None
    values = parse_fields(spec, data)
    values.setdefault("external_id", f"{spec.name}-{uuid4().hex[:12]}")
    stamp = datetime.now(UTC).replace(tzinfo=None)
    item = spec.cls(**values, owner_org_id=owner or actor.organization_id, created_at=stamp, updated_at=stamp)
    with uow() as session:
        taken = session.scalar(select(spec.cls.id).where(spec.cls.external_id == values["external_id"]))
        if taken is not None:
            raise InvalidInput(f"external id '{values['external_id']}' is already used", field="external_id")
        session.add(item)
        session.flush()
    return item
