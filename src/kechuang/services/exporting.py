"""Export what the actor may see, in any import format, so that an export re-imports unchanged."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from kechuang.domain.access import Actor
from kechuang.domain.entities import Record
from kechuang.domain.errors import InvalidInput, NotFound
from kechuang.store.db import UnitOfWork

from .contracts import contract_template
from .entity_fields import EntitySpec, spec_for
from .importing import LINK_OWNER
from .registry import list_records, shield_personal, visible_to
from .tabular.templates import template
from .tabular.writers import write_rows


def export_records(actor: Actor, entity: str, fmt: str, uow: UnitOfWork, *, lang: str = "zh") -> bytes:
    """Every visible, unmerged record of `entity` (or link rows whose owner record is visible)."""
    spec = _spec(entity)
    with uow() as session:
        if issubclass(spec.cls, Record):
            stmt = select(spec.cls).where(visible_to(actor, spec.cls), spec.cls.merged_into_id.is_(None))
        else:
            owner_ref = next(r for r in spec.references if r.field == LINK_OWNER[spec.name])
            visible_ids = select(owner_ref.entity.id).where(visible_to(actor, owner_ref.entity))
            stmt = select(spec.cls).where(getattr(spec.cls, owner_ref.field).in_(visible_ids))
        items = list(session.scalars(stmt.order_by(spec.cls.id)))
        external = _external_ids(session, spec, items)
    rows = [_row(spec, shield_personal(actor, item), external) for item in items]
    return write_rows(spec, rows, fmt, lang)


MAX_LIST_EXPORT_ROWS = 5000  # a list page's download; the whole registry goes through `kechuang export`
LIST_FORMATS = ("csv", "xlsx")


def export_list(
    actor: Actor,
    entity: str,
    fmt: str,
    uow: UnitOfWork,
    *,
    q: str = "",
    sort: str = "",
    filters: dict[str, Any] | None = None,
    indexes: Any = None,
    lang: str = "zh",
) -> bytes:
    """The list a page shows (its search, filters and order), at most MAX_LIST_EXPORT_ROWS rows, with the
    same visibility rule and personal-data shielding as the page."""
    if fmt not in LIST_FORMATS:
        raise InvalidInput(f"format must be one of: {', '.join(LIST_FORMATS)}", field="format")
    spec = _spec(entity)
    found = list_records(
        actor, entity, uow, q=q, sort=sort, filters=filters, indexes=indexes, limit=MAX_LIST_EXPORT_ROWS
    )
    with uow() as session:
        external = _external_ids(session, spec, found.items)
    return write_rows(spec, [_row(spec, item, external) for item in found.items], fmt, lang)


def _external_ids(session: Any, spec: EntitySpec, items: list[Any]) -> dict[tuple[type, int], str]:
    found: dict[tuple[type, int], str] = {}
    for ref in spec.references:
        ids = sorted({getattr(item, ref.field) for item in items} - {None})
        for start in range(0, len(ids), 500):
            stmt = select(ref.entity.id, ref.entity.external_id).where(
                ref.entity.id.in_(ids[start : start + 500])
            )
            for ident, external_id in session.execute(stmt):
                found[(ref.entity, ident)] = external_id
    return found


def _row(spec: EntitySpec, item: Any, external: dict[tuple[type, int], str]) -> dict[str, Any]:
    row = {name: getattr(item, name) for name in spec.parsers}
    for ref in spec.references:
        ident = getattr(item, ref.field)
        row[ref.column] = external.get((ref.entity, ident), "") if ident is not None else ""
    return row


def export_template(entity: str, fmt: str, lang: str = "zh") -> bytes:
    """The import template of an entity: headers in Chinese or English, an example row, the allowed values
    (and XLSX drop-downs); `contract` gives the registered-contract register's template."""
    if entity.lower().strip() in {"contract", "contracts"}:
        return contract_template(fmt, lang)
    return template(_spec(entity), fmt, lang)


def _spec(entity: str) -> EntitySpec:
    """The spec of an exportable entity; anything else (users, sessions...) is not found."""
    try:
        return spec_for(entity)
    except ValueError:
        raise NotFound(f"there is no export of '{entity}'", field="entity") from None
