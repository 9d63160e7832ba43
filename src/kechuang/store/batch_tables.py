"""Tables of the batch jobs (issue 14): precomputed demand -> achievement matches and achievement -> demand
adopters, read with SQL Core."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Float, ForeignKey, Index, Integer, Table

from .tables import metadata, register


def _ranked(name: str, query: tuple[str, str], match: tuple[str, str]) -> Table:
    """Top-k rows of one direction: (query record, rank) unique, each row a matched record and its score."""
    (query_id, query_table), (match_id, match_table) = query, match
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True),
        Column(query_id, Integer, ForeignKey(f"{query_table}.id", ondelete="CASCADE"), nullable=False),
        Column("rank", Integer, nullable=False),
        Column(match_id, Integer, ForeignKey(f"{match_table}.id", ondelete="CASCADE"), nullable=False),
        Column("score", Float, nullable=False),
        Column("computed_at", DateTime, nullable=False),
        Index(f"ix_{name}_{query_id.removesuffix('_id')}_rank", query_id, "rank", unique=True),
    )


batch_matches = _ranked("batch_matches", ("demand_id", "demands"), ("achievement_id", "achievements"))
batch_adopters = _ranked("batch_adopters", ("achievement_id", "achievements"), ("demand_id", "demands"))

TABLE_OF: dict[type, Table] = {}  # no domain dataclass: rows are written and read as plain tuples
register(TABLE_OF)  # into store.tables.TABLE_OF, whichever module was imported first
