"""Tables of the review of open calls (M4), mapped onto its domain dataclasses."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from kechuang.domain import review as r

from .tables import enum_column, list_column, metadata, register

review_plans = Table(
    "call_review_plans",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("call_id", Integer, ForeignKey("calls.id"), nullable=False, unique=True),
    enum_column("rule", r.AggregationRule, r.AggregationRule.MEAN),
    Column("conflict_years", Integer, nullable=False, default=3),
    Column("updated_by", String(120), nullable=False, default=""),
    Column("updated_at", DateTime, nullable=True),
)

reviewer_assignments = Table(
    "call_reviewers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("call_id", Integer, ForeignKey("calls.id"), nullable=False, index=True),
    Column("person_id", Integer, ForeignKey("people.id"), nullable=False, index=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=True, index=True),
    enum_column("status", r.AssignmentStatus, r.AssignmentStatus.ASSIGNED),
    list_column("conflicts"),
    Column("override_justification", Text, nullable=False, default=""),
    Column("declared_reason", Text, nullable=False, default=""),
    Column("declared_at", DateTime, nullable=True),
    Column("assigned_by", String(120), nullable=False, default=""),
    Column("assigned_at", DateTime, nullable=True),
    UniqueConstraint("call_id", "person_id", name="uq_call_reviewers_call_person"),
)

reviews = Table(
    "call_reviews",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("call_id", Integer, ForeignKey("calls.id"), nullable=False, index=True),
    Column("assignment_id", Integer, ForeignKey("call_reviewers.id"), nullable=False, index=True),
    Column("application_id", Integer, ForeignKey("call_applications.id"), nullable=False, index=True),
    Column("scores", JSON, nullable=False, default=dict),
    Column("comments", JSON, nullable=False, default=dict),
    Column("comment", Text, nullable=False, default=""),
    Column("total", Float, nullable=False, default=0.0),
    Column("submitted_by", String(120), nullable=False, default=""),
    Column("submitted_at", DateTime, nullable=True),
    Column("updated_at", DateTime, nullable=True),
    UniqueConstraint("assignment_id", "application_id", name="uq_call_reviews_assignment_application"),
)

result_entries = Table(
    "call_results",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("call_id", Integer, ForeignKey("calls.id"), nullable=False, index=True),
    Column("application_id", Integer, ForeignKey("call_applications.id"), nullable=False),
    Column("rank", Integer, nullable=False),
    Column("score", Float, nullable=False),
    list_column("criteria"),
    list_column("reasons"),
    Column("reviews", Integer, nullable=False, default=0),
    list_column("outlier_review_ids"),
    enum_column("rule", r.AggregationRule, r.AggregationRule.MEAN),
    Column("computed_by", String(120), nullable=False, default=""),
    Column("computed_at", DateTime, nullable=True),
    UniqueConstraint("call_id", "application_id", name="uq_call_results_call_application"),
)

appeals = Table(
    "call_appeals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("call_id", Integer, ForeignKey("calls.id"), nullable=False, index=True),
    Column("application_id", Integer, ForeignKey("call_applications.id"), nullable=False, index=True),
    Column("text", Text, nullable=False),
    enum_column("status", r.AppealStatus, r.AppealStatus.OPEN),
    Column("decision_reason", Text, nullable=False, default=""),
    Column("filed_by", String(120), nullable=False, default=""),
    Column("filed_at", DateTime, nullable=True),
    Column("decided_by", String(120), nullable=False, default=""),
    Column("decided_at", DateTime, nullable=True),
)

TABLE_OF: dict[type, Table] = {
    r.ReviewPlan: review_plans,
    r.ReviewerAssignment: reviewer_assignments,
    r.Review: reviews,
    r.ResultEntry: result_entries,
    r.Appeal: appeals,
}
register(TABLE_OF)  # into store.tables.TABLE_OF, whichever module was imported first
