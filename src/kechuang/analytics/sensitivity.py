"""Statistical audit and uncertainty/sensitivity analysis of a composite index (OECD/JRC handbook, ch. 7).

The audit checks the structure: how each indicator and aggregate correlates with its parent and with the
index, Cronbach's alpha of each aggregate, and warnings for negative or near-duplicate correlations.
The uncertainty analysis re-runs the index under random choices (weights perturbed, normalisation,
aggregation, imputation) in a Saltelli design, so one seeded set of runs gives each unit's median rank and
5th-95th percentile interval and, per choice, first-order and total sensitivity indices (Saltelli 2010,
Jansen estimators) of the ranks.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from kechuang.domain.indicators import FrameworkNode

from .composite import (
    COLLINEAR,
    CompositeError,
    Cube,
    IndexConfig,
    IndexResult,
    Tree,
    aggregate,
    best_first_ranks,
    build_tree,
    compute_index,
    covered,
    impute,
    normalise,
    winsorise,
)


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation over the units where both are present (NaN when undefined)."""
    ok = ~(np.isnan(a) | np.isnan(b))
    if ok.sum() < 3:
        return math.nan
    x, y = a[ok] - a[ok].mean(), b[ok] - b[ok].mean()
    denominator = math.sqrt(float(np.sum(x * x) * np.sum(y * y)))
    return math.nan if denominator == 0 else float(np.sum(x * y) / denominator)


def cronbach_alpha(block: np.ndarray) -> float:
    """Cronbach's alpha of columns (items) over complete rows: k/(k-1) * (1 - sum var_i / var(total))."""
    block = block[:, ~np.isnan(block).all(axis=0)]  # an item with no value that year is left out
    rows = block[~np.isnan(block).any(axis=1)]
    k = rows.shape[1]
    if k < 2 or rows.shape[0] < 3:
        return math.nan
    total = rows.sum(axis=1).var(ddof=1)
    if total == 0:
        return math.nan
    return float(k / (k - 1) * (1 - rows.var(axis=0, ddof=1).sum() / total))


@dataclass
class Audit:
    """Correlations, alphas and warnings of one year of an index."""

    year: int
    correlations: list[dict[str, Any]] = field(default_factory=list)
    alphas: dict[str, float] = field(default_factory=dict)
    collinear: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return _finite(asdict(self))


def audit(result: IndexResult, year: int | None = None) -> Audit:
    """The statistical audit of one year (the latest by default)."""
    year = result.years[-1] if year is None else year
    tree = result.tree
    column = {code: result.column(code, year) for code in tree.order}
    report = Audit(year)
    for code in tree.order:
        parent = tree.nodes[code].parent
        if not parent:
            continue
        with_parent = pearson(column[code], column[parent])
        with_index = pearson(column[code], column[tree.root])
        report.correlations.append(
            {
                "code": code,
                "parent": parent,
                "level": _level(tree, code),
                "with_parent": with_parent,
                "with_index": with_index,
            }
        )
        if with_parent < 0:
            report.warnings.append({"kind": "negative", "code": code, "other": parent, "r": with_parent})
    for code in tree.aggregates:
        kids = tree.children[code]
        if len(kids) >= 2:
            report.alphas[code] = cronbach_alpha(np.column_stack([column[k] for k in kids]))
        for i, first in enumerate(kids):
            for second in kids[i + 1 :]:
                r = pearson(column[first], column[second])
                if r > COLLINEAR:
                    pair = {"kind": "collinear", "code": first, "other": second, "r": r}
                    report.collinear.append(pair)
                    report.warnings.append(pair)
                elif r < 0:
                    report.warnings.append({"kind": "negative", "code": first, "other": second, "r": r})
    return report


def _level(tree: Tree, code: str) -> str:
    return "indicator" if tree.nodes[code].is_indicator else "aggregate"


def _finite(value: Any) -> Any:
    """JSON-safe: NaN and infinities become None, numpy numbers plain floats."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    return value


# ---------------------------------------------------------------- uncertainty and sensitivity


@dataclass(frozen=True)
class UncertaintySpec:
    """What varies in the Monte-Carlo runs; a choice with one option is held fixed."""

    runs: int = 1000
    seed: int = 20261206
    weight_spread: float = 0.25
    normalisations: tuple[str, ...] = ("minmax", "zscore", "rank")
    aggregations: tuple[str, ...] = ("arithmetic", "geometric")
    imputations: tuple[str, ...] = ("none", "mean", "median")
    year: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> UncertaintySpec:
        values: dict[str, Any] = {
            k: (tuple(v) if isinstance(v, list) else v)
            for k, v in data.items()
            if k in cls.__dataclass_fields__
        }
        return cls(**values)


@dataclass
class Uncertainty:
    """Per unit: nominal, median and 5th/95th percentile rank; per choice: first-order and total indices."""

    year: int
    units: list[str]
    runs: int
    nominal: list[float]
    median: list[float]
    p05: list[float]
    p95: list[float]
    first_order: dict[str, float]
    total: dict[str, float]
    shift_first_order: dict[str, float]
    shift_total: dict[str, float]
    spec: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return _finite(asdict(self))


def _rescaled(x: np.ndarray, low: float = 1.0, high: float = 100.0) -> np.ndarray:
    """Normalised columns mapped linearly to [1, 100]: what geometric aggregation needs (positive values)."""
    out = np.empty_like(x)
    for j in range(x.shape[1]):
        out[:, j] = normalise(x[:, j], "minmax", low, high)
    return out


class _Model:
    """One year's index as a fast function of (normalisation, aggregation, imputation, weights)."""

    def __init__(
        self,
        cube: Cube,
        tree: Tree,
        base: IndexConfig,
        spec: UncertaintySpec,
        groups: Sequence[str] | None,
        year_at: int,
    ) -> None:
        self.tree, self.spec = tree, spec
        directions = np.array([tree.nodes[c].direction or 1 for c in tree.indicators], dtype=float)
        low, high = base.range
        self.matrices: dict[tuple[str, str, str], np.ndarray] = {}
        values = cube.values[year_at].copy()
        kept = covered(values, base.min_coverage)
        values[~kept] = np.nan
        kept_groups = (
            [g for g, k in zip(groups, kept, strict=True) if k] if groups and base.impute_by_group else None
        )
        for imputation in spec.imputations:
            raw = values.copy()
            raw[kept] = impute(values[kept], imputation, kept_groups)
            if base.winsorise:
                for j in range(raw.shape[1]):
                    raw[:, j] = winsorise(
                        raw[:, j], base.skew_limit, base.kurtosis_limit, base.winsorise_max_share
                    )[0]
            raw = raw * directions
            for method in spec.normalisations:
                normal = np.column_stack(
                    [normalise(raw[:, j], method, low, high) for j in range(raw.shape[1])]
                )
                self.matrices[(imputation, method, "arithmetic")] = normal
                self.matrices[(imputation, method, "geometric")] = _rescaled(normal)
        self.weighted = [c for c in tree.order if c != tree.root]

    def ranks(
        self, imputation: str, method: str, aggregation: str, weights: Mapping[str, float]
    ) -> np.ndarray:
        block = self.matrices[(imputation, method, aggregation)]
        scores = np.full((block.shape[0], len(self.tree.order)), np.nan)
        scores[:, : block.shape[1]] = block
        scores, _ = aggregate(scores, self.tree, weights, aggregation)
        return best_first_ranks(scores[:, -1])  # the root is the last aggregate


def _factor_groups(spec: UncertaintySpec, n_weights: int) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {}
    if len(spec.normalisations) > 1:
        groups["normalisation"] = [0]
    if len(spec.aggregations) > 1:
        groups["aggregation"] = [1]
    if len(spec.imputations) > 1:
        groups["imputation"] = [2]
    if spec.weight_spread > 0 and n_weights:
        groups["weights"] = list(range(3, 3 + n_weights))
    return groups


def uncertainty(
    cube: Cube,
    nodes: Sequence[FrameworkNode],
    base: IndexConfig | None = None,
    spec: UncertaintySpec | None = None,
    groups: Mapping[str, str] | None = None,
) -> Uncertainty:
    """Monte-Carlo uncertainty and variance-based sensitivity of the ranks of one year (seeded)."""
    base = base or IndexConfig()
    spec = spec or UncertaintySpec()
    if spec.runs < 10 or spec.runs > 100_000:
        raise CompositeError("runs must be between 10 and 100,000")
    if not 0 <= spec.weight_spread < 1:
        raise CompositeError("weight_spread must be at least 0 and below 1")
    tree = build_tree(nodes)
    cube = Cube(
        cube.years,
        cube.units,
        tree.indicators,
        cube.values[:, :, [cube.indicators.index(c) for c in tree.indicators]],
    )
    year = spec.year if spec.year is not None else cube.years[-1]
    if year not in cube.years:
        raise CompositeError(f"no values for year {year}")
    nominal_config = IndexConfig.from_dict({**base.as_dict(), "years": [year]})
    nominal = compute_index(cube, nodes, nominal_config, groups)
    nominal_ranks = nominal.ranks[0, :, -1]
    group_list = [groups.get(u, "") for u in cube.units] if groups else None
    model = _Model(cube, tree, base, spec, group_list, cube.years.index(year))
    weights0 = {code: nominal.weights[code] for code in tree.order}
    factor_groups = _factor_groups(spec, len(model.weighted))
    k = len(factor_groups)
    n_base = max(2, math.ceil(spec.runs / (k + 2)))
    rng = np.random.default_rng(spec.seed)
    width = 3 + len(model.weighted)
    a, b = rng.random((n_base, width)), rng.random((n_base, width))

    def run(u: np.ndarray) -> np.ndarray:
        normal = spec.normalisations[min(int(u[0] * len(spec.normalisations)), len(spec.normalisations) - 1)]
        aggregation = spec.aggregations[min(int(u[1] * len(spec.aggregations)), len(spec.aggregations) - 1)]
        imputation = spec.imputations[min(int(u[2] * len(spec.imputations)), len(spec.imputations) - 1)]
        weights = dict(weights0)
        for i, code in enumerate(model.weighted):
            weights[code] = weights0[code] * (1 - spec.weight_spread + 2 * spec.weight_spread * u[3 + i])
        return model.ranks(imputation, normal, aggregation, weights)

    f_a = np.array([run(row) for row in a])
    f_b = np.array([run(row) for row in b])
    mixed: dict[str, np.ndarray] = {}
    for name, columns in factor_groups.items():
        ab = a.copy()
        ab[:, columns] = b[:, columns]
        mixed[name] = np.array([run(row) for row in ab])
    every = np.vstack([f_a, f_b, *mixed.values()])
    with warnings.catch_warnings():  # units left out of the year (coverage) have NaN ranks in every run
        warnings.simplefilter("ignore", RuntimeWarning)
        first, total = _indices(f_a, f_b, mixed)
        shift = lambda f: np.nanmean(np.abs(f - nominal_ranks), axis=1, keepdims=True)  # noqa: E731
        shift_first, shift_total = _indices(shift(f_a), shift(f_b), {n: shift(f) for n, f in mixed.items()})
        p05, median, p95 = np.nanpercentile(every, [5, 50, 95], axis=0)
    return Uncertainty(
        year,
        cube.units,
        int(every.shape[0]),
        nominal_ranks.tolist(),
        median.tolist(),
        p05.tolist(),
        p95.tolist(),
        first,
        total,
        shift_first,
        shift_total,
        {**spec.as_dict(), "year": year, "base": base.as_dict()},
    )


def _indices(
    f_a: np.ndarray, f_b: np.ndarray, mixed: Mapping[str, np.ndarray]
) -> tuple[dict[str, float], dict[str, float]]:
    """First-order (Saltelli 2010) and total (Jansen) indices per output column, averaged over columns
    whose variance is not zero; outputs are centred first, which steadies the first-order estimator."""
    centre = np.nanmean(np.vstack([f_a, f_b]), axis=0)
    f_a, f_b = f_a - centre, f_b - centre
    mixed = {name: f - centre for name, f in mixed.items()}
    variance = np.nanvar(np.vstack([f_a, f_b]), axis=0)
    live = variance > 0
    first: dict[str, float] = {}
    total: dict[str, float] = {}
    for name, f_ab in mixed.items():
        if not live.any():
            first[name] = total[name] = 0.0
            continue
        s = np.nanmean(f_b * (f_ab - f_a), axis=0)[live] / variance[live]
        st = 0.5 * np.nanmean((f_a - f_ab) ** 2, axis=0)[live] / variance[live]
        first[name], total[name] = float(np.mean(s)), float(np.mean(st))
    return first, total
