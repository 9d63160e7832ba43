"""The migrations build exactly the tables the code defines."""

from kechuang.store.schema import schema_drift


def test_models_and_migrations_agree(engine):
    assert schema_drift(engine) == []


def test_json_written_with_escapes_is_rewritten_with_characters_and_found_by_search(engine, uow, admin):
    """Revision 0004 mends rows stored before JSON kept Chinese as characters (as 0003 left them)."""
    from sqlalchemy import text

    from kechuang.services.registry import create_record, list_records
    from kechuang.store.schema import upgrade_database

    org = create_record(admin, "organization", {"name_zh": "某大学", "kind": "university"}, uow)
    with engine.begin() as connection:
        raw = connection.scalar(text("SELECT aliases FROM organizations WHERE id = :id"), {"id": org.id})
        assert "\\u" not in str(raw)  # the engine now writes characters
        connection.execute(
            text("UPDATE organizations SET aliases = :old WHERE id = :id"),
            {"old": '["\\u6e05\\u534e\\u5927\\u5b66", "THU"]', "id": org.id},
        )
        connection.execute(text("UPDATE alembic_version SET version_num = '0003'"))
    assert list_records(admin, "organization", uow, q="清华").count == 0
    upgrade_database(engine)
    with engine.connect() as connection:
        raw = connection.scalar(text("SELECT CAST(aliases AS TEXT) FROM organizations WHERE id = :id"), {"id": org.id})
    assert "清华大学" in str(raw)
    assert list_records(admin, "organization", uow, q="清华").items[0].aliases == ["清华大学", "THU"]
