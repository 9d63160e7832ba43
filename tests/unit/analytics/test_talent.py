"""Percentiles within peer groups, additive scores, rank intervals and Kendall's tau, on small hand cases."""

import itertools

import numpy as np
import pytest

from kechuang.analytics.talent import (
    competition_ranks,
    kendall_tau,
    peer_groups,
    percentiles_within,
    rank_intervals,
    share_wide,
    weighted_scores,
)


def test_percentiles_are_mid_ranks_within_each_group_and_zero_stays_zero():
    raw = np.array([[0.0], [1.0], [2.0], [2.0], [100.0], [1.0]])
    groups = np.array([0, 0, 0, 0, 1, 1])
    pct = percentiles_within(raw, groups)[:, 0]
    # group 0 of four: 0 -> 0; 1 -> (1 + 0.5)/4; the tied 2s -> (2 + 1)/4
    assert pct[:4].tolist() == [0.0, 0.375, 0.75, 0.75]
    # group 1 of two: 100 is above 1 however large the gap; a mathematician is not compared with a clinician
    assert pct[4:].tolist() == [0.75, 0.25]


def test_peer_groups_fall_back_to_field_then_everyone_when_too_small():
    fields = ["520"] * 6 + ["630"] * 2
    cohorts = ["0-5"] * 5 + ["21+"] + ["0-5"] * 2
    index, labels = peer_groups(fields, cohorts, min_size=5)
    named = [labels[i] for i in index]
    assert named[:5] == ["520|0-5"] * 5
    assert named[5] == "520|*"
    assert named[6:] == ["*", "*"]


def test_contributions_add_up_to_the_score_and_ties_share_a_rank():
    normalised = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5], [0.5, 0.5]])
    scores = weighted_scores(normalised, [0.7, 0.3])
    assert np.allclose(scores.contributions.sum(axis=1), scores.score, atol=1e-12)
    assert scores.score.tolist() == pytest.approx([70.0, 30.0, 50.0, 50.0])
    assert scores.rank.tolist() == [1, 4, 2, 2]
    assert competition_ranks(np.array([3.0, 3.0 + 1e-12, 1.0])).tolist() == [1, 1, 3]


def test_rank_intervals_are_seeded_contain_the_rank_and_widen_only_where_weights_matter():
    rng = np.random.default_rng(7)
    normalised = rng.random((40, 4))
    weights = [0.4, 0.3, 0.2, 0.1]
    low, high = rank_intervals(normalised, weights, draws=100, seed=3)
    again = rank_intervals(normalised, weights, draws=100, seed=3)
    assert low.tolist() == again[0].tolist() and high.tolist() == again[1].tolist()
    rank = weighted_scores(normalised, weights).rank
    assert np.all(low <= rank) and np.all(rank <= high)
    # a person best on every dimension stays first whatever the weights
    dominant = np.vstack([np.ones((1, 4)), normalised * 0.9])
    low, high = rank_intervals(dominant, weights, draws=100, seed=3)
    assert (low[0], high[0]) == (1, 1)
    assert share_wide(np.array([1, 1]), np.array([5, 30]), places=10) == 0.5


def test_no_perturbation_means_no_interval():
    normalised = np.random.default_rng(1).random((10, 3))
    low, high = rank_intervals(normalised, [0.5, 0.3, 0.2], draws=50, spread=0.0)
    assert low.tolist() == high.tolist()


def brute_tau_b(x, y):
    concordant = discordant = tx = ty = 0
    for i, j in itertools.combinations(range(len(x)), 2):
        a, b = np.sign(x[i] - x[j]), np.sign(y[i] - y[j])
        if a == 0:
            tx += 1
        if b == 0:
            ty += 1
        if a * b > 0:
            concordant += 1
        elif a * b < 0:
            discordant += 1
    pairs = len(x) * (len(x) - 1) / 2
    return (concordant - discordant) / np.sqrt((pairs - tx) * (pairs - ty))


def test_kendall_tau_b_matches_the_definition_with_ties_and_across_chunks():
    assert kendall_tau([1, 2, 3, 4], [1, 2, 3, 4]) == pytest.approx(1.0)
    assert kendall_tau([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    rng = np.random.default_rng(11)
    x, y = rng.integers(0, 5, 60).astype(float), rng.integers(0, 4, 60).astype(float)
    assert kendall_tau(x, y, chunk=7) == pytest.approx(brute_tau_b(x, y), abs=1e-12)
    assert np.isnan(kendall_tau([1, 1, 1], [1, 2, 3]))
