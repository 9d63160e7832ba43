"""The migrations build exactly the tables the code defines."""

from kechuang.store.schema import schema_drift


def test_models_and_migrations_agree(engine):
    assert schema_drift(engine) == []
