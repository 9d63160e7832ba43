"""Read frameworks and indicator values from CSV/XLSX (long or wide), every bad row located; write scores."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kechuang.domain.errors import ImportRejected, RowError
from kechuang.domain.indicators import FrameworkNode
from kechuang.domain.limits import clean_text

from ..tabular.readers import LIMITS, _csv_rows, _xlsx_rows, detect_format

FRAMEWORK_COLUMNS = ("code", "parent", "weight", "direction", "name_zh", "name_en")
FRAMEWORK_OPTIONAL = ("unit", "source", "target")
LONG_COLUMNS = ("unit", "year", "indicator", "value")
MISSING = {"", "na", "n/a", "nan", "null", "..", ":", "-"}
CODE_CHARS = 80


@dataclass
class Values:
    """Indicator values read from one file: long rows, plus unit groups and names when the file gives them."""

    rows: list[tuple[str, int, str, float]] = field(default_factory=list)
    groups: dict[str, str] = field(default_factory=dict)
    names: dict[str, tuple[str, str]] = field(default_factory=dict)


def read_table(filename: str, content: bytes) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    """Header (lower-cased, trimmed) and numbered non-empty rows of a CSV or XLSX file."""
    fmt = detect_format(filename)
    if fmt not in {"csv", "xlsx"}:
        raise ImportRejected([RowError(filename, 0, "", "use a .csv or .xlsx file")])
    name = Path(filename).name
    try:
        table: Iterator[list[Any]] = (_csv_rows if fmt == "csv" else _xlsx_rows)(name, content, LIMITS)
        header: list[str] | None = None
        rows: list[tuple[int, list[Any]]] = []
        for number, values in enumerate(table, start=1):
            if all(str(v).strip() == "" for v in values):
                continue
            if header is None:
                header = [str(v).strip().lower().lstrip("\ufeff") for v in values]
                continue
            if len(rows) >= LIMITS.rows:
                raise ValueError(f"{name} has more than {LIMITS.rows:,} rows")
            rows.append((number, list(values)))
    except ValueError as exc:
        raise ImportRejected([RowError(name, 0, "", str(exc))]) from None
    if header is None:
        raise ImportRejected([RowError(name, 1, "", "the file is empty")])
    return header, rows


def _cell(values: list[Any], at: dict[str, int], column: str) -> str:
    index = at.get(column)
    if index is None or index >= len(values) or values[index] is None:
        return ""
    return str(values[index]).strip()


def _number(text: str) -> float:
    value = float(text.replace(",", ""))
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return value


def _code(text: str, what: str) -> str:
    code = clean_text(text)
    if not code or len(code) > CODE_CHARS:
        raise ValueError(f"{what} must be 1 to {CODE_CHARS} characters")
    return code


def parse_framework(filename: str, content: bytes) -> list[FrameworkNode]:
    """FRAMEWORK.csv: code,parent,weight,direction,name_zh,name_en (+ unit, source, target)."""
    header, rows = read_table(filename, content)
    name = Path(filename).name
    absent = [c for c in FRAMEWORK_COLUMNS if c not in header]
    if absent:
        raise ImportRejected([RowError(name, 1, c, "required column missing") for c in absent])
    at = {
        column: header.index(column)
        for column in (*FRAMEWORK_COLUMNS, *FRAMEWORK_OPTIONAL)
        if column in header
    }
    nodes: list[FrameworkNode] = []
    errors: list[RowError] = []
    for number, values in rows:
        try:
            nodes.append(_node(values, at))
        except _CellError as exc:
            errors.append(RowError(name, number, exc.column, exc.reason))
    if errors:
        raise ImportRejected(errors)
    return nodes


class _CellError(Exception):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.reason = column, reason


def _node(values: list[Any], at: dict[str, int]) -> FrameworkNode:
    def get(column: str, parse: Any) -> Any:
        try:
            return parse(_cell(values, at, column))
        except ValueError as exc:
            raise _CellError(column, str(exc)) from None

    weight_text = _cell(values, at, "weight")
    direction_text = _cell(values, at, "direction").replace("+", "")
    if direction_text not in {"", "1", "-1", "1.0", "-1.0", "−1"}:
        raise _CellError("direction", "direction is 1, -1, or empty for an aggregate")
    direction = None if direction_text == "" else (-1 if direction_text.startswith(("-", "−")) else 1)
    weight = 1.0 if weight_text == "" else get("weight", _number)
    if weight < 0:
        raise _CellError("weight", "a weight cannot be negative")
    target_text = _cell(values, at, "target")
    return FrameworkNode(
        code=get("code", lambda t: _code(t, "code")),
        parent=get("parent", lambda t: _code(t, "parent") if t else ""),
        weight=weight,
        direction=direction,
        name_zh=clean_text(_cell(values, at, "name_zh"))[:300],
        name_en=clean_text(_cell(values, at, "name_en"))[:300],
        unit=clean_text(_cell(values, at, "unit"))[:80],
        source=clean_text(_cell(values, at, "source"))[:300],
        target=get("target", _number) if target_text else None,
    )


def parse_values(filename: str, content: bytes) -> Values:
    """Long (`unit,year,indicator,value`) or wide (`unit,year,<indicator>...`); empty cells are missing."""
    header, rows = read_table(filename, content)
    name = Path(filename).name
    for needed in ("unit", "year"):
        if needed not in header:
            raise ImportRejected([RowError(name, 1, needed, "required column missing")])
    at = {column: i for i, column in enumerate(header)}
    long = "indicator" in header and "value" in header
    extra = {"unit", "year", "group", "unit_name_zh", "unit_name_en", "indicator", "value"}
    wide_columns = [] if long else [c for c in header if c and c not in extra]
    if not long and not wide_columns:
        raise ImportRejected(
            [RowError(name, 1, "value", "give indicator and value columns, or one column per indicator")]
        )
    out = Values()
    errors: list[RowError] = []
    seen: dict[tuple[str, int, str], int] = {}
    for number, values in rows:
        try:
            unit = _code(_cell(values, at, "unit"), "unit")
        except ValueError as exc:
            errors.append(RowError(name, number, "unit", str(exc)))
            continue
        try:
            year = int(_number(_cell(values, at, "year")))
            if not 1900 <= year <= 2200:
                raise ValueError("a year between 1900 and 2200")
        except ValueError as exc:
            errors.append(RowError(name, number, "year", str(exc)))
            continue
        if group := clean_text(_cell(values, at, "group"))[:80]:
            out.groups[unit] = group
        if "unit_name_zh" in at or "unit_name_en" in at:
            out.names[unit] = (
                clean_text(_cell(values, at, "unit_name_zh"))[:300],
                clean_text(_cell(values, at, "unit_name_en"))[:300],
            )
        pairs = [(_cell(values, at, "indicator"), "value")] if long else [(c, c) for c in wide_columns]
        for code_text, column in pairs:
            raw = _cell(values, at, column)
            if raw.lower() in MISSING:
                continue
            try:
                code = _code(code_text, "indicator")
                value = _number(raw)
            except ValueError as exc:
                errors.append(RowError(name, number, "indicator" if not code_text else column, str(exc)))
                continue
            key = (unit, year, code)
            if key in seen:
                errors.append(RowError(name, number, column, f"{unit} {year} {code} repeats row {seen[key]}"))
                continue
            seen[key] = number
            out.rows.append((unit, year, code, value))
    if errors:
        raise ImportRejected(errors)
    return out


def write_scores_csv(rows: Iterable[tuple[str, int, str, float, float]]) -> str:
    """SCORES.csv: unit,year,code,score,rank with full float precision; a missing score leaves both empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["unit", "year", "code", "score", "rank"])
    for unit, year, code, score, rank in rows:
        missing = math.isnan(score)
        writer.writerow([unit, year, code, "" if missing else repr(score), "" if missing else int(rank)])
    return buffer.getvalue()
