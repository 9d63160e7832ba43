"""Review of open calls (M4): reviewer assignments, conflicts, scores, results and appeals

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('call_review_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.Enum('mean', 'median', 'trimmed_mean', name='aggregationrule', native_enum=False, length=32), nullable=False),
    sa.Column('conflict_years', sa.Integer(), nullable=False),
    sa.Column('updated_by', sa.String(length=120), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_call_review_plans_call_id_calls')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_review_plans')),
    sa.UniqueConstraint('call_id', name=op.f('uq_call_review_plans_call_id'))
    )
    op.create_table('call_reviewers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('assigned', 'recused', name='assignmentstatus', native_enum=False, length=32), nullable=False),
    sa.Column('conflicts', sa.JSON(), nullable=False),
    sa.Column('override_justification', sa.Text(), nullable=False),
    sa.Column('declared_reason', sa.Text(), nullable=False),
    sa.Column('declared_at', sa.DateTime(), nullable=True),
    sa.Column('assigned_by', sa.String(length=120), nullable=False),
    sa.Column('assigned_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_call_reviewers_call_id_calls')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_call_reviewers_person_id_people')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_call_reviewers_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_reviewers')),
    sa.UniqueConstraint('call_id', 'person_id', name='uq_call_reviewers_call_person')
    )
    op.create_index(op.f('ix_call_reviewers_call_id'), 'call_reviewers', ['call_id'], unique=False)
    op.create_index(op.f('ix_call_reviewers_person_id'), 'call_reviewers', ['person_id'], unique=False)
    op.create_index(op.f('ix_call_reviewers_user_id'), 'call_reviewers', ['user_id'], unique=False)
    op.create_table('call_appeals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('open', 'upheld', 'rejected', name='appealstatus', native_enum=False, length=32), nullable=False),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('filed_by', sa.String(length=120), nullable=False),
    sa.Column('filed_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by', sa.String(length=120), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['call_applications.id'], name=op.f('fk_call_appeals_application_id_call_applications')),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_call_appeals_call_id_calls')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_appeals'))
    )
    op.create_index(op.f('ix_call_appeals_application_id'), 'call_appeals', ['application_id'], unique=False)
    op.create_index(op.f('ix_call_appeals_call_id'), 'call_appeals', ['call_id'], unique=False)
    op.create_table('call_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('reviews', sa.Integer(), nullable=False),
    sa.Column('outlier_review_ids', sa.JSON(), nullable=False),
    sa.Column('rule', sa.Enum('mean', 'median', 'trimmed_mean', name='aggregationrule', native_enum=False, length=32), nullable=False),
    sa.Column('computed_by', sa.String(length=120), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['call_applications.id'], name=op.f('fk_call_results_application_id_call_applications')),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_call_results_call_id_calls')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_results')),
    sa.UniqueConstraint('call_id', 'application_id', name='uq_call_results_call_application')
    )
    op.create_index(op.f('ix_call_results_call_id'), 'call_results', ['call_id'], unique=False)
    op.create_table('call_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('comments', sa.JSON(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('total', sa.Float(), nullable=False),
    sa.Column('submitted_by', sa.String(length=120), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['call_applications.id'], name=op.f('fk_call_reviews_application_id_call_applications')),
    sa.ForeignKeyConstraint(['assignment_id'], ['call_reviewers.id'], name=op.f('fk_call_reviews_assignment_id_call_reviewers')),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_call_reviews_call_id_calls')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_reviews')),
    sa.UniqueConstraint('assignment_id', 'application_id', name='uq_call_reviews_assignment_application')
    )
    op.create_index(op.f('ix_call_reviews_application_id'), 'call_reviews', ['application_id'], unique=False)
    op.create_index(op.f('ix_call_reviews_assignment_id'), 'call_reviews', ['assignment_id'], unique=False)
    op.create_index(op.f('ix_call_reviews_call_id'), 'call_reviews', ['call_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_call_reviews_call_id'), table_name='call_reviews')
    op.drop_index(op.f('ix_call_reviews_assignment_id'), table_name='call_reviews')
    op.drop_index(op.f('ix_call_reviews_application_id'), table_name='call_reviews')
    op.drop_table('call_reviews')
    op.drop_index(op.f('ix_call_results_call_id'), table_name='call_results')
    op.drop_table('call_results')
    op.drop_index(op.f('ix_call_appeals_call_id'), table_name='call_appeals')
    op.drop_index(op.f('ix_call_appeals_application_id'), table_name='call_appeals')
    op.drop_table('call_appeals')
    op.drop_index(op.f('ix_call_reviewers_user_id'), table_name='call_reviewers')
    op.drop_index(op.f('ix_call_reviewers_person_id'), table_name='call_reviewers')
    op.drop_index(op.f('ix_call_reviewers_call_id'), table_name='call_reviewers')
    op.drop_table('call_reviewers')
    op.drop_table('call_review_plans')
