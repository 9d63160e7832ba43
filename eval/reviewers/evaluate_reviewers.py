"""Reviewer suggestion quality on real grants: nDCG@10 of the product's expert ranking against bm25s.

    python eval/reviewers/evaluate_reviewers.py                  # lexical engine (embedder none)
    python eval/reviewers/evaluate_reviewers.py --embedder use   # the product's hybrid engine

The judged set (see README.md) comes from ../shared/data/nsfc_2017 (NSFC management-science grants):
for 100 principal investigators with three grants or more, one grant is held out and its title is the
"call"; the relevant reviewer is the investigator who wrote it (known-item expert finding), and every
investigator's expertise is their other grants. `qrels.tsv` (committed: ids only, no text) is checked
against the selection this script makes, so the set cannot drift silently.

Systems, in the same run:
- bm25s: each investigator as one profile document (the titles of their grants), ranked by bm25s (rjieba
  tokens, k1 1.5, b 0.75): the plain baseline of eval/run_sets.py.
- kechuang: the real service path. The grants are loaded into a fresh SQLite database as funded projects
  (host institution, principal investigator), the matching indexes are built from it, and each held-out
  title is read as a call by `services.calls.reviewers.rank_experts` (the engine's expert aggregation).
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SHARED = Path(os.environ.get("KECHUANG_SHARED_DATA", ROOT.parent / "shared" / "data"))
GRANTS = Path("nsfc_2017") / "nsfc_management_sciences_2017.csv"
QRELS = HERE / "qrels.tsv"
QUERIES = 100
SEED = 2017
MIN_GRANTS = 3


@dataclass(frozen=True)
class Grant:
    number: str
    kind: str
    title: str
    host: str
    pi: str
    amount: float | None
    start: date | None


@dataclass
class JudgedSet:
    grants: list[Grant]
    investigators: dict[str, list[Grant]]  # investigator id -> every grant (held-out ones included)
    queries: dict[str, str]  # held-out grant number -> its title
    qrels: dict[str, dict[str, int]]  # grant number -> {investigator id: 1}
    held_out: set[str]


def read_grants(path: Path) -> list[Grant]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    grants = []
    for row in rows:
        number, title, pi, host = (
            row["项目批准号"].strip(),
            row["项目名称"].strip(),
            row["负责人"].strip(),
            row["依托单位"].strip(),
        )
        if not (number and title and pi and host):
            continue
        period = row.get("起止年月", "")
        try:
            start = date(int(period[:4]), int(period[5:7]), 1)
        except ValueError:
            start = None
        try:
            amount = float(row["金额"])
        except ValueError:
            amount = None
        grants.append(Grant(number, row["项目类别"], title, host, pi, amount, start))
    return grants


def investigator_id(grants: list[Grant]) -> str:
    """An investigator is a name at a host institution, named by their first grant's number (no text)."""
    return "pi-" + min(g.number for g in grants)


def judged_set(grants: list[Grant], *, size: int = QUERIES, seed: int = SEED) -> JudgedSet:
    by_person: dict[tuple[str, str], list[Grant]] = defaultdict(list)
    for grant in grants:
        by_person[(grant.pi, grant.host)].append(grant)
    investigators = {investigator_id(items): items for items in by_person.values()}
    eligible = sorted(pid for pid, items in investigators.items() if len(items) >= MIN_GRANTS)
    chosen = random.Random(seed).sample(eligible, size)
    queries, qrels, held_out = {}, {}, set()
    for pid in sorted(chosen):
        latest = max(investigators[pid], key=lambda g: (g.start or date.min, g.number))
        queries[latest.number] = latest.title
        qrels[latest.number] = {pid: 1}
        held_out.add(latest.number)
    return JudgedSet(grants, investigators, queries, qrels, held_out)


def write_qrels(judged: JudgedSet, path: Path) -> None:
    lines = ["query-id\tcorpus-id\tscore"] + [
        f"{qid}\t{pid}\t{score}" for qid, docs in sorted(judged.qrels.items()) for pid, score in docs.items()
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def bm25s_run(judged: JudgedSet) -> dict[str, list[tuple[str, float]]]:
    sys.path.insert(0, str(ROOT / "eval"))
    import bm25s
    from run_sets import rjieba_tokens

    ids = sorted(judged.investigators)
    profiles = [
        " ".join(g.title for g in judged.investigators[pid] if g.number not in judged.held_out) for pid in ids
    ]
    retriever = bm25s.BM25(k1=1.5, b=0.75)
    retriever.index([rjieba_tokens(text) for text in profiles], show_progress=False)
    run = {}
    for qid, text in judged.queries.items():
        tokens = [t for t in rjieba_tokens(text) if t in retriever.vocab_dict]
        if not tokens:
            run[qid] = []
            continue
        docs, scores = retriever.retrieve([tokens], k=100, show_progress=False)
        run[qid] = [(ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]
    return run


def kechuang_run(judged: JudgedSet, folder: Path, embedder: str) -> dict[str, list[tuple[str, float]]]:
    """Load the grants as projects, build the matching indexes, rank experts for each held-out title."""
    from kechuang.domain.access import Actor
    from kechuang.domain.calls import Call
    from kechuang.domain.entities import Organization, Person, Project
    from kechuang.services.calls.reviewers import rank_experts
    from kechuang.services.match_index import MatchIndexes
    from kechuang.store.db import UnitOfWork, make_engine
    from kechuang.store.schema import upgrade_database

    engine = make_engine(f"sqlite:///{folder / 'reviewers.db'}")
    upgrade_database(engine)
    uow = UnitOfWork(engine)
    person_of: dict[int, str] = {}
    with uow() as session:
        hosts = {
            name: Organization(external_id=f"nsfc-org-{i}", name_zh=name)
            for i, name in enumerate(sorted({g.host for g in judged.grants}))
        }
        session.add_all(hosts.values())
        session.flush()
        for pid, items in sorted(judged.investigators.items()):
            person = Person(external_id=pid, name_zh=items[0].pi, organization_id=hosts[items[0].host].id)
            session.add(person)
            session.flush()
            person_of[person.id] = pid
            session.add_all(
                Project(
                    external_id=g.number,
                    title_zh=g.title,
                    funder="NSFC",
                    program=g.kind,
                    host_org_id=hosts[g.host].id,
                    pi_person_id=person.id,
                    amount=g.amount,
                    start_date=g.start,
                )
                for g in items
                if g.number not in judged.held_out
            )
    indexes = MatchIndexes(folder / "indexes", embedder)
    indexes.sync_all(uow)
    actor = Actor.system("eval")
    run = {}
    for qid, title in judged.queries.items():
        found = rank_experts(actor, Call(title_zh=title), uow, indexes, 100)
        run[qid] = [(person_of[m.id], m.score) for m in found if m.id in person_of]
    return run


def main(argv: list[str] | None = None) -> int:
    from kechuang.engine.evaluation import read_pairs, score_run

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedder", default="none", help="none (lexical only) or use (the product default)")
    parser.add_argument("--write-qrels", action="store_true", help="(re)write qrels.tsv from the selection")
    args = parser.parse_args(argv)
    judged = judged_set(read_grants(SHARED / GRANTS))
    if args.write_qrels:
        write_qrels(judged, QRELS)
    if read_pairs(QRELS) != judged.qrels:
        raise SystemExit(
            "qrels.tsv does not match this script's selection; rerun with --write-qrels on purpose"
        )
    started = time.perf_counter()
    scores = {"bm25s": score_run(bm25s_run(judged), judged.qrels)}
    with tempfile.TemporaryDirectory() as folder:
        scores[f"kechuang ({args.embedder})"] = score_run(
            kechuang_run(judged, Path(folder), args.embedder), judged.qrels
        )
    seconds = time.perf_counter() - started
    lines = ["| system | nDCG@10 | MRR@10 | Recall@100 |", "|---|---:|---:|---:|"]
    for system, s in scores.items():
        lines.append(f"| {system} | {s['ndcg@10']:.4f} | {s['mrr@10']:.4f} | {s['recall@100']:.4f} |")
    table = "\n".join(lines)
    print(table)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    with (ROOT / "eval" / "log.md").open("a", encoding="utf-8") as log:
        log.write(
            f"\n## {stamp}\n\n`python eval/reviewers/evaluate_reviewers.py --embedder {args.embedder}` — "
            f"reviewer suggestions, NSFC known-item set ({len(judged.queries)} held-out grants, "
            f"{len(judged.investigators)} investigators), {platform.machine()} {os.cpu_count()} CPUs, "
            f"{seconds:.0f} s\n\n{table}\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
