"""External ids of listings, people, investor profiles and projects are unique per owner organization

Revision ID: 0006
Revises: 0005

A globally unique external id let anyone learn that another organization used an id, even for a
confidential listing ("already used"). Uniqueness is now (owner_org_id, external_id); organizations keep
their global external id. SQLite rebuilds each table to change a constraint (store.schema switches its
foreign keys off meanwhile), which drops its triggers: they are read first and created again after.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

TABLES = ("people", "achievements", "demands", "scenarios", "investor_profiles", "projects")


def _rebuild(table: str, change: str) -> None:
    connection = op.get_bind()
    sqlite = connection.dialect.name == "sqlite"
    triggers = (
        list(connection.scalars(
            sa.text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"), {"t": table}
        ))
        if sqlite
        else []
    )
    with op.batch_alter_table(table) as batch:
        if change == "upgrade":
            batch.drop_constraint(f"uq_{table}_external_id", type_="unique")
            batch.create_unique_constraint(f"uq_{table}_owner_external_id", ["owner_org_id", "external_id"])
            batch.create_index(f"ix_{table}_external_id", ["external_id"], unique=False)
        else:
            batch.drop_index(f"ix_{table}_external_id")
            batch.drop_constraint(f"uq_{table}_owner_external_id", type_="unique")
            batch.create_unique_constraint(f"uq_{table}_external_id", ["external_id"])
    for statement in triggers:
        connection.execute(sa.text(statement))


def upgrade() -> None:
    for table in TABLES:
        _rebuild(table, "upgrade")


def downgrade() -> None:
    for table in TABLES:
        _rebuild(table, "downgrade")
