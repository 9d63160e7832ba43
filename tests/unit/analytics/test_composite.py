"""Each step of the composite index against hand-computed values (formulas written out here)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kechuang.analytics.composite import (
    CompositeError,
    Cube,
    IndexConfig,
    build_tree,
    compute_index,
    impute,
    kurtosis,
    normalise,
    pca_weights,
    renormalised,
    skewness,
    winsorise,
)
from kechuang.domain.indicators import FrameworkNode as Node


def test_skewness_and_kurtosis_are_the_bias_corrected_sample_statistics():
    x = np.array([1.0, 2.0, 2.0, 3.0, 10.0])
    n, mean = 5, x.mean()
    sd = math.sqrt(sum((v - mean) ** 2 for v in x) / (n - 1))
    skew = n / ((n - 1) * (n - 2)) * sum(((v - mean) / sd) ** 3 for v in x)
    kurt = n * (n + 1) / ((n - 1) * (n - 2) * (n - 3)) * sum(((v - mean) / sd) ** 4 for v in x) - 3 * (
        n - 1
    ) ** 2 / ((n - 2) * (n - 3))
    assert skewness(x) == pytest.approx(skew) and kurtosis(x) == pytest.approx(kurt)
    assert math.isnan(skewness(np.array([1.0, 1.0, 1.0])))


def test_winsorisation_pulls_the_outlier_to_the_next_value_only_when_both_limits_are_passed():
    x = np.array([1.0, 2, 2, 3, 3, 3, 4, 4, 5, 100])
    treated, report = winsorise(x)
    assert report["treated"] == 1 and report["resolved"]
    assert treated[-1] == 5.0 and list(treated[:-1]) == list(x[:-1])
    calm = np.array([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    same, report = winsorise(calm)
    assert report["treated"] == 0 and list(same) == list(calm)


def test_normalisations_follow_their_formulas():
    x = np.array([3.0, 1.0, np.nan, 7.0, 5.0])
    assert list(normalise(x, "minmax", 0, 100)[[0, 1, 3, 4]]) == pytest.approx([100 / 3, 0, 100, 200 / 3])
    values = [3.0, 1.0, 7.0, 5.0]
    mean, sd = 4.0, math.sqrt(sum((v - 4.0) ** 2 for v in values) / 3)
    z = normalise(x, "zscore")
    assert list(z[[0, 1, 3, 4]]) == pytest.approx([(v - mean) / sd for v in values]) and math.isnan(z[2])
    assert list(normalise(np.array([2.0, 1.0, 2.0, 5.0]), "rank")) == [2.5, 1.0, 2.5, 4.0]
    assert list(normalise(np.array([0.0, 5.0, 20.0]), "target", 0, 100, target=10.0)) == [0, 50, 100]


def test_direction_minus_one_is_applied_before_normalising():
    nodes = [Node("R"), Node("a", "R", 1, -1)]
    cube = Cube.from_rows([("x", 2020, "a", 1.0), ("y", 2020, "a", 3.0), ("z", 2020, "a", 2.0)], ["a"])
    result = compute_index(cube, nodes, IndexConfig(normalise="zscore"))
    assert list(result.column("a", 2020)) == pytest.approx([1.0, -1.0, 0.0])
    assert list(result.ranks[0, :, 0]) == [1, 3, 2]


def test_weights_are_renormalised_within_each_parent_and_pca_weights_sum_to_one():
    tree = build_tree(
        [
            Node("R"),
            Node("P", "R", 4),
            Node("Q", "R", 1),
            Node("a", "P", 3, 1),
            Node("b", "P", 1, 1),
            Node("c", "Q", 2, 1),
        ]
    )
    weights = renormalised(tree, {c: n.weight for c, n in tree.nodes.items()})
    assert weights == pytest.approx({"R": 1, "P": 0.8, "Q": 0.2, "a": 0.75, "b": 0.25, "c": 1.0})
    rng = np.random.default_rng(0)
    base = rng.normal(size=50)
    block = np.column_stack([base, 2 * base + 1, rng.normal(size=50)])
    w = pca_weights(block)
    assert w.sum() == pytest.approx(1) and w[0] == pytest.approx(w[1]) and w[2] < w[0]


def test_imputation_fills_by_mean_or_median_overall_or_within_group():
    x = np.array([[1.0], [np.nan], [3.0], [10.0], [np.nan], [20.0]])
    assert impute(x, "mean")[1, 0] == pytest.approx(34 / 4)
    assert impute(x, "median")[1, 0] == pytest.approx(6.5)
    grouped = impute(x, "mean", ["a", "a", "a", "b", "b", "b"])
    assert grouped[1, 0] == 2.0 and grouped[4, 0] == 15.0
    assert np.isnan(impute(x, "none")[1, 0])


def test_geometric_aggregation_is_the_weighted_geometric_mean_and_refuses_zero():
    nodes = [Node("R"), Node("a", "R", 1, 1), Node("b", "R", 3, 1)]
    rows = [
        ("x", 2020, "a", 1.0),
        ("x", 2020, "b", 4.0),
        ("y", 2020, "a", 3.0),
        ("y", 2020, "b", 2.0),
        ("z", 2020, "a", 2.0),
        ("z", 2020, "b", 1.0),
    ]
    cube = Cube.from_rows(rows, ["a", "b"])
    result = compute_index(cube, nodes, IndexConfig(range=(1, 100), aggregate="geometric"))
    a, b = result.column("a", 2020), result.column("b", 2020)
    assert list(result.column("R", 2020)) == pytest.approx(list(a**0.25 * b**0.75))
    with pytest.raises(CompositeError, match="positive"):
        IndexConfig(aggregate="geometric")


@pytest.mark.parametrize(
    "nodes, message",
    [
        ([Node("R"), Node("S")], "exactly one root"),
        ([Node("R"), Node("a", "X", 1, 1)], "unknown parent"),
        ([Node("R"), Node("P", "R")], "no children"),
        ([Node("R"), Node("a", "R", 1, 1), Node("b", "a", 1, 1)], "has children"),
    ],
)
def test_bad_frameworks_are_refused_with_a_reason(nodes, message):
    with pytest.raises(CompositeError, match=message):
        build_tree(nodes)


def test_configuration_round_trips_through_its_record():
    config = IndexConfig(impute="median", winsorise=True, normalise="rank", weights="pca", years=(2020,))
    assert IndexConfig.from_dict(config.as_dict()) == config
