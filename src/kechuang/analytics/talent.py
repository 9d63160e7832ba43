"""Talent scores as plain numpy: percentiles within (field, career-age cohort), weighted sums, rank
intervals under Monte-Carlo weight perturbation, and Kendall's tau to compare rankings.

Raw evidence is heavy-tailed and incomparable across fields (a mathematician has fewer patents than an
engineer), so each dimension becomes a percentile within the person's peer group before weighting; the
score is then the sum of `100 * percentile * weight`, so every contribution is a visible part of it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
SCALE = 100.0
RANK_DECIMALS = 9  # scores equal to 9 decimals tie: float noise in a sum must not split a tie
ALL = "*"


def peer_groups(fields: Sequence[str], cohorts: Sequence[str], min_size: int = 5) -> tuple[Ints, list[str]]:
    """A group index per person: (field, cohort) when that group has `min_size` people, else the field,
    else everyone; returns the indices and the group labels ("field|cohort", "field|*", "*")."""
    pair_sizes = Counter(zip(fields, cohorts, strict=True))
    field_sizes = Counter(fields)
    labels: list[str] = []
    for field_code, cohort in zip(fields, cohorts, strict=True):
        if pair_sizes[(field_code, cohort)] >= min_size:
            labels.append(f"{field_code}|{cohort}")
        elif field_sizes[field_code] >= min_size:
            labels.append(f"{field_code}|{ALL}")
        else:
            labels.append(ALL)
    names, index = np.unique(np.asarray(labels, dtype=object), return_inverse=True)
    return index.astype(np.int64), [str(n) for n in names]


def percentiles_within(raw: Floats, groups: Ints) -> Floats:
    """Mid-rank percentile (0-1) of each raw value among its group, per column; no evidence (0) stays 0.

    The share of the group strictly below plus half of the ties, so a person with evidence where all
    peers have none is near 1, and equal evidence gets equal credit.
    """
    values = np.asarray(raw, dtype=np.float64)
    out = np.zeros_like(values)
    order = np.argsort(groups, kind="stable")
    bounds = np.flatnonzero(np.diff(groups[order])) + 1
    for members in np.split(order, bounds):
        if members.size == 0:
            continue
        block = values[members]
        ranked = np.sort(block, axis=0)
        for column in range(block.shape[1]):
            below = np.searchsorted(ranked[:, column], block[:, column], side="left")
            upto = np.searchsorted(ranked[:, column], block[:, column], side="right")
            share = (below + 0.5 * (upto - below)) / members.size
            out[members, column] = np.where(block[:, column] > 0, share, 0.0)
    return out


@dataclass
class Scores:
    """Per person: score, rank (1 best, ties share), contributions (n x d) that add up to the score."""

    score: Floats
    rank: Ints
    contributions: Floats


def weighted_scores(normalised: Floats, weights: Sequence[float]) -> Scores:
    """Score = sum of 100 x percentile x weight; each term is a dimension's contribution."""
    w = np.asarray(weights, dtype=np.float64)
    contributions = normalised * (SCALE * w)
    score = contributions.sum(axis=1)
    return Scores(score, competition_ranks(score), contributions)


def competition_ranks(scores: Floats) -> Ints:
    """1 + the number of strictly better scores (1, 2, 2, 4): a tie never hides behind an arbitrary order."""
    rounded = np.round(np.asarray(scores, dtype=np.float64), RANK_DECIMALS)
    ascending = np.sort(rounded)
    better = rounded.size - np.searchsorted(ascending, rounded, side="right")
    return (better + 1).astype(np.int64)


def rank_intervals(
    normalised: Floats,
    weights: Sequence[float],
    *,
    draws: int = 200,
    spread: float = 0.25,
    seed: int = 0,
    coverage: float = 0.9,
) -> tuple[Ints, Ints]:
    """Ranks under random weights (each multiplied by U(1-spread, 1+spread), renormalised to sum 1):
    the central `coverage` of each person's ranks, widened to include the published rank."""
    n = normalised.shape[0]
    base = competition_ranks(SCALE * (normalised @ np.asarray(weights, dtype=np.float64)))
    if n == 0 or draws <= 0:
        return base.copy(), base.copy()
    rng = np.random.default_rng(seed)
    factors = rng.uniform(1 - spread, 1 + spread, size=(draws, len(weights)))
    perturbed = np.asarray(weights, dtype=np.float64) * factors
    perturbed /= perturbed.sum(axis=1, keepdims=True)
    ranks = np.empty((draws, n), dtype=np.int32)
    for i in range(draws):
        ranks[i] = competition_ranks(SCALE * (normalised @ perturbed[i]))
    ranks.sort(axis=0)
    tail = (1 - coverage) / 2
    low = ranks[int(np.floor(tail * (draws - 1)))].astype(np.int64)
    high = ranks[int(np.ceil((1 - tail) * (draws - 1)))].astype(np.int64)
    return np.minimum(low, base), np.maximum(high, base)


def kendall_tau(a: Sequence[float] | Floats, b: Sequence[float] | Floats, chunk: int = 512) -> float:
    """Kendall's tau-b of two paired score lists (ties handled); pairs compared in blocks of rows."""
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError("both rankings must score the same items")
    n = x.size
    concordant_minus_discordant = 0.0
    tied_x = tied_y = 0.0
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        dx = np.sign(x[start:stop, None] - x[None, :])
        dy = np.sign(y[start:stop, None] - y[None, :])
        upper = np.arange(start, stop)[:, None] < np.arange(n)[None, :]
        concordant_minus_discordant += float((dx * dy)[upper].sum())
        tied_x += float(((dx == 0) & upper).sum())
        tied_y += float(((dy == 0) & upper).sum())
    pairs = n * (n - 1) / 2
    denominator = np.sqrt((pairs - tied_x) * (pairs - tied_y))
    return float(concordant_minus_discordant / denominator) if denominator > 0 else float("nan")


def share_wide(low: Ints, high: Ints, places: int = 10) -> float:
    """The share of people whose rank interval spans more than `places` places."""
    if low.size == 0:
        return 0.0
    return float(np.mean((high - low) > places))
