"""Tables of the match feedback loop and of listing expiry reminders, mapped onto domain.feedback."""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, Float, Index, Integer, String, Table, UniqueConstraint

from kechuang.domain import feedback as f

from .tables import enum_column, metadata, register

match_feedback = Table(
    "match_feedback",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("listing_entity", String(20), nullable=False),
    Column("listing_id", Integer, nullable=False),
    Column("matched_entity", String(20), nullable=False),
    Column("matched_id", Integer, nullable=False),
    Column("organization_id", Integer, nullable=False),
    Column("supplier_org_id", Integer, nullable=True),
    enum_column("verdict", f.Verdict, f.Verdict.USEFUL),
    Column("score", Float, nullable=True),
    Column("user_id", Integer, nullable=True),
    Column("created_at", DateTime, nullable=True),
    Column("updated_at", DateTime, nullable=True),
    UniqueConstraint(
        "listing_entity", "listing_id", "matched_entity", "matched_id", "organization_id",
        name="uq_match_feedback",
    ),
)

listing_reminders = Table(
    "listing_reminders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("entity", String(20), nullable=False),
    Column("record_id", Integer, nullable=False),
    Column("expires_on", Date, nullable=False),
    Column("recipients", Integer, nullable=False, default=0),
    Column("sent_at", DateTime, nullable=True),
    UniqueConstraint("entity", "record_id", "expires_on", name="uq_listing_reminder"),
)

Index("ix_match_feedback_matched", match_feedback.c.matched_entity, match_feedback.c.matched_id)
Index("ix_match_feedback_created", match_feedback.c.created_at)

TABLE_OF: dict[type, Table] = {f.MatchFeedback: match_feedback, f.ListingReminder: listing_reminders}
register(TABLE_OF)  # into store.tables.TABLE_OF, whichever module was imported first
