"""Kleinberg bursts against a brute-force optimum, and the trend radar on a constructed corpus."""

from __future__ import annotations

import itertools
import math

import pytest

from kechuang.analytics.trends import Document, kleinberg_bursts, kleinberg_states, trend_radar


def brute_force_states(relevant: list[int], totals: list[int], s: float, gamma: float) -> list[int]:
    """Kleinberg's definition, written independently: try every state sequence, starting from state 0."""
    n = len(relevant)
    p0 = sum(relevant) / sum(totals)
    rates = [p0, min(p0 * s, 0.9999)]

    def sigma(state: int, r: int, d: int) -> float:
        p = rates[state]
        return -math.log(math.comb(d, r) * p**r * (1 - p) ** (d - r))

    best, best_cost = None, math.inf
    for states in itertools.product([0, 1], repeat=n):
        cost, previous = 0.0, 0
        for t, state in enumerate(states):
            cost += sigma(state, relevant[t], totals[t]) + (gamma * math.log(n) if state > previous else 0.0)
            previous = state
        if cost < best_cost:
            best, best_cost = list(states), cost
    assert best is not None
    return best


def test_a_constructed_burst_is_found_exactly() -> None:
    relevant = [5, 4, 6, 30, 35, 28, 5, 6, 4]
    totals = [100] * 9
    assert kleinberg_states(relevant, totals) == [0, 0, 0, 1, 1, 1, 0, 0, 0]
    (burst,) = kleinberg_bursts(relevant, totals)
    assert (burst.start, burst.end) == (3, 5) and burst.weight > 0


@pytest.mark.parametrize(
    "relevant,totals,s,gamma",
    [
        ([1, 2, 9, 10, 2, 1, 0, 7], [20, 20, 25, 22, 20, 18, 20, 21], 2.0, 1.0),
        ([0, 0, 3, 3, 0, 8, 9, 1], [10, 12, 10, 10, 11, 12, 13, 10], 3.0, 0.5),
        ([2, 2, 2, 2, 2, 2], [10] * 6, 2.0, 1.0),
        ([6, 1, 1, 1, 1, 7, 7], [10, 9, 11, 10, 10, 9, 10], 1.5, 2.0),
    ],
)
def test_viterbi_matches_brute_force(relevant: list[int], totals: list[int], s: float, gamma: float) -> None:
    assert kleinberg_states(relevant, totals, s=s, gamma=gamma) == brute_force_states(
        relevant, totals, s, gamma
    )


def test_flat_rate_has_no_burst_and_bad_input_is_refused() -> None:
    assert kleinberg_bursts([3, 3, 3, 3], [30, 30, 30, 30]) == []
    with pytest.raises(ValueError):
        kleinberg_states([5], [3])


def corpus() -> list[Document]:
    docs = []
    for year in range(2019, 2025):
        for i in range(10):
            terms = ["battery"]
            if year >= 2022 and i < (year - 2021) * 3:
                terms.append("solid-state")
            if year == 2024 and i < 4:
                terms.append("sodium-ion")
            if year <= 2020 and i < 5:
                terms.append("lead-acid")
            docs.append(Document(f"ach:{year}{i:02d}", "energy", year, terms))
    docs.append(Document("dem:1", "chips", 2024, ["riscv"]))
    return docs


def test_trend_radar_ranks_rising_and_new_terms_with_evidence() -> None:
    topics = trend_radar(corpus(), min_documents=2, recent_years=2, top=None)
    by_term = {t.term: t for t in topics}
    assert "riscv" not in by_term  # below min_documents
    solid, sodium, lead, battery = (by_term[t] for t in ("solid-state", "sodium-ion", "lead-acid", "battery"))
    assert solid.counts == [0, 0, 0, 3, 6, 9] and solid.years == list(range(2019, 2025))
    assert solid.growth > 0 > lead.growth and battery.growth == pytest.approx(0.0)
    assert sodium.is_new and not solid.is_new and not battery.is_new
    assert sodium.volume == 4 and sorted(sodium.evidence) == [f"ach:2024{i:02d}" for i in range(4)]
    assert any(b.end == 2024 for b in solid.bursts)
    assert [t.term for t in topics][:2] == ["solid-state", "sodium-ion"]
    assert topics[-1].term in {"battery", "lead-acid"}
    assert solid.as_dict()["bursts"][0]["end"] == 2024
