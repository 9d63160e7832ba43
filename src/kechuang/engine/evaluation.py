"""Standard evaluation formats (BEIR folders, TREC runs and qrels) and the metrics we publish.

nDCG@10 uses graded gains 2^rel - 1 and the ideal ordering of all judged documents; MRR@10 counts the
first relevant document in the top 10; Recall@100 is the share of relevant documents in the top 100.
Queries without a run score 0, so a system cannot gain by skipping hard queries.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

Run = dict[str, list[tuple[str, float]]]  # query id -> ranked (doc id, score), best first
Qrels = dict[str, dict[str, int]]  # query id -> doc id -> graded relevance


@dataclass(frozen=True)
class BeirDoc:
    id: str
    title: str
    text: str


def read_jsonl(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def read_corpus(path: Path) -> list[BeirDoc]:
    """A BEIR corpus.jsonl: `_id`, `title`, `text`."""
    return [BeirDoc(str(d["_id"]), d.get("title") or "", d.get("text") or "") for d in read_jsonl(path)]


def read_queries(path: Path) -> dict[str, str]:
    """A BEIR queries.jsonl: `_id`, `text`."""
    return {str(q["_id"]): q.get("text") or "" for q in read_jsonl(path)}


def read_pairs(path: Path) -> dict[str, dict[str, int]]:
    """A TSV with a header `query-id  corpus-id [score]` (qrels or candidates), grouped by query."""
    grouped: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t")
        header = next(reader, None)
        if header is None or header[:2] != ["query-id", "corpus-id"]:
            raise ValueError(
                f"{path.name}: the first line must be the header 'query-id<TAB>corpus-id[<TAB>score]'"
            )
        for number, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) < 2:
                raise ValueError(f"{path.name}:{number}: expected at least two tab-separated columns")
            score = int(float(row[2])) if len(row) > 2 and row[2] else 1
            grouped.setdefault(row[0], {})[row[1]] = score
    return grouped


def write_trec_run(run: Run, path: Path, tag: str) -> None:
    """Write `qid Q0 docid rank score tag` lines, ranks from 1."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for qid, ranked in run.items():
            for rank, (doc_id, score) in enumerate(ranked, start=1):
                handle.write(f"{qid} Q0 {doc_id} {rank} {score:.6f} {tag}\n")


def read_trec_run(path: Path) -> Run:
    """Read a TREC run, ordering each query's documents by score (ties by the file's rank)."""
    rows: dict[str, list[tuple[float, int, str]]] = {}
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) < 6:
                raise ValueError(f"{path.name}:{number}: expected 'qid Q0 docid rank score tag'")
            rows.setdefault(parts[0], []).append((-float(parts[4]), int(parts[3]), parts[2]))
    return {qid: [(doc, -neg) for neg, _, doc in sorted(items)] for qid, items in rows.items()}


def ndcg_at(ranked: list[str], judged: Mapping[str, int], k: int = 10) -> float:
    gains = [2 ** judged.get(doc, 0) - 1 for doc in ranked[:k]]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sorted((2**r - 1 for r in judged.values() if r > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def mrr_at(ranked: list[str], judged: Mapping[str, int], k: int = 10) -> float:
    for i, doc in enumerate(ranked[:k]):
        if judged.get(doc, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


def recall_at(ranked: list[str], judged: Mapping[str, int], k: int = 100) -> float:
    relevant = {doc for doc, rel in judged.items() if rel > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def score_run(run: Run, qrels: Qrels) -> dict[str, float]:
    """Mean nDCG@10, MRR@10 and Recall@100 over the judged queries with at least one relevant document."""
    judged = {qid: docs for qid, docs in qrels.items() if any(r > 0 for r in docs.values())}
    totals = {"ndcg@10": 0.0, "mrr@10": 0.0, "recall@100": 0.0}
    for qid, docs in judged.items():
        ranked = [doc for doc, _ in run.get(qid, [])]
        totals["ndcg@10"] += ndcg_at(ranked, docs)
        totals["mrr@10"] += mrr_at(ranked, docs)
        totals["recall@100"] += recall_at(ranked, docs)
    count = max(len(judged), 1)
    return {name: value / count for name, value in totals.items()} | {"queries": float(len(judged))}


def per_query(run: Run, qrels: Qrels, metric: str = "ndcg@10") -> dict[str, float]:
    """One metric per judged query, for paired comparisons between systems."""
    fn = {"ndcg@10": ndcg_at, "mrr@10": mrr_at, "recall@100": recall_at}[metric]
    return {qid: fn([d for d, _ in run.get(qid, [])], docs) for qid, docs in qrels.items()}


def top_k(items: Iterable[tuple[str, float]], k: int) -> list[tuple[str, float]]:
    return sorted(items, key=lambda pair: -pair[1])[:k]
