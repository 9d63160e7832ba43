"""Talent evaluation (M5): schemes, evaluations, representative works, contests

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('talent_schemes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('category', sa.Enum('basic_research', 'applied_research', 'transfer', 'young_talent', name='schemecategory', native_enum=False, length=32), nullable=False),
    sa.Column('name_zh', sa.String(length=500), nullable=False),
    sa.Column('name_en', sa.String(length=500), nullable=False),
    sa.Column('description_zh', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('dimensions', sa.JSON(), nullable=False),
    sa.Column('count_cap', sa.Float(), nullable=False),
    sa.Column('career_age_limit', sa.Integer(), nullable=True),
    sa.Column('age_limit', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_talent_schemes')),
    sa.UniqueConstraint('key', name=op.f('uq_talent_schemes_key'))
    )
    op.create_table('talent_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scheme_id', sa.Integer(), nullable=False),
    sa.Column('scheme_version', sa.Integer(), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.Column('draws', sa.Integer(), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('spread', sa.Float(), nullable=False),
    sa.Column('started_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['scheme_id'], ['talent_schemes.id'], name=op.f('fk_talent_runs_scheme_id_talent_schemes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_talent_runs'))
    )
    op.create_index(op.f('ix_talent_runs_scheme_id'), 'talent_runs', ['scheme_id'], unique=False)
    op.create_table('talent_scheme_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scheme_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('category', sa.Enum('basic_research', 'applied_research', 'transfer', 'young_talent', name='schemecategory', native_enum=False, length=32), nullable=False),
    sa.Column('dimensions', sa.JSON(), nullable=False),
    sa.Column('count_cap', sa.Float(), nullable=False),
    sa.Column('career_age_limit', sa.Integer(), nullable=True),
    sa.Column('age_limit', sa.Integer(), nullable=True),
    sa.Column('saved_by', sa.String(length=120), nullable=False),
    sa.Column('saved_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['scheme_id'], ['talent_schemes.id'], name=op.f('fk_talent_scheme_versions_scheme_id_talent_schemes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_talent_scheme_versions')),
    sa.UniqueConstraint('scheme_id', 'version', name='uq_talent_scheme_version')
    )
    op.create_index(op.f('ix_talent_scheme_versions_scheme_id'), 'talent_scheme_versions', ['scheme_id'], unique=False)
    op.create_table('talent_contests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=True),
    sa.Column('dimension', sa.String(length=40), nullable=False),
    sa.Column('evidence_entity', sa.String(length=40), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('open', 'upheld', 'rejected', name='conteststatus', native_enum=False, length=32), nullable=False),
    sa.Column('resolution', sa.Text(), nullable=False),
    sa.Column('raised_by', sa.String(length=120), nullable=False),
    sa.Column('resolved_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_talent_contests_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_talent_contests'))
    )
    op.create_index(op.f('ix_talent_contests_person_id'), 'talent_contests', ['person_id'], unique=False)
    op.create_table('talent_evaluations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('rank_low', sa.Integer(), nullable=False),
    sa.Column('rank_high', sa.Integer(), nullable=False),
    sa.Column('field_code', sa.String(length=12), nullable=False),
    sa.Column('cohort', sa.String(length=12), nullable=False),
    sa.Column('career_age', sa.Integer(), nullable=True),
    sa.Column('contributions', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_talent_evaluations_person_id_people')),
    sa.ForeignKeyConstraint(['run_id'], ['talent_runs.id'], name=op.f('fk_talent_evaluations_run_id_talent_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_talent_evaluations')),
    sa.UniqueConstraint('run_id', 'person_id', name='uq_talent_evaluation_person')
    )
    op.create_index(op.f('ix_talent_evaluations_person_id'), 'talent_evaluations', ['person_id'], unique=False)
    op.create_index('ix_talent_evaluations_run_rank', 'talent_evaluations', ['run_id', 'rank'], unique=False)
    op.create_table('talent_person_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('linked_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_talent_person_links_person_id_people')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_talent_person_links_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_talent_person_links')),
    sa.UniqueConstraint('person_id', name=op.f('uq_talent_person_links_person_id')),
    sa.UniqueConstraint('user_id', name=op.f('uq_talent_person_links_user_id'))
    )
    op.create_table('talent_works',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('achievement_id', sa.Integer(), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('nominated_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['achievement_id'], ['achievements.id'], name=op.f('fk_talent_works_achievement_id_achievements')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_talent_works_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_talent_works')),
    sa.UniqueConstraint('person_id', 'achievement_id', name='uq_talent_work')
    )
    op.create_index(op.f('ix_talent_works_person_id'), 'talent_works', ['person_id'], unique=False)
    op.create_table('talent_work_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_person_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('assigned', 'scored', name='reviewstatus', native_enum=False, length=32), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('assigned_by', sa.String(length=120), nullable=False),
    sa.Column('scored_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.Column('scored_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['reviewer_person_id'], ['people.id'], name=op.f('fk_talent_work_reviews_reviewer_person_id_people')),
    sa.ForeignKeyConstraint(['work_id'], ['talent_works.id'], name=op.f('fk_talent_work_reviews_work_id_talent_works')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_talent_work_reviews')),
    sa.UniqueConstraint('work_id', 'reviewer_person_id', name='uq_talent_work_reviewer')
    )
    op.create_index(op.f('ix_talent_work_reviews_reviewer_person_id'), 'talent_work_reviews', ['reviewer_person_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_talent_work_reviews_reviewer_person_id'), table_name='talent_work_reviews')
    op.drop_table('talent_work_reviews')
    op.drop_index(op.f('ix_talent_works_person_id'), table_name='talent_works')
    op.drop_table('talent_works')
    op.drop_table('talent_person_links')
    op.drop_index('ix_talent_evaluations_run_rank', table_name='talent_evaluations')
    op.drop_index(op.f('ix_talent_evaluations_person_id'), table_name='talent_evaluations')
    op.drop_table('talent_evaluations')
    op.drop_index(op.f('ix_talent_contests_person_id'), table_name='talent_contests')
    op.drop_table('talent_contests')
    op.drop_index(op.f('ix_talent_scheme_versions_scheme_id'), table_name='talent_scheme_versions')
    op.drop_table('talent_scheme_versions')
    op.drop_index(op.f('ix_talent_runs_scheme_id'), table_name='talent_runs')
    op.drop_table('talent_runs')
    op.drop_table('talent_schemes')
