"""Engine and unit-of-work factories; nothing is created at import time."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from kechuang.domain.errors import InvalidInput, Unavailable

from .tables import map_domain


def json_text(value: Any) -> str:
    """JSON columns keep Chinese as characters, not \\uXXXX escapes, so text search and SQL reads see them."""
    return json.dumps(value, ensure_ascii=False)


LOCK_TIMEOUT_S = 30.0
"""How long a write waits for a lock (SQLite's single writer, a PostgreSQL row lock) before it is refused
with 503 and Retry-After: longer than a large import holds SQLite's write lock (about 7 s for 100k rows)."""


def make_engine(url: str, *, lock_timeout_s: float = LOCK_TIMEOUT_S, **kwargs: Any) -> Engine:
    """Create an engine for SQLite (file or memory) or PostgreSQL, with sane per-backend options."""
    map_domain()
    kwargs.setdefault("json_serializer", json_text)
    timeout_ms = max(1, int(lock_timeout_s * 1000))
    if url.startswith("sqlite"):
        _ensure_sqlite_folder(url)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", lambda connection, _record: _sqlite_pragmas(connection, timeout_ms))
        return engine
    connect_args = kwargs.setdefault("connect_args", {})
    if url.startswith("postgresql+psycopg"):
        # psycopg 3 switches to server-side prepared statements after 5 runs; on tables just bulk-loaded
        # (no statistics yet) the generic plan scans the whole table per lookup chunk: 10x slower imports.
        connect_args.setdefault("prepare_threshold", None)
    if url.startswith("postgresql"):
        connect_args.setdefault("options", f"-c lock_timeout={timeout_ms}")
    engine = create_engine(url, pool_pre_ping=True, **kwargs)
    if url.startswith("postgresql"):
        event.listen(engine, "before_cursor_execute", _refuse_nul)
    return engine


def _refuse_nul(_conn: Any, _cursor: Any, _statement: str, parameters: Any, *_args: Any) -> None:
    """PostgreSQL cannot store or even compare text with NUL: a 422 instead of a database error.

    Input is checked long before (domain.limits.check_text); this is the net for any path that was missed.
    """
    rows = parameters if isinstance(parameters, list | tuple) else [parameters]
    for row in rows:
        values = row.values() if isinstance(row, dict) else row if isinstance(row, list | tuple) else ()
        if any(isinstance(value, str) and "\x00" in value for value in values):
            raise InvalidInput("text must not contain a NUL character (U+0000)")


def _ensure_sqlite_folder(url: str) -> None:
    path = url.split(":///", 1)[-1]
    if path and path != ":memory:" and not path.startswith("file:"):
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, timeout_ms: int) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={timeout_ms}")
    cursor.close()


BUSY_SQLITE = {"SQLITE_BUSY", "SQLITE_LOCKED"}  # sqlite3's error names (Python 3.11+)
BUSY_POSTGRES = {"55P03", "40P01"}  # lock_not_available (lock_timeout), deadlock_detected


def _busy(exc: BaseException) -> bool:
    """A lock wait that timed out (SQLite busy, PostgreSQL lock_timeout or deadlock), not a bug: told by
    the driver's error code, not by its message."""
    if not isinstance(exc, OperationalError):
        return False
    driver = exc.orig
    return (
        getattr(driver, "sqlite_errorname", None) in BUSY_SQLITE
        or getattr(driver, "sqlstate", None) in BUSY_POSTGRES
    )


class UnitOfWork:
    """One transaction: services call `uow()` as a context manager; commit on success, else roll back."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._factory = sessionmaker(bind=engine, expire_on_commit=False)

    @contextmanager
    def __call__(self) -> Iterator[Session]:
        session = self._factory()
        try:
            yield session
            session.commit()
        except BaseException as exc:
            session.rollback()
            if _busy(exc):
                raise Unavailable("the database is busy with another write; please retry shortly") from exc
            raise
        finally:
            session.close()


class RehearsalUnitOfWork(UnitOfWork):
    """A unit of work that always rolls back: a use case runs every check and write, then keeps nothing."""

    @contextmanager
    def __call__(self) -> Iterator[Session]:
        session = self._factory()
        try:
            yield session
        finally:
            session.rollback()
            session.close()


def load_by_id(uow: UnitOfWork, model: Any, ids: Iterable[int]) -> dict[int, Any]:
    """Records of `model` by id in one query (missing ids are simply absent), detached for reading."""
    wanted = list(ids)
    if not wanted:
        return {}
    with uow() as session:
        return {item.id: item for item in session.scalars(select(model).where(model.id.in_(wanted)))}
