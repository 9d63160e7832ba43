"""Validated, all-or-nothing, idempotent imports: every row is checked, then one transaction upserts."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from tqdm import tqdm

from kechuang.domain.access import Actor
from kechuang.domain.clock import now
from kechuang.domain.entities import ImportBatch, Organization, Record
from kechuang.domain.errors import ImportRejected, PermissionDenied, RowError
from kechuang.store.db import RehearsalUnitOfWork, UnitOfWork
from kechuang.store.tables import TABLE_OF

from .entity_fields import EntitySpec, range_errors, spec_for
from .tabular.readers import Sheet, read_sheet

CHUNK = 500
LINK_OWNER = {"affiliation": "person_id", "ownership": "achievement_id", "authorship": "achievement_id"}


@dataclass
class Stage:
    """Rows of one entity to import; stages of one import run in order inside one transaction."""

    spec: EntitySpec
    sheet: Sheet


LINKED = 100  # records listed (and linked) per entity on an import's result


@dataclass(frozen=True)
class RecordLink:
    """One imported record, for the result page to link to."""

    id: int
    external_id: str
    label_zh: str
    label_en: str


@dataclass
class ImportResult:
    """What an accepted import did, per entity; `records` names the first LINKED records of each."""

    filename: str
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    batch_ids: list[int] = field(default_factory=list)
    records: dict[str, list[RecordLink]] = field(default_factory=dict)

    @property
    def changed(self) -> int:
        return sum(c["created"] + c["updated"] for c in self.counts.values())


@dataclass
class ParsedRow:
    number: int
    values: dict[str, Any]
    references: dict[str, str]


def import_file(
    actor: Actor, entity: str, filename: str, content: bytes, uow: UnitOfWork, *, progress: bool = False
) -> ImportResult:
    """Import one CSV, XLSX or JSON Lines file of `entity`; any bad row rejects the whole file."""
    spec = spec_for(entity)
    try:
        sheet = read_sheet(spec, filename, content)
    except ValueError as exc:
        raise ImportRejected([RowError(filename, 0, "", str(exc))]) from None
    return import_stages(actor, [Stage(spec, sheet)], uow, progress=progress)


def preview_file(
    actor: Actor, entity: str, filename: str, content: bytes, uow: UnitOfWork
) -> ImportResult:
    """What `import_file` would do (or its ImportRejected with every row error), with nothing written."""
    return import_file(actor, entity, filename, content, RehearsalUnitOfWork(uow.engine))


def import_stages(
    actor: Actor,
    stages: Sequence[Stage],
    uow: UnitOfWork,
    *,
    source: str = "",
    is_sample: bool = False,
    progress: bool = False,
) -> ImportResult:
    """Validate every stage, then upsert them in order in one transaction, or write nothing."""
    if not actor.authenticated:
        raise PermissionDenied("sign in to import")
    parsed = [(stage, _parse_sheet(stage, progress)) for stage in stages]
    errors = [err for stage in stages for err in stage.sheet.errors]
    errors += [err for _, (_, errs) in parsed for err in errs]
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: (e.file, e.row, e.column)))
    result = ImportResult(filename=", ".join(dict.fromkeys(s.sheet.filename for s in stages)))
    with uow() as session:
        for stage, (rows, _) in parsed:
            counts = _write_stage(session, actor, stage, rows, source, is_sample, progress)
            result.counts[stage.spec.name] = counts
            if issubclass(stage.spec.cls, Record):
                result.records[stage.spec.name] = _written(session, actor, stage.spec, rows)
            batch = ImportBatch(
                entity=stage.spec.name,
                filename=stage.sheet.filename,
                rows=len(rows),
                actor=actor.name,
                created_at=now(),
                **counts,
            )
            session.add(batch)
            session.flush()
            assert batch.id is not None
            result.batch_ids.append(batch.id)
    return result


def _written(session: Session, actor: Actor, spec: EntitySpec, rows: list[ParsedRow]) -> list[RecordLink]:
    """The first LINKED records the rows wrote, in file order (within the row's owner organization)."""
    wanted = {row.values["external_id"]: row.values.get("owner_org_id", actor.organization_id)
              for row in rows[:LINKED]}
    cls = spec.cls
    found: dict[str, RecordLink] = {}
    for item in session.scalars(select(cls).where(cls.external_id.in_(list(wanted)))):
        owner = wanted[item.external_id]
        if cls is not Organization and owner is not None and item.owner_org_id != owner:
            continue
        zh = getattr(item, "title_zh", "") or getattr(item, "name_zh", "")
        en = getattr(item, "title_en", "") or getattr(item, "name_en", "")
        found[item.external_id] = RecordLink(item.id, item.external_id, zh, en)
    return [found[key] for key in wanted if key in found]


def _parse_sheet(stage: Stage, progress: bool) -> tuple[list[ParsedRow], list[RowError]]:
    spec, sheet = stage.spec, stage.sheet
    rows: list[ParsedRow] = []
    errors: list[RowError] = []
    seen: dict[tuple[Any, ...], int] = {}
    ref_columns = {r.column for r in spec.references}
    iterator = tqdm(sheet.rows, desc=f"check {spec.name}", unit="row", disable=not progress, leave=False)
    for number, raw in iterator:
        values: dict[str, Any] = {}
        refs: dict[str, str] = {}
        row_errors: list[RowError] = []
        for column, value in raw.items():
            if column in ref_columns:
                text = "" if value is None else str(value).strip()
                if text:
                    refs[column] = text
                continue
            try:
                parsed = spec.parsers[column](value)
            except (ValueError, TypeError) as exc:
                row_errors.append(RowError(sheet.filename, number, column, str(exc)))
                continue
            if parsed is None and column in spec.enum_defaults:
                if column not in spec.key:
                    continue  # an empty enum cell keeps the stored value (or the default when new)
                parsed = spec.enum_defaults[column]
            values[column] = parsed
        for column, default in spec.enum_defaults.items():
            if column in spec.key and column not in values:
                values[column] = default
        row_errors += _row_rules(spec, sheet.filename, number, values, refs)
        if not row_errors:
            key = tuple(
                values.get(k) if k in values else refs.get(_ref_column(spec, k), "") for k in spec.key
            )
            if key in seen:
                row_errors.append(
                    RowError(
                        sheet.filename, number, spec.key[0], f"duplicate of row {seen[key]} in this file"
                    )
                )
            seen[key] = number
        errors += row_errors
        rows.append(ParsedRow(number, values, refs))
    return rows, errors


def _ref_column(spec: EntitySpec, field_name: str) -> str:
    return next((r.column for r in spec.references if r.field == field_name), field_name)


def _row_rules(
    spec: EntitySpec, filename: str, number: int, values: dict[str, Any], refs: dict[str, str]
) -> list[RowError]:
    """Rules across columns: required ids and names, min not above max, required references."""
    errors: list[RowError] = []
    if spec.key == ("external_id",) and not values.get("external_id"):
        errors.append(RowError(filename, number, "external_id", "required: a unique id for upserts"))
    for group in spec.required_any:
        # a row that leaves out all of a group's columns may update a record that has them: checked on write
        if any(column in values for column in group) and not any(values.get(column) for column in group):
            errors.append(RowError(filename, number, group[0], _required_message(group)))
    errors += [RowError(filename, number, field, reason) for field, reason in range_errors(values)]
    if spec.key != ("external_id",):
        for ref in spec.references:
            if not refs.get(ref.column):
                errors.append(RowError(filename, number, ref.column, "required"))
    return errors


def _required_message(group: tuple[str, ...]) -> str:
    return f"required: fill {' or '.join(group)}"


def _missing_required(
    spec: EntitySpec, filename: str, rows: list[ParsedRow], existing: dict[tuple[Any, ...], Any]
) -> list[RowError]:
    """New records must fill each required group even when the file has no column for it."""
    errors = []
    for row in rows:
        if _key(spec, row.values) in existing:
            continue
        for group in spec.required_any:
            if not any(row.values.get(column) for column in group):
                errors.append(RowError(filename, row.number, group[0], _required_message(group)))
    return errors


def _write_stage(
    session: Session,
    actor: Actor,
    stage: Stage,
    rows: list[ParsedRow],
    source: str,
    is_sample: bool,
    progress: bool,
) -> dict[str, int]:
    spec, filename = stage.spec, stage.sheet.filename
    # every problem found against the database, for every row, is reported in one rejection
    errors = _resolve_references(session, spec, filename, rows, actor.organization_id)
    existing = _existing(session, actor, spec, rows)
    errors += _missing_required(spec, filename, rows, existing)
    errors += _permission_errors(session, actor, spec, filename, rows, existing)
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: (e.file, e.row, e.column)))
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    new_rows: list[dict[str, Any]] = []
    stamp = now()
    is_record = issubclass(spec.cls, Record)
    defaults = _column_defaults(spec.cls)
    if is_record:
        defaults |= {"created_at": stamp, "updated_at": stamp, "source": source, "is_sample": is_sample}
        if spec.cls is not Organization:
            defaults["owner_org_id"] = actor.organization_id
    iterator = tqdm(rows, desc=f"write {spec.name}", unit="row", disable=not progress, leave=False)
    for row in iterator:
        item = existing.get(_key(spec, row.values))
        if item is None:
            new_rows.append(defaults | row.values)
            counts["created"] += 1
            continue
        changed = {k: v for k, v in row.values.items() if getattr(item, k) != v}
        if not changed:
            counts["unchanged"] += 1
            continue
        for key, value in changed.items():
            setattr(item, key, value)
        if is_record:
            item.updated_at = stamp
        counts["updated"] += 1
    session.flush()
    table = TABLE_OF[spec.cls]
    connection = session.connection()
    for chunk in _chunks(new_rows):
        connection.execute(table.insert(), list(chunk))  # Core executemany: new rows need no ORM objects
    if spec.cls is Organization:  # an organization owns its own profile
        connection.execute(table.update().where(table.c.owner_org_id.is_(None)).values(owner_org_id=table.c.id))
    return counts


@functools.cache
def _column_defaults(cls: type) -> dict[str, Any]:
    """Every dataclass field's default, so that all rows of one executemany have the same keys."""
    defaults: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name == "id":
            continue
        if f.default_factory is not dataclasses.MISSING:
            defaults[f.name] = f.default_factory()
        elif f.default is not dataclasses.MISSING:
            defaults[f.name] = f.default
    return defaults


def _key(spec: EntitySpec, values: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(values.get(k) for k in spec.key)


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _resolve_references(
    session: Session, spec: EntitySpec, filename: str, rows: list[ParsedRow], own_org: int | None
) -> list[RowError]:
    """Turn external ids into database ids, following merges to the surviving record.

    External ids are unique per owner organization: where several organizations use one, the
    importer's own record is meant.
    """
    errors: list[RowError] = []
    for ref in spec.references:
        wanted = sorted({row.references[ref.column] for row in rows if ref.column in row.references})
        found: dict[str, int] = {}
        for chunk in _chunks(wanted):
            stmt = select(
                ref.entity.external_id, ref.entity.id, ref.entity.merged_into_id, ref.entity.owner_org_id
            ).where(
                ref.entity.external_id.in_(chunk)
            )
            for external_id, ident, merged_into, owner in session.execute(stmt):
                if external_id not in found or owner == own_org:
                    found[external_id] = merged_into or ident
        label = ref.entity.kind_name
        for row in rows:
            target = row.references.get(ref.column)
            if target is None or (ref.entity is spec.cls and target == row.values.get("external_id")):
                continue  # a self-reference (an organization owning its own profile) is set after writing
            if target in found:
                row.values[ref.field] = found[target]
            else:
                errors.append(
                    RowError(filename, row.number, ref.column, f"no {label} with external id '{target}'")
                )
    return errors


def _existing(
    session: Session, actor: Actor, spec: EntitySpec, rows: list[ParsedRow]
) -> dict[tuple[Any, ...], Any]:
    """The stored records the rows update: by key, and for listings within the row's owner organization
    (another organization's record with the same external id is neither updated nor revealed)."""
    first = spec.key[0]
    values = sorted({row.values[first] for row in rows if first in row.values})
    column = getattr(spec.cls, first)
    scoped = issubclass(spec.cls, Record) and spec.cls is not Organization
    default_owner = None if actor.is_admin else actor.organization_id
    owners = {row.values.get(first): row.values.get("owner_org_id", default_owner) for row in rows}
    found: dict[tuple[Any, ...], Any] = {}
    for chunk in _chunks(values):
        for item in session.scalars(select(spec.cls).where(column.in_(chunk))):
            owner = owners.get(getattr(item, first))
            if scoped and (owner is not None or not actor.is_admin) and item.owner_org_id != owner:
                continue  # an administrator's row without an owner still updates whichever record has the id
            found[tuple(getattr(item, k) for k in spec.key)] = item
    return found


def _permission_errors(
    session: Session,
    actor: Actor,
    spec: EntitySpec,
    filename: str,
    rows: list[ParsedRow],
    existing: dict[tuple[Any, ...], Any],
) -> list[RowError]:
    """Non-admins import only for their own organization and never overwrite another's records."""
    if actor.is_admin:
        return []
    errors: list[RowError] = []
    if issubclass(spec.cls, Record):
        for row in rows:
            owner = row.values.get("owner_org_id", actor.organization_id)
            current = existing.get(_key(spec, row.values))
            if owner != actor.organization_id or (
                current is not None and current.owner_org_id != actor.organization_id
            ):
                errors.append(
                    RowError(
                        filename,
                        row.number,
                        "owner_org",
                        "you may only import records of your own organization",
                    )
                )
    else:
        owner_field = LINK_OWNER[spec.name]
        ref = next(r for r in spec.references if r.field == owner_field)
        rows = [row for row in rows if owner_field in row.values]  # an unresolved one is reported already
        ids = sorted({row.values[owner_field] for row in rows})
        owners: dict[int, int | None] = (
            dict(
                session.execute(
                    select(ref.entity.id, ref.entity.owner_org_id).where(ref.entity.id.in_(ids))
                ).all()
            )
            if ids
            else {}
        )
        errors = [
            RowError(filename, row.number, ref.column, "you may only link records of your organization")
            for row in rows
            if owners.get(row.values[owner_field]) != actor.organization_id
        ]
    return errors
