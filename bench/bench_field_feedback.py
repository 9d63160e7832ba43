"""What dense feedback for queries that name a field (`hybrid.field_with_feedback`) adds to a search, per
query: the product's searcher with `field_feedback` 0 and 10, side by side in one process.

The corpus is `csl/csl-discipline-en2zh` of ../shared/data (2,000 Chinese papers; its 67 English discipline
names are the queries the field stage admits), indexed `--copies` times; the embedder is USE (the field model
reads only its vectors), each query embedded once apart. Each query is searched `--runs` times in each form,
alternating which goes first; medians and 99th percentiles over all queries and runs are printed with their
ratio and the peak memory.

    python bench/bench_field_feedback.py [--runs 20] [--copies 5]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
from dataclasses import replace

import numpy as np
from bench_crossing import SHARED, percentile  # bench/ is on the path when run as a script

from kechuang.engine.dense import make_embedder
from kechuang.engine.evaluation import read_corpus, read_queries
from kechuang.engine.hybrid import DocTable, FusionConfig, HybridSearcher
from kechuang.engine.lexical import IndexedDoc, LexicalIndex
from kechuang.engine.vectors import VectorIndex
from kechuang.text import Analyzer


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=20, help="timings of each query in each form")
    parser.add_argument("--copies", type=int, default=5, help="the corpus indexed this many times")
    args = parser.parse_args()
    folder = SHARED / "csl" / "csl-discipline-en2zh"
    if not folder.exists():
        raise SystemExit(f"{folder} is missing: set KECHUANG_SHARED_DATA to ../shared/data")
    corpus, queries = (
        read_corpus(folder / "corpus.jsonl"),
        list(read_queries(folder / "queries.jsonl").values()),
    )
    analyzer, embedder = Analyzer(), make_embedder("use")
    lexical = LexicalIndex(analyzer.tokens, query_tokenize=analyzer.query_tokens)
    numbered = [(copy * len(corpus) + i, d) for copy in range(args.copies) for i, d in enumerate(corpus)]
    lexical.upsert(IndexedDoc(n, d.title, "", d.text) for n, d in numbered)
    table, vectors = DocTable(), VectorIndex(embedder.dim, kind="exact")
    for n, _ in numbered:
        table.set(n, "public", -1)
    matrix = embedder.encode([f"{d.title}\n{d.text}".strip() for d in corpus], kind="passage")
    vectors.add([n for n, _ in numbered], np.vstack([matrix] * args.copies))
    searchers = {
        feedback: HybridSearcher(
            lexical, vectors, embedder, table, replace(FusionConfig(), field_feedback=feedback)
        )
        for feedback in (0, 10)
    }
    if searchers[10].fields is None:
        raise SystemExit("the packaged field model is missing or does not read this embedder's vectors")
    query_vectors = dict(zip(queries, embedder.encode(queries, kind="query"), strict=True))
    print(f"{len(lexical):,} documents, {len(queries)} queries, {args.runs} runs each; pid {os.getpid()}")
    for text in queries:  # warm up
        for searcher in searchers.values():
            searcher.search(text, 10, query_vector=query_vectors[text])
    timings: dict[int, list[float]] = {0: [], 10: []}
    for run in range(args.runs):
        for number, text in enumerate(queries):
            order = (0, 10) if (run + number) % 2 == 0 else (10, 0)
            for feedback in order:
                started = time.perf_counter()
                searchers[feedback].search(text, 10, query_vector=query_vectors[text])
                timings[feedback].append((time.perf_counter() - started) * 1000)
    before, after = statistics.median(timings[0]), statistics.median(timings[10])
    print("| search, top 10 | p50 ms | p99 ms |\n|---|---:|---:|")
    print(f"| field agreement alone | {before:.2f} | {percentile(timings[0], 0.99):.2f} |")
    print(f"| with feedback from the top 10 | {after:.2f} | {percentile(timings[10], 0.99):.2f} |")
    print(f"added p50 {after - before:.2f} ms ({after / before:.2f}x)")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
