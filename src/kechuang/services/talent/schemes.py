"""Evaluation schemes: published to all, edited by officers, every save a new frozen version.

The 破四唯 cap and the weight rules are checked by `domain.talent.check_weights` before anything is
written; a refused scheme changes nothing and the error names the reason.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from kechuang.domain.access import Actor
from kechuang.domain.errors import Conflict, InvalidInput, NotFound
from kechuang.domain.limits import LONG_TEXT, check_text
from kechuang.domain.talent import (
    DEFAULT_COUNT_CAP,
    DEFAULT_SCHEMES,
    DIMENSIONS,
    Scheme,
    SchemeCategory,
    SchemeVersion,
    Weight,
    check_weights,
)
from kechuang.store.db import UnitOfWork

from .. import audit
from .access import require_officer

Schemes: Any = Scheme
Versions: Any = SchemeVersion
KEY = re.compile(r"[a-z0-9][a-z0-9-]{1,78}")
MAX_AGE_LIMIT = 100


def list_schemes(uow: UnitOfWork) -> list[Scheme]:
    """Every scheme, published: the built-in ones are installed on first use."""
    install_default_schemes(uow)
    with uow() as session:
        return list(session.scalars(select(Schemes).order_by(Schemes.id)))


def get_scheme(uow: UnitOfWork, scheme_id: int) -> Scheme:
    install_default_schemes(uow)
    with uow() as session:
        scheme: Scheme | None = session.get(Schemes, scheme_id)
    if scheme is None:
        raise NotFound(f"scheme {scheme_id} not found")
    return scheme


def scheme_versions(uow: UnitOfWork, scheme_id: int) -> list[SchemeVersion]:
    with uow() as session:
        return list(
            session.scalars(
                select(Versions).where(Versions.scheme_id == scheme_id).order_by(Versions.version)
            )
        )


def install_default_schemes(uow: UnitOfWork) -> int:
    """Create the four category schemes on an installation that has none (idempotent)."""
    with uow() as session:
        if session.scalar(select(func.count()).select_from(Schemes)):
            return 0
    system = Actor.system("talent")
    for spec in DEFAULT_SCHEMES:
        weights = [{"code": code, "weight": weight} for code, weight in spec["weights"].items()]
        data = {k: v for k, v in spec.items() if k != "weights"} | {"dimensions": weights}
        try:
            create_scheme(system, uow, data)
        except Conflict:  # another request installed it a moment ago
            continue
    return len(DEFAULT_SCHEMES)


def _weights(raw: Any) -> list[Weight]:
    if not isinstance(raw, list):
        raise InvalidInput("dimensions must be a list of {code, weight}", field="dimensions")
    weights = []
    for item in raw:
        if not isinstance(item, dict) or "code" not in item or "weight" not in item:
            raise InvalidInput("each dimension needs a code and a weight", field="dimensions")
        weight = item["weight"]
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            raise InvalidInput(f"the weight of {item['code']} must be a number", field="weights")
        weights.append(Weight(str(item["code"])[:40], float(weight)))
    return weights


def _limit(value: Any, field: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_AGE_LIMIT:
        raise InvalidInput(f"must be a whole number of years from 1 to {MAX_AGE_LIMIT}", field=field)
    return value


def _text(value: Any, field: str, long: bool = False) -> str:
    try:
        return check_text(str(value or "").strip(), max_length=LONG_TEXT if long else 500, multiline=long)
    except ValueError as exc:
        raise InvalidInput(str(exc), field=field) from None


def _validated(data: dict[str, Any], current: Scheme | None = None) -> dict[str, Any]:
    """The scheme fields to save, every rule checked; missing fields keep their current values."""

    def pick(name: str, default: Any) -> Any:
        return data[name] if name in data else getattr(current, name, default)

    try:
        category = SchemeCategory.parse(str(pick("category", SchemeCategory.BASIC_RESEARCH.value)))
    except ValueError as exc:
        raise InvalidInput(str(exc), field="category") from None
    cap = pick("count_cap", DEFAULT_COUNT_CAP)
    if isinstance(cap, bool) or not isinstance(cap, int | float):
        raise InvalidInput("count_cap must be a number", field="count_cap")
    weights = check_weights(_weights(pick("dimensions", [])), float(cap))
    name_zh, name_en = _text(pick("name_zh", ""), "name_zh"), _text(pick("name_en", ""), "name_en")
    if not (name_zh or name_en):
        raise InvalidInput("a scheme needs a name in Chinese or English", field="name_zh")
    return {
        "category": category,
        "name_zh": name_zh,
        "name_en": name_en,
        "description_zh": _text(pick("description_zh", ""), "description_zh", long=True),
        "description_en": _text(pick("description_en", ""), "description_en", long=True),
        "dimensions": [{"code": w.code, "weight": w.weight} for w in weights],
        "count_cap": float(cap),
        "career_age_limit": _limit(pick("career_age_limit", None), "career_age_limit"),
        "age_limit": _limit(pick("age_limit", None), "age_limit"),
    }


def create_scheme(actor: Actor, uow: UnitOfWork, data: dict[str, Any]) -> Scheme:
    """A new scheme at version 1 (officers, admins); refused whole when any rule fails."""
    require_officer(actor, "talent schemes")
    key = str(data.get("key", "")).strip()
    if not KEY.fullmatch(key):
        raise InvalidInput("key: 2-80 lowercase letters, digits and hyphens", field="key")
    fields = _validated(data)
    with uow() as session:
        head = audit.lock_chain(session)
        if session.scalar(select(Schemes.id).where(Schemes.key == key)) is not None:
            raise Conflict(f"a scheme with key '{key}' exists", field="key")
        stamp = audit.now()
        scheme = Scheme(
            key=key, **fields, version=1, updated_by=actor.name, created_at=stamp, updated_at=stamp
        )
        session.add(scheme)
        session.flush()
        session.add(_frozen(scheme, actor))
        audit.append(
            session,
            head,
            actor,
            "talent.scheme.create",
            "talent_scheme",
            scheme.id,
            {"version": 1, "dimensions": fields["dimensions"]},
        )
    return scheme


def update_scheme(actor: Actor, uow: UnitOfWork, scheme_id: int, data: dict[str, Any]) -> Scheme:
    """Save a change as the next version; an unchanged save keeps the version (safe to retry)."""
    require_officer(actor, "talent schemes")
    with uow() as session:
        head = audit.lock_chain(session)
        scheme: Scheme | None = session.get(Schemes, scheme_id)
        if scheme is None:
            raise NotFound(f"scheme {scheme_id} not found")
        expected = data.get("version")
        if expected is not None and expected != scheme.version:
            raise Conflict(
                f"the scheme is at version {scheme.version}, not {expected}; reload it", field="version"
            )
        fields = _validated(data, scheme)
        if all(getattr(scheme, name) == value for name, value in fields.items()):
            return scheme
        for name, value in fields.items():
            setattr(scheme, name, value)
        scheme.version += 1
        scheme.updated_by, scheme.updated_at = actor.name, audit.now()
        session.add(_frozen(scheme, actor))
        audit.append(
            session,
            head,
            actor,
            "talent.scheme.update",
            "talent_scheme",
            scheme.id,
            {"version": scheme.version, "dimensions": fields["dimensions"]},
        )
    return scheme


def _frozen(scheme: Scheme, actor: Actor) -> SchemeVersion:
    return SchemeVersion(
        scheme_id=scheme.id or 0,
        version=scheme.version,
        category=scheme.category,
        dimensions=list(scheme.dimensions),
        count_cap=scheme.count_cap,
        career_age_limit=scheme.career_age_limit,
        age_limit=scheme.age_limit,
        saved_by=actor.name,
        saved_at=audit.now(),
    )


def dimension_catalogue() -> list[dict[str, Any]]:
    """The dimensions a scheme may use, with their labels, evidence and whether they are capped counts."""
    return [
        {
            "code": d.code,
            "zh": d.zh,
            "en": d.en,
            "evidence_zh": d.evidence_zh,
            "evidence_en": d.evidence_en,
            "capped": d.capped,
        }
        for d in DIMENSIONS.values()
    ]
