"""What the second stage for queries in another language (`engine.crossing`) adds to a search, per query: the
product's searcher with and without it, side by side in one process.

The corpus is `chinaxiv-en2zh-dev` of ../shared/data (Chinese preprints; their English abstracts are the
queries), indexed `--copies` times so that the lists are longer; the tests' `hashing` embedder stands in for
USE (the stage's cost does not depend on the vectors' quality, only on reading and scoring 30 candidates).
Each query is searched `--runs` times in each form, alternating which goes first; the medians and 99th
percentiles over all queries and runs are printed with their ratio and the peak memory.

    python bench/bench_crossing.py [--queries 300] [--runs 5] [--copies 4]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import time
from pathlib import Path

from kechuang.engine.crossing import packaged_model
from kechuang.engine.dense import make_embedder
from kechuang.engine.hybrid import DocTable, HybridSearcher
from kechuang.engine.lexical import IndexedDoc, LexicalIndex
from kechuang.engine.vectors import VectorIndex
from kechuang.text import Analyzer

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("KECHUANG_SHARED_DATA", ROOT.parent / "shared" / "data"))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5, help="timings of each query in each form")
    parser.add_argument("--copies", type=int, default=4, help="the corpus indexed this many times")
    args = parser.parse_args()
    folder = SHARED / "chinaxiv-en2zh-dev"
    if not folder.exists():
        raise SystemExit(f"{folder} is missing: set KECHUANG_SHARED_DATA to ../shared/data")
    docs = [json.loads(line) for line in (folder / "corpus.jsonl").open(encoding="utf-8")]
    queries = [json.loads(line)["text"] for line in (folder / "queries.jsonl").open(encoding="utf-8")]
    queries = queries[: args.queries]
    analyzer, embedder = Analyzer(), make_embedder("hashing")
    lexical = LexicalIndex(analyzer.tokens, query_tokenize=analyzer.query_tokens)
    numbered = [(copy * len(docs) + i, d) for copy in range(args.copies) for i, d in enumerate(docs)]
    lexical.upsert(IndexedDoc(n, d["title"], "", d["text"]) for n, d in numbered)
    table, vectors = DocTable(), VectorIndex(embedder.dim, kind="exact")
    for n, _ in numbered:
        table.set(n, "public", -1)
    vectors.add(
        [n for n, _ in numbered], embedder.encode([f"{d['title']}\n{d['text']}" for _, d in numbered])
    )
    searcher = HybridSearcher(lexical, vectors, embedder, table)
    model = packaged_model()
    if model is None:
        raise SystemExit("engine/crossing_model.json is missing: python eval/crossing_study.py --save")
    vectors_of = {q: embedder.encode([q], kind="query")[0] for q in queries}  # the query's embedding apart
    print(
        f"{len(lexical):,} documents, {len(queries)} English queries, {args.runs} runs each;"
        f" pid {os.getpid()}"
    )

    def search(text: str, stage: bool) -> list:
        searcher.crossing = model if stage else None
        return searcher.search(text, 10, query_vector=vectors_of[text])

    for text in queries[:50]:  # warm up Tantivy's caches and the model's arrays
        search(text, True), search(text, False)
    timings: dict[bool, list[float]] = {False: [], True: []}
    changed = 0
    for run in range(args.runs):
        for number, text in enumerate(queries):
            order = (False, True) if (run + number) % 2 == 0 else (True, False)
            found = {}
            for stage in order:
                started = time.perf_counter()
                found[stage] = search(text, stage)
                timings[stage].append((time.perf_counter() - started) * 1000)
            changed += run == 0 and [h.id for h in found[True]] != [h.id for h in found[False]]
    first, second = statistics.median(timings[False]), statistics.median(timings[True])
    print("| search, top 10 | p50 ms | p99 ms |\n|---|---:|---:|")
    print(f"| first stage alone | {first:.2f} | {percentile(timings[False], 0.99):.2f} |")
    print(f"| with the cross-language stage | {second:.2f} | {percentile(timings[True], 0.99):.2f} |")
    print(
        f"added p50 {second - first:.2f} ms ({second / first:.2f}x);"
        f" {changed} of {len(queries)} top 10s reordered"
    )
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
