"""Match feedback (useful / not relevant), listing expiry reminders, and confirmed_at on listings

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('match_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_entity', sa.String(length=20), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('matched_entity', sa.String(length=20), nullable=False),
    sa.Column('matched_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('supplier_org_id', sa.Integer(), nullable=True),
    sa.Column('verdict', sa.Enum('useful', 'not_relevant', name='verdict', native_enum=False, length=32), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_feedback')),
    sa.UniqueConstraint('listing_entity', 'listing_id', 'matched_entity', 'matched_id', 'organization_id',
                        name='uq_match_feedback')
    )
    op.create_index('ix_match_feedback_matched', 'match_feedback', ['matched_entity', 'matched_id'], unique=False)
    op.create_index('ix_match_feedback_created', 'match_feedback', ['created_at'], unique=False)
    op.create_table('listing_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entity', sa.String(length=20), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listing_reminders')),
    sa.UniqueConstraint('entity', 'record_id', 'expires_on', name='uq_listing_reminder')
    )
    for table in ("achievements", "demands"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("confirmed_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    for table in ("achievements", "demands"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("confirmed_at")
    op.drop_table('listing_reminders')
    op.drop_index('ix_match_feedback_created', table_name='match_feedback')
    op.drop_index('ix_match_feedback_matched', table_name='match_feedback')
    op.drop_table('match_feedback')
