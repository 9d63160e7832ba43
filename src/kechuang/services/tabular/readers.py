"""Read CSV, XLSX and JSON Lines files into numbered rows keyed by column name."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kechuang.domain.errors import RowError
from kechuang.domain.limits import shown

from ..entity_fields import EntitySpec, header_key

FORMATS = ("csv", "xlsx", "jsonl")


@dataclass(frozen=True)
class ReadLimits:
    """Bounds of one import file, checked before and while reading: no file costs more than these."""

    rows: int = 100_000  # data rows (empty rows are not counted)
    columns: int = 200
    line_chars: int = 1_000_000  # one JSONL line, one CSV cell
    uncompressed_bytes: int = 200 * 1024 * 1024  # XLSX: the zip members together, as they declare
    empty_run: int = 1_000  # this many empty rows in a row end the table (Excel's formatted blank tail)


LIMITS = ReadLimits()


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


def read_sheet(spec: EntitySpec, filename: str, content: bytes, limits: ReadLimits = LIMITS) -> Sheet:
    """Parse a whole file; header problems become located errors on row 1; a file over `limits` is a
    ValueError, raised as soon as reading reaches the limit."""
    fmt = detect_format(filename)
    name = Path(filename).name
    if fmt == "jsonl":
        return _read_jsonl(spec, name, content, limits)
    table = _csv_rows(name, content, limits) if fmt == "csv" else _xlsx_rows(name, content, limits)
    return _rows_from_table(spec, name, table, limits)


def _decode(content: bytes) -> str:
    """UTF-8 (with or without BOM) first, then GB18030, the encoding of CSVs saved by Chinese Excel."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError("file is neither UTF-8 nor GB18030 text")


def _csv_rows(name: str, content: bytes, limits: ReadLimits) -> Iterator[list[Any]]:
    reader = csv.reader(io.StringIO(_decode(content), newline=""))
    try:
        for row in reader:
            if any(len(cell) > limits.line_chars for cell in row):
                raise ValueError(f"{name}: a cell on line {reader.line_num} is longer than "
                                 f"{limits.line_chars} characters")
            yield row
    except csv.Error as exc:  # e.g. a cell over the csv module's own field limit
        raise ValueError(f"{name} is not readable CSV near line {reader.line_num}: {exc}") from None


def _check_zip(name: str, content: bytes, limits: ReadLimits) -> None:
    """Refuse a workbook whose members would unpack to more than the limit, before opening it."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ValueError(f"{name} is not a readable XLSX workbook: {exc}") from None
    if unpacked > limits.uncompressed_bytes:
        raise ValueError(f"{name} unpacks to {unpacked:,} bytes (uncompressed); at most "
                         f"{limits.uncompressed_bytes:,} are read")


def _xlsx_rows(name: str, content: bytes, limits: ReadLimits) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    _check_zip(name, content, limits)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise ValueError(f"{name} is not a readable XLSX workbook: {exc}") from None
    try:
        # one column past the limit, to tell a wide table from a cell just inside it
        for row in workbook.worksheets[0].iter_rows(max_col=limits.columns + 1, values_only=True):
            yield ["" if cell is None else cell for cell in row]
    except ValueError:
        raise
    except Exception as exc:  # broken sheet XML surfaces only while the rows are read
        raise ValueError(f"{name} is not a readable XLSX workbook: {exc}") from None
    finally:
        workbook.close()


def _is_empty(values: list[Any]) -> bool:
    return all(str(v).strip() == "" for v in values)


def _rows_from_table(spec: EntitySpec, name: str, table: Iterator[list[Any]], limits: ReadLimits) -> Sheet:
    sheet = Sheet(name)
    accepted = spec.column_for_header()
    header_row = next(table, None)
    if header_row is None:
        sheet.errors.append(RowError(name, 1, "", "the file is empty: the first row must hold the headers"))
        return sheet
    _check_width(name, 1, header_row, limits)
    columns: list[str | None] = []
    for raw in header_row:
        text = str(raw).strip()
        column = accepted.get(header_key(text)) if text else None
        if text and column is None:
            reason = "unknown column; see the template for the headers"
            sheet.errors.append(RowError(name, 1, shown(text), reason))
        columns.append(column)
    empty_run = 0
    for number, values in enumerate(table, start=2):
        if _is_empty(values):
            empty_run += 1
            if empty_run >= limits.empty_run:
                break  # a long blank run is the end of the table, not a gap inside it
            continue
        empty_run = 0
        if str(values[0]).lstrip().startswith("#"):
            continue  # a comment line, as the CSV templates end with the allowed values
        _check_width(name, number, values, limits)
        if len(sheet.rows) >= limits.rows:
            raise ValueError(f"{name} has more than {limits.rows:,} rows; split it into smaller files")
        if len(values) > len(columns) and any(str(v).strip() for v in values[len(columns) :]):
            sheet.errors.append(RowError(name, number, "", "more cells than headers"))
        row = {col: value for col, value in zip(columns, values, strict=False) if col is not None}
        sheet.rows.append((number, row))
    return sheet


def _check_width(name: str, number: int, values: list[Any], limits: ReadLimits) -> None:
    if len(values) > limits.columns and not _is_empty(values[limits.columns :]):
        raise ValueError(f"{name}: row {number} has more than {limits.columns} columns")


def _read_jsonl(spec: EntitySpec, name: str, content: bytes, limits: ReadLimits) -> Sheet:
    sheet = Sheet(name)
    accepted = spec.column_for_header()
    for number, line in enumerate(_decode(content).splitlines(), start=1):
        if not line.strip():
            continue
        if len(line) > limits.line_chars:
            raise ValueError(f"{name}: line {number} is longer than {limits.line_chars:,} characters")
        if len(sheet.rows) >= limits.rows:
            raise ValueError(f"{name} has more than {limits.rows:,} rows; split it into smaller files")
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            sheet.errors.append(RowError(name, number, "", f"not valid JSON: {exc.msg}"))
            continue
        except RecursionError:
            sheet.errors.append(RowError(name, number, "", "not valid JSON: nested too deeply"))
            continue
        if not isinstance(record, dict):
            sheet.errors.append(RowError(name, number, "", "each line must be a JSON object"))
            continue
        if len(record) > limits.columns:
            raise ValueError(f"{name}: line {number} has more than {limits.columns} fields")
        row: dict[str, Any] = {}
        for key, value in record.items():
            column = accepted.get(header_key(key))
            if column is None:
                sheet.errors.append(RowError(name, number, shown(key), "unknown field"))
            else:
                row[column] = value
        sheet.rows.append((number, row))
    return sheet
