"""Tables of account self-service (issue 12 §6): registrations, reset links, preferences, saved searches."""

from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Integer, String, Table, Text

from kechuang.domain import accounts as a

from .tables import list_column, metadata, register

registrations = Table(
    "registrations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("organization_id", Integer, ForeignKey("organizations.id"), nullable=True),
    Column("proposed_organization", String(200), nullable=False, default=""),
    Column("note", Text, nullable=False, default=""),
    Column("status", String(16), nullable=False, default="pending", index=True),
    Column("reason", Text, nullable=False, default=""),
    Column("decided_by", String(120), nullable=False, default=""),
    Column("decided_at", DateTime, nullable=True),
    Column("created_at", DateTime, nullable=True),
)

reset_links = Table(
    "reset_links",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("issued_by", String(120), nullable=False, default=""),
    Column("created_at", DateTime, nullable=True),
    Column("expires_at", DateTime, nullable=False),
    Column("used_at", DateTime, nullable=True),
)

user_preferences = Table(
    "user_preferences",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, unique=True),
    list_column("muted_kinds"),
)

saved_searches = Table(
    "saved_searches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", String(200), nullable=False, default=""),
    Column("entity", String(40), nullable=False, default=""),
    Column("q", String(500), nullable=False, default=""),
    Column("filters", JSON, nullable=False, default=dict),
    Column("positions", JSON, nullable=False, default=dict),
    Column("created_at", DateTime, nullable=True),
    Column("notified_at", DateTime, nullable=True),
)

TABLE_OF: dict[type, Table] = {
    a.Registration: registrations,
    a.ResetLink: reset_links,
    a.UserPreferences: user_preferences,
    a.SavedSearch: saved_searches,
}
register(TABLE_OF)  # into store.tables.TABLE_OF, whichever module was imported first
