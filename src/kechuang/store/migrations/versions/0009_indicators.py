"""Composite index (M7): frameworks, indicator values, computed editions

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "indicator_frameworks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name_zh", sa.String(length=300), nullable=False),
        sa.Column("name_en", sa.String(length=300), nullable=False),
        sa.Column("description_zh", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("nodes", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("is_sample", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_frameworks")),
    )
    op.create_index(
        "uq_indicator_frameworks_key_version", "indicator_frameworks", ["key", "version"], unique=True
    )
    op.create_table(
        "indicator_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dataset", sa.String(length=80), nullable=False),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("name_zh", sa.String(length=300), nullable=False),
        sa.Column("name_en", sa.String(length=300), nullable=False),
        sa.Column("group", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_units")),
    )
    op.create_index("uq_indicator_units_dataset_code", "indicator_units", ["dataset", "code"], unique=True)
    op.create_table(
        "indicator_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dataset", sa.String(length=80), nullable=False),
        sa.Column("unit_code", sa.String(length=80), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("indicator_code", sa.String(length=80), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("batch", sa.String(length=120), nullable=False),
        sa.Column("is_sample", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_values")),
    )
    op.create_index(
        "uq_indicator_values_point",
        "indicator_values",
        ["dataset", "indicator_code", "unit_code", "year"],
        unique=True,
    )
    op.create_table(
        "index_editions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("framework_id", sa.Integer(), nullable=False),
        sa.Column("dataset", sa.String(length=80), nullable=False),
        sa.Column("title_zh", sa.String(length=300), nullable=False),
        sa.Column("title_en", sa.String(length=300), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "published",
                name="editionstatus",
                native_enum=False,
                create_constraint=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("published_by", sa.String(length=120), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("is_sample", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["framework_id"],
            ["indicator_frameworks.id"],
            name=op.f("fk_index_editions_framework_id_indicator_frameworks"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_index_editions")),
    )
    op.create_index(op.f("ix_index_editions_framework_id"), "index_editions", ["framework_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_index_editions_framework_id"), table_name="index_editions")
    op.drop_table("index_editions")
    op.drop_index("uq_indicator_values_point", table_name="indicator_values")
    op.drop_table("indicator_values")
    op.drop_index("uq_indicator_units_dataset_code", table_name="indicator_units")
    op.drop_table("indicator_units")
    op.drop_index("uq_indicator_frameworks_key_version", table_name="indicator_frameworks")
    op.drop_table("indicator_frameworks")
