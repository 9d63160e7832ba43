"""Tables of key-task supervision (m6), mapped onto its domain dataclasses."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from kechuang.domain import tasks as t

from .tables import enum_column, metadata, register

task_plans = Table(
    "task_plans",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("year", Integer, nullable=False, index=True),
    Column("title", String(500), nullable=False),
    Column("title_en", String(500), nullable=False, default=""),
    Column("issuer_org_id", Integer, ForeignKey("organizations.id"), nullable=True),
    enum_column("visibility", t.PlanVisibility, t.PlanVisibility.INTERNAL),
    Column("risk_points", Float, nullable=False, default=t.DEFAULT_RISK_POINTS),
    Column("alert_days", Integer, nullable=False, default=t.DEFAULT_ALERT_DAYS),
    Column("escalate_days", Integer, nullable=False, default=t.DEFAULT_ESCALATE_DAYS),
    Column("is_sample", Boolean, nullable=False, default=False),
    Column("created_by", String(120), nullable=False, default=""),
    Column("created_at", DateTime, nullable=True),
    Column("updated_at", DateTime, nullable=True),
)

key_tasks = Table(
    "key_tasks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("plan_id", Integer, ForeignKey("task_plans.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("parent_id", Integer, ForeignKey("key_tasks.id"), nullable=True, index=True),
    Column("number", String(40), nullable=False, default=""),
    Column("title", String(500), nullable=False),
    Column("title_en", String(500), nullable=False, default=""),
    Column("description", Text, nullable=False, default=""),
    Column("lead_org_id", Integer, ForeignKey("organizations.id"), nullable=False, index=True),
    Column("starts_on", Date, nullable=True),
    Column("deadline", Date, nullable=True),
    enum_column("status", t.TaskStatus, t.TaskStatus.ON_TRACK),
    Column("created_by", String(120), nullable=False, default=""),
    Column("created_at", DateTime, nullable=True),
    Column("updated_at", DateTime, nullable=True),
)

task_partners = Table(
    "task_partners",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("task_id", Integer, ForeignKey("key_tasks.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("org_id", Integer, ForeignKey("organizations.id"), nullable=False, index=True),
    UniqueConstraint("task_id", "org_id", name="uq_task_partners_task_org"),
)

task_milestones = Table(
    "task_milestones",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("task_id", Integer, ForeignKey("key_tasks.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("position", Integer, nullable=False, default=0),
    Column("title", String(500), nullable=False),
    Column("due", Date, nullable=False),
    Column("deliverable", String(500), nullable=False, default=""),
    Column("completed_on", Date, nullable=True),
)

task_reports = Table(
    "task_reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("task_id", Integer, ForeignKey("key_tasks.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("progress", Float, nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("blockers", Text, nullable=False, default=""),
    Column("milestones_done", JSON, nullable=False, default=list),
    enum_column("state", t.ReportState, t.ReportState.SUBMITTED),
    Column("author", String(120), nullable=False, default=""),
    Column("author_org_id", Integer, ForeignKey("organizations.id"), nullable=True),
    Column("reviewed_by", String(120), nullable=False, default=""),
    Column("reviewed_at", DateTime, nullable=True),
    Column("return_reason", Text, nullable=False, default=""),
    Column("created_at", DateTime, nullable=True),
    Column("updated_at", DateTime, nullable=True),
)

task_evidence = Table(
    "task_evidence",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "report_id", Integer, ForeignKey("task_reports.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("filename", String(255), nullable=False),
    Column("media_type", String(120), nullable=False, default="application/octet-stream"),
    Column("size", Integer, nullable=False, default=0),
    Column("content", LargeBinary, nullable=False),
    Column("created_at", DateTime, nullable=True),
)

task_status_changes = Table(
    "task_status_changes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("task_id", Integer, ForeignKey("key_tasks.id", ondelete="CASCADE"), nullable=False, index=True),
    enum_column("status", t.TaskStatus, t.TaskStatus.ON_TRACK),
    Column("code", String(40), nullable=False, default=""),
    Column("reason_zh", Text, nullable=False, default=""),
    Column("reason_en", Text, nullable=False, default=""),
    Column("at", DateTime, nullable=False),
)

task_indicator_links = Table(
    "task_indicator_links",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("task_id", Integer, ForeignKey("key_tasks.id", ondelete="CASCADE"), nullable=False, index=True),
    enum_column("kind", t.LinkKind, t.LinkKind.MEASURE),
    Column("code", String(80), nullable=False),
    Column("unit_code", String(80), nullable=False, default=""),
    Column("target", Float, nullable=True),
    Column("baseline", Float, nullable=True),
    Column("baseline_year", Integer, nullable=True),
)

task_alerts = Table(
    "task_alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("task_id", Integer, ForeignKey("key_tasks.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("milestone_key", Integer, nullable=False, default=0),
    enum_column("kind", t.AlertKind, t.AlertKind.DUE_SOON),
    Column("due", Date, nullable=False),
    Column("recipients", Integer, nullable=False, default=0),
    Column("sent_at", DateTime, nullable=False),
    UniqueConstraint("task_id", "milestone_key", "kind", "due", name="uq_task_alerts_once"),
)

TABLE_OF: dict[type, Table] = {
    t.Plan: task_plans,
    t.KeyTask: key_tasks,
    t.TaskPartner: task_partners,
    t.TaskMilestone: task_milestones,
    t.ProgressReport: task_reports,
    t.ReportEvidence: task_evidence,
    t.StatusChange: task_status_changes,
    t.IndicatorLink: task_indicator_links,
    t.TaskAlert: task_alerts,
}
register(TABLE_OF)  # into store.tables.TABLE_OF, whichever module was imported first
