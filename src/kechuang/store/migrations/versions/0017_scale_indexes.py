"""Indexes for lists, filters and statistics at millions of records (issue 14, bench/bench_pg_scale.py)

Revision ID: 0017
Revises: 0016

Portable (both databases, also declared in store/tables.py): achievements filtered by region and newest
first; contracts by status (the registrars' queue) and newest first. PostgreSQL only (expression indexes
matching the ORDER BY of services.registry's sort options, `(x IS NULL), x DESC, id DESC`): without them a
sorted list page at 1M rows sorts every visible row (a top-N heapsort over the table) instead of reading 20
index entries. SQLite keeps its smaller files; its lists are measured at 100k in bench/bench_load.py.
"""

from __future__ import annotations

from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

# (index, table, ORDER BY of one sort option in services.registry.SORTS)
SORTED = (
    ("ix_achievements_by_trl", "achievements", "(trl IS NULL), trl DESC, id DESC"),
    ("ix_achievements_by_year", "achievements", "(year IS NULL), year DESC, id DESC"),
    ("ix_achievements_by_price", "achievements", "(asking_price_min IS NULL), asking_price_min, id DESC"),
    ("ix_demands_by_deadline", "demands", "(deadline IS NULL), deadline, id DESC"),
    ("ix_demands_by_budget", "demands", "(budget_max IS NULL), budget_max DESC, id DESC"),
    ("ix_demands_by_trl", "demands", "(required_trl IS NULL), required_trl DESC, id DESC"),
)
POSTGRES_ONLY = frozenset(name for name, _, _ in SORTED)


def upgrade() -> None:
    op.create_index("ix_achievements_region_code", "achievements", ["region_code", "id"])
    op.create_index("ix_contracts_status", "contracts", ["status", "id"])
    if op.get_bind().dialect.name == "postgresql":
        for name, table, order in SORTED:
            op.execute(f"CREATE INDEX {name} ON {table} ({order}) WHERE merged_into_id IS NULL")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, _, _ in SORTED:
            op.execute(f"DROP INDEX IF EXISTS {name}")
    op.drop_index("ix_contracts_status", table_name="contracts")
    op.drop_index("ix_achievements_region_code", table_name="achievements")
