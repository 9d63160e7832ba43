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
from kechuang.domain.entities import Achievement
from kechuang.store.batch_tables import batch_matches
from kechuang.store.db import UnitOfWork, load_by_id

INSERT_CHUNK = 10_000


def write_matches(
    out: Path, results: Sequence[tuple[int, list[tuple[int, float]]]], computed_at: datetime
) -> None:
    """matches.jsonl (one line per demand, by demand id, matches in rank order) and matches.parquet."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    with (out / "matches.jsonl").open("w", encoding="utf-8") as lines:
        for demand_id, matches in results:
            row = {"demand_id": demand_id, "matches": [{"achievement_id": a, "score": s} for a, s in matches]}
            lines.write(json.dumps(row) + "\n")
    flat = [(d, rank, a, s) for d, matches in results for rank, (a, s) in enumerate(matches, 1)]
    table = pa.table(
        {
            "demand_id": pa.array([r[0] for r in flat], pa.int64()),
            "rank": pa.array([r[1] for r in flat], pa.int32()),
            "achievement_id": pa.array([r[2] for r in flat], pa.int64()),
            "score": pa.array([r[3] for r in flat], pa.float64()),
            "computed_at": pa.array([computed_at] * len(flat), pa.timestamp("s")),
        }
    )
    pq.write_table(table, out / "matches.parquet")


def store_matches(
    uow: UnitOfWork, results: Sequence[tuple[int, list[tuple[int, float]]]], computed_at: datetime
) -> int:
    """Replace the stored matches with these in one transaction; returns the rows written."""
    rows = [
        {"demand_id": d, "rank": rank, "achievement_id": a, "score": s, "computed_at": computed_at}
        for d, matches in results
        for rank, (a, s) in enumerate(matches, 1)
    ]
    with uow() as session:
        session.execute(delete(batch_matches))
        for start in range(0, len(rows), INSERT_CHUNK):
            session.execute(insert(batch_matches), rows[start : start + INSERT_CHUNK])
    return len(rows)


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
