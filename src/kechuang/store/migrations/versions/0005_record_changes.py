"""A change feed for the matching indexes: record_changes, filled by triggers in the writing transaction

Revision ID: 0005
Revises: 0004

The indexes used to sync rows with updated_at > last_sync; a row stamped before a slower transaction
committed was skipped for good. Triggers now append (entity, record_id, txid) for every insert, update
and delete of an indexed table inside the same transaction, whatever the write path (ORM, bulk insert,
raw SQL); existing records are written once so that a new index starts from the feed alone.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

TRACKED = {"achievements": "achievement", "demands": "demand", "investor_profiles": "investor",
           "projects": "project"}
PG_TXID = "pg_current_xact_id()::text::bigint"

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION kechuang_rows_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO record_changes (entity, record_id, txid) SELECT TG_ARGV[0], id, {PG_TXID} FROM old_rows;
  ELSE
    INSERT INTO record_changes (entity, record_id, txid) SELECT TG_ARGV[0], id, {PG_TXID} FROM new_rows;
  END IF;
  RETURN NULL;
END $$
"""


def _postgres_triggers(table: str, entity: str) -> list[str]:
    """Statement-level triggers with transition tables: one insert per statement, not per row."""
    made = []
    for event, rows in (("INSERT", "NEW TABLE AS new_rows"), ("UPDATE", "NEW TABLE AS new_rows"),
                        ("DELETE", "OLD TABLE AS old_rows")):
        made.append(
            f"CREATE TRIGGER {table}_changed_{event.lower()} AFTER {event} ON {table} "
            f"REFERENCING {rows} FOR EACH STATEMENT EXECUTE FUNCTION kechuang_rows_changed('{entity}')"
        )
    return made


def _sqlite_triggers(table: str, entity: str) -> list[str]:
    made = []
    for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
        made.append(
            f"CREATE TRIGGER {table}_changed_{event.lower()} AFTER {event} ON {table} BEGIN "
            f"INSERT INTO record_changes (entity, record_id, txid) VALUES ('{entity}', {row}.id, 0); END"
        )
    return made


def upgrade() -> None:
    op.create_table(
        "record_changes",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True,
                  autoincrement=True),
        sa.Column("entity", sa.String(32), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("txid", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_record_changes")),
        sqlite_autoincrement=True,  # a sequence number is never reused, even after rows are pruned
    )
    op.create_index("ix_record_changes_position", "record_changes", ["entity", "txid", "seq"])
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute(PG_FUNCTION)
    txid = PG_TXID if postgres else "0"
    for table, entity in TRACKED.items():
        op.execute(
            f"INSERT INTO record_changes (entity, record_id, txid) SELECT '{entity}', id, {txid} FROM {table}"
        )
        for statement in (_postgres_triggers if postgres else _sqlite_triggers)(table, entity):
            op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in TRACKED:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_changed_{event}" + (f" ON {table}" if postgres else ""))
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS kechuang_rows_changed()")
    op.drop_index("ix_record_changes_position", table_name="record_changes")
    op.drop_table("record_changes")
