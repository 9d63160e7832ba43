"""Technology trend radar (技术趋势研判): which terms of a field grow, burst or newly emerge, with evidence.

Input is plain documents (a record id, a field, a year and its terms — the caller tokenises with the
project's tokenisers, so this stays free of services). For each field and term: the document count per
year (the growth curve), a growth rate (least-squares slope of the term's yearly share of the field's
documents, relative to its mean share), Kleinberg bursts over the yearly batches, and whether the term
is new (first seen in the field within the recent years). Every topic keeps the ids of its documents.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Burst", "Document", "Topic", "kleinberg_bursts", "kleinberg_states", "trend_radar"]


@dataclass(frozen=True)
class Document:
    """One dated record (achievement, demand, contract, project) and the terms it carries."""

    record_id: str
    field: str
    year: int
    terms: Sequence[str]


@dataclass(frozen=True)
class Burst:
    """A run of periods in the burst state, with Kleinberg's weight (cost saved by bursting)."""

    start: int
    end: int
    weight: float


@dataclass
class Topic:
    """A term of a field with its growth curve, growth, bursts, novelty and evidence."""

    field: str
    term: str
    years: list[int]
    counts: list[int]
    volume: int
    growth: float
    bursts: list[Burst]
    is_new: bool
    first_year: int
    score: float
    evidence: list[str] = dataclasses.field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """Plain fields for JSON and spreadsheets."""
        data = dict(self.__dict__)
        data["bursts"] = [burst.__dict__ for burst in self.bursts]
        return data


def _log_binomial_cost(r: int, d: int, p: float) -> float:
    """−ln P(r of d relevant | rate p): Kleinberg's σ for batched arrivals."""
    p = min(max(p, 1e-12), 1 - 1e-12)
    return -(
        math.lgamma(d + 1)
        - math.lgamma(r + 1)
        - math.lgamma(d - r + 1)
        + r * math.log(p)
        + (d - r) * math.log(1 - p)
    )


def kleinberg_states(
    relevant: Sequence[int], totals: Sequence[int], *, s: float = 2.0, gamma: float = 1.0
) -> list[int]:
    """Kleinberg's (2002) two-state burst automaton on batches: state 1 means the term's rate is `s`
    times its base rate. Viterbi over costs σ(state, r_t, d_t) and a move-up cost γ·ln(n)."""
    if len(relevant) != len(totals):
        raise ValueError("relevant and totals must have the same length")
    n = len(relevant)
    if n == 0 or sum(totals) == 0:
        return [0] * n
    if any(r < 0 or r > d for r, d in zip(relevant, totals, strict=True)):
        raise ValueError("each batch needs 0 <= relevant <= total")
    base = sum(relevant) / sum(totals)
    rates = (base, min(base * s, 0.9999))
    up = gamma * math.log(n)
    cost = np.array(
        [
            _log_binomial_cost(relevant[0], totals[0], rates[0]),
            _log_binomial_cost(relevant[0], totals[0], rates[1]) + up,
        ]
    )
    back = np.zeros((n, 2), dtype=np.int64)
    for t in range(1, n):
        here = [_log_binomial_cost(relevant[t], totals[t], rate) for rate in rates]
        stay_low = min(cost[0], cost[1])  # moving down is free
        back[t, 0] = 0 if cost[0] <= cost[1] else 1
        from_low, from_high = cost[0] + up, cost[1]
        back[t, 1] = 1 if from_high <= from_low else 0
        cost = np.array([stay_low + here[0], min(from_low, from_high) + here[1]])
    state = int(np.argmin(cost))
    states = [state]
    for t in range(n - 1, 0, -1):
        state = int(back[t, state])
        states.append(state)
    return states[::-1]


def kleinberg_bursts(
    relevant: Sequence[int], totals: Sequence[int], *, s: float = 2.0, gamma: float = 1.0
) -> list[Burst]:
    """The bursts (index ranges in the batch sequence) found by `kleinberg_states`."""
    states = kleinberg_states(relevant, totals, s=s, gamma=gamma)
    if not states:
        return []
    base = sum(relevant) / sum(totals)
    rates = (base, min(base * s, 0.9999))
    bursts, start = [], None
    for t, state in enumerate([*states, 0]):
        if state == 1 and start is None:
            start = t
        elif state == 0 and start is not None:
            weight = sum(
                _log_binomial_cost(relevant[i], totals[i], rates[0])
                - _log_binomial_cost(relevant[i], totals[i], rates[1])
                for i in range(start, t)
            )
            bursts.append(Burst(start=start, end=t - 1, weight=weight))
            start = None
    return bursts


def _relative_slope(shares: np.ndarray) -> float:
    """Least-squares slope of the yearly share divided by its mean: growth per year, 0.1 = 10 %."""
    mean = float(shares.mean())
    if len(shares) < 2 or mean == 0:
        return 0.0
    x = np.arange(len(shares), dtype=float)
    slope = float(np.polyfit(x, shares, 1)[0])
    return slope / mean


def trend_radar(
    documents: Iterable[Document],
    *,
    min_documents: int = 2,
    recent_years: int = 2,
    s: float = 2.0,
    gamma: float = 1.0,
    top: int | None = 20,
    evidence_limit: int = 50,
) -> list[Topic]:
    """Emerging topics per field, best first within each field (score = growth × ln(1 + volume),
    plus burst weight in the recent years, plus a bonus when new)."""
    docs_per_field_year: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    hits: dict[tuple[str, str], dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for doc in documents:
        docs_per_field_year[doc.field][doc.year] += 1
        for term in dict.fromkeys(t for t in doc.terms if t):
            hits[(doc.field, term)][doc.year].append(doc.record_id)
    topics: dict[str, list[Topic]] = defaultdict(list)
    for (field_name, term), by_year in hits.items():
        volume = sum(len(ids) for ids in by_year.values())
        if volume < min_documents:
            continue
        per_year = docs_per_field_year[field_name]
        years = list(range(min(per_year), max(per_year) + 1))
        counts = [len(by_year.get(year, [])) for year in years]
        totals = [per_year.get(year, 0) for year in years]
        shares = np.array([c / d if d else 0.0 for c, d in zip(counts, totals, strict=True)])
        growth = _relative_slope(shares)
        bursts = [
            Burst(years[b.start], years[b.end], b.weight)
            for b in kleinberg_bursts(counts, totals, s=s, gamma=gamma)
        ]
        first_year = min(by_year)
        recent_from = years[-1] - recent_years + 1
        is_new = first_year >= recent_from and first_year > years[0]
        recent_burst = sum(b.weight for b in bursts if b.end >= recent_from)
        score = max(growth, 0.0) * math.log1p(volume) + recent_burst + (1.0 if is_new else 0.0)
        evidence = [rid for year in sorted(by_year, reverse=True) for rid in sorted(by_year[year])]
        topics[field_name].append(
            Topic(
                field=field_name,
                term=term,
                years=years,
                counts=counts,
                volume=volume,
                growth=growth,
                bursts=bursts,
                is_new=is_new,
                first_year=first_year,
                score=score,
                evidence=evidence[:evidence_limit],
            )
        )
    ranked: list[Topic] = []
    for field_name in sorted(topics):
        best = sorted(topics[field_name], key=lambda topic: (-topic.score, -topic.volume, topic.term))
        ranked.extend(best[:top] if top else best)
    return ranked
