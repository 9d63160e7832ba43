"""Build eval/demand-achievement-zh: the corpus, the judging pools and the qrels (see the folder's README).

    python eval/make_demand_achievement_zh.py corpus   # corpus.jsonl from ../shared/data and the sample
    python eval/make_demand_achievement_zh.py pool     # pool.tsv: union of four systems' top-k, shuffled
    python eval/make_demand_achievement_zh.py show --start 0 --count 10   # print pools for judging
    python eval/make_demand_achievement_zh.py qrels    # qrels.tsv from the judgments (judgments/*.txt)
    python eval/make_demand_achievement_zh.py --folder demand-achievement-zh-train pool --hybrid-depth 30
    python eval/make_demand_achievement_zh.py extend --run eval/runs/demand-achievement-zh-hybrid.trec
    python eval/make_demand_achievement_zh.py show --unjudged   # print only the pool entries still to judge

`--folder` names another set over the same corpus (the training set of the second stage,
eval/demand-achievement-zh-train); `--hybrid-depth` pools the hybrid deeper than the other systems, so a
re-ranker of the hybrid's top candidates has every one of them judged.

The queries (queries.jsonl) are written by hand and are not generated. The pool file keeps no record of which
system found which document: each query's pool is the union of the systems' top-k, sorted and then shuffled
with a fixed seed, so the judge sees candidates in an order that says nothing about rank or system.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("KECHUANG_SHARED_DATA", ROOT.parent / "shared" / "data"))
SAMPLE = ROOT / "src" / "kechuang" / "sample" / "achievements.jsonl"
OUT = ROOT / "eval" / "demand-achievement-zh"
SEED = 20261206


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def corpus_rows() -> list[dict]:
    """CSL papers (title; keywords and abstract), ChinaXiv Chinese records (title; abstract), the sample's
    non-confidential achievements (Chinese title; Chinese keywords and abstract). Ids are the sources' own."""
    docs = []
    for row in jsonl(SHARED / "csl" / "csl_2000.jsonl"):
        text = " ".join([*row.get("keywords", []), row.get("abstract", "")]).strip()
        docs.append({"_id": row["id"], "title": row["title"].strip(), "text": text})
    for row in jsonl(SHARED / "chinaxiv-en2zh-dev" / "corpus.jsonl"):
        docs.append({"_id": row["_id"], "title": row["title"].strip(), "text": row["text"].strip()})
    for row in jsonl(SAMPLE):
        if row.get("visibility") == "confidential":
            continue
        text = " ".join([*row.get("keywords_zh", []), row.get("abstract_zh") or ""]).strip()
        docs.append({"_id": row["external_id"], "title": row["title_zh"].strip(), "text": text})
    seen = set()
    for doc in docs:
        if doc["_id"] in seen:
            raise SystemExit(f"duplicate id {doc['_id']}")
        seen.add(doc["_id"])
    return docs


def write_corpus() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    docs = corpus_rows()
    with (OUT / "corpus.jsonl").open("w", encoding="utf-8") as handle:
        for doc in docs:
            handle.write(json.dumps(doc, ensure_ascii=False) + "\n")
    print(f"wrote {len(docs)} documents", file=sys.stderr)


def write_pool(depth: int, embedder: str, hybrid_depth: int) -> None:
    """Union of the top `depth` of bm25s, lexical and dense and the top `hybrid_depth` of the hybrid for every
    query, shuffled per query."""
    sys.path.insert(0, str(ROOT / "eval"))
    from run_sets import bm25s_run, collect, fused_run

    from kechuang.engine.evaluation import read_corpus, read_queries
    from kechuang.engine.hybrid import FusionConfig

    corpus = read_corpus(OUT / "corpus.jsonl")
    queries = read_queries(OUT / "queries.jsonl")
    parts = collect(corpus, queries, embedder, ROOT / "data" / "embeddings")
    runs = [(bm25s_run(corpus, queries), depth)]
    runs += [(fused_run(parts, corpus, FusionConfig(), mode), depth) for mode in ("lexical", "dense")]
    runs += [(fused_run(parts, corpus, FusionConfig(), "hybrid"), max(depth, hybrid_depth))]
    rng = random.Random(SEED)
    lines, sizes = ["query-id\tcorpus-id"], []
    for qid in queries:
        pool = sorted({doc for run, cut in runs for doc, _ in run.get(qid, [])[:cut]})
        rng.shuffle(pool)
        sizes.append(len(pool))
        lines += [f"{qid}\t{doc}" for doc in pool]
    (OUT / "pool.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"pooled {sum(sizes)} pairs, {min(sizes)}-{max(sizes)} per query, depth {depth}", file=sys.stderr)


def extend_pool(run_path: Path, depth: int) -> None:
    """Append to each query's pool the documents of a run's top `depth` that it does not hold yet, shuffled,
    after the earlier entries, so every earlier judgment keeps its position. Prints how many were added."""
    sys.path.insert(0, str(ROOT / "src"))
    from kechuang.engine.evaluation import read_trec_run

    pools = read_pool()
    run = read_trec_run(run_path)
    rng = random.Random(SEED + 1)
    added = 0
    for qid, pool in pools.items():
        new = sorted({doc for doc, _ in run.get(qid, [])[:depth]} - set(pool))
        rng.shuffle(new)
        pool.extend(new)
        added += len(new)
    lines = ["query-id\tcorpus-id"] + [f"{qid}\t{doc}" for qid, pool in pools.items() for doc in pool]
    (OUT / "pool.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"added {added} pairs to the pool", file=sys.stderr)


def show(start: int, count: int, width: int, unjudged: bool = False) -> None:
    """Print pools for judging: the demand, then numbered candidates (title and the start of the text)."""
    docs = {d["_id"]: d for d in jsonl(OUT / "corpus.jsonl")}
    queries = {q["_id"]: q["text"] for q in jsonl(OUT / "queries.jsonl")}
    pools = read_pool()
    judged = set()
    if unjudged and (OUT / "qrels.tsv").exists():
        rows = (OUT / "qrels.tsv").read_text(encoding="utf-8").splitlines()[1:]
        judged = {tuple(row.split("\t")[:2]) for row in rows}
    for qid in list(queries)[start : start + count]:
        todo = [n for n, doc in enumerate(pools[qid]) if not unjudged or (qid, doc) not in judged]
        if not todo:
            continue
        print(f"### {qid} {queries[qid]}")
        for n, doc in enumerate(pools[qid]):
            if n not in todo:
                continue
            d = docs[doc]
            print(f"{n}. {d['title'][:60]} | {d['text'][:width]}")


def read_pool() -> dict[str, list[str]]:
    pools: dict[str, list[str]] = {}
    for line in (OUT / "pool.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        qid, doc = line.split("\t")
        pools.setdefault(qid, []).append(doc)
    return pools


def write_qrels() -> None:
    """judgments/*.txt hold one line per judged query: `query-id n:grade ...`, where n is a document's
    position in the query's pool (as `show` prints it) and grade is 1-3; every other pooled document is
    judged 0. A line with only the query id judges its whole pool 0. Only judged queries get qrels."""
    pools = read_pool()
    grades: dict[str, dict[int, int]] = {}
    for path in sorted((OUT / "judgments").glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            qid, *marks = line.split()
            if qid not in pools:
                raise SystemExit(f"{path.name}: {qid} is not pooled")
            given = {int(n): int(g) for n, g in (mark.split(":") for mark in marks)}
            bad = any(n >= len(pools[qid]) or g not in (1, 2, 3) for n, g in given.items())
            if bad or len(given) < len(marks) or given.keys() & grades.get(qid, {}).keys():
                raise SystemExit(f"{path.name}: {qid} has a bad or repeated mark in {marks}")
            grades.setdefault(qid, {}).update(given)
    lines = ["query-id\tcorpus-id\tscore"]
    for qid, docs in pools.items():
        if qid in grades:
            lines += [f"{qid}\t{doc}\t{grades[qid].get(n, 0)}" for n, doc in enumerate(docs)]
    (OUT / "qrels.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(grades)} judged queries, {len(lines) - 1} pairs", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("step", choices=["corpus", "pool", "extend", "show", "qrels"])
    parser.add_argument("--run", type=Path, help="extend: a TREC run; its unjudged top join the pool")
    parser.add_argument("--unjudged", action="store_true", help="show: only pool entries without a grade yet")
    parser.add_argument("--folder", default="demand-achievement-zh", help="the set's folder under eval/")
    parser.add_argument("--hybrid-depth", type=int, default=10, help="pool depth of the hybrid")
    parser.add_argument("--depth", type=int, default=10, help="pool depth per system")
    parser.add_argument("--embedder", default="use")
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("--width", type=int, default=80)
    args = parser.parse_args()
    global OUT
    OUT = ROOT / "eval" / args.folder
    if args.step == "corpus":
        write_corpus()
    elif args.step == "pool":
        write_pool(args.depth, args.embedder, args.hybrid_depth)
    elif args.step == "extend":
        extend_pool(args.run, args.depth)
    elif args.step == "show":
        show(args.start, args.count, args.width, args.unjudged)
    else:
        write_qrels()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
