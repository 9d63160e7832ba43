"""Write rows to CSV, XLSX or JSON Lines with Chinese or English headers (templates: tabular.templates)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import date, datetime
from enum import Enum
from typing import Any

from kechuang.domain.limits import clean_text, finite_or_none

from ..entity_fields import EntitySpec
from .labels import header


def cell(value: Any, *, flat: bool) -> Any:
    """A value as a file cell: lists joined by '; ' in flat formats, dates as ISO text.

    Rows stored before the input rules may hold control characters or infinite numbers: they are
    written without them, so one bad row never breaks an export for everyone.
    """
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list):
        items = [clean_text(str(v)) for v in value]
        return "; ".join(items) if flat else items
    if isinstance(value, str):
        return clean_text(value)
    value = finite_or_none(value)
    return "" if value is None and flat else value


def write_rows(spec: EntitySpec, rows: Iterable[dict[str, Any]], fmt: str, lang: str = "zh") -> bytes:
    """Serialise rows keyed by column name; the result re-imports unchanged."""
    columns = spec.columns
    if fmt == "jsonl":
        lines = [
            json.dumps(
                {c: cell(row.get(c), flat=False) for c in columns}, ensure_ascii=False, allow_nan=False
            )
            for row in rows
        ]
        return ("\n".join(lines) + ("\n" if lines else "")).encode("utf-8")
    headers = spec.headers(lang)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(headers)
        for row in rows:
            writer.writerow([cell(row.get(c), flat=True) for c in columns])
        return buffer.getvalue().encode("utf-8-sig")
    if fmt == "xlsx":
        return _xlsx(spec, headers, ([cell(row.get(c), flat=True) for c in columns] for row in rows), lang)
    raise ValueError(f"unknown format '{fmt}': use csv, xlsx or jsonl")


def _xlsx(spec: EntitySpec, headers: list[str], body: Iterable[list[Any]], lang: str) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(spec.name)
    sheet.append(headers)
    for values in body:
        sheet.append(values)
    guide = workbook.create_sheet("说明" if lang.startswith("zh") else "Guide")
    guide.append(["列 Column", "字段 Field", "中文表头", "English header"])
    for column, shown in zip(spec.columns, headers, strict=True):
        guide.append([shown, column, header(column, "zh"), header(column, "en")])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()

