"""Tables of the batch jobs (issue 14): precomputed demand -> achievement matches and achievement -> demand
adopters, read with SQL Core."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Float, ForeignKey, Index, Integer, Table

from .tables import metadata

batch_matches = Table(
    "batch_matches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("demand_id", Integer, ForeignKey("demands.id", ondelete="CASCADE"), nullable=False),
    Column("rank", Integer, nullable=False),
    Column("achievement_id", Integer, ForeignKey("achievements.id", ondelete="CASCADE"), nullable=False),
    Column("score", Float, nullable=False),
    Column("computed_at", DateTime, nullable=False),
    Index("ix_batch_matches_demand_rank", "demand_id", "rank", unique=True),
)

batch_adopters = Table(
    "batch_adopters",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("achievement_id", Integer, ForeignKey("achievements.id", ondelete="CASCADE"), nullable=False),
    Column("rank", Integer, nullable=False),
    Column("demand_id", Integer, ForeignKey("demands.id", ondelete="CASCADE"), nullable=False),
    Column("score", Float, nullable=False),
    Column("computed_at", DateTime, nullable=False),
    Index("ix_batch_adopters_achievement_rank", "achievement_id", "rank", unique=True),
)

TABLE_OF: dict[type, Table] = {}  # no domain dataclass: rows are written and read as plain tuples
