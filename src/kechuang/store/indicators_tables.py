"""Tables of composite index (m7), mapped onto its domain dataclasses."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, DateTime, Float, ForeignKey, Index, Integer, String, Table, Text

from kechuang.domain import indicators as d

from .tables import enum_column, metadata, register

indicator_frameworks = Table(
    "indicator_frameworks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(80), nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Column("name_zh", String(300), nullable=False, default=""),
    Column("name_en", String(300), nullable=False, default=""),
    Column("description_zh", Text, nullable=False, default=""),
    Column("description_en", Text, nullable=False, default=""),
    Column("nodes", JSON, nullable=False, default=list),
    Column("created_by", String(120), nullable=False, default=""),
    Column("created_at", DateTime, nullable=True),
    Column("is_sample", Boolean, nullable=False, default=False),
)

indicator_units = Table(
    "indicator_units",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dataset", String(80), nullable=False),
    Column("code", String(80), nullable=False),
    Column("name_zh", String(300), nullable=False, default=""),
    Column("name_en", String(300), nullable=False, default=""),
    Column("group", String(80), nullable=False, default=""),
)

indicator_values = Table(
    "indicator_values",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dataset", String(80), nullable=False),
    Column("unit_code", String(80), nullable=False),
    Column("year", Integer, nullable=False),
    Column("indicator_code", String(80), nullable=False),
    Column("value", Float, nullable=False),
    Column("source", String(300), nullable=False, default=""),
    Column("batch", String(120), nullable=False, default=""),
    Column("is_sample", Boolean, nullable=False, default=False),
)

index_editions = Table(
    "index_editions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("framework_id", Integer, ForeignKey("indicator_frameworks.id"), nullable=False, index=True),
    Column("dataset", String(80), nullable=False),
    Column("title_zh", String(300), nullable=False, default=""),
    Column("title_en", String(300), nullable=False, default=""),
    Column("config", JSON, nullable=False, default=dict),
    Column("results", JSON, nullable=False, default=dict),
    enum_column("status", d.EditionStatus, d.EditionStatus.DRAFT),
    Column("created_by", String(120), nullable=False, default=""),
    Column("created_at", DateTime, nullable=True),
    Column("published_by", String(120), nullable=False, default=""),
    Column("published_at", DateTime, nullable=True),
    Column("is_sample", Boolean, nullable=False, default=False),
)

Index(
    "uq_indicator_frameworks_key_version",
    indicator_frameworks.c.key,
    indicator_frameworks.c.version,
    unique=True,
)
Index("uq_indicator_units_dataset_code", indicator_units.c.dataset, indicator_units.c.code, unique=True)
Index(
    "uq_indicator_values_point",
    indicator_values.c.dataset,
    indicator_values.c.indicator_code,
    indicator_values.c.unit_code,
    indicator_values.c.year,
    unique=True,
)

TABLE_OF: dict[type, Table] = {
    d.Framework: indicator_frameworks,
    d.IndicatorUnit: indicator_units,
    d.IndicatorValue: indicator_values,
    d.IndexEdition: index_editions,
}
register(TABLE_OF)  # into store.tables.TABLE_OF, whichever module was imported first
