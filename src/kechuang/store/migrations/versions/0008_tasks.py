"""Key-task supervision (M6): plans, tasks, partners, milestones, reports, evidence, history, links, alerts

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('task_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('title_en', sa.String(length=500), nullable=False),
    sa.Column('issuer_org_id', sa.Integer(), nullable=True),
    sa.Column('visibility', sa.Enum('internal', 'published', name='planvisibility', native_enum=False, length=32), nullable=False),
    sa.Column('risk_points', sa.Float(), nullable=False),
    sa.Column('alert_days', sa.Integer(), nullable=False),
    sa.Column('escalate_days', sa.Integer(), nullable=False),
    sa.Column('is_sample', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['issuer_org_id'], ['organizations.id'], name=op.f('fk_task_plans_issuer_org_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_plans'))
    )
    op.create_index(op.f('ix_task_plans_year'), 'task_plans', ['year'], unique=False)
    op.create_table('key_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('title_en', sa.String(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('lead_org_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('on_track', 'at_risk', 'overdue', 'done', name='taskstatus', native_enum=False, length=32), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['lead_org_id'], ['organizations.id'], name=op.f('fk_key_tasks_lead_org_id_organizations')),
    sa.ForeignKeyConstraint(['parent_id'], ['key_tasks.id'], name=op.f('fk_key_tasks_parent_id_key_tasks')),
    sa.ForeignKeyConstraint(['plan_id'], ['task_plans.id'], name=op.f('fk_key_tasks_plan_id_task_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_tasks'))
    )
    op.create_index(op.f('ix_key_tasks_lead_org_id'), 'key_tasks', ['lead_org_id'], unique=False)
    op.create_index(op.f('ix_key_tasks_parent_id'), 'key_tasks', ['parent_id'], unique=False)
    op.create_index(op.f('ix_key_tasks_plan_id'), 'key_tasks', ['plan_id'], unique=False)
    op.create_table('task_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('milestone_key', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('due_soon', 'overdue', 'escalation', name='alertkind', native_enum=False, length=32), nullable=False),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['key_tasks.id'], name=op.f('fk_task_alerts_task_id_key_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_alerts')),
    sa.UniqueConstraint('task_id', 'milestone_key', 'kind', 'due', name='uq_task_alerts_once')
    )
    op.create_index(op.f('ix_task_alerts_task_id'), 'task_alerts', ['task_id'], unique=False)
    op.create_table('task_indicator_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('measure', 'indicator', name='linkkind', native_enum=False, length=32), nullable=False),
    sa.Column('code', sa.String(length=80), nullable=False),
    sa.Column('unit_code', sa.String(length=80), nullable=False),
    sa.Column('target', sa.Float(), nullable=True),
    sa.Column('baseline', sa.Float(), nullable=True),
    sa.Column('baseline_year', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['task_id'], ['key_tasks.id'], name=op.f('fk_task_indicator_links_task_id_key_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_indicator_links'))
    )
    op.create_index(op.f('ix_task_indicator_links_task_id'), 'task_indicator_links', ['task_id'], unique=False)
    op.create_table('task_milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('deliverable', sa.String(length=500), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['task_id'], ['key_tasks.id'], name=op.f('fk_task_milestones_task_id_key_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_milestones'))
    )
    op.create_index(op.f('ix_task_milestones_task_id'), 'task_milestones', ['task_id'], unique=False)
    op.create_table('task_partners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_task_partners_org_id_organizations')),
    sa.ForeignKeyConstraint(['task_id'], ['key_tasks.id'], name=op.f('fk_task_partners_task_id_key_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_partners')),
    sa.UniqueConstraint('task_id', 'org_id', name='uq_task_partners_task_org')
    )
    op.create_index(op.f('ix_task_partners_org_id'), 'task_partners', ['org_id'], unique=False)
    op.create_index(op.f('ix_task_partners_task_id'), 'task_partners', ['task_id'], unique=False)
    op.create_table('task_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('progress', sa.Float(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('blockers', sa.Text(), nullable=False),
    sa.Column('milestones_done', sa.JSON(), nullable=False),
    sa.Column('state', sa.Enum('submitted', 'accepted', 'returned', name='reportstate', native_enum=False, length=32), nullable=False),
    sa.Column('author', sa.String(length=120), nullable=False),
    sa.Column('author_org_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_by', sa.String(length=120), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('return_reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['author_org_id'], ['organizations.id'], name=op.f('fk_task_reports_author_org_id_organizations')),
    sa.ForeignKeyConstraint(['task_id'], ['key_tasks.id'], name=op.f('fk_task_reports_task_id_key_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_reports'))
    )
    op.create_index(op.f('ix_task_reports_task_id'), 'task_reports', ['task_id'], unique=False)
    op.create_table('task_status_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('on_track', 'at_risk', 'overdue', 'done', name='taskstatus', native_enum=False, length=32), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('reason_zh', sa.Text(), nullable=False),
    sa.Column('reason_en', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['key_tasks.id'], name=op.f('fk_task_status_changes_task_id_key_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_status_changes'))
    )
    op.create_index(op.f('ix_task_status_changes_task_id'), 'task_status_changes', ['task_id'], unique=False)
    op.create_table('task_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('media_type', sa.String(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['report_id'], ['task_reports.id'], name=op.f('fk_task_evidence_report_id_task_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_evidence'))
    )
    op.create_index(op.f('ix_task_evidence_report_id'), 'task_evidence', ['report_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_task_evidence_report_id'), table_name='task_evidence')
    op.drop_table('task_evidence')
    op.drop_index(op.f('ix_task_status_changes_task_id'), table_name='task_status_changes')
    op.drop_table('task_status_changes')
    op.drop_index(op.f('ix_task_reports_task_id'), table_name='task_reports')
    op.drop_table('task_reports')
    op.drop_index(op.f('ix_task_partners_task_id'), table_name='task_partners')
    op.drop_index(op.f('ix_task_partners_org_id'), table_name='task_partners')
    op.drop_table('task_partners')
    op.drop_index(op.f('ix_task_milestones_task_id'), table_name='task_milestones')
    op.drop_table('task_milestones')
    op.drop_index(op.f('ix_task_indicator_links_task_id'), table_name='task_indicator_links')
    op.drop_table('task_indicator_links')
    op.drop_index(op.f('ix_task_alerts_task_id'), table_name='task_alerts')
    op.drop_table('task_alerts')
    op.drop_index(op.f('ix_key_tasks_plan_id'), table_name='key_tasks')
    op.drop_index(op.f('ix_key_tasks_parent_id'), table_name='key_tasks')
    op.drop_index(op.f('ix_key_tasks_lead_org_id'), table_name='key_tasks')
    op.drop_table('key_tasks')
    op.drop_index(op.f('ix_task_plans_year'), table_name='task_plans')
    op.drop_table('task_plans')
