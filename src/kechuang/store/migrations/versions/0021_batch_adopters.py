"""Precomputed achievement -> demand adopters of `kechuang batch match`

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('batch_adopters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('achievement_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('demand_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['achievement_id'], ['achievements.id'], name=op.f('fk_batch_adopters_achievement_id_achievements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['demand_id'], ['demands.id'], name=op.f('fk_batch_adopters_demand_id_demands'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_batch_adopters'))
    )
    op.create_index('ix_batch_adopters_achievement_rank', 'batch_adopters', ['achievement_id', 'rank'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_batch_adopters_achievement_rank', table_name='batch_adopters')
    op.drop_table('batch_adopters')
