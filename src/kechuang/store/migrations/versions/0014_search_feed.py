"""The change feed also follows organizations, people and scenarios, whose text the registry search indexes

Revision ID: 0014
Revises: 0013

Lists and the site search rank by relevance through the lexical index (BM25F) instead of filtering by
LIKE and sorting by recency; the index of every registry entity is kept in step by the feed of 0005.
"""

from __future__ import annotations

import importlib

from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

TRACKED = {"organizations": "organization", "people": "person", "scenarios": "scenario"}
feed = importlib.import_module("kechuang.store.migrations.versions.0005_record_changes")


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    txid = feed.PG_TXID if postgres else "0"
    for table, entity in TRACKED.items():
        op.execute(
            f"INSERT INTO record_changes (entity, record_id, txid) SELECT '{entity}', id, {txid} FROM {table}"
        )
        for statement in (feed._postgres_triggers if postgres else feed._sqlite_triggers)(table, entity):
            op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in TRACKED:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_changed_{event}" + (f" ON {table}" if postgres else ""))
    op.execute("DELETE FROM record_changes WHERE entity IN ('organization', 'person', 'scenario')")
