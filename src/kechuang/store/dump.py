"""Copy a whole database to one file and back: SQLite's online backup API, PostgreSQL's pg_dump/pg_restore.

Both dumps are consistent while the server keeps writing: SQLite copies one snapshot of the pages, pg_dump
reads one exported snapshot, and the row counts returned beside a dump come from that same snapshot.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from psycopg.conninfo import make_conninfo
from sqlalchemy import Connection, Engine, create_engine, func, inspect, select, text

from kechuang.domain.errors import InvalidInput, KechuangError

from .schema import database_revision
from .tables import metadata

BACKENDS = ("sqlite", "postgresql")


@dataclass
class Snapshot:
    """What a dump holds: its backend, Alembic revision and the row count of every table."""

    backend: str
    revision: str | None
    rows: dict[str, int]


def backend_of(engine: Engine) -> str:
    """`sqlite` or `postgresql`; any other database cannot be dumped."""
    name = engine.dialect.name
    if name not in BACKENDS:
        raise InvalidInput(f"backup and restore support SQLite and PostgreSQL, not {name}")
    return name


def row_counts(connection: Connection) -> dict[str, int]:
    """Rows in each of our tables that exists in the database, by table name."""
    present = set(inspect(connection).get_table_names())
    return {
        table.name: int(connection.scalar(select(func.count()).select_from(table)) or 0)
        for table in metadata.sorted_tables
        if table.name in present
    }


def dump_database(engine: Engine, target: Path) -> Snapshot:
    """Write the whole database to `target` (a SQLite file or a pg_dump custom archive)."""
    if backend_of(engine) == "sqlite":
        return _dump_sqlite(engine, target)
    return _dump_postgres(engine, target)


def load_database(engine: Engine, source: Path) -> None:
    """Replace the database's content with a dump written by `dump_database` for the same backend."""
    if backend_of(engine) == "sqlite":
        _load_sqlite(engine, source)
    else:
        _load_postgres(engine, source)
    engine.dispose()  # pooled connections may hold the replaced tables' state


def snapshot_of(engine: Engine) -> Snapshot:
    """Revision and row counts of the database as it is now."""
    with engine.connect() as connection:
        return Snapshot(backend_of(engine), database_revision(connection), row_counts(connection))


def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        raise InvalidInput("backup and restore need a SQLite database file, not an in-memory database")
    return Path(database)


def _dump_sqlite(engine: Engine, target: Path) -> Snapshot:
    source = sqlite3.connect(_sqlite_path(engine), timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # one step: a consistent copy even while other connections write
        copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file, no -wal beside it
    finally:
        source.close()
        copy.close()
    copy_engine = _file_engine(target)
    try:
        with copy_engine.connect() as connection:
            return Snapshot("sqlite", database_revision(connection), row_counts(connection))
    finally:
        copy_engine.dispose()


def _load_sqlite(engine: Engine, source: Path) -> None:
    backup = sqlite3.connect(source)
    try:
        problem = backup.execute("PRAGMA quick_check").fetchone()[0]
        if problem != "ok":
            raise InvalidInput(f"the SQLite file in the archive is damaged: {problem}")
        target = sqlite3.connect(_sqlite_path(engine), timeout=30)
        try:
            backup.backup(target)  # page by page under the target's write lock: all or nothing
        finally:
            target.close()
    finally:
        backup.close()


def _file_engine(path: Path) -> Engine:
    return create_engine(f"sqlite:///{path}")  # not make_engine: its pragmas would turn the copy to WAL


def _dump_postgres(engine: Engine, target: Path) -> Snapshot:
    repeatable = engine.connect().execution_options(isolation_level="REPEATABLE READ")
    with repeatable as connection, connection.begin():
        snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
        counts = row_counts(connection)
        revision = database_revision(connection)
        # the exporting transaction stays open until pg_dump has read the same snapshot
        _run_tool(engine, "pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={target}")
    return Snapshot("postgresql", revision, counts)


def _load_postgres(engine: Engine, source: Path) -> None:
    # one transaction: a failing restore leaves the database as it was
    _run_tool(engine, "pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              "--exit-on-error", str(source))


def _run_tool(engine: Engine, tool: str, *args: str) -> None:
    """Run pg_dump or pg_restore against the engine's database; the password goes in the environment."""
    program = shutil.which(tool)
    if program is None:
        raise KechuangError(f"{tool} is not on PATH: install the PostgreSQL client tools")
    url = engine.url
    params = {key: value for key, value in url.query.items() if isinstance(value, str)}
    given = {"host": url.host, "port": url.port, "user": url.username, "dbname": url.database}
    params.update({key: str(value) for key, value in given.items() if value})
    conninfo = make_conninfo(**params)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    done = subprocess.run([program, *args, f"--dbname={conninfo}"], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise KechuangError(f"{tool} failed: {done.stderr.strip() or done.returncode}")
