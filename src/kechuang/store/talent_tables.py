"""Tables of talent evaluation (M5), mapped onto its domain dataclasses."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from kechuang.domain import talent as t

from .tables import enum_column, metadata, register, text_pair

talent_schemes = Table(
    "talent_schemes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(80), nullable=False, unique=True),
    enum_column("category", t.SchemeCategory, t.SchemeCategory.BASIC_RESEARCH),
    *text_pair("name"),
    *text_pair("description", long=True),
    Column("dimensions", JSON, nullable=False, default=list),
    Column("count_cap", Float, nullable=False, default=t.DEFAULT_COUNT_CAP),
    Column("career_age_limit", Integer, nullable=True),
    Column("age_limit", Integer, nullable=True),
    Column("version", Integer, nullable=False, default=1),
    Column("updated_by", String(120), nullable=False, default=""),
    Column("created_at", DateTime, nullable=True),
    Column("updated_at", DateTime, nullable=True),
)

talent_scheme_versions = Table(
    "talent_scheme_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("scheme_id", Integer, ForeignKey("talent_schemes.id"), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    enum_column("category", t.SchemeCategory, t.SchemeCategory.BASIC_RESEARCH),
    Column("dimensions", JSON, nullable=False, default=list),
    Column("count_cap", Float, nullable=False, default=t.DEFAULT_COUNT_CAP),
    Column("career_age_limit", Integer, nullable=True),
    Column("age_limit", Integer, nullable=True),
    Column("saved_by", String(120), nullable=False, default=""),
    Column("saved_at", DateTime, nullable=True),
    UniqueConstraint("scheme_id", "version", name="uq_talent_scheme_version"),
)

talent_runs = Table(
    "talent_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("scheme_id", Integer, ForeignKey("talent_schemes.id"), nullable=False, index=True),
    Column("scheme_version", Integer, nullable=False),
    Column("people", Integer, nullable=False, default=0),
    Column("draws", Integer, nullable=False, default=0),
    Column("seed", Integer, nullable=False, default=0),
    Column("spread", Float, nullable=False, default=0.25),
    Column("started_by", String(120), nullable=False, default=""),
    Column("created_at", DateTime, nullable=True),
)

talent_evaluations = Table(
    "talent_evaluations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("talent_runs.id", ondelete="CASCADE"), nullable=False),
    Column("person_id", Integer, ForeignKey("people.id"), nullable=False, index=True),
    Column("score", Float, nullable=False, default=0.0),
    Column("rank", Integer, nullable=False, default=0),
    Column("rank_low", Integer, nullable=False, default=0),
    Column("rank_high", Integer, nullable=False, default=0),
    Column("field_code", String(12), nullable=False, default=""),
    Column("cohort", String(12), nullable=False, default=""),
    Column("career_age", Integer, nullable=True),
    Column("contributions", JSON, nullable=False, default=list),
    UniqueConstraint("run_id", "person_id", name="uq_talent_evaluation_person"),
)

talent_person_links = Table(
    "talent_person_links",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("person_id", Integer, ForeignKey("people.id"), nullable=False, unique=True),
    Column("linked_by", String(120), nullable=False, default=""),
    Column("created_at", DateTime, nullable=True),
)

talent_works = Table(
    "talent_works",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", Integer, ForeignKey("people.id"), nullable=False, index=True),
    Column("achievement_id", Integer, ForeignKey("achievements.id"), nullable=False),
    Column("statement", Text, nullable=False, default=""),
    Column("nominated_by", String(120), nullable=False, default=""),
    Column("created_at", DateTime, nullable=True),
    UniqueConstraint("person_id", "achievement_id", name="uq_talent_work"),
)

talent_work_reviews = Table(
    "talent_work_reviews",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("work_id", Integer, ForeignKey("talent_works.id"), nullable=False),
    Column("reviewer_person_id", Integer, ForeignKey("people.id"), nullable=False, index=True),
    enum_column("status", t.ReviewStatus, t.ReviewStatus.ASSIGNED),
    Column("score", Float, nullable=True),
    Column("comment", Text, nullable=False, default=""),
    Column("assigned_by", String(120), nullable=False, default=""),
    Column("scored_by", String(120), nullable=False, default=""),
    Column("created_at", DateTime, nullable=True),
    Column("scored_at", DateTime, nullable=True),
    UniqueConstraint("work_id", "reviewer_person_id", name="uq_talent_work_reviewer"),
)

talent_contests = Table(
    "talent_contests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", Integer, ForeignKey("people.id"), nullable=False, index=True),
    Column("evaluation_id", Integer, nullable=True),
    Column("dimension", String(40), nullable=False),
    Column("evidence_entity", String(40), nullable=False, default=""),
    Column("evidence_id", Integer, nullable=True),
    Column("reason", Text, nullable=False, default=""),
    enum_column("status", t.ContestStatus, t.ContestStatus.OPEN),
    Column("resolution", Text, nullable=False, default=""),
    Column("raised_by", String(120), nullable=False, default=""),
    Column("resolved_by", String(120), nullable=False, default=""),
    Column("created_at", DateTime, nullable=True),
    Column("resolved_at", DateTime, nullable=True),
)

Index("ix_talent_evaluations_run_rank", talent_evaluations.c.run_id, talent_evaluations.c.rank)

TABLE_OF: dict[type, Table] = {
    t.Scheme: talent_schemes,
    t.SchemeVersion: talent_scheme_versions,
    t.EvaluationRun: talent_runs,
    t.Evaluation: talent_evaluations,
    t.PersonLink: talent_person_links,
    t.RepresentativeWork: talent_works,
    t.WorkReview: talent_work_reviews,
    t.Contest: talent_contests,
}
register(TABLE_OF)  # into store.tables.TABLE_OF, whichever module was imported first
