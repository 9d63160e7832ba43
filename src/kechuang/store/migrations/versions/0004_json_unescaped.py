"""JSON list columns of the registry keep Chinese as characters, not \\uXXXX escapes

Revision ID: 0004
Revises: 0003

Rows written before the engine's JSON serializer kept non-ASCII text (store.db.json_text) hold escapes,
which a text search for 小样本 cannot find; this rewrites them once. No schema change.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade() -> None:
    connection = op.get_bind()
    metadata = sa.MetaData()
    # audit events are append-only and hashed from their decoded values: left exactly as written
    metadata.reflect(connection, only=lambda name, _meta: not name.startswith(("alembic", "audit")))
    for table in metadata.sorted_tables:
        for column in (c for c in table.columns if isinstance(c.type, sa.JSON)):
            if connection.dialect.name == "postgresql":  # jsonb prints characters, not escapes
                connection.execute(sa.text(
                    f'UPDATE "{table.name}" SET "{column.name}" = "{column.name}"::jsonb::json '
                    f"WHERE strpos(\"{column.name}\"::text, '\\u') > 0"
                ))
            else:
                _rewrite_rows(connection, table.name, column.name)


def _rewrite_rows(connection: sa.Connection, table: str, column: str) -> None:
    """Re-serialize each escaped value in batches (SQLite has no JSON type to cast through)."""
    last = 0
    while True:
        rows = connection.execute(
            sa.text(f'SELECT id, "{column}" FROM "{table}" WHERE id > :last ORDER BY id LIMIT :n'),
            {"last": last, "n": BATCH},
        ).all()
        if not rows:
            return
        changed = [
            {"id": ident, "value": json.dumps(json.loads(text), ensure_ascii=False)}
            for ident, text in rows
            if isinstance(text, str) and "\\u" in text
        ]
        if changed:
            connection.execute(sa.text(f'UPDATE "{table}" SET "{column}" = :value WHERE id = :id'), changed)
        last = rows[-1][0]


def downgrade() -> None:
    """Nothing to undo: escaped and unescaped JSON decode to the same values."""
