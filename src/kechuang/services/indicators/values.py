"""Import indicator values (long or wide CSV/XLSX) into a data set: bad rows located, all rows or none."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select

from kechuang.domain.access import Actor
from kechuang.domain.errors import InvalidInput
from kechuang.domain.indicators import IndicatorUnit, IndicatorValue
from kechuang.domain.limits import clean_text
from kechuang.store.db import UnitOfWork

from .. import audit
from .files import Values, parse_values
from .frameworks import require_officer

Points: Any = IndicatorValue
Units: Any = IndicatorUnit


@dataclass
class ValuesImported:
    """What an accepted import did."""

    dataset: str
    created: int
    updated: int
    unchanged: int
    units: int


def _dataset(name: str) -> str:
    name = clean_text(name)
    if not name or len(name) > 80 or not name.replace("-", "").replace("_", "").isalnum():
        raise InvalidInput("a data set name is 1-80 letters, digits, - or _", field="dataset")
    return name


def import_values(
    actor: Actor,
    uow: UnitOfWork,
    dataset: str,
    filename: str,
    content: bytes,
    *,
    source: str = "",
    is_sample: bool = False,
) -> ValuesImported:
    """Parse the whole file first (ImportRejected lists every bad row), then upsert every value."""
    require_officer(actor)
    dataset = _dataset(dataset)
    parsed = parse_values(filename, content)
    return store_values(actor, uow, dataset, parsed, source=source or filename[:300], is_sample=is_sample)


def store_values(
    actor: Actor, uow: UnitOfWork, dataset: str, parsed: Values, *, source: str = "", is_sample: bool = False
) -> ValuesImported:
    """Upsert values and units of one data set in one transaction, with one audit event."""
    require_officer(actor)
    dataset = _dataset(dataset)
    batch = f"{dataset}:{audit.now():%Y%m%dT%H%M%S}"
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    with uow() as session:
        head = audit.lock_chain(session)
        existing = {
            (p.unit_code, p.year, p.indicator_code): p
            for p in session.scalars(select(Points).where(Points.dataset == dataset))
        }
        for unit, year, code, value in parsed.rows:
            found = existing.get((unit, year, code))
            if found is None:
                session.add(
                    IndicatorValue(
                        dataset=dataset,
                        unit_code=unit,
                        year=year,
                        indicator_code=code,
                        value=value,
                        source=source[:300],
                        batch=batch,
                        is_sample=is_sample,
                    )
                )
                counts["created"] += 1
            elif found.value != value:
                found.value, found.batch = value, batch
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
        known = {u.code: u for u in session.scalars(select(Units).where(Units.dataset == dataset))}
        for code in sorted({row[0] for row in parsed.rows}):
            name_zh, name_en = parsed.names.get(code, ("", ""))
            found = known.get(code)
            if found is None:
                session.add(
                    IndicatorUnit(
                        dataset=dataset,
                        code=code,
                        name_zh=name_zh or code,
                        name_en=name_en or code,
                        group=parsed.groups.get(code, ""),
                    )
                )
            else:
                found.name_zh, found.name_en = name_zh or found.name_zh, name_en or found.name_en
                found.group = parsed.groups.get(code, found.group)
        audit.append(
            session,
            head,
            actor,
            "indicators.values.import",
            "indicator_dataset",
            None,
            {"dataset": dataset, "source": source[:300], **counts},
        )
    units = len({row[0] for row in parsed.rows})
    return ValuesImported(dataset, counts["created"], counts["updated"], counts["unchanged"], units)


def dataset_rows(uow: UnitOfWork, dataset: str) -> list[tuple[str, int, str, float]]:
    """Every stored value of a data set as long rows (unit, year, indicator, value)."""
    with uow() as session:
        rows = session.execute(
            select(Points.unit_code, Points.year, Points.indicator_code, Points.value)
            .where(Points.dataset == dataset)
            .order_by(Points.unit_code, Points.year, Points.indicator_code)
        )
        return [(u, int(y), c, float(v)) for u, y, c, v in rows]


def dataset_units(uow: UnitOfWork, dataset: str) -> list[IndicatorUnit]:
    with uow() as session:
        return list(session.scalars(select(Units).where(Units.dataset == dataset).order_by(Units.code)))


def list_datasets(uow: UnitOfWork) -> list[str]:
    with uow() as session:
        return sorted(set(session.scalars(select(Points.dataset).distinct())))


def clear_dataset(actor: Actor, uow: UnitOfWork, dataset: str) -> int:
    """Remove every value and unit of a data set (editions keep their stored results)."""
    require_officer(actor)
    with uow() as session:
        head = audit.lock_chain(session)
        gone = session.execute(delete(Points).where(Points.dataset == dataset)).rowcount  # type: ignore[attr-defined]
        session.execute(delete(Units).where(Units.dataset == dataset))
        audit.append(
            session,
            head,
            actor,
            "indicators.values.clear",
            "indicator_dataset",
            None,
            {"dataset": dataset, "removed": gone},
        )
    return int(gone)


def units_named(units: Iterable[IndicatorUnit], lang: str = "zh") -> dict[str, str]:
    return {u.code: (u.name_zh if lang.startswith("zh") else u.name_en) or u.code for u in units}
