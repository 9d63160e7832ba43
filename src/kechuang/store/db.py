"""Engine and unit-of-work factories; nothing is created at import time."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from .tables import map_domain


def json_text(value: Any) -> str:
    """JSON columns keep Chinese as characters, not \\uXXXX escapes, so text search and SQL reads see them."""
    return json.dumps(value, ensure_ascii=False)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for SQLite (file or memory) or PostgreSQL, with sane per-backend options."""
    map_domain()
    kwargs.setdefault("json_serializer", json_text)
    if url.startswith("sqlite"):
        _ensure_sqlite_folder(url)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql+psycopg"):
        # psycopg 3 switches to server-side prepared statements after 5 runs; on tables just bulk-loaded
        # (no statistics yet) the generic plan scans the whole table per lookup chunk: 10x slower imports.
        kwargs.setdefault("connect_args", {}).setdefault("prepare_threshold", None)
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _ensure_sqlite_folder(url: str) -> None:
    path = url.split(":///", 1)[-1]
    if path and path != ":memory:" and not path.startswith("file:"):
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


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
        except BaseException:
            session.rollback()
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
