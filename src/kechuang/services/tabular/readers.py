"""Read CSV, XLSX and JSON Lines files into numbered rows keyed by column name."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kechuang.domain.errors import RowError

from .columns import EntitySpec, header_key

FORMATS = ("csv", "xlsx", "jsonl")


@dataclass
class Sheet:
    """Rows of one file: `rows` holds (row number as the user sees it, values by column)."""

    filename: str
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def detect_format(filename: str) -> str:
    """The format from the file name; JSON Lines also accepts .json and .ndjson."""
    suffix = Path(filename).suffix.lower().lstrip(".")
    fmt = {"json": "jsonl", "ndjson": "jsonl", "xlsm": "xlsx"}.get(suffix, suffix)
    if fmt not in FORMATS:
        raise ValueError(f"cannot read '{filename}': use a .csv, .xlsx or .jsonl file")
    return fmt


def read_sheet(spec: EntitySpec, filename: str, content: bytes) -> Sheet:
    """Parse a whole file; header problems become located errors on row 1."""
    fmt = detect_format(filename)
    name = Path(filename).name
    if fmt == "jsonl":
        return _read_jsonl(spec, name, content)
    table = _csv_rows(content) if fmt == "csv" else _xlsx_rows(name, content)
    return _rows_from_table(spec, name, table)


def _decode(content: bytes) -> str:
    """UTF-8 (with or without BOM) first, then GB18030, the encoding of CSVs saved by Chinese Excel."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError("file is neither UTF-8 nor GB18030 text")


def _csv_rows(content: bytes) -> Iterator[list[Any]]:
    yield from csv.reader(io.StringIO(_decode(content), newline=""))


def _xlsx_rows(name: str, content: bytes) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise ValueError(f"{name} is not a readable XLSX workbook: {exc}") from None
    try:
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            yield ["" if cell is None else cell for cell in row]
    finally:
        workbook.close()


def _rows_from_table(spec: EntitySpec, name: str, table: Iterator[list[Any]]) -> Sheet:
    sheet = Sheet(name)
    accepted = spec.column_for_header()
    header_row = next(table, None)
    if header_row is None:
        sheet.errors.append(RowError(name, 1, "", "the file is empty: the first row must hold the headers"))
        return sheet
    columns: list[str | None] = []
    for raw in header_row:
        text = str(raw).strip()
        column = accepted.get(header_key(text)) if text else None
        if text and column is None:
            sheet.errors.append(RowError(name, 1, text, "unknown column; see the template for the headers"))
        columns.append(column)
    for number, values in enumerate(table, start=2):
        if all(str(v).strip() == "" for v in values):
            continue
        if len(values) > len(columns) and any(str(v).strip() for v in values[len(columns) :]):
            sheet.errors.append(RowError(name, number, "", "more cells than headers"))
        row = {col: value for col, value in zip(columns, values, strict=False) if col is not None}
        sheet.rows.append((number, row))
    return sheet


def _read_jsonl(spec: EntitySpec, name: str, content: bytes) -> Sheet:
    sheet = Sheet(name)
    accepted = spec.column_for_header()
    for number, line in enumerate(_decode(content).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            sheet.errors.append(RowError(name, number, "", f"not valid JSON: {exc.msg}"))
            continue
        if not isinstance(record, dict):
            sheet.errors.append(RowError(name, number, "", "each line must be a JSON object"))
            continue
        row: dict[str, Any] = {}
        for key, value in record.items():
            column = accepted.get(header_key(key))
            if column is None:
                sheet.errors.append(RowError(name, number, key, "unknown field"))
            else:
                row[column] = value
        sheet.rows.append((number, row))
    return sheet
