"""Score the engine on the development sets against a plain BM25 baseline run in the same process.

    python eval/run_sets.py                 # every set in eval/sets.yaml, all systems
    python eval/run_sets.py --quick         # only the quick sets (what CI checks)
    python eval/run_sets.py --fit           # also grid-search the fusion weights on these sets (not holdout)

Systems: bm25s (the reference baseline: bm25s, rjieba tokens, k1 1.5, b 0.75), lexical (our BM25F on
Tantivy with our analyser), dense (the embedder alone), fused (the product's first stage: the fusion of the
two), hybrid (the product: the fusion re-ranked by the second stage, `engine.rerank`; `--fit` sweeps the first
stage only). Runs are written as TREC files to eval/runs/ (not committed); every invocation appends its table
to eval/log.md.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import string
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import yaml

from kechuang.engine.beir_run import RunOptions, _embed, run_beir
from kechuang.engine.dense import make_embedder
from kechuang.engine.evaluation import read_corpus, read_pairs, read_queries, score_run, write_trec_run
from kechuang.engine.hybrid import (
    FusionConfig,
    adaptive_share,
    fuse,
    query_coverage,
    query_features,
    query_terms,
)
from kechuang.engine.lexical import IndexedDoc, LexicalIndex
from kechuang.engine.vectors import VectorIndex
from kechuang.text.tokenize import Analyzer, query_tokenize, tokenize

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("KECHUANG_SHARED_DATA", ROOT.parent / "shared" / "data"))
PUNCT = set(string.punctuation) | set("，。、；：？！「」『』（）【】《》“”‘’—…·")


def rjieba_tokens(text: str) -> list[str]:
    import rjieba

    return [t.lower() for t in rjieba.cut(text) if t.strip() and not all(ch in PUNCT for ch in t.strip())]


def bm25s_run(corpus, queries) -> dict[str, list[tuple[str, float]]]:
    import bm25s

    retriever = bm25s.BM25(k1=1.5, b=0.75)
    retriever.index([rjieba_tokens(f"{d.title} {d.text}") for d in corpus], show_progress=False)
    ids = [d.id for d in corpus]
    run = {}
    for qid, text in queries.items():
        tokens = [t for t in rjieba_tokens(text) if t in retriever.vocab_dict]
        if not tokens:
            run[qid] = []
            continue
        docs, scores = retriever.retrieve([tokens], k=min(100, len(ids)), show_progress=False)
        run[qid] = [(ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]
    return run


def collect(corpus, queries, embedder_name: str, cache: Path, fusion: FusionConfig | None = None):
    """Per query: lexical top-100, dense top-100, lexical coverage and the query features (fusion is then
    cheap to sweep); query tokens as the product's searcher takes them (`FusionConfig.drop_boilerplate`)."""
    fusion = fusion or FusionConfig()
    lexical = LexicalIndex(tokenize, query_tokenize=query_tokenize)
    lexical.upsert(IndexedDoc(i, d.title, "", d.text) for i, d in enumerate(corpus))
    embedder = make_embedder(embedder_name)
    passages = [f"{d.title}\n{d.text}".strip() for d in corpus]
    matrix = _embed(embedder, passages, "passage", cache, True)
    vectors = VectorIndex(matrix.shape[1], kind="exact")
    vectors.add(np.arange(len(corpus), dtype=np.int64), matrix)
    qids = list(queries)
    qmatrix = _embed(embedder, [queries[q] for q in qids], "query", cache, True)
    parts = {}
    for position, qid in enumerate(qids):
        tokens, stage = query_terms(lexical, queries[qid], fusion.drop_boilerplate)
        lex = dict(lexical.search_tokens(tokens, 100, parts=stage))
        ids, scores = vectors.search(qmatrix[position], 100)
        dense = {int(i): float(s) for i, s in zip(ids, scores, strict=True)}
        parts[qid] = (lex, dense, query_coverage(lexical, tokens), query_features(lex, dense, tokens))
    return parts


def fused_run(parts, corpus, config: FusionConfig, mode: str = "hybrid"):
    ids = [d.id for d in corpus]
    run = {}
    for qid, (lex, dense, coverage, features) in parts.items():
        if mode == "lexical":
            share, dense = 1.0, {}
        elif mode == "dense":
            share, lex = 0.0, {}
        else:
            share = config.lexical_weight * coverage**config.coverage_power
            if dense:
                share = adaptive_share(share, features, config.adjust)
        run[qid] = [(ids[h.id], h.score) for h in fuse(lex, dense, share, 100)]
    return run


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="only the quick sets")
    parser.add_argument("--sets", default="", help="comma-separated set names")
    parser.add_argument("--embedder", default="use")
    parser.add_argument("--fit", action="store_true", help="grid-search lexical_weight and coverage_power")
    parser.add_argument("--keep-boilerplate", action="store_true", help="ablation: keep QUERY_STOPWORDS")
    parser.add_argument("--no-adjust", action="store_true", help="ablation: the coverage rule alone")
    args = parser.parse_args()
    args.fusion = FusionConfig(
        drop_boilerplate=not args.keep_boilerplate, adjust=() if args.no_adjust else FusionConfig().adjust
    )
    config = yaml.safe_load((ROOT / "eval" / "sets.yaml").read_text())
    chosen = {
        n: s
        for n, s in config["sets"].items()
        if (not args.quick or s["quick"]) and (not args.sets or n in args.sets.split(","))
    }
    cache = ROOT / "data" / "embeddings"
    fusion = args.fusion
    rows, collected = [], {}
    started = time.time()
    for name, spec in chosen.items():
        folder = (ROOT / "eval" if spec.get("local") else SHARED) / spec["path"]
        if spec.get("build") and not (folder / "corpus.jsonl").exists():
            # a set whose corpus is drawn from ../shared/data: its builder writes the corpus (not committed)
            script, *options = spec["build"].split()
            subprocess.run([sys.executable, str(ROOT / script), *options, "corpus"], check=True)
        if not (folder / "corpus.jsonl").exists() and spec.get("local"):
            print(f"== {name}: skipped, build it with eval/make_english_proxies.py", file=sys.stderr)
            continue
        corpus, queries = read_corpus(folder / "corpus.jsonl"), read_queries(folder / "queries.jsonl")
        qrels = read_pairs(folder / "qrels.tsv")
        print(f"== {name}: {len(corpus)} docs, {len(queries)} queries", file=sys.stderr)
        parts = collect(corpus, queries, args.embedder, cache, fusion)
        if not spec.get("holdout"):  # held-out sets are scored, never fitted on
            collected[name] = (parts, corpus, qrels, spec["metric"])
        runs = {"bm25s": bm25s_run(corpus, queries)}
        for mode in ("lexical", "dense"):
            runs[mode] = fused_run(parts, corpus, fusion, mode)
        runs["fused"] = fused_run(parts, corpus, fusion, "hybrid")
        # the product: fusion and second stage, through the engine that `kechuang eval run` uses
        options = RunOptions(embedder=args.embedder, fusion=fusion, cache_dir=cache, progress=False)
        runs["hybrid"] = run_beir(corpus, queries, Analyzer(), options)
        for system, run in runs.items():
            write_trec_run(run, ROOT / "eval" / "runs" / f"{name}-{system}.trec", f"kechuang-{system}")
            scores = score_run(run, qrels)
            rows.append((name, system, scores["ndcg@10"], scores["mrr@10"], scores["recall@100"]))
    if args.fit and collected:
        best = fit(collected)
        print(
            f"best fusion: lexical_weight={best[1]} coverage_power={best[2]} (relative score {best[0]:.4f})"
        )
    report(rows, args, time.time() - started)
    return 0


def fit(collected) -> tuple[float, float, float]:
    """Choose the fusion parameters that maximise the mean, over sets, of score / best-single-system score."""
    single = {
        name: max(
            score_run(fused_run(parts, corpus, FusionConfig(), m), qrels)[metric]
            for m in ("lexical", "dense")
        )
        for name, (parts, corpus, qrels, metric) in collected.items()
    }
    grid = itertools.product([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], [0.5, 1.0, 2.0, 3.0, 4.0])
    results = []
    for weight, power in grid:
        config = FusionConfig(weight, power, adjust=FusionConfig().adjust)
        relative = [
            score_run(fused_run(parts, corpus, config), qrels)[metric] / max(single[name], 1e-9)
            for name, (parts, corpus, qrels, metric) in collected.items()
        ]
        results.append((float(np.mean(relative)), weight, power))
        detail = " ".join(f"{r:.4f}" for r in relative)
        print(
            f"  lexical_weight={weight} coverage_power={power}: {results[-1][0]:.4f} ({detail})",
            file=sys.stderr,
        )
    return max(results)


def report(rows, args, seconds: float) -> None:
    header = "| set | system | nDCG@10 | MRR@10 | Recall@100 |\n|---|---|---:|---:|---:|\n"
    table = header + "".join(f"| {n} | {s} | {a:.4f} | {b:.4f} | {c:.4f} |\n" for n, s, a, b, c in rows)
    print(table)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    command = "python eval/run_sets.py " + " ".join(sys.argv[1:])
    entry = (
        f"\n## {stamp}\n\n`{command.strip()}` — embedder {args.embedder}, {args.fusion}, "
        f"{platform.machine()} {os.cpu_count()} CPUs, load {load}, {seconds:.0f} s\n\n{table}"
    )
    with (ROOT / "eval" / "log.md").open("a", encoding="utf-8") as handle:
        handle.write(entry)


if __name__ == "__main__":
    raise SystemExit(main())
