"""Score expert matching on the judged demand→expert set (eval/sample-demand-expert): the current method
against the one it replaced, in the same run, on a fresh database holding the built-in sample.

    python eval/demand_expert.py                 # USE embedder (the product's default)
    python eval/demand_expert.py --embedder hashing

Methods, over the same engine hits:
- current: `match_demand(kind="expert")`: the best evidence's text relevance (0–1) with a small tie-break
  by the second best, funded projects on the achievement search's scale, nothing below the relevance
  floor, never the demand owner's own people;
- legacy: the method before 2026-12-06: the best evidence's match score (text plus structured fit), projects
  on their own index's scale, plus 0.05·log1p(count − 1) for the amount of evidence, everyone shown;
- legacy-excluding-own: legacy without the owner's own people (to separate the scoring from that rule).
The run is appended to eval/log.md with --log.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "eval" / "sample-demand-expert"
MEMBER_NAME = "member"


def legacy_experts(
    actor: Any, demand: Any, uow: Any, indexes: Any, limit: int = 10
) -> list[tuple[int, float]]:
    """The expert ranking as it was before relevance-based scores (kept here for comparison only)."""
    from kechuang.domain.entities import Achievement, Authorship, Person, Project
    from kechuang.engine.features import compatibility, text_reason
    from kechuang.services.matching import (
        DEPTH,
        PROJECT_WEIGHT,
        access_filter,
        achievement_offer,
        demand_need,
        live_and_visible,
        record_query_text,
        track_records,
    )
    from kechuang.store.db import load_by_id

    index = indexes.get("achievement", uow)
    hits = index.searcher.search(record_query_text(demand), DEPTH, access_filter(actor))
    achievements = load_by_id(uow, Achievement, [h.id for h in hits])
    track = track_records(uow, {a.owner_org_id for a in achievements.values() if a.owner_org_id})
    scores: dict[int, float] = {}
    for hit in hits:
        item = achievements.get(hit.id)
        if not live_and_visible(item, actor):
            continue
        reasons = [
            text_reason(hit.score, []),
            *compatibility(demand_need(demand), achievement_offer(item, track), hit.score),
        ]
        scores[item.id] = sum(r.contribution for r in reasons)
    project_hits = indexes.get("project", uow).searcher.search(
        record_query_text(demand), DEPTH, access_filter(actor)
    )
    projects = load_by_id(uow, Project, [h.id for h in project_hits])
    evidence: dict[int, list[float]] = defaultdict(list)
    people: Any = Person
    authorships: Any = Authorship
    with uow() as session:
        for person, achievement in session.execute(
            select(authorships.person_id, authorships.achievement_id).where(
                authorships.achievement_id.in_(list(scores))
            )
        ):
            evidence[person].append(scores[achievement])
        for hit in project_hits:
            project = projects.get(hit.id)
            if live_and_visible(project, actor) and project.pi_person_id is not None:
                evidence[project.pi_person_id].append(PROJECT_WEIGHT * hit.score)
        visible = {p.id: p for p in session.scalars(select(people).where(people.id.in_(list(evidence))))}
    ranked = [
        (person, max(values) + 0.05 * math.log1p(len(values) - 1))
        for person, values in evidence.items()
        if live_and_visible(visible.get(person), actor)
    ]
    ranked.sort(key=lambda pair: (-pair[1], pair[0]))
    return ranked[:limit]


def measure(uow: Any, indexes: Any) -> dict[str, dict[str, float]]:
    """nDCG@10 (and the share of scores above 1) of each method over the judged demands."""
    from kechuang.domain.access import Actor, can_see
    from kechuang.domain.entities import Demand, Person
    from kechuang.engine.evaluation import ndcg_at, read_pairs
    from kechuang.services.matching import _own_people, match_demand

    qrels = read_pairs(FOLDER / "qrels.tsv")
    actor = Actor(
        name=MEMBER_NAME, authenticated=True
    )  # a member of no organization: sees the public sample
    with uow() as session:
        demands = {d.external_id: d for d in session.scalars(select(Demand))}
        external = dict(session.execute(select(Person.id, Person.external_id)).all())  # type: ignore[call-overload]
    runs: dict[str, list[float]] = defaultdict(list)
    over: dict[str, int] = defaultdict(int)
    for qid, judged in qrels.items():
        demand = demands[qid]
        if not can_see(actor, demand.visibility, demand.owner_org_id):
            continue  # a confidential demand: only its owner matches it
        current = [
            (m.id, m.score) for m in match_demand(actor, demand.id, uow, indexes, kind="expert", limit=10)
        ]
        legacy = legacy_experts(actor, demand, uow, indexes, limit=40)
        own = _own_people(uow, demand.owner_org_id)
        for name, ranked in (
            ("current", current),
            ("legacy", legacy[:10]),
            ("legacy-excluding-own", [p for p in legacy if p[0] not in own][:10]),
        ):
            runs[name].append(ndcg_at([external[i] for i, _ in ranked], judged))
            over[name] += sum(1 for _, score in ranked if score > 1)
    return {
        name: {
            "ndcg@10": sum(values) / len(values),
            "scores>1": float(over[name]),
            "queries": float(len(values)),
        }
        for name, values in runs.items()
    }


def sample_database(folder: Path) -> Any:
    from kechuang.services.sample import load_sample
    from kechuang.store.db import UnitOfWork, make_engine
    from kechuang.store.schema import upgrade_database

    engine = make_engine(f"sqlite:///{folder / 'sample.db'}")
    upgrade_database(engine)
    uow = UnitOfWork(engine)
    load_sample(uow)
    return uow


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--embedder", default="use")
    parser.add_argument("--log", action="store_true", help="append the table to eval/log.md")
    args = parser.parse_args()
    from kechuang.services.match_index import MatchIndexes

    started = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        uow = sample_database(Path(folder))
        scores = measure(uow, MatchIndexes(Path(folder) / "index", args.embedder))
    lines = [
        f"`python eval/demand_expert.py --embedder {args.embedder}` — "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{time.monotonic() - started:.0f} s, {int(scores['current']['queries'])} judged demands",
        "",
        "| method | nDCG@10 | expert scores above 1 in the top 10s |",
        "|---|---:|---:|",
        *(f"| {name} | {s['ndcg@10']:.4f} | {int(s['scores>1'])} |" for name, s in scores.items()),
    ]
    print("\n".join(lines))
    if args.log:
        with (ROOT / "eval" / "log.md").open("a", encoding="utf-8") as log:
            log.write("\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
