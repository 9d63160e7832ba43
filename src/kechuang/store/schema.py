"""Create or upgrade a database to the current schema with Alembic, and check models match migrations."""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, inspect, text

from .tables import POSTGRES_ONLY_INDEXES, metadata


def alembic_config(engine: Engine | None = None) -> Config:
    """An Alembic config pointing at the migrations shipped inside the package."""
    config = Config()
    config.set_main_option("script_location", str(files("kechuang.store") / "migrations"))
    if engine is not None:
        config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade_database(engine: Engine, revision: str = "head") -> None:
    """Apply every pending migration in one transaction.

    SQLite changes a constraint by rebuilding the table (drop, then rename a copy), which foreign keys
    forbid; as SQLite's documentation prescribes, they are switched off for the migration (possible only
    outside a transaction), every reference is checked before commit, and they are switched on again.
    """
    config = alembic_config(engine)
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()  # ends SQLAlchemy's autobegun transaction; sqlite3 opened none
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                if sqlite and (broken := connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()):
                    raise RuntimeError(f"migration left {len(broken)} broken references, e.g. {broken[0]}")
        finally:
            if sqlite:
                connection.rollback()  # after a failed upgrade; a no-op after a commit
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def schema_drift(engine: Engine) -> list[object]:
    """Differences between the tables in code and the migrated database (empty when in sync)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": _declared}
        )
        return list(compare_metadata(context, metadata))


def _declared(name: str | None, type_: str, _parents: object) -> bool:
    """Database-specific indexes that metadata does not declare are not drift."""
    return not (type_ == "index" and name in POSTGRES_ONLY_INDEXES)


def database_revision(connection: Connection) -> str | None:
    """The Alembic revision a database is at (None before its first migration)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.scalar(text("SELECT version_num FROM alembic_version"))


def head_revision() -> str | None:
    """The newest revision this code's migrations know."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def is_known_revision(revision: str) -> bool:
    """Whether this code's migrations contain `revision` (a newer release's database would not)."""
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:
        return False
