"""Identity resolution use cases: scan for duplicates, review candidates, merge with history, undo."""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kechuang.domain.access import Actor
from kechuang.domain.clock import now
from kechuang.domain.entities import (
    REGISTRY_ENTITIES,
    Affiliation,
    Authorship,
    InvestorProfile,
    MergeCandidate,
    MergeRecord,
    Organization,
    Ownership,
    Person,
    Project,
)
from kechuang.domain.enums import MergeStatus
from kechuang.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from kechuang.engine.identity import NameRecord, find_duplicates
from kechuang.store.db import UnitOfWork

from .tabular.writers import cell

# Class-level attributes of the imperatively mapped dataclasses are SQL columns; mypy sees the field types.
Candidate: Any = MergeCandidate
Merge: Any = MergeRecord
RESOLVABLE = {"organization": Organization, "person": Person}
# (model, column) pairs that point at an organization or a person; a merge moves them to the survivor.
LINKS: dict[str, tuple[tuple[Any, str], ...]] = {
    "organization": (
        *((cls, "owner_org_id") for cls in REGISTRY_ENTITIES.values()),
        (Person, "organization_id"),
        (InvestorProfile, "organization_id"),
        (Project, "host_org_id"),
        (Affiliation, "organization_id"),
        (Ownership, "organization_id"),
    ),
    "person": ((Project, "pi_person_id"), (Affiliation, "person_id"), (Authorship, "person_id")),
}
UNIQUE_LINKS = {
    Affiliation: ("person_id", "organization_id", "role"),
    Ownership: ("achievement_id", "organization_id"),
    Authorship: ("achievement_id", "person_id"),
}


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise PermissionDenied("only platform administrators resolve identities")


def _model(entity: str) -> Any:
    if entity not in RESOLVABLE:
        raise InvalidInput(
            f"identity resolution covers {', '.join(RESOLVABLE)}, not '{entity}'", field="entity"
        )
    return RESOLVABLE[entity]


def _name_records(session: Session, entity: str) -> list[NameRecord]:
    model = _model(entity)
    items = list(session.scalars(select(model).where(model.merged_into_id.is_(None))))
    extra: dict[int, set[str]] = {}
    if entity == "person":
        links: Any = Affiliation
        for person_id, org_id in session.execute(select(links.person_id, links.organization_id)):
            extra.setdefault(person_id, set()).add(f"org:{org_id}")
    records = []
    for item in items:
        context = set(extra.get(item.id, set()))
        if entity == "person":
            context |= {f"org:{item.organization_id}"} if item.organization_id else set()
            context |= {f"email:{item.email.lower()}"} if item.email else set()
        else:
            context |= {f"region:{item.region_code}"} if item.region_code else set()
            context |= {f"country:{item.country_code}"} if item.country_code else set()
            context |= {f"credit:{item.credit_code}"} if item.credit_code else set()
        names = (item.name_zh, item.name_en, *item.aliases)
        records.append(NameRecord(id=item.id, names=tuple(n for n in names if n), context=frozenset(context)))
    return records


def scan_duplicates(
    actor: Actor, entity: str, uow: UnitOfWork, *, threshold: float = 0.75
) -> list[MergeCandidate]:
    """Find likely duplicates and store new ones as pending candidates; decided pairs are not re-proposed."""
    _require_admin(actor)
    with uow() as session:
        matches = find_duplicates(_name_records(session, entity), entity, threshold=threshold)
        known = set(
            session.execute(select(Candidate.left_id, Candidate.right_id).where(Candidate.entity == entity))
        )
        created = []
        for match in matches:
            if (match.left_id, match.right_id) in known:
                continue
            candidate = MergeCandidate(
                entity=entity,
                left_id=match.left_id,
                right_id=match.right_id,
                confidence=round(match.confidence, 4),
                reasons=list(match.reasons),
                created_at=now(),
            )
            session.add(candidate)
            created.append(candidate)
        session.flush()
    return created


def list_candidates(
    actor: Actor, uow: UnitOfWork, *, entity: str | None = None, status: MergeStatus = MergeStatus.PENDING
) -> list[MergeCandidate]:
    """Candidates awaiting (or past) review, most confident first."""
    _require_admin(actor)
    stmt = select(Candidate).where(Candidate.status == status)
    if entity:
        stmt = stmt.where(Candidate.entity == entity)
    with uow() as session:
        return list(session.scalars(stmt.order_by(Candidate.confidence.desc(), Candidate.id)))


def reject_candidate(actor: Actor, candidate_id: int, uow: UnitOfWork) -> MergeCandidate:
    """Record that a reviewer judged the pair to be different entities."""
    _require_admin(actor)
    with uow() as session:
        candidate = _pending(session, candidate_id)
        candidate.status, candidate.reviewed_by, candidate.reviewed_at = (
            MergeStatus.REJECTED,
            actor.name,
            now(),
        )
    return candidate


def _pending(session: Session, candidate_id: int) -> MergeCandidate:
    candidate = session.get(Candidate, candidate_id, with_for_update=True)
    if candidate is None:
        raise NotFound(f"merge candidate {candidate_id} not found")
    if candidate.status != MergeStatus.PENDING:
        raise Conflict(f"merge candidate {candidate_id} is already {candidate.status.value}")
    return candidate


def accept_candidate(
    actor: Actor, candidate_id: int, uow: UnitOfWork, *, survivor_id: int | None = None
) -> MergeRecord:
    """Merge a reviewed pair: the survivor (default: the older record) absorbs the other."""
    _require_admin(actor)
    with uow() as session:
        candidate = _pending(session, candidate_id)
        pair = (candidate.left_id, candidate.right_id)
        survivor = survivor_id if survivor_id is not None else min(pair)
        if survivor not in pair:
            raise InvalidInput(f"survivor must be {pair[0]} or {pair[1]}", field="survivor_id")
        absorbed = pair[1] if survivor == pair[0] else pair[0]
        record = _merge(session, actor, candidate.entity, survivor, absorbed)
        record.candidate_id = candidate.id
        candidate.status, candidate.reviewed_by, candidate.reviewed_at = (
            MergeStatus.ACCEPTED,
            actor.name,
            now(),
        )
    return record


def merge_records(
    actor: Actor, entity: str, survivor_id: int, absorbed_id: int, uow: UnitOfWork
) -> MergeRecord:
    """Merge two records directly (a reviewer's own finding), with the same history as a candidate."""
    _require_admin(actor)
    with uow() as session:
        return _merge(session, actor, entity, survivor_id, absorbed_id)


def _plain(value: Any) -> Any:
    return cell(value, flat=False)


def _merge(session: Session, actor: Actor, entity: str, survivor_id: int, absorbed_id: int) -> MergeRecord:
    model = _model(entity)
    if survivor_id == absorbed_id:
        raise InvalidInput("cannot merge a record with itself", field="absorbed_id")
    survivor: Any = session.get(model, survivor_id)
    absorbed: Any = session.get(model, absorbed_id)
    for ident, item in ((survivor_id, survivor), (absorbed_id, absorbed)):
        if item is None:
            raise NotFound(f"{entity} {ident} not found")
        if item.merged_into_id is not None:
            raise Conflict(f"{entity} {ident} was already merged into {item.merged_into_id}")
    snapshot = {f.name: _plain(getattr(absorbed, f.name)) for f in dataclasses.fields(absorbed)}
    survivor_before: dict[str, Any] = {}
    for f in dataclasses.fields(model):
        if f.name in {"id", "external_id", "created_at", "updated_at", "merged_into_id", "aliases"}:
            continue
        mine, theirs = getattr(survivor, f.name), getattr(absorbed, f.name)
        if mine in (None, "", []) and theirs not in (None, "", []):
            survivor_before[f.name] = _plain(mine)
            setattr(survivor, f.name, theirs)
    survivor_before["aliases"] = list(survivor.aliases)
    new_aliases = [absorbed.name_zh, absorbed.name_en, *absorbed.aliases]
    survivor.aliases = list(
        dict.fromkeys(
            a
            for a in [*survivor.aliases, *new_aliases]
            if a and a not in (survivor.name_zh, survivor.name_en)
        )
    )
    moved, dropped = _move_links(session, entity, absorbed_id, survivor_id)
    session.execute(
        update(model).where(model.merged_into_id == absorbed_id).values(merged_into_id=survivor_id)
    )
    absorbed.merged_into_id = survivor_id
    survivor.updated_at = absorbed.updated_at = now()
    record = MergeRecord(
        entity=entity,
        survivor_id=survivor_id,
        absorbed_id=absorbed_id,
        snapshot={"absorbed": snapshot, "survivor_before": survivor_before, "dropped": dropped},
        moved_links=moved,
        merged_by=actor.name,
        merged_at=now(),
    )
    session.add(record)
    session.flush()
    return record


def _move_links(session: Session, entity: str, old: int, new: int) -> tuple[dict[str, list[int]], list[dict]]:
    """Re-point every link to the survivor; a link the survivor already has is dropped and remembered."""
    moved: dict[str, list[int]] = {}
    dropped: list[dict[str, Any]] = []
    for model, column in LINKS[entity]:
        rows = list(session.scalars(select(model).where(getattr(model, column) == old)))
        if model is _model(entity):
            rows = [r for r in rows if r.id != old]  # an organization's own profile stays with it
        for row in rows:
            key_fields = UNIQUE_LINKS.get(model)
            if key_fields is not None:
                key = {k: (new if k == column else getattr(row, k)) for k in key_fields}
                if session.scalar(select(model.id).filter_by(**key)) is not None:
                    dropped.append(
                        {
                            "table": model.__name__,
                            **{f.name: _plain(getattr(row, f.name)) for f in dataclasses.fields(row)},
                        }
                    )
                    session.delete(row)
                    continue
            setattr(row, column, new)
            moved.setdefault(f"{model.__name__}.{column}", []).append(row.id)
        session.flush()
    return moved, dropped


def undo_merge(actor: Actor, merge_id: int, uow: UnitOfWork) -> MergeRecord:
    """Reverse a merge from its history: links go back, dropped links return, the survivor is restored."""
    _require_admin(actor)
    models = {m.__name__: m for m, _ in LINKS["organization"] + LINKS["person"]}
    with uow() as session:
        record = session.get(Merge, merge_id)
        if record is None:
            raise NotFound(f"merge {merge_id} not found")
        model = _model(record.entity)
        survivor: Any = session.get(model, record.survivor_id)
        absorbed: Any = session.get(model, record.absorbed_id)
        if record.undone_at is not None:
            raise Conflict(f"merge {merge_id} was already undone")
        if survivor is None or absorbed is None or absorbed.merged_into_id != survivor.id:
            raise Conflict(f"merge {merge_id} cannot be undone: the records have changed since")
        for name, ids in record.moved_links.items():
            table, column = name.split(".")
            cls = models[table]
            session.execute(update(cls).where(cls.id.in_(ids)).values({column: record.absorbed_id}))
        snapshot: Any = record.snapshot
        for row in snapshot.get("dropped", []):
            cls = models[row["table"]]
            defaults: dict[str, Any] = {f.name: f.default for f in dataclasses.fields(cls)}
            values = {
                k: type(defaults[k])(v) if isinstance(defaults[k], Enum) else v
                for k, v in row.items()
                if k not in {"table", "id"}
            }
            session.add(cls(**values))
        for name, value in snapshot.get("survivor_before", {}).items():
            setattr(survivor, name, value)  # only empty values were replaced, so they restore as they were
        absorbed.merged_into_id = None
        if record.candidate_id is not None:
            candidate = session.get(Candidate, record.candidate_id)
            if candidate is not None:
                candidate.status, candidate.reviewed_by, candidate.reviewed_at = MergeStatus.PENDING, "", None
        record.undone_by, record.undone_at = actor.name, now()
    return record
