"""Indicator frameworks: versioned trees that officers edit (each save is a new version) and anyone reads."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kechuang.analytics.composite import CompositeError, build_tree
from kechuang.domain.access import Actor
from kechuang.domain.errors import InvalidInput, NotFound, PermissionDenied
from kechuang.domain.indicators import Framework, FrameworkNode
from kechuang.domain.limits import MAX_ID, clean_text
from kechuang.store.db import UnitOfWork

from .. import audit

Frameworks: Any = Framework
KEY_CHARS = 80


def is_index_officer(actor: Actor) -> bool:
    """Officers and admins build indices and see unpublished editions."""
    return actor.is_admin or "officer" in actor.roles


def require_officer(actor: Actor) -> None:
    if not is_index_officer(actor):
        raise PermissionDenied("only officers and administrators manage indicator frameworks and editions")


def check_nodes(nodes: Sequence[FrameworkNode]) -> None:
    """A framework must make a valid tree; the reason is a 422 on `nodes`."""
    try:
        build_tree(nodes)
    except CompositeError as exc:
        raise InvalidInput(str(exc), field="nodes") from None


def save_framework(
    actor: Actor,
    uow: UnitOfWork,
    key: str,
    nodes: Sequence[FrameworkNode],
    *,
    name_zh: str = "",
    name_en: str = "",
    description_zh: str = "",
    description_en: str = "",
    is_sample: bool = False,
) -> Framework:
    """Store a new version of framework `key` (version 1 when new); earlier versions stay unchanged."""
    require_officer(actor)
    key = clean_text(key)
    if not key or len(key) > KEY_CHARS or not key.replace("-", "").replace("_", "").isalnum():
        raise InvalidInput("a framework key is 1-80 letters, digits, - or _", field="key")
    check_nodes(nodes)
    with uow() as session:
        head = audit.lock_chain(session)
        latest = _latest(session, key)
        if (
            latest is not None
            and latest.nodes == [n.as_dict() for n in nodes]
            and (latest.name_zh, latest.name_en) == (name_zh or latest.name_zh, name_en or latest.name_en)
        ):
            return latest  # saving the same tree again makes no new version
        framework = Framework(
            key=key,
            version=(latest.version + 1) if latest else 1,
            name_zh=clean_text(name_zh or (latest.name_zh if latest else ""))[:300],
            name_en=clean_text(name_en or (latest.name_en if latest else ""))[:300],
            description_zh=description_zh or (latest.description_zh if latest else ""),
            description_en=description_en or (latest.description_en if latest else ""),
            nodes=[n.as_dict() for n in nodes],
            created_by=actor.name,
            created_at=audit.now(),
            is_sample=is_sample,
        )
        session.add(framework)
        session.flush()
        audit.append(
            session,
            head,
            actor,
            "indicators.framework.save",
            "indicator_framework",
            framework.id,
            {"key": key, "version": framework.version, "nodes": len(nodes)},
        )
    return framework


def _latest(session: Session, key: str) -> Framework | None:
    found: Framework | None = session.scalar(
        select(Frameworks).where(Frameworks.key == key).order_by(Frameworks.version.desc()).limit(1)
    )
    return found


def get_framework(uow: UnitOfWork, key: str, version: int | None = None) -> Framework:
    """One version (the latest by default) of a framework; frameworks are method, public to read."""
    with uow() as session:
        if version is None:
            found = _latest(session, key)
        else:
            found = session.scalar(
                select(Frameworks).where(Frameworks.key == key, Frameworks.version == version)
            )
    if found is None:
        raise NotFound(f"no framework '{key}'" + (f" version {version}" if version else ""))
    return found


def framework_by_id(uow: UnitOfWork, framework_id: int) -> Framework:
    with uow() as session:
        found: Framework | None = (
            session.get(Frameworks, framework_id) if 0 < framework_id <= MAX_ID else None
        )
    if found is None:
        raise NotFound(f"no framework {framework_id}")
    return found


def list_frameworks(uow: UnitOfWork) -> list[Framework]:
    """The latest version of every framework."""
    with uow() as session:
        latest = (
            select(Frameworks.key, func.max(Frameworks.version).label("v"))
            .group_by(Frameworks.key)
            .subquery()
        )
        rows = session.scalars(
            select(Frameworks)
            .join(latest, (Frameworks.key == latest.c.key) & (Frameworks.version == latest.c.v))
            .order_by(Frameworks.key)
        )
        return list(rows)


def framework_versions(uow: UnitOfWork, key: str) -> list[Framework]:
    with uow() as session:
        return list(
            session.scalars(select(Frameworks).where(Frameworks.key == key).order_by(Frameworks.version))
        )


def framework_csv(framework: Framework) -> str:
    """The framework as FRAMEWORK.csv (what `kechuang indicators compute` reads)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["code", "parent", "weight", "direction", "name_zh", "name_en", "unit", "source", "target"]
    )
    for node in framework.tree():
        writer.writerow(
            [
                node.code,
                node.parent,
                repr(node.weight),
                "" if node.direction is None else node.direction,
                node.name_zh,
                node.name_en,
                node.unit,
                node.source,
                "" if node.target is None else repr(node.target),
            ]
        )
    return buffer.getvalue()
