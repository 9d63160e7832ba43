"""Shared fixtures: one migrated database per run (SQLite, or PostgreSQL via KECHUANG_TEST_DATABASE_URL)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, make_url, text

from kechuang.domain.access import Actor
from kechuang.store.db import UnitOfWork, make_engine
from kechuang.store.schema import upgrade_database
from kechuang.store.tables import metadata

ROOT = Path(__file__).resolve().parents[1]
# apps under test sync their matching indexes on each match request (read-your-writes, no timing); the
# background worker of a real server is tested on its own (tests/integration/api/test_index_worker_api.py)
os.environ.setdefault("KECHUANG_INDEX_SYNC", "inline")


def shared_data_dir() -> Path:
    return Path(os.environ.get("KECHUANG_SHARED_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    url = (
        os.environ.get("KECHUANG_TEST_DATABASE_URL")
        or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    )
    if url.startswith("postgresql"):
        url = per_worker(url)
        create_postgres_database(url)
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    upgrade_database(engine)
    yield engine
    engine.dispose()


def per_worker(url: str) -> str:
    """Each pytest-xdist worker (`make test` runs several) gets a PostgreSQL database of its own."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    target = make_url(url)
    return target.set(database=f"{target.database}_{worker}").render_as_string(hide_password=False)


def create_postgres_database(url: str) -> None:
    """Create the test database on the server if it does not exist yet."""
    target = make_url(url)
    server = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
        )
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    server.dispose()


@pytest.fixture
def separate_database(engine: Engine, tmp_path: Path) -> Iterator[Any]:
    """A factory of empty databases of their own on the test backend, to migrate, wipe or restore freely.

    `make(suffix, sqlite_file=None)`: on PostgreSQL the database `<test db>_<suffix>`; on SQLite the file
    given, or `<suffix>.db` in the test's folder."""
    made: list[Engine] = []

    def make(suffix: str, sqlite_file: Path | None = None) -> Engine:
        if engine.dialect.name != "postgresql":
            made.append(make_engine(f"sqlite:///{sqlite_file or tmp_path / f'{suffix}.db'}"))
            return made[-1]
        url = engine.url.set(database=f"{engine.url.database}_{suffix}").render_as_string(hide_password=False)
        create_postgres_database(url)
        made.append(make_engine(url))
        with made[-1].begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        return made[-1]

    yield make
    for separate in made:
        separate.dispose()


def clear_tables(engine: Engine) -> None:
    """Empty every table so each test starts from a blank, migrated database."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(t.name for t in metadata.sorted_tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(metadata.sorted_tables):
                connection.execute(table.delete())


@pytest.fixture(scope="session")
def empty_tables(engine: Engine) -> Callable[[], None]:
    """Empty every table on demand, for fixtures wider than one test (a fuzz module shares one database)."""
    return lambda: clear_tables(engine)


@pytest.fixture
def uow(engine: Engine) -> UnitOfWork:
    clear_tables(engine)
    return UnitOfWork(engine)


@pytest.fixture
def fast_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters: tests that create many accounts are not testing the hash's cost."""
    from argon2 import PasswordHasher

    from kechuang.services import accounts

    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def search_indexes(tmp_path: Path) -> Any:
    """Lexical indexes of the registry (no embedder), built from the change feed on first search."""
    from kechuang.services.match_index import MatchIndexes

    return MatchIndexes(tmp_path / "search-index", "none")


@pytest.fixture
def admin() -> Actor:
    return Actor.system("test-admin")


@pytest.fixture
def shared_data() -> Path:
    path = shared_data_dir()
    if not path.is_dir():
        pytest.skip("../shared/data is not present (CI has it)")
    return path
