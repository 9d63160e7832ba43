"""Tables of decision support views (m7), mapped onto its domain dataclasses: industry chains and nodes."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, Table, Text

from kechuang.domain import insights as i

from .tables import enum_column, list_column, metadata, register

insight_chains = Table(
    "insight_chains",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(60), nullable=False, unique=True),
    Column("name_zh", String(200), nullable=False, default=""),
    Column("name_en", String(200), nullable=False, default=""),
    Column("description_zh", Text, nullable=False, default=""),
    Column("description_en", Text, nullable=False, default=""),
    Column("version", Integer, nullable=False, default=1),
    Column("is_sample", Boolean, nullable=False, default=False),
    Column("updated_by", String(120), nullable=False, default=""),
    Column("updated_at", DateTime, nullable=True),
)

insight_chain_nodes = Table(
    "insight_chain_nodes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "chain_id", Integer, ForeignKey("insight_chains.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    enum_column("stage", i.ChainStage, i.ChainStage.MATERIALS),
    Column("position", Integer, nullable=False, default=0),
    Column("name_zh", String(200), nullable=False, default=""),
    Column("name_en", String(200), nullable=False, default=""),
    list_column("industry_codes"),
    list_column("keywords_zh"),
    list_column("keywords_en"),
)

TABLE_OF: dict[type, Table] = {i.Chain: insight_chains, i.ChainNode: insight_chain_nodes}
register(TABLE_OF)  # into store.tables.TABLE_OF, whichever module was imported first
