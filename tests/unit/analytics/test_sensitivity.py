"""Audit statistics and the Monte-Carlo analysis: formulas, seeding and what the indices must say."""

from __future__ import annotations

import numpy as np
import pytest

from kechuang.analytics.composite import Cube, IndexConfig, compute_index
from kechuang.analytics.sensitivity import UncertaintySpec, audit, cronbach_alpha, pearson, uncertainty
from kechuang.domain.indicators import FrameworkNode as Node

NODES = [
    Node("R"),
    Node("P", "R", 1),
    Node("Q", "R", 1),
    Node("a", "P", 1, 1),
    Node("b", "P", 2, 1),
    Node("c", "Q", 1, 1),
    Node("d", "Q", 1, -1),
]


def _cube(seed: int = 3, units: int = 12) -> Cube:
    rng = np.random.default_rng(seed)
    rows = [(f"u{u:02d}", 2020, code, float(rng.lognormal())) for u in range(units) for code in "abcd"]
    return Cube.from_rows(rows, list("abcd"))


def test_cronbach_alpha_and_pearson_match_their_formulas():
    block = np.array([[1.0, 2.0, 2.0], [2.0, 3.0, 4.0], [3.0, 3.0, 5.0], [4.0, 5.0, 5.0]])
    k = 3
    item_vars = sum(np.var(block[:, j], ddof=1) for j in range(k))
    total_var = np.var(block.sum(axis=1), ddof=1)
    assert cronbach_alpha(block) == pytest.approx(k / (k - 1) * (1 - item_vars / total_var))
    assert pearson(np.array([1.0, 2, 3, 4]), np.array([2.0, 4, 6, 8])) == pytest.approx(1.0)


def test_audit_warns_about_an_indicator_that_runs_against_its_pillar():
    rng = np.random.default_rng(5)
    base = rng.normal(size=20)
    rows = []
    for u in range(20):
        rows += [
            (f"u{u}", 2020, "a", base[u]),
            (f"u{u}", 2020, "b", base[u] + rng.normal(scale=0.01)),
            (f"u{u}", 2020, "c", rng.normal()),
            (f"u{u}", 2020, "d", -base[u] * 5),
        ]
    nodes = [
        Node("R"),
        Node("P", "R", 1),
        Node("a", "P", 1, 1),
        Node("b", "P", 1, 1),
        Node("d", "P", 0.2, 1),
        Node("Q", "R", 1),
        Node("c", "Q", 1, 1),
    ]
    result = compute_index(Cube.from_rows(rows, list("abcd")), nodes)
    report = audit(result)
    kinds = {(w["kind"], w["code"], w["other"]) for w in report.warnings}
    assert ("negative", "d", "P") in kinds and ("collinear", "a", "b") in kinds
    assert "P" in report.alphas and "R" in report.alphas


def test_monte_carlo_is_seeded_and_reproducible():
    spec = UncertaintySpec(runs=120, seed=7)
    first, again = uncertainty(_cube(), NODES, spec=spec), uncertainty(_cube(), NODES, spec=spec)
    assert first.as_dict() == again.as_dict()
    other = uncertainty(_cube(), NODES, spec=UncertaintySpec(runs=120, seed=8))
    assert other.median != first.median or other.p95 != first.p95 or other.first_order != first.first_order


def test_intervals_collapse_when_nothing_varies_and_bracket_the_median_otherwise():
    fixed = UncertaintySpec(
        runs=30,
        weight_spread=0,
        normalisations=("minmax",),
        aggregations=("arithmetic",),
        imputations=("none",),
    )
    result = uncertainty(_cube(), NODES, spec=fixed)
    assert result.p05 == result.p95 == result.median == result.nominal and result.first_order == {}
    varied = uncertainty(_cube(), NODES, spec=UncertaintySpec(runs=300))
    assert varied.runs >= 300
    assert all(lo <= med <= hi for lo, med, hi in zip(varied.p05, varied.median, varied.p95, strict=True))
    assert any(hi > lo for lo, hi in zip(varied.p05, varied.p95, strict=True))


def test_a_choice_that_cannot_change_anything_gets_zero_sensitivity():
    """Without missing values the imputation choice changes nothing: both its indices are exactly 0."""
    result = uncertainty(_cube(), NODES, spec=UncertaintySpec(runs=200))
    assert result.first_order["imputation"] == 0.0 and result.total["imputation"] == 0.0
    assert result.total["weights"] > 0 and result.total["normalisation"] > 0


def test_the_only_varying_choice_explains_all_the_variance():
    only_weights = UncertaintySpec(
        runs=600,
        normalisations=("minmax",),
        aggregations=("arithmetic",),
        imputations=("none",),
        weight_spread=0.25,
    )
    result = uncertainty(_cube(units=16), NODES, spec=only_weights)
    assert result.total["weights"] == pytest.approx(1.0, abs=0.15)
    assert result.first_order["weights"] == pytest.approx(1.0, abs=0.25)


def test_nominal_ranks_are_the_index_ranks_of_the_base_configuration():
    base = IndexConfig(normalise="zscore")
    result = uncertainty(_cube(), NODES, base=base, spec=UncertaintySpec(runs=30))
    index = compute_index(_cube(), NODES, base)
    assert result.nominal == list(index.ranks[0, :, -1])
