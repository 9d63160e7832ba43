"""Where batch results go: a JSON Lines file and Parquet in the output folder, and the database."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select

from kechuang.domain.access import Actor, can_see
from kechuang.domain.entities import Achievement, Demand, Organization
from kechuang.domain.enums import ListingStatus
from kechuang.store.batch_tables import batch_adopters, batch_matches
from kechuang.store.db import UnitOfWork, load_by_id

INSERT_CHUNK = 10_000
Results = Sequence[tuple[int, list[tuple[int, float]]]]


@dataclass(frozen=True)
class Direction:
    """One direction of `batch match`: its file name, and the id keys of the query and of its matches."""

    name: str
    query_key: str
    match_key: str


MATCHES = Direction("matches", "demand_id", "achievement_id")
ADOPTERS = Direction("adopters", "achievement_id", "demand_id")


def write_matches(out: Path, results: Results, computed_at: datetime, direction: Direction = MATCHES) -> None:
    """`name`.jsonl (one line per query record, by id, matches in rank order) and `name`.parquet: for
    matches `{"demand_id", "matches": [{"achievement_id", "score"}]}`, for adopters the other way round."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    query, match = direction.query_key, direction.match_key
    with (out / f"{direction.name}.jsonl").open("w", encoding="utf-8") as lines:
        for query_id, matches in results:
            row = {query: query_id, "matches": [{match: a, "score": s} for a, s in matches]}
            lines.write(json.dumps(row) + "\n")
    flat = [(d, rank, a, s) for d, matches in results for rank, (a, s) in enumerate(matches, 1)]
    table = pa.table(
        {
            query: pa.array([r[0] for r in flat], pa.int64()),
            "rank": pa.array([r[1] for r in flat], pa.int32()),
            match: pa.array([r[2] for r in flat], pa.int64()),
            "score": pa.array([r[3] for r in flat], pa.float64()),
            "computed_at": pa.array([computed_at] * len(flat), pa.timestamp("s")),
        }
    )
    pq.write_table(table, out / f"{direction.name}.parquet")


def store_matches(
    uow: UnitOfWork, results: Results, computed_at: datetime, *, adopters: Results | None = None
) -> int:
    """Replace the stored matches (and, when given, the stored adopters) with these in one transaction;
    returns the rows written."""
    written = 0
    with uow() as session:
        for table, direction, found in (
            (batch_matches, MATCHES, results),
            (batch_adopters, ADOPTERS, adopters),
        ):
            if found is None:
                continue
            rows = [
                {
                    direction.query_key: q,
                    "rank": rank,
                    direction.match_key: m,
                    "score": s,
                    "computed_at": computed_at,
                }
                for q, matches in found
                for rank, (m, s) in enumerate(matches, 1)
            ]
            session.execute(delete(table))
            for start in range(0, len(rows), INSERT_CHUNK):
                session.execute(insert(table), rows[start : start + INSERT_CHUNK])
            written += len(rows)
    return written


def stored_matches(uow: UnitOfWork, demand_id: int) -> list[dict[str, Any]]:
    """The stored batch matches of one demand in rank order (achievement id, score, computed_at)."""
    with uow() as session:
        found = session.execute(
            select(batch_matches.c.achievement_id, batch_matches.c.score, batch_matches.c.computed_at)
            .where(batch_matches.c.demand_id == demand_id)
            .order_by(batch_matches.c.rank)
        )
        return [{"achievement_id": a, "score": s, "computed_at": c} for a, s, c in found]


def write_records(out: Path, name: str, rows: Sequence[dict[str, Any]]) -> None:
    """`name`.jsonl and `name`.parquet of plain rows (all with the same keys)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out.mkdir(parents=True, exist_ok=True)
    with (out / f"{name}.jsonl").open("w", encoding="utf-8") as lines:
        lines.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    pq.write_table(pa.Table.from_pylist(list(rows)), out / f"{name}.parquet")


@dataclass
class BatchMatches:
    """A demand's stored batch matches that the viewer may see, with when they were computed."""

    computed_at: datetime
    items: list[tuple[Any, float]]  # (achievement, score) in rank order


def visible_batch_matches(actor: Actor, demand_id: int, uow: UnitOfWork) -> BatchMatches | None:
    """The demand's batch matches for its page (None: none stored); hidden or merged achievements are left
    out even though the job ranks public achievements only (one may have been made confidential since)."""
    stored = stored_matches(uow, demand_id)
    if not stored:
        return None
    found = load_by_id(uow, Achievement, [row["achievement_id"] for row in stored])
    items = []
    for row in stored:
        item = found.get(row["achievement_id"])
        if (
            item is not None
            and item.merged_into_id is None
            and can_see(actor, item.visibility, item.owner_org_id)
        ):
            items.append((item, float(row["score"])))
    return BatchMatches(stored[0]["computed_at"], items)


@dataclass
class BatchAdopters:
    """An achievement's stored likely adopters that the viewer may see: (demand, organization, score)."""

    computed_at: datetime
    items: list[tuple[Any, Any, float]]


def visible_batch_adopters(actor: Actor, achievement_id: int, uow: UnitOfWork) -> BatchAdopters | None:
    """The achievement's batch adopters for its page (None: none stored); a demand or organization hidden
    from the viewer since the run is left out, as is a merged or no longer open demand."""
    with uow() as session:
        stored = list(
            session.execute(
                select(batch_adopters.c.demand_id, batch_adopters.c.score, batch_adopters.c.computed_at)
                .where(batch_adopters.c.achievement_id == achievement_id)
                .order_by(batch_adopters.c.rank)
            )
        )
    if not stored:
        return None
    demands = load_by_id(uow, Demand, [row[0] for row in stored])
    orgs = load_by_id(uow, Organization, [d.owner_org_id for d in demands.values() if d.owner_org_id])
    items = []
    for demand_id, score, _ in stored:
        demand = demands.get(demand_id)
        org = orgs.get(demand.owner_org_id) if demand is not None and demand.owner_org_id else None
        if (
            demand is not None
            and org is not None
            and demand.merged_into_id is None
            and demand.status == ListingStatus.OPEN
            and can_see(actor, demand.visibility, demand.owner_org_id)
            and can_see(actor, org.visibility, org.owner_org_id)
        ):
            items.append((demand, org, float(score)))
    return BatchAdopters(stored[0][2], items)
