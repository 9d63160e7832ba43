"""How close batch results are to the online engine's, per demand: overlap@k and the same first match.

Two online references: the hybrid searcher's ranking (what the batch job reproduces: same tokens,
statistics, vectors and fusion, then the same later stages, `hybrid.after_fusion`: the learned second
stage and field agreement; Tantivy scores in float32 where the batch job sums in float64), and
`match_demand`'s page, which also drops candidates below the relevance floor and re-ranks by the
compatibility features (TRL, region, budget, track record).
Both are asked as an anonymous visitor, so they see the public achievements the batch job ranks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kechuang.domain.access import ANONYMOUS
from kechuang.domain.enums import Visibility
from kechuang.engine.lexical import PUBLIC_ONLY
from kechuang.store.db import UnitOfWork, load_by_id

from ..match_index import MatchIndexes
from ..matching import match_demand, record_query_text
from .match import DEMANDS


@dataclass
class Agreement:
    demands: int
    overlap: float  # mean |batch top-k ∩ online top-k| / k
    same_first: float  # share of demands whose first match is the same


def _agreement(pairs: Sequence[tuple[list[int], list[int]]], k: int) -> Agreement:
    if not pairs:
        return Agreement(0, 0.0, 0.0)
    overlap = sum(len(set(a[:k]) & set(b[:k])) / k for a, b in pairs) / len(pairs)
    first = sum(bool(a) and bool(b) and a[0] == b[0] for a, b in pairs) / len(pairs)
    return Agreement(len(pairs), overlap, first)


def compare_online(
    results: Sequence[tuple[int, list[tuple[int, float]]]],
    uow: UnitOfWork,
    indexes: MatchIndexes,
    k: int = 10,
) -> dict[str, Agreement]:
    """Agreement of batch results with the online searcher and with `match_demand`, over public demands."""
    demands = load_by_id(uow, DEMANDS, [d for d, _ in results])
    online = indexes.get("achievement", uow).searcher
    engine: list[tuple[list[int], list[int]]] = []
    page: list[tuple[list[int], list[int]]] = []
    for demand_id, matches in results:
        demand: Any = demands.get(demand_id)
        if demand is None or demand.visibility != Visibility.PUBLIC:
            continue
        batch = [a for a, _ in matches]
        hits = online.search(record_query_text(demand), k, PUBLIC_ONLY)
        engine.append((batch, [h.id for h in hits]))
        shown = match_demand(ANONYMOUS, demand_id, uow, indexes, limit=k)
        page.append((batch, [m.id for m in shown]))
    return {"searcher": _agreement(engine, k), "match_demand": _agreement(page, k)}
