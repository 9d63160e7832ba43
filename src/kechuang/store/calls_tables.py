"""Tables of open calls and scenario applications (M4), mapped onto `domain.calls` dataclasses."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, DateTime, Float, ForeignKey, Integer, String, Table, Text

from kechuang.domain import calls as c
from kechuang.domain.enums import Visibility

from .tables import enum_column, list_column, metadata, register, text_pair

calls = Table(
    "calls",
    metadata,
    Column("id", Integer, primary_key=True),
    *text_pair("title"),
    *text_pair("problem", long=True),
    enum_column("status", c.CallStatus, c.CallStatus.DRAFT),
    enum_column("visibility", Visibility, Visibility.PUBLIC),
    Column("poster_org_id", Integer, ForeignKey("organizations.id"), nullable=True, index=True),
    Column("budget", Float, nullable=True),
    *text_pair("award"),
    Column("deadline", Date, nullable=True),
    list_column("eligible_org_kinds"),
    list_column("eligible_regions"),
    Column("joint_allowed", Boolean, nullable=False, default=True),
    Column("max_team_size", Integer, nullable=True),
    list_column("discipline_codes"),
    list_column("industry_codes"),
    list_column("keywords_zh"),
    list_column("keywords_en"),
    Column("blind_review", Boolean, nullable=False, default=True),
    Column("appeal_days", Integer, nullable=False, default=7),
    Column("submitted_at", DateTime, nullable=True),
    Column("approved_by", String(120), nullable=False, default=""),
    Column("approved_at", DateTime, nullable=True),
    Column("published_at", DateTime, nullable=True),
    Column("closed_at", DateTime, nullable=True),
    Column("result_at", DateTime, nullable=True),
    Column("awarded_at", DateTime, nullable=True),
    Column("ended_at", DateTime, nullable=True),
    Column("end_reason", Text, nullable=False, default=""),
    Column("ended_by", String(120), nullable=False, default=""),
    Column("created_by", String(120), nullable=False, default=""),
    Column("created_at", DateTime, nullable=True),
    Column("updated_at", DateTime, nullable=True),
    Column("is_sample", Boolean, nullable=False, default=False),
    Column("version", Integer, nullable=False, default=1),
    Column("key_task_id", Integer, ForeignKey("key_tasks.id"), nullable=True, index=True),
)

call_indicators = Table(
    "call_indicators",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("call_id", Integer, ForeignKey("calls.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("position", Integer, nullable=False, default=1),
    *text_pair("name"),
    Column("target", Float, nullable=False, default=0.0),
    Column("unit", String(60), nullable=False, default=""),
    Column("higher_is_better", Boolean, nullable=False, default=True),
    *text_pair("verification", long=True),
    Column("due_months", Integer, nullable=False, default=12),
)

call_criteria = Table(
    "call_criteria",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("call_id", Integer, ForeignKey("calls.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("position", Integer, nullable=False, default=1),
    *text_pair("name"),
    *text_pair("description", long=True),
    Column("weight", Float, nullable=False),
)

call_applications = Table(
    "call_applications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("call_id", Integer, ForeignKey("calls.id"), nullable=False, index=True),
    Column("lead_org_id", Integer, ForeignKey("organizations.id"), nullable=False, index=True),
    list_column("partner_org_ids"),
    list_column("team_person_ids"),
    Column("title", String(500), nullable=False, default=""),
    Column("proposal", Text, nullable=False, default=""),
    list_column("commitments"),
    Column("requested_budget", Float, nullable=True),
    enum_column("status", c.ApplicationStatus, c.ApplicationStatus.DRAFT),
    Column("submitted_at", DateTime, nullable=True),
    Column("submitted_by", String(120), nullable=False, default=""),
    Column("created_by", String(120), nullable=False, default=""),
    Column("created_at", DateTime, nullable=True),
    Column("updated_at", DateTime, nullable=True),
    Column("is_sample", Boolean, nullable=False, default=False),
)

application_attachments = Table(
    "application_attachments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("application_id", Integer, ForeignKey("call_applications.id"), nullable=False, index=True),
    Column("filename", String(300), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("stored_name", String(120), nullable=False, unique=True),
    Column("uploaded_by", String(120), nullable=False, default=""),
    Column("created_at", DateTime, nullable=True),
)

call_invitations = Table(
    "call_invitations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("call_id", Integer, ForeignKey("calls.id"), nullable=False, index=True),
    Column("entity", String(20), nullable=False),
    Column("entity_id", Integer, nullable=False),
    Column("score", Float, nullable=True),
    list_column("reasons"),
    Column("note", Text, nullable=False, default=""),
    Column("invited_by", String(120), nullable=False, default=""),
    Column("created_at", DateTime, nullable=True),
)

call_milestones = Table(
    "call_milestones",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("call_id", Integer, ForeignKey("calls.id"), nullable=False, index=True),
    Column("application_id", Integer, ForeignKey("call_applications.id"), nullable=False, index=True),
    Column("indicator_id", Integer, ForeignKey("call_indicators.id"), nullable=True),
    Column("position", Integer, nullable=False, default=1),
    *text_pair("title"),
    Column("target", Float, nullable=True),
    Column("unit", String(60), nullable=False, default=""),
    Column("evidence_required", Text, nullable=False, default=""),
    Column("due_on", Date, nullable=True, index=True),
    enum_column("status", c.MilestoneStatus, c.MilestoneStatus.PENDING),
    Column("evidence", Text, nullable=False, default=""),
    Column("achieved_value", Float, nullable=True),
    Column("reported_by", String(120), nullable=False, default=""),
    Column("reported_at", DateTime, nullable=True),
    Column("decision_reason", Text, nullable=False, default=""),
    Column("decided_by", String(120), nullable=False, default=""),
    Column("decided_at", DateTime, nullable=True),
    Column("overdue_at", DateTime, nullable=True),
    Column("created_at", DateTime, nullable=True),
)

milestone_payments = Table(
    "milestone_payments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("milestone_id", Integer, ForeignKey("call_milestones.id"), nullable=False, index=True),
    Column("amount", Float, nullable=False),
    Column("paid_on", Date, nullable=True),
    Column("note", Text, nullable=False, default=""),
    Column("recorded_by", String(120), nullable=False, default=""),
    Column("created_at", DateTime, nullable=True),
)

scenario_openings = Table(
    "scenario_openings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("scenario_id", Integer, ForeignKey("scenarios.id"), nullable=False, unique=True),
    Column("open", Boolean, nullable=False, default=True),
    Column("closes_on", Date, nullable=True),
    Column("opened_by", String(120), nullable=False, default=""),
    Column("opened_at", DateTime, nullable=True),
)

scenario_applications = Table(
    "scenario_applications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("scenario_id", Integer, ForeignKey("scenarios.id"), nullable=False, index=True),
    Column("applicant_org_id", Integer, ForeignKey("organizations.id"), nullable=False, index=True),
    list_column("team_person_ids"),
    Column("solution", Text, nullable=False, default=""),
    enum_column("status", c.ScenarioApplicationStatus, c.ScenarioApplicationStatus.SUBMITTED),
    Column("decision_reason", Text, nullable=False, default=""),
    list_column("reviewer_person_ids"),
    list_column("conflicts"),
    Column("override_justification", Text, nullable=False, default=""),
    Column("decided_by", String(120), nullable=False, default=""),
    Column("decided_at", DateTime, nullable=True),
    Column("pilot_starts_on", Date, nullable=True),
    Column("pilot_ends_on", Date, nullable=True),
    enum_column("pilot_outcome", c.PilotOutcome, c.PilotOutcome.PENDING),
    Column("pilot_note", Text, nullable=False, default=""),
    Column("created_by", String(120), nullable=False, default=""),
    Column("created_at", DateTime, nullable=True),
    Column("updated_at", DateTime, nullable=True),
    Column("is_sample", Boolean, nullable=False, default=False),
)

TABLE_OF: dict[type, Table] = {
    c.Call: calls,
    c.CallIndicator: call_indicators,
    c.CallCriterion: call_criteria,
    c.CallApplication: call_applications,
    c.ApplicationAttachment: application_attachments,
    c.CallInvitation: call_invitations,
    c.CallMilestone: call_milestones,
    c.MilestonePayment: milestone_payments,
    c.ScenarioOpening: scenario_openings,
    c.ScenarioApplication: scenario_applications,
}
register(TABLE_OF)  # into store.tables.TABLE_OF, whichever module was imported first
