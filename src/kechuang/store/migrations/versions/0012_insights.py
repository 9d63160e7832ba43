"""Decision support views (M7): industry chains, networks and trend radar

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('insight_chains',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('name_zh', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('description_zh', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('is_sample', sa.Boolean(), nullable=False),
    sa.Column('updated_by', sa.String(length=120), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_insight_chains')),
    sa.UniqueConstraint('code', name=op.f('uq_insight_chains_code'))
    )
    op.create_table('insight_chain_nodes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chain_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.Enum('materials', 'components', 'systems', 'applications', name='chainstage', native_enum=False, length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name_zh', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('industry_codes', sa.JSON(), nullable=False),
    sa.Column('keywords_zh', sa.JSON(), nullable=False),
    sa.Column('keywords_en', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['chain_id'], ['insight_chains.id'], name=op.f('fk_insight_chain_nodes_chain_id_insight_chains'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_insight_chain_nodes'))
    )
    op.create_index(op.f('ix_insight_chain_nodes_chain_id'), 'insight_chain_nodes', ['chain_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_insight_chain_nodes_chain_id'), table_name='insight_chain_nodes')
    op.drop_table('insight_chain_nodes')
    op.drop_table('insight_chains')
