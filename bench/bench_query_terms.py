"""What cutting queries whole (with their words' parts weighed PART_WEIGHT) costs against cutting them like
the documents, per query: the cut and the BM25 search, side by side in one process.

Before (the baseline): the query cut in search mode (every word and its parts, each weighing 1), one
Tantivy disjunction. After (the engine): the query cut in precise mode for the whole words and in search
mode for the parts (two cuts), one disjunction whose part clauses are boosted by `lexical.PART_WEIGHT`.
The corpus and queries are the judged demand -> achievement set (build it first with
``python eval/make_demand_achievement_zh.py corpus``); each query is timed ``--runs`` times, alternating
the two forms, and the medians over all queries and runs are printed with their ratio and peak memory.

    python bench/bench_query_terms.py [--runs 20] [--copies 4]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import time
from pathlib import Path

from kechuang.engine.hybrid import query_terms, query_tokens
from kechuang.engine.lexical import IndexedDoc, LexicalIndex
from kechuang.text import Analyzer

ROOT = Path(__file__).resolve().parents[1]
SETS = ("demand-achievement-zh", "demand-achievement-zh-train")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=20, help="timings of each query in each form")
    parser.add_argument(
        "--copies", type=int, default=4, help="the corpus indexed this many times (larger lists)"
    )
    args = parser.parse_args()
    corpus_file = ROOT / "eval" / SETS[0] / "corpus.jsonl"
    if not corpus_file.exists():
        raise SystemExit(f"{corpus_file} is missing: run python eval/make_demand_achievement_zh.py corpus")
    docs = [json.loads(line) for line in corpus_file.open(encoding="utf-8")]
    queries = [
        json.loads(line)["text"] for name in SETS for line in (ROOT / "eval" / name / "queries.jsonl").open()
    ]
    analyzer = Analyzer()
    index = LexicalIndex(analyzer.tokens, query_tokenize=analyzer.query_tokens)
    index.upsert(
        IndexedDoc(copy * len(docs) + i, d["title"], "", d["text"])
        for copy in range(args.copies)
        for i, d in enumerate(docs)
    )
    print(f"{len(index):,} documents, {len(queries)} queries, {args.runs} runs each; pid {os.getpid()}")

    def before(text: str) -> list[tuple[int, float]]:
        return index.search_tokens(query_tokens(analyzer.tokens(text)), 100)

    def after(text: str) -> list[tuple[int, float]]:
        whole, parts = cut_after(text)
        return index.search_tokens(whole, 100, parts=parts)

    def cut_before(text: str) -> object:
        return query_tokens(analyzer.tokens(text))

    def cut_after(text: str) -> tuple[list[str], list[str]]:
        return query_terms(index, text, drop_boilerplate=True)  # as the engine's searcher cuts it

    timings: dict[str, list[float]] = {
        name: [] for name in ("cut before", "cut after", "search before", "search after")
    }
    for text in queries * 2:  # warm up the stems and Tantivy's caches
        before(text), after(text)
    steps = [
        ("cut before", cut_before),
        ("cut after", cut_after),
        ("search before", before),
        ("search after", after),
    ]
    for run in range(args.runs):
        for text in queries:
            # the first call on a text runs on colder caches: which form goes first alternates by run
            for name, function in steps if run % 2 == 0 else [steps[1], steps[0], steps[3], steps[2]]:
                start = time.perf_counter()
                function(text)
                timings[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(values) * 1000 for name, values in timings.items()}
    p99 = {name: sorted(values)[int(0.99 * (len(values) - 1))] * 1000 for name, values in timings.items()}
    print("| step | before ms (p50 / p99) | after ms (p50 / p99) | ratio p50 |\n|---|---|---|---|")
    for step in ("cut", "search"):
        b, a = f"{step} before", f"{step} after"
        print(
            f"| {step} | {medians[b]:.3f} / {p99[b]:.3f} | {medians[a]:.3f} / {p99[a]:.3f} "
            f"| {medians[a] / medians[b]:.2f}x |"
        )
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
