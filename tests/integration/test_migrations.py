"""The migrations build exactly the tables the code defines."""

from kechuang.store.schema import schema_drift


def test_models_and_migrations_agree(engine):
    assert schema_drift(engine) == []


def test_json_written_with_escapes_is_rewritten_with_characters(engine, uow, admin):
    """Revision 0004 mends rows stored before JSON kept Chinese as characters (as 0003 left them)."""
    from sqlalchemy import text

    from kechuang.services.registry import create_record, get_record
    from kechuang.store.schema import upgrade_database

    org = create_record(admin, "organization", {"name_zh": "某大学", "kind": "university"}, uow)
    with engine.begin() as connection:
        raw = connection.scalar(text("SELECT aliases FROM organizations WHERE id = :id"), {"id": org.id})
        assert "\\u" not in str(raw)  # the engine now writes characters
        connection.execute(
            text("UPDATE organizations SET aliases = :old WHERE id = :id"),
            {"old": '["\\u6e05\\u534e\\u5927\\u5b66", "THU"]', "id": org.id},
        )
        head = connection.scalar(text("SELECT version_num FROM alembic_version"))
        connection.execute(text("UPDATE alembic_version SET version_num = '0003'"))
    upgrade_database(engine, "0004")
    with engine.begin() as connection:  # later revisions stay applied
        connection.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
    with engine.connect() as connection:
        raw = connection.scalar(text("SELECT CAST(aliases AS TEXT) FROM organizations WHERE id = :id"), {"id": org.id})
    assert "清华大学" in str(raw)
    assert get_record(admin, "organization", org.id, uow).aliases == ["清华大学", "THU"]


def test_upgrading_a_database_that_holds_data_keeps_every_row_and_reference(separate_database):
    """0006 rebuilds referenced tables on SQLite; 0005 fills the change feed from existing records."""
    from sqlalchemy import text

    from kechuang.services.sample import load_sample
    from kechuang.store.db import UnitOfWork
    from kechuang.store.schema import upgrade_database

    old = separate_database("upgrade")
    tables = ("people", "achievements", "authorships", "affiliations", "demands")
    try:
        upgrade_database(old, "0004")
        # today's code maps columns added after 0004 (0018's confirmed_at): they exist only while it loads
        later = [("achievements", "confirmed_at"), ("demands", "confirmed_at")]
        with old.begin() as connection:
            for table, column in later:
                connection.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} TIMESTAMP"))
        load_sample(UnitOfWork(old))
        with old.begin() as connection:
            for table, column in later:
                connection.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))
        with old.connect() as connection:
            before = {t: connection.scalar(text(f"SELECT count(*) FROM {t}")) for t in tables}
        upgrade_database(old)
        with old.connect() as connection:
            assert {t: connection.scalar(text(f"SELECT count(*) FROM {t}")) for t in tables} == before
            feed = connection.scalar(text("SELECT count(*) FROM record_changes WHERE entity = 'achievement'"))
            assert feed == before["achievements"]
            if old.dialect.name == "sqlite":
                assert connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        with UnitOfWork(old)() as session:  # the triggers survive the rebuild
            session.execute(text("UPDATE achievements SET title_en = 'x' WHERE id = 1"))
        with old.connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM record_changes")) > sum(
                before[t] for t in ("achievements", "demands")
            )
    finally:
        old.dispose()
