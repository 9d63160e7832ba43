"""Registry use cases: list, search, show, create and edit records, with visibility enforced in the query."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from uuid import uuid4

from sqlalchemy import false, func, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from kechuang.domain.access import PERSONAL_FIELDS, Actor, can_edit, can_see, sees_personal_data
from kechuang.domain.clock import now
from kechuang.domain.entities import Organization, Record
from kechuang.domain.enums import Visibility
from kechuang.domain.errors import Conflict, InvalidFields, InvalidInput, NotFound, PermissionDenied
from kechuang.domain.feedback import Freshness
from kechuang.domain.limits import MAX_ID, MAX_OFFSET, check_text, shown
from kechuang.store.db import UnitOfWork
from kechuang.text.normalize import CJK_RUNS

from .entity_fields import EntitySpec, range_errors, spec_for
from .freshness import current_condition
from .search import ranked_ids

# Plain names clients may send instead of the bilingual pair; the first existing stem of each is used.
LANGUAGE_ALIASES = {
    "title": ("title",),
    "name": ("name",),
    "description": ("description", "abstract", "bio", "thesis"),
    "abstract": ("abstract",),
}
MAX_QUERY_CHARS = 500
EXPIRED_VIEWS = ("hide", "show", "only")  # stale listings: left out (default), shown too, or alone
COUNT_CAP = 10_000
"""A list counts its matching rows up to this many, then says "more than" (`Page.capped`)."""
# How a list may be ordered besides relevance (with a text query) and newest: (field, descending?)
SORTS: dict[str, dict[str, tuple[str, bool]]] = {
    "achievement": {"price": ("asking_price_min", False), "trl": ("trl", True), "year": ("year", True)},
    "demand": {
        "deadline": ("deadline", False), "budget": ("budget_max", True), "trl": ("required_trl", True)
    },
    "scenario": {"deadline": ("ends_on", False), "budget": ("budget", True)},
    "investor": {"ticket": ("ticket_max", True)},
    "project": {"amount": ("amount", True), "start": ("start_date", True)},
    "organization": {"founded": ("founded_year", True)},
    "person": {},
}


@dataclass
class Page:
    """One page of results and the total the actor may see."""

    items: list[Any]
    count: int
    capped: bool = False
    """The count stopped at `COUNT_CAP`: at least that many match (an exact count of a million visible rows
    is a scan of them all, about 0.25 s on PostgreSQL, for a number nobody pages through)."""


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


def sort_options(entity: str) -> list[str]:
    """The orders a list of `entity` offers: relevance (with a text query), newest, then its own."""
    return ["relevance", "newest", *SORTS.get(entity, {})]


def list_records(
    actor: Actor,
    entity: str,
    uow: UnitOfWork,
    *,
    q: str = "",
    sort: str = "",
    indexes: Any = None,
    limit: int = 20,
    offset: int = 0,
    filters: dict[str, Any] | None = None,
    include_merged: bool = False,
    after: int | None = None,
    expired: str = "hide",
    freshness: Freshness | None = None,
) -> Page:
    """A page of visible records: with `q`, those holding every word, best first (BM25F); else newest first.

    A text query needs the search `indexes` (`services.match_index.MatchIndexes`); `sort` picks another
    order among `sort_options(entity)`. `after` (the id of the last item of the previous page, newest
    order only) is the keyset form of `offset`: the page starts below that id, so page 5,000 costs what
    page 1 does, where an offset reads and skips every row before it.
    """
    if limit < 1 or not 0 <= offset <= MAX_OFFSET:
        raise InvalidInput(f"limit must be at least 1 and offset from 0 to {MAX_OFFSET}", field="offset")
    cls = record_spec(entity).cls
    q = _checked_query(q)
    sort = sort or ("relevance" if q else "newest")
    if sort not in sort_options(entity):
        raise InvalidInput(f"sort must be one of: {', '.join(sort_options(entity))}", field="sort")
    conditions = [visible_to(actor, cls)]
    if after is not None:
        _check_after(after, offset, q, sort)
    if not include_merged:
        conditions.append(cls.merged_into_id.is_(None))
    if expired not in EXPIRED_VIEWS:
        raise InvalidInput(f"expired must be one of: {', '.join(EXPIRED_VIEWS)}", field="expired")
    current = current_condition(entity, freshness)
    if current is not None and expired != "show":
        conditions.append(current if expired == "hide" else ~current)
    for name, value in (filters or {}).items():
        if value in (None, ""):
            continue
        if not hasattr(cls, name):
            raise InvalidInput(f"cannot filter {entity} by '{name}'", field=name)
        conditions.append(getattr(cls, name) == value)
    order = _order(cls, entity, sort)
    if q:
        if indexes is None:
            raise ValueError("a text search needs the search indexes")
        ranked = ranked_ids(actor, entity, q, uow, indexes)
        with uow() as session:
            rows = list(session.scalars(select(cls).where(*conditions, cls.id.in_(ranked)).order_by(*order)))
        if sort == "relevance":
            place = {record_id: n for n, record_id in enumerate(ranked)}
            rows.sort(key=lambda row: place[row.id])
        items, count = rows[offset : offset + limit], len(rows)
    else:
        with uow() as session:
            matching = select(cls.id).where(*conditions).limit(COUNT_CAP + 1).subquery()
            count = session.scalar(select(func.count()).select_from(matching)) or 0
            below = [cls.id < after] if after is not None else []
            stmt = select(cls).where(*conditions, *below).order_by(*order).limit(limit).offset(offset)
            items = list(session.scalars(stmt))
    capped = count > COUNT_CAP
    return Page([shield_personal(actor, item) for item in items], min(count, COUNT_CAP), capped)


def _check_after(after: int, offset: int, q: str, sort: str) -> None:
    """A cursor is a record id, for the newest-first order without a text query, instead of an offset."""
    if not 1 <= after <= MAX_ID:
        raise InvalidInput(f"after must be a record id from 1 to {MAX_ID}", field="after")
    if offset:
        raise InvalidInput("give either offset or after, not both", field="after")
    if q or sort != "newest":
        raise InvalidInput(
            "after pages the newest-first list without a text query; use offset", field="after"
        )


def _checked_query(q: str) -> str:
    try:  # also keeps NUL and control characters away from the index and the database
        check_text(q, max_length=MAX_QUERY_CHARS)
    except ValueError as exc:
        raise InvalidInput(f"the search text {exc}", field="q") from None
    return q.strip()


def _order(cls: Any, entity: str, sort: str) -> list[Any]:
    """ORDER BY of a sort option: its field (missing values last), then newest; relevance is applied after."""
    if sort in ("relevance", "newest"):
        return [cls.id.desc()]
    name, descending = SORTS[entity][sort]
    column = getattr(cls, name)
    return [column.is_(None), column.desc() if descending else column.asc(), cls.id.desc()]


def shield_personal(actor: Actor, item: Any) -> Any:
    """A detached copy without personal contact data for visitors who may not see it (PIPL)."""
    hidden = PERSONAL_FIELDS.get(getattr(item, "kind_name", ""), ())
    if not hidden or sees_personal_data(actor):
        return item
    return replace(item, **{name: type(item).__dataclass_fields__[name].default for name in hidden})


def get_record(actor: Actor, entity: str, record_id: int, uow: UnitOfWork) -> Any:
    """One record, or NotFound when it does not exist or the actor may not see it (no existence leak)."""
    cls = record_spec(entity).cls
    if not 1 <= record_id <= MAX_ID:  # no such id can exist; the database would refuse to look
        raise NotFound(f"{cls.kind_name} {record_id} not found")
    with uow() as session:
        item = session.get(cls, record_id)
    if item is None or not can_see(actor, item.visibility, item.owner_org_id):
        raise NotFound(f"{cls.kind_name} {record_id} not found")
    return shield_personal(actor, item)


def expand_language_fields(spec: EntitySpec, data: dict[str, Any]) -> dict[str, Any]:
    """Put a plain `title`, `name` or `description` into its _zh or _en field, by whether it holds CJK."""
    out = dict(data)
    for alias, stems in LANGUAGE_ALIASES.items():
        if alias not in out or alias in spec.parsers:
            continue
        stem = next((s for s in stems if f"{s}_zh" in spec.parsers), None)
        if stem is None:
            continue  # left as is: parse_fields then names it as an unknown field
        value = out.pop(alias)
        target = f"{stem}_{'zh' if CJK_RUNS.search(str(value or '')) else 'en'}"
        if target in out:
            raise InvalidInput(f"give either '{alias}' or '{target}', not both", field=alias)
        out[target] = value
    return out


def id_of_external(entity: str, external_id: str, uow: UnitOfWork) -> int:
    """The database id of the record with this external id (operators name records by external id)."""
    cls = record_spec(entity).cls
    with uow() as session:
        found = list(session.scalars(select(cls.id).where(cls.external_id == external_id.strip()).limit(2)))
    if not found:
        raise NotFound(f"no {cls.kind_name} with external id '{external_id}'", field="external_id")
    if len(found) > 1:  # external ids are unique per owner organization (organizations: globally)
        raise Conflict(f"several organizations use the {cls.kind_name} external id '{external_id}': "
                       "name the record by its database id", field="external_id")
    return int(found[0])


def parse_fields(spec: EntitySpec, data: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Validate API/form input with the same parsers as imports; every bad field is named at once.

    `partial` (edits) skips the required-field check, which then applies to the edited record.
    """
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name, raw in expand_language_fields(spec, data).items():
        parser = spec.parsers.get(name)
        if parser is None:
            problems[name] = f"unknown field '{shown(name)}'"
            continue
        try:
            parsed = parser(raw)
        except (ValueError, TypeError) as exc:
            problems[name] = str(exc)
            continue
        if parsed is not None or name not in spec.enum_defaults:
            values[name] = parsed
    for field, reason in range_errors(values):
        problems.setdefault(field, reason)
    if not partial:
        for field, reason in _missing_required(spec, values).items():
            problems.setdefault(field, reason)
    if problems:
        raise InvalidFields(problems)
    return values


def _missing_required(spec: EntitySpec, values: dict[str, Any]) -> dict[str, str]:
    """Each required group with none of its fields filled, named by its first field."""
    return {
        group[0]: f"fill {' or '.join(group)}"
        for group in spec.required_any
        if not any(values.get(name) for name in group)
    }


def _check_required(spec: EntitySpec, values: dict[str, Any]) -> None:
    if missing := _missing_required(spec, values):
        raise InvalidFields(missing)


def _check_owner(session: Any, owner_org_id: Any) -> int:
    if isinstance(owner_org_id, bool) or not isinstance(owner_org_id, int):
        raise InvalidInput("owner_org_id must be an organization id", field="owner_org_id")
    if session.get(Organization, owner_org_id) is None:
        raise InvalidInput(f"organization {owner_org_id} does not exist", field="owner_org_id")
    return owner_org_id


def _check_external_id(
    session: Any, cls: Any, external_id: str, owner: int | None, record_id: int | None = None
) -> None:
    """External ids are unique within the owner organization (organizations: globally), so the answer
    never depends on, or reveals, what another organization has stored."""
    stmt = select(cls.id).where(cls.external_id == external_id)
    if cls is not Organization:
        stmt = stmt.where(cls.owner_org_id.is_not_distinct_from(owner))
    taken = session.scalar(stmt.limit(1))
    if taken is not None and taken != record_id:
        raise InvalidInput(f"external id '{external_id}' is already used", field="external_id")


def create_record(actor: Actor, entity: str, data: dict[str, Any], uow: UnitOfWork) -> Any:
    """Create a record owned by the actor's organization (admins may name another owner)."""
    if not actor.authenticated:
        raise PermissionDenied("sign in to create records")
    spec = record_spec(entity)
    data = dict(data)
    owner = data.pop("owner_org_id", None)
    if owner is not None and not actor.is_admin:
        if owner != actor.organization_id:
            raise PermissionDenied("only an administrator may choose the owner", field="owner_org_id")
        owner = None
    values = parse_fields(spec, data)
    if not values.get("external_id"):
        values["external_id"] = f"{spec.name}-{uuid4().hex[:12]}"
    stamp = now()
    with uow() as session:
        if owner is not None:
            _check_owner(session, owner)
        _check_external_id(session, spec.cls, values["external_id"], owner or actor.organization_id)
        item = spec.cls(
            **values, owner_org_id=owner or actor.organization_id, created_at=stamp, updated_at=stamp
        )
        session.add(item)
        session.flush()
    return item


def update_record(actor: Actor, entity: str, record_id: int, data: dict[str, Any], uow: UnitOfWork) -> Any:
    """Change some fields of a record the actor may edit; all of them or none (one transaction).

    A record the actor cannot see is NotFound (no existence leak); one they see but do not own is
    PermissionDenied. Only admins move a record to another owner organization.
    """
    spec = record_spec(entity)
    data = dict(data)
    new_owner = data.pop("owner_org_id", None)
    values = parse_fields(spec, data, partial=True)
    if not 1 <= record_id <= MAX_ID:
        raise NotFound(f"{spec.cls.kind_name} {record_id} not found")
    with uow() as session:
        item = session.get(spec.cls, record_id, with_for_update=True)
        if item is None or not can_see(actor, item.visibility, item.owner_org_id):
            raise NotFound(f"{spec.cls.kind_name} {record_id} not found")
        if not can_edit(actor, item.owner_org_id):
            raise PermissionDenied(f"only members of the owner organization may edit this {spec.name}")
        if item.merged_into_id is not None:
            raise Conflict(f"this {spec.name} was merged into {item.merged_into_id}; edit that one")
        if new_owner is not None and new_owner != item.owner_org_id:
            if not actor.is_admin:
                raise PermissionDenied("only an administrator may change the owner", field="owner_org_id")
            values["owner_org_id"] = _check_owner(session, new_owner)
        _check_required(
            spec, {name: values.get(name, getattr(item, name)) for g in spec.required_any for name in g}
        )
        if "external_id" in values or "owner_org_id" in values:
            external_id = values.get("external_id", item.external_id)
            if not external_id:
                raise InvalidInput("external id must not be empty", field="external_id")
            owner = values.get("owner_org_id", item.owner_org_id)
            _check_external_id(session, spec.cls, external_id, owner, record_id)
        for name, value in values.items():
            setattr(item, name, value)
        item.updated_at = now()  # the matching indexes re-read records changed since their last sync
        session.flush()
    return item
