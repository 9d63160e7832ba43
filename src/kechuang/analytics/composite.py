"""A composite index built the OECD/JRC way (Handbook on Constructing Composite Indicators, COINr's steps).

Plain numpy on plain data: a cube of values (year x unit x indicator, NaN where missing) and a framework
tree. Every step (imputation, outlier treatment, normalisation, weighting, aggregation) is chosen by an
`IndexConfig` that is returned with the result, so any published number can be regenerated from the raw
values and the recorded configuration. Normalisation is per year (a cross-section); aggregation is per row.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from kechuang.domain.indicators import FrameworkNode

NORMALISATIONS = ("minmax", "zscore", "rank", "target")
AGGREGATIONS = ("arithmetic", "geometric")
IMPUTATIONS = ("none", "mean", "median")
WEIGHTINGS = ("framework", "equal", "pca")
COLLINEAR = 0.92  # the JRC audit's threshold for near-duplicate indicators within one aggregate


class CompositeError(ValueError):
    """A framework, data set or configuration that cannot produce an index; the message says why."""


@dataclass(frozen=True)
class IndexConfig:
    """Every choice that shapes the numbers; `as_dict()` is what an edition records."""

    impute: str = "none"
    impute_by_group: bool = False
    winsorise: bool = False
    skew_limit: float = 2.0
    kurtosis_limit: float = 3.5
    winsorise_max_share: float = 0.1
    normalise: str = "minmax"
    range: tuple[float, float] = (0.0, 100.0)
    targets: Mapping[str, float] = field(default_factory=dict)
    weights: str = "framework"
    weight_overrides: Mapping[str, float] = field(default_factory=dict)
    aggregate: str = "arithmetic"
    years: tuple[int, ...] = ()
    min_coverage: float = 0.0

    def __post_init__(self) -> None:
        _choice("impute", self.impute, IMPUTATIONS)
        _choice("normalise", self.normalise, NORMALISATIONS)
        _choice("weights", self.weights, WEIGHTINGS)
        _choice("aggregate", self.aggregate, AGGREGATIONS)
        if not 0 <= self.min_coverage <= 1:
            raise CompositeError("min_coverage is a share between 0 and 1")
        low, high = self.range
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise CompositeError("range must be two finite numbers, the first below the second")
        positive = self.normalise == "rank" or (self.normalise != "zscore" and low > 0)
        if self.aggregate == "geometric" and not positive:
            raise CompositeError(
                "geometric aggregation needs positive values: use min-max to a range like 1,100"
            )

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["range"] = list(self.range)
        data["years"] = list(self.years)
        data["targets"] = dict(self.targets)
        data["weight_overrides"] = dict(self.weight_overrides)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IndexConfig:
        values = dict(data)
        values["range"] = tuple(float(x) for x in values.get("range", (0.0, 100.0)))
        values["years"] = tuple(int(y) for y in values.get("years", ()))
        known = set(cls.__dataclass_fields__)
        return cls(**{key: value for key, value in values.items() if key in known})


def _choice(name: str, value: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise CompositeError(f"{name} must be one of {', '.join(allowed)}, not '{value}'")


@dataclass
class Cube:
    """Indicator values: `values[year, unit, indicator]`, NaN where a value is missing."""

    years: list[int]
    units: list[str]
    indicators: list[str]
    values: np.ndarray

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, int, str, float]], indicators: Sequence[str]) -> Cube:
        """Long rows (unit, year, indicator, value); indicators outside `indicators` are left out."""
        wanted = {code: i for i, code in enumerate(indicators)}
        kept = [(u, int(y), c, float(v)) for u, y, c, v in rows if c in wanted]
        years = sorted({y for _, y, _, _ in kept})
        units = sorted({u for u, _, _, _ in kept})
        y_at = {y: i for i, y in enumerate(years)}
        u_at = {u: i for i, u in enumerate(units)}
        values = np.full((len(years), len(units), len(indicators)), np.nan)
        for unit, year, code, value in kept:
            values[y_at[year], u_at[unit], wanted[code]] = value
        return cls(years, units, list(indicators), values)

    def select_years(self, years: Sequence[int]) -> Cube:
        missing = [y for y in years if y not in self.years]
        if missing:
            raise CompositeError(f"no values for year {missing[0]}")
        at = [self.years.index(y) for y in years]
        return Cube(list(years), self.units, self.indicators, self.values[at])


@dataclass
class Tree:
    """A framework checked and ordered: indicators, then aggregates deepest first (so children come first)."""

    nodes: dict[str, FrameworkNode]
    root: str
    indicators: list[str]
    aggregates: list[str]
    children: dict[str, list[str]]

    @property
    def order(self) -> list[str]:
        return self.indicators + self.aggregates

    def parent_chain(self, code: str) -> list[str]:
        chain = []
        while self.nodes[code].parent:
            code = self.nodes[code].parent
            chain.append(code)
        return chain


def build_tree(nodes: Iterable[FrameworkNode]) -> Tree:
    """Check a framework (one root, known parents, no cycles, indicators as leaves) and order it."""
    by_code: dict[str, FrameworkNode] = {}
    for node in nodes:
        if not node.code:
            raise CompositeError("every node needs a code")
        if node.code in by_code:
            raise CompositeError(f"node '{node.code}' appears twice")
        if not (math.isfinite(node.weight) and node.weight >= 0):
            raise CompositeError(f"node '{node.code}' needs a finite weight of 0 or more")
        if node.direction not in (None, 1, -1):
            raise CompositeError(f"indicator '{node.code}' needs direction 1 or -1")
        by_code[node.code] = node
    roots = [n.code for n in by_code.values() if not n.parent]
    if len(roots) != 1:
        raise CompositeError(f"a framework has exactly one root (a node with no parent), found {len(roots)}")
    children: dict[str, list[str]] = {code: [] for code in by_code}
    for node in by_code.values():
        if node.parent:
            if node.parent not in by_code:
                raise CompositeError(f"node '{node.code}' names an unknown parent '{node.parent}'")
            children[node.parent].append(node.code)
    depth: dict[str, int] = {}
    for code in by_code:
        seen, current = {code}, code
        while by_code[current].parent:
            current = by_code[current].parent
            if current in seen:
                raise CompositeError(f"the framework has a cycle through '{code}'")
            seen.add(current)
        depth[code] = len(seen) - 1
    for code, node in by_code.items():
        if node.is_indicator and children[code]:
            raise CompositeError(f"indicator '{code}' has children; only aggregates (no direction) may")
        if not node.is_indicator and not children[code]:
            raise CompositeError(f"aggregate '{code}' has no children (an indicator needs a direction)")
        if children[code] and sum(by_code[c].weight for c in children[code]) <= 0:
            raise CompositeError(f"the weights of the children of '{code}' add up to 0")
    indicators = [c for c in by_code if by_code[c].is_indicator]
    aggregates = sorted((c for c in by_code if not by_code[c].is_indicator), key=lambda c: -depth[c])
    return Tree(by_code, roots[0], indicators, aggregates, children)


# ---------------------------------------------------------------- data treatment


def impute(x: np.ndarray, method: str, groups: Sequence[str] | None = None) -> np.ndarray:
    """Fill missing values of each indicator (columns of one year's units x indicators) by mean or median."""
    if method == "none":
        return x.copy()
    fill = np.nanmean if method == "mean" else np.nanmedian
    out = x.copy()
    batches = (
        [np.arange(x.shape[0])]
        if groups is None
        else [np.flatnonzero(np.asarray(groups) == g) for g in sorted(set(groups))]
    )
    for rows in batches:
        block = out[rows]
        for j in range(x.shape[1]):
            column = block[:, j]
            gaps = np.isnan(column)
            if gaps.any() and not gaps.all():
                column[gaps] = fill(column[~gaps])
        out[rows] = block
    if groups is not None and np.isnan(out).any():  # a group with no value at all falls back to everyone
        out = np.where(np.isnan(out), impute(x, method), out)
    return out


def skewness(x: np.ndarray) -> float:
    """Adjusted Fisher-Pearson sample skewness (Excel's SKEW), NaN with fewer than 3 values."""
    v = x[~np.isnan(x)]
    n = v.size
    sd = v.std(ddof=1) if n > 1 else 0.0
    if n < 3 or sd == 0:
        return math.nan
    return float(n / ((n - 1) * (n - 2)) * np.sum(((v - v.mean()) / sd) ** 3))


def kurtosis(x: np.ndarray) -> float:
    """Sample excess kurtosis (Excel's KURT), NaN with fewer than 4 values."""
    v = x[~np.isnan(x)]
    n = v.size
    sd = v.std(ddof=1) if n > 1 else 0.0
    if n < 4 or sd == 0:
        return math.nan
    head = n * (n + 1) / ((n - 1) * (n - 2) * (n - 3)) * np.sum(((v - v.mean()) / sd) ** 4)
    return float(head - 3 * (n - 1) ** 2 / ((n - 2) * (n - 3)))


def _outlying(v: np.ndarray, skew_limit: float, kurtosis_limit: float) -> bool:
    s, k = skewness(v), kurtosis(v)
    return bool(math.isfinite(s) and math.isfinite(k) and abs(s) > skew_limit and k > kurtosis_limit)


def winsorise(
    x: np.ndarray, skew_limit: float = 2.0, kurtosis_limit: float = 3.5, max_share: float = 0.1
) -> tuple[np.ndarray, dict[str, Any]]:
    """COINr's rule: while |skew| > 2 and kurtosis > 3.5, set the most extreme value to the next one in.

    At most `max_share` of the values are changed; a column still outlying then is reported unresolved.
    """
    v = x.copy()
    before = (skewness(v), kurtosis(v))
    if not _outlying(v, skew_limit, kurtosis_limit):
        return v, {"treated": 0, "skew": before[0], "kurtosis": before[1], "resolved": True}
    present = np.flatnonzero(~np.isnan(v))
    limit = max(1, int(max_share * present.size))
    treated = 0
    while treated < limit and _outlying(v, skew_limit, kurtosis_limit):
        values = v[present]
        high = skewness(v) > 0
        extreme = values.max() if high else values.min()
        rest = values[values != extreme]
        if rest.size == 0:
            break
        nearest = rest.max() if high else rest.min()
        hit = present[values == extreme]
        v[hit] = nearest
        treated += hit.size
    after = (skewness(v), kurtosis(v))
    resolved = not _outlying(v, skew_limit, kurtosis_limit)
    return v, {
        "treated": treated,
        "skew": before[0],
        "kurtosis": before[1],
        "skew_after": after[0],
        "kurtosis_after": after[1],
        "resolved": resolved,
    }


# ---------------------------------------------------------------- normalisation


def normalise(
    x: np.ndarray, method: str, low: float = 0.0, high: float = 100.0, target: float | None = None
) -> np.ndarray:
    """Normalise one indicator's values (direction already applied: higher is better). NaN stays NaN."""
    ok = ~np.isnan(x)
    out = np.full_like(x, np.nan, dtype=float)
    if not ok.any():
        return out
    v = x[ok]
    if method == "minmax":
        span = v.max() - v.min()
        out[ok] = (low + high) / 2 if span == 0 else low + (v - v.min()) / span * (high - low)
    elif method == "zscore":
        sd = v.std(ddof=1) if v.size > 1 else 0.0
        out[ok] = 0.0 if sd == 0 else (v - v.mean()) / sd
    elif method == "rank":
        out[ok] = average_ranks(v)
    elif method == "target":
        goal = v.max() if target is None else target
        span = goal - v.min()
        share = np.ones_like(v) if span <= 0 else np.minimum((v - v.min()) / span, 1.0)
        out[ok] = low + share * (high - low)
    else:
        raise CompositeError(f"unknown normalisation '{method}'")
    return out


def average_ranks(v: np.ndarray) -> np.ndarray:
    """Ranks 1..n, smallest first, ties sharing their average rank."""
    order = np.argsort(v, kind="mergesort")
    ranks = np.empty(v.size)
    sorted_v = v[order]
    start = 0
    while start < v.size:
        end = start
        while end + 1 < v.size and sorted_v[end + 1] == sorted_v[start]:
            end += 1
        ranks[order[start : end + 1]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def best_first_ranks(scores: np.ndarray) -> np.ndarray:
    """Rank 1 for the highest score; ties share the best rank; NaN scores get NaN."""
    out = np.full(scores.shape, np.nan)
    ok = ~np.isnan(scores)
    v = scores[ok]
    out[ok] = np.searchsorted(np.sort(-v), -v, side="left") + 1.0  # 1 + how many score higher
    return out


# ---------------------------------------------------------------- weighting and aggregation


def renormalised(tree: Tree, raw: Mapping[str, float]) -> dict[str, float]:
    """Weights made to sum to 1 within each parent (the root keeps 1)."""
    out = {tree.root: 1.0}
    for kids in tree.children.values():
        total = sum(raw[k] for k in kids)
        for kid in kids:
            out[kid] = raw[kid] / total if total > 0 else 1 / len(kids)
    return out


def pca_weights(block: np.ndarray) -> np.ndarray:
    """Squared loadings of the first principal component of standardised columns (they sum to 1)."""
    rows = block[~np.isnan(block).any(axis=1)]
    k = block.shape[1]
    if k == 1 or rows.shape[0] < 3:
        return np.full(k, 1 / k)
    sd = rows.std(axis=0, ddof=1)
    sd[sd == 0] = 1.0
    corr = np.corrcoef((rows - rows.mean(axis=0)) / sd, rowvar=False)
    corr = np.nan_to_num(corr)
    _, vectors = np.linalg.eigh(corr)
    loading = vectors[:, -1]
    return np.asarray(loading**2 / np.sum(loading**2))


def aggregate(
    scores: np.ndarray, tree: Tree, weights: Mapping[str, float], method: str, pca: bool = False
) -> tuple[np.ndarray, dict[str, float]]:
    """Fill the aggregate columns of `scores` (rows x tree.order) up the tree; returns them and the weights.

    Missing children are left out and the remaining weights renormalised (a row with none stays NaN).
    """
    at = {code: i for i, code in enumerate(tree.order)}
    used = dict(weights)
    for code in tree.aggregates:
        kids = tree.children[code]
        block = scores[:, [at[k] for k in kids]]
        if pca:
            for kid, w in zip(kids, pca_weights(block), strict=True):
                used[kid] = float(w)
        w = np.array([used[k] for k in kids])
        present = ~np.isnan(block)
        mass = present @ w
        if method == "geometric":
            if np.any(block[present] <= 0):
                raise CompositeError(
                    f"geometric aggregation of '{code}' met a value of 0 or less; "
                    "normalise to a positive range such as 1,100"
                )
            logs = np.where(present, np.log(np.where(present, block, 1.0)), 0.0)
            value = np.exp((logs @ w) / np.where(mass > 0, mass, 1.0))
        else:
            value = (np.where(present, block, 0.0) @ w) / np.where(mass > 0, mass, 1.0)
        scores[:, at[code]] = np.where(mass > 0, value, np.nan)
    return scores, used


# ---------------------------------------------------------------- the pipeline


@dataclass
class IndexResult:
    """Scores of every node for every unit and year, with what was done to the data on the way."""

    tree: Tree
    years: list[int]
    units: list[str]
    scores: np.ndarray  # year x unit x node (tree.order)
    ranks: np.ndarray
    weights: dict[str, float]
    config: IndexConfig
    imputed_share: dict[str, float]
    treatments: list[dict[str, Any]]
    warnings: list[str] = field(default_factory=list)

    def rows(self) -> list[tuple[str, int, str, float, float]]:
        """SCORES.csv rows: unit, year, code, score, rank (rank 1 best within year and code)."""
        out = []
        for y, year in enumerate(self.years):
            for code_at, code in enumerate(self.tree.order):
                for u, unit in enumerate(self.units):
                    out.append(
                        (
                            unit,
                            year,
                            code,
                            float(self.scores[y, u, code_at]),
                            float(self.ranks[y, u, code_at]),
                        )
                    )
        return out

    def column(self, code: str, year: int) -> np.ndarray:
        return self.scores[self.years.index(year), :, self.tree.order.index(code)]


def prepare(
    cube: Cube,
    tree: Tree,
    config: IndexConfig,
    groups: Sequence[str] | None = None,
) -> tuple[np.ndarray, dict[str, float], list[dict[str, Any]]]:
    """Imputation and outlier treatment, per year; returns the treated raw cube and the reports."""
    raw = cube.values.copy()
    treatments: list[dict[str, Any]] = []
    for y, year in enumerate(cube.years):
        short = ~covered(raw[y], config.min_coverage)
        raw[y, short, :] = np.nan
        treatments += [
            {"year": year, "unit": cube.units[u], "excluded": "coverage"} for u in np.flatnonzero(short)
        ]
    missing_before = np.isnan(raw)
    for y, year in enumerate(cube.years):
        kept = ~np.isnan(raw[y]).all(axis=1)
        raw[y, kept] = impute(
            raw[y, kept],
            config.impute,
            [g for g, k in zip(groups, kept, strict=True) if k]
            if config.impute_by_group and groups
            else None,
        )
        if config.winsorise:
            for j, code in enumerate(cube.indicators):
                raw[y, :, j], report = winsorise(
                    raw[y, :, j], config.skew_limit, config.kurtosis_limit, config.winsorise_max_share
                )
                if report["treated"] or not report["resolved"]:  # a unit excluded above stays NaN
                    treatments.append({"year": year, "indicator": code, **report})
    filled = missing_before & ~np.isnan(raw)
    share = {
        code: float(filled[:, :, j].sum() / max(1, filled[:, :, j].size))
        for j, code in enumerate(cube.indicators)
    }
    share["*"] = float(filled.sum() / max(1, filled.size))
    return raw, share, treatments


def covered(x: np.ndarray, min_coverage: float) -> np.ndarray:
    """Units (rows of one year) with at least `min_coverage` of their indicators present; COINr's
    data-availability rule, so a unit known by a few values is not ranked as if it were average."""
    if x.shape[1] == 0:
        return np.ones(x.shape[0], dtype=bool)
    share = (~np.isnan(x)).sum(axis=1) / x.shape[1]
    return np.asarray((share >= min_coverage) & (share > 0))


def normalise_cube(raw: np.ndarray, tree: Tree, indicators: Sequence[str], config: IndexConfig) -> np.ndarray:
    """Apply directions (x -> -x for -1) then normalise each indicator within each year."""
    low, high = config.range
    out = np.empty_like(raw)
    for j, code in enumerate(indicators):
        direction = tree.nodes[code].direction or 1
        target = config.targets.get(code, tree.nodes[code].target)
        for y in range(raw.shape[0]):
            out[y, :, j] = normalise(
                direction * raw[y, :, j],
                config.normalise,
                low,
                high,
                None if target is None else direction * target,
            )
    return out


def compute_index(
    cube: Cube,
    nodes: Iterable[FrameworkNode],
    config: IndexConfig | None = None,
    groups: Mapping[str, str] | None = None,
) -> IndexResult:
    """Run the whole pipeline on the years asked for (all years when none)."""
    config = config or IndexConfig()
    tree = build_tree(nodes)
    absent = [code for code in tree.indicators if code not in cube.indicators]
    if absent:
        raise CompositeError(f"indicator '{absent[0]}' of the framework has no values")
    cube = Cube(
        cube.years,
        cube.units,
        tree.indicators,
        cube.values[:, :, [cube.indicators.index(c) for c in tree.indicators]],
    )
    if config.years:
        cube = cube.select_years(config.years)
    group_list = [groups.get(u, "") for u in cube.units] if groups else None
    raw, share, treatments = prepare(cube, tree, config, group_list)
    normalised = normalise_cube(raw, tree, cube.indicators, config)
    n_years, n_units, n_ind = normalised.shape
    scores = np.full((n_years * n_units, len(tree.order)), np.nan)
    scores[:, :n_ind] = normalised.reshape(n_years * n_units, n_ind)
    base = {code: tree.nodes[code].weight for code in tree.nodes}
    if config.weights == "equal":
        base = dict.fromkeys(base, 1.0)
    base.update(config.weight_overrides)
    weights = renormalised(tree, base)
    scores, weights = aggregate(scores, tree, weights, config.aggregate, pca=config.weights == "pca")
    cube_scores = scores.reshape(n_years, n_units, len(tree.order))
    ranks = np.empty_like(cube_scores)
    for y in range(n_years):
        for k in range(len(tree.order)):
            ranks[y, :, k] = best_first_ranks(cube_scores[y, :, k])
    warnings = [f"{code}: {100 * s:.1f}% of values missing" for code, s in _missing(cube).items() if s > 0.2]
    return IndexResult(
        tree, cube.years, cube.units, cube_scores, ranks, weights, config, share, treatments, warnings
    )


def _missing(cube: Cube) -> dict[str, float]:
    gaps = np.isnan(cube.values)
    return {code: float(gaps[:, :, j].mean()) for j, code in enumerate(cube.indicators)}
