"""Run the composite index (and its audit and uncertainty analysis) on plain rows, files or stored data."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kechuang.analytics.composite import CompositeError, Cube, IndexConfig, IndexResult, compute_index
from kechuang.domain.errors import InvalidInput
from kechuang.domain.indicators import FrameworkNode

from .files import parse_framework, parse_values, write_scores_csv


def make_config(options: Mapping[str, Any]) -> IndexConfig:
    """An IndexConfig from loose options, any mistake a 422 naming the option."""
    try:
        return IndexConfig.from_dict(options)
    except CompositeError as exc:
        raise InvalidInput(str(exc), field="config") from None
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"bad configuration: {exc}", field="config") from None


def run_index(
    nodes: Sequence[FrameworkNode],
    rows: Iterable[tuple[str, int, str, float]],
    config: IndexConfig,
    groups: Mapping[str, str] | None = None,
) -> IndexResult:
    """The whole pipeline; a framework or data problem is a 422 that says what is wrong."""
    indicators = [n.code for n in nodes if n.is_indicator]
    cube = Cube.from_rows(rows, indicators)
    if not cube.years:
        raise InvalidInput("no values for any indicator of the framework", field="data")
    try:
        return compute_index(cube, nodes, config, groups)
    except CompositeError as exc:
        raise InvalidInput(str(exc), field="framework") from None


@dataclass
class Written:
    """What `compute_from_files` produced."""

    scores_csv: str
    report_json: str
    rows: int
    units: int
    years: int
    nodes: int


def compute_from_files(
    data_name: str, data: bytes, framework_name: str, framework: bytes, options: Mapping[str, Any]
) -> Written:
    """The CLI contract: DATA.csv and FRAMEWORK.csv in, SCORES.csv (and a JSON report) out."""
    nodes = parse_framework(framework_name, framework)
    values = parse_values(data_name, data)
    result = run_index(nodes, values.rows, make_config(options), values.groups)
    rows = result.rows()
    return Written(
        write_scores_csv(rows),
        json.dumps(report(result), ensure_ascii=False, indent=1),
        len(rows),
        len(result.units),
        len(result.years),
        len(result.tree.order),
    )


def _clean(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), 10)


def report(result: IndexResult) -> dict[str, Any]:
    """The configuration and data-treatment reports that let anyone regenerate the numbers."""
    return {
        "config": result.config.as_dict(),
        "weights": {code: _clean(w) for code, w in result.weights.items()},
        "imputed_share": {code: _clean(s) for code, s in result.imputed_share.items()},
        "treatments": [
            {k: (_clean(v) if isinstance(v, float) else v) for k, v in t.items()} for t in result.treatments
        ],
        "warnings": result.warnings,
        "years": result.years,
        "units": result.units,
    }
