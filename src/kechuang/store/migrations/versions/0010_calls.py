"""Open calls (M4): calls, indicators, criteria, applications, attachments, invitations, milestones, scenarios

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title_zh', sa.String(length=500), nullable=False),
    sa.Column('title_en', sa.String(length=500), nullable=False),
    sa.Column('problem_zh', sa.Text(), nullable=False),
    sa.Column('problem_en', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', 'closed', 'review', 'result', 'awarded', 'in_progress', 'accepted', 'failed', 'withdrawn', name='callstatus', native_enum=False, length=32), nullable=False),
    sa.Column('visibility', sa.Enum('public', 'members', 'confidential', name='visibility', native_enum=False, length=32), nullable=False),
    sa.Column('poster_org_id', sa.Integer(), nullable=True),
    sa.Column('budget', sa.Float(), nullable=True),
    sa.Column('award_zh', sa.String(length=500), nullable=False),
    sa.Column('award_en', sa.String(length=500), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('eligible_org_kinds', sa.JSON(), nullable=False),
    sa.Column('eligible_regions', sa.JSON(), nullable=False),
    sa.Column('joint_allowed', sa.Boolean(), nullable=False),
    sa.Column('max_team_size', sa.Integer(), nullable=True),
    sa.Column('discipline_codes', sa.JSON(), nullable=False),
    sa.Column('industry_codes', sa.JSON(), nullable=False),
    sa.Column('keywords_zh', sa.JSON(), nullable=False),
    sa.Column('keywords_en', sa.JSON(), nullable=False),
    sa.Column('blind_review', sa.Boolean(), nullable=False),
    sa.Column('appeal_days', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('approved_by', sa.String(length=120), nullable=False),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('result_at', sa.DateTime(), nullable=True),
    sa.Column('awarded_at', sa.DateTime(), nullable=True),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('end_reason', sa.Text(), nullable=False),
    sa.Column('ended_by', sa.String(length=120), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('is_sample', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('key_task_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['poster_org_id'], ['organizations.id'], name=op.f('fk_calls_poster_org_id_organizations')),
    sa.ForeignKeyConstraint(['key_task_id'], ['key_tasks.id'], name=op.f('fk_calls_key_task_id_key_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calls'))
    )
    op.create_index(op.f('ix_calls_poster_org_id'), 'calls', ['poster_org_id'], unique=False)
    op.create_index(op.f('ix_calls_key_task_id'), 'calls', ['key_task_id'], unique=False)
    op.create_table('call_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('lead_org_id', sa.Integer(), nullable=False),
    sa.Column('partner_org_ids', sa.JSON(), nullable=False),
    sa.Column('team_person_ids', sa.JSON(), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('proposal', sa.Text(), nullable=False),
    sa.Column('commitments', sa.JSON(), nullable=False),
    sa.Column('requested_budget', sa.Float(), nullable=True),
    sa.Column('status', sa.Enum('draft', 'submitted', 'awarded', 'not_awarded', 'withdrawn', name='applicationstatus', native_enum=False, length=32), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('submitted_by', sa.String(length=120), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('is_sample', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_call_applications_call_id_calls')),
    sa.ForeignKeyConstraint(['lead_org_id'], ['organizations.id'], name=op.f('fk_call_applications_lead_org_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_applications'))
    )
    op.create_index(op.f('ix_call_applications_call_id'), 'call_applications', ['call_id'], unique=False)
    op.create_index(op.f('ix_call_applications_lead_org_id'), 'call_applications', ['lead_org_id'], unique=False)
    op.create_table('call_criteria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name_zh', sa.String(length=500), nullable=False),
    sa.Column('name_en', sa.String(length=500), nullable=False),
    sa.Column('description_zh', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_call_criteria_call_id_calls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_criteria'))
    )
    op.create_index(op.f('ix_call_criteria_call_id'), 'call_criteria', ['call_id'], unique=False)
    op.create_table('call_indicators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name_zh', sa.String(length=500), nullable=False),
    sa.Column('name_en', sa.String(length=500), nullable=False),
    sa.Column('target', sa.Float(), nullable=False),
    sa.Column('unit', sa.String(length=60), nullable=False),
    sa.Column('higher_is_better', sa.Boolean(), nullable=False),
    sa.Column('verification_zh', sa.Text(), nullable=False),
    sa.Column('verification_en', sa.Text(), nullable=False),
    sa.Column('due_months', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_call_indicators_call_id_calls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_indicators'))
    )
    op.create_index(op.f('ix_call_indicators_call_id'), 'call_indicators', ['call_id'], unique=False)
    op.create_table('call_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('entity', sa.String(length=20), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('invited_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_call_invitations_call_id_calls')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_invitations'))
    )
    op.create_index(op.f('ix_call_invitations_call_id'), 'call_invitations', ['call_id'], unique=False)
    op.create_table('scenario_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scenario_id', sa.Integer(), nullable=False),
    sa.Column('applicant_org_id', sa.Integer(), nullable=False),
    sa.Column('team_person_ids', sa.JSON(), nullable=False),
    sa.Column('solution', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('submitted', 'shortlisted', 'selected', 'declined', 'withdrawn', name='scenarioapplicationstatus', native_enum=False, length=32), nullable=False),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('reviewer_person_ids', sa.JSON(), nullable=False),
    sa.Column('conflicts', sa.JSON(), nullable=False),
    sa.Column('override_justification', sa.Text(), nullable=False),
    sa.Column('decided_by', sa.String(length=120), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('pilot_starts_on', sa.Date(), nullable=True),
    sa.Column('pilot_ends_on', sa.Date(), nullable=True),
    sa.Column('pilot_outcome', sa.Enum('pending', 'succeeded', 'partial', 'failed', name='pilotoutcome', native_enum=False, length=32), nullable=False),
    sa.Column('pilot_note', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('is_sample', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['applicant_org_id'], ['organizations.id'], name=op.f('fk_scenario_applications_applicant_org_id_organizations')),
    sa.ForeignKeyConstraint(['scenario_id'], ['scenarios.id'], name=op.f('fk_scenario_applications_scenario_id_scenarios')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scenario_applications'))
    )
    op.create_index(op.f('ix_scenario_applications_applicant_org_id'), 'scenario_applications', ['applicant_org_id'], unique=False)
    op.create_index(op.f('ix_scenario_applications_scenario_id'), 'scenario_applications', ['scenario_id'], unique=False)
    op.create_table('scenario_openings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scenario_id', sa.Integer(), nullable=False),
    sa.Column('open', sa.Boolean(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=True),
    sa.Column('opened_by', sa.String(length=120), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['scenario_id'], ['scenarios.id'], name=op.f('fk_scenario_openings_scenario_id_scenarios')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scenario_openings')),
    sa.UniqueConstraint('scenario_id', name=op.f('uq_scenario_openings_scenario_id'))
    )
    op.create_table('application_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('stored_name', sa.String(length=120), nullable=False),
    sa.Column('uploaded_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['call_applications.id'], name=op.f('fk_application_attachments_application_id_call_applications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_attachments')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_application_attachments_stored_name'))
    )
    op.create_index(op.f('ix_application_attachments_application_id'), 'application_attachments', ['application_id'], unique=False)
    op.create_table('call_milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title_zh', sa.String(length=500), nullable=False),
    sa.Column('title_en', sa.String(length=500), nullable=False),
    sa.Column('target', sa.Float(), nullable=True),
    sa.Column('unit', sa.String(length=60), nullable=False),
    sa.Column('evidence_required', sa.Text(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'reported', 'accepted', 'returned', name='milestonestatus', native_enum=False, length=32), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('achieved_value', sa.Float(), nullable=True),
    sa.Column('reported_by', sa.String(length=120), nullable=False),
    sa.Column('reported_at', sa.DateTime(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('decided_by', sa.String(length=120), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('overdue_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['call_applications.id'], name=op.f('fk_call_milestones_application_id_call_applications')),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_call_milestones_call_id_calls')),
    sa.ForeignKeyConstraint(['indicator_id'], ['call_indicators.id'], name=op.f('fk_call_milestones_indicator_id_call_indicators')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_milestones'))
    )
    op.create_index(op.f('ix_call_milestones_application_id'), 'call_milestones', ['application_id'], unique=False)
    op.create_index(op.f('ix_call_milestones_call_id'), 'call_milestones', ['call_id'], unique=False)
    op.create_index(op.f('ix_call_milestones_due_on'), 'call_milestones', ['due_on'], unique=False)
    op.create_table('milestone_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('milestone_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Float(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['milestone_id'], ['call_milestones.id'], name=op.f('fk_milestone_payments_milestone_id_call_milestones')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_milestone_payments'))
    )
    op.create_index(op.f('ix_milestone_payments_milestone_id'), 'milestone_payments', ['milestone_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_milestone_payments_milestone_id'), table_name='milestone_payments')
    op.drop_table('milestone_payments')
    op.drop_index(op.f('ix_call_milestones_due_on'), table_name='call_milestones')
    op.drop_index(op.f('ix_call_milestones_call_id'), table_name='call_milestones')
    op.drop_index(op.f('ix_call_milestones_application_id'), table_name='call_milestones')
    op.drop_table('call_milestones')
    op.drop_index(op.f('ix_application_attachments_application_id'), table_name='application_attachments')
    op.drop_table('application_attachments')
    op.drop_table('scenario_openings')
    op.drop_index(op.f('ix_scenario_applications_scenario_id'), table_name='scenario_applications')
    op.drop_index(op.f('ix_scenario_applications_applicant_org_id'), table_name='scenario_applications')
    op.drop_table('scenario_applications')
    op.drop_index(op.f('ix_call_invitations_call_id'), table_name='call_invitations')
    op.drop_table('call_invitations')
    op.drop_index(op.f('ix_call_indicators_call_id'), table_name='call_indicators')
    op.drop_table('call_indicators')
    op.drop_index(op.f('ix_call_criteria_call_id'), table_name='call_criteria')
    op.drop_table('call_criteria')
    op.drop_index(op.f('ix_call_applications_lead_org_id'), table_name='call_applications')
    op.drop_index(op.f('ix_call_applications_call_id'), table_name='call_applications')
    op.drop_table('call_applications')
    op.drop_index(op.f('ix_calls_key_task_id'), table_name='calls')
    op.drop_index(op.f('ix_calls_poster_org_id'), table_name='calls')
    op.drop_table('calls')
