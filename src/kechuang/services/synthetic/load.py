"""Bulk-load a synthetic registry (see generate.py) into an empty database, one transaction per table.

On PostgreSQL each table goes in by COPY (psycopg's copy protocol). The change feed stays consistent
without extra work: its triggers (migration 0005) are statement-level with transition tables, so one COPY
of a million achievements fires them once and appends the million feed rows in a single INSERT ... SELECT
(measured in bench/README.md, "PostgreSQL at scale"); no trigger is disabled. Elsewhere (SQLite, tests) the
rows go through batched INSERTs, whose per-row triggers fill the feed the same way. Afterwards the id
sequences move past the loaded ids and each table is vacuumed and analysed: the planner sees its real size,
and the visibility map lets list counts run as index-only scans (after a bare COPY they read the heap).

The listings (achievements, demands) count as confirmed when loaded, like the built-in sample's: the
generated dates lie in the past (fixed by the seed), so without it every listing would be stale
(`services.freshness`) and the lists empty. `confirm=False` keeps them as generated.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, Table, func, select, text

from kechuang.domain.access import Actor
from kechuang.domain.clock import now
from kechuang.domain.errors import Conflict, InvalidInput, PermissionDenied
from kechuang.store.db import UnitOfWork

from .generate import NULL, TABLES

BATCH = 2000
CHUNK = 1 << 20
LISTINGS = ("achievements", "demands")
"""Tables whose rows expire unless confirmed (`services.freshness`)."""


@dataclass(frozen=True)
class Loaded:
    table: str
    rows: int
    seconds: float


def _header(path: Path, table: Table) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle), [])
    unknown = [name for name in header if name not in table.c]
    if not header or unknown:
        raise InvalidInput(f"{path.name}: unknown or missing columns {unknown or 'header'}", field="folder")
    return header


def _parser(column: Any) -> Callable[[str], Any]:
    kind = column.type
    if isinstance(kind, JSON):
        return json.loads
    if isinstance(kind, Boolean):
        return lambda value: value == "true"
    if isinstance(kind, DateTime):
        return datetime.fromisoformat
    if isinstance(kind, Date):
        return date.fromisoformat
    if isinstance(kind, Integer):
        return int
    if isinstance(kind, Float):
        return float
    return str


def _rows(path: Path, table: Table, header: list[str]) -> Iterator[dict[str, Any]]:
    parsers = [_parser(table.c[name]) for name in header]
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for cells in reader:
            yield {
                name: None if cell == NULL else parse(cell)
                for name, parse, cell in zip(header, parsers, cells, strict=True)
            }


def _copy(session: Any, path: Path, table: Table, header: list[str]) -> None:
    """Stream the file into COPY ... FROM STDIN on the session's own connection (same transaction)."""
    cursor = session.connection().connection.driver_connection.cursor()
    columns = ", ".join(f'"{name}"' for name in header)
    statement = f"COPY {table.name} ({columns}) FROM STDIN WITH (FORMAT csv, HEADER true, NULL '\\N')"
    with path.open("rb") as handle, cursor.copy(statement) as copy:
        while chunk := handle.read(CHUNK):
            copy.write(chunk)


def _copy_confirmed(session: Any, path: Path, table: Table, header: list[str], at: datetime) -> None:
    """COPY with `confirmed_at` filled by a column default for the load (set, used, dropped in one
    transaction): no second pass rewrites a million rows."""
    stamp = at.isoformat(sep=" ", timespec="seconds")  # our own timestamp: safe to inline in DDL
    session.execute(text(f"ALTER TABLE {table.name} ALTER COLUMN confirmed_at SET DEFAULT '{stamp}'"))
    _copy(session, path, table, header)
    session.execute(text(f"ALTER TABLE {table.name} ALTER COLUMN confirmed_at DROP DEFAULT"))


def _insert(
    session: Any, path: Path, table: Table, header: list[str], extra: dict[str, Any] | None = None
) -> None:
    batch: list[dict[str, Any]] = []
    for row in _rows(path, table, header):
        batch.append(row | extra if extra else row)
        if len(batch) >= BATCH:
            session.execute(table.insert(), batch)
            batch = []
    if batch:
        session.execute(table.insert(), batch)


def load_registry(
    actor: Actor,
    folder: Path,
    uow: UnitOfWork,
    *,
    progress: Callable[[Loaded], None] | None = None,
    confirm: bool = True,
) -> list[Loaded]:
    """Load every table file of `folder` into its (empty) table; a table is all in or not at all. With
    `confirm`, the listings count as confirmed now (see the module's docstring)."""
    if not actor.is_admin:
        raise PermissionDenied("only the operator loads a synthetic registry")
    if not (folder / "manifest.json").is_file():
        raise InvalidInput(
            f"{folder} holds no manifest.json from `kechuang synthetic generate`", field="folder"
        )
    postgres = uow.engine.dialect.name == "postgresql"
    done: list[Loaded] = []
    for name, table in TABLES.items():
        path = folder / f"{name}.csv"
        if not path.is_file():
            continue
        header = _header(path, table)
        started = time.perf_counter()
        with uow() as session:
            if session.scalar(select(func.count()).select_from(select(table.c.id).limit(1).subquery())):
                raise Conflict(f"table {name} is not empty: load a synthetic registry into a new database",
                               field="database")
            confirmed, at = confirm and name in LISTINGS, now()
            if postgres and confirmed and "confirmed_at" not in header:
                _copy_confirmed(session, path, table, header, at)
            elif postgres:
                _copy(session, path, table, header)
            else:
                _insert(session, path, table, header, {"confirmed_at": at} if confirmed else None)
            if postgres and confirmed and "confirmed_at" in header:  # files of an older generator wrote the
                # column (empty): a second pass
                session.execute(table.update().where(table.c.confirmed_at.is_(None)).values(confirmed_at=at))
            rows = int(session.scalar(select(func.count()).select_from(table)) or 0)
            if postgres:
                session.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                     f"(SELECT coalesce(max(id), 1) FROM {name}))"))
        if postgres:
            _vacuum(uow, name)
        done.append(Loaded(name, rows, time.perf_counter() - started))
        if progress is not None:
            progress(done[-1])
    if postgres:
        _vacuum(uow, "record_changes")
    return done


def _vacuum(uow: UnitOfWork, table: str) -> None:
    with uow.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(text(f"VACUUM (ANALYZE) {table}"))
