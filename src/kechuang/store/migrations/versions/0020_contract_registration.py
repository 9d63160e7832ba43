"""The registrar's fields on contracts: sub-type, technical field, party kinds, amount breakdown, tax relief

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

COLUMNS = (
    ("contract_subtype", sa.String(length=40)),
    ("tech_field", sa.String(length=40)),
    ("seller_kind", sa.String(length=30)),
    ("buyer_kind", sa.String(length=30)),
    ("materials_amount", sa.Float()),
    ("other_non_technical_amount", sa.Float()),
    ("vat_exempt", sa.Boolean()),
    ("income_tax_relief", sa.Boolean()),
)


def upgrade() -> None:
    with op.batch_alter_table("contracts") as batch:
        for name, kind in COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contracts") as batch:
        for name, _kind in reversed(COLUMNS):
            batch.drop_column(name)
