"""Does weighting a demand's title in the lexical query help? Does dense pseudo-relevance feedback? A study.

    python eval/title_study.py --sets sample-demand-achievement,demand-achievement-zh [--boosts 1,1.5,2,3]
    python eval/title_study.py --prf 3:0.5,5:0.5,3:1.0      # Rocchio on the query vector instead

With --prf k:beta, the query vector becomes normalise(q + beta x mean of the first pass's top-k hybrid
documents' vectors), searched again and fused with the unchanged lexical list (title boost 1).

The queries of both Chinese demand sets open with the demand's title (its first whitespace-separated
chunk). For each boost, the title's tokens enter the Tantivy disjunction as boosted term queries (the other
tokens at 1), and the lexical list is fused with the dense one exactly as `run_sets.py` does (the product's
FusionConfig, boilerplate stoplist on). Boost 1 is today's engine, run in the same process as the baseline.
Prints nDCG@10 per set and boost; append what it gave to eval/log.md by hand.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import tantivy
import yaml
from run_sets import SHARED  # eval/ is on the path when run as a script

from kechuang.engine.beir_run import _embed
from kechuang.engine.dense import make_embedder
from kechuang.engine.evaluation import read_corpus, read_pairs, read_queries, score_run
from kechuang.engine.hybrid import (
    FusionConfig,
    adaptive_share,
    fuse,
    query_coverage,
    query_features,
    query_tokens,
)
from kechuang.engine.lexical import BODY, IndexedDoc, LexicalIndex
from kechuang.engine.vectors import VectorIndex
from kechuang.text.tokenize import tokenize

ROOT = Path(__file__).resolve().parents[1]


def weighted_search(index: LexicalIndex, tokens: Sequence[str], title: set[str], boost: float, k: int):
    """The lexical disjunction with the title's tokens boosted (a study: it reaches into the index)."""
    distinct = list(dict.fromkeys(tokens))
    if not distinct:
        return []
    clauses = []
    for token in distinct:
        term = index._term(BODY, token)
        if token in title and boost != 1.0:
            term = tantivy.Query.boost_query(term, boost)
        clauses.append((tantivy.Occur.Should, term))
    return index._top(index._index.searcher(), tantivy.Query.boolean_query(clauses), k)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="sample-demand-achievement,demand-achievement-zh")
    parser.add_argument("--boosts", default="1,1.5,2,3")
    parser.add_argument("--embedder", default="use")
    parser.add_argument("--prf", default="", help="k:beta pairs for Rocchio on the query vector")
    args = parser.parse_args()
    config = yaml.safe_load((ROOT / "eval" / "sets.yaml").read_text())["sets"]
    boosts = [float(b) for b in args.boosts.split(",")]
    fusion = FusionConfig()
    embedder = make_embedder(args.embedder)
    cache = ROOT / "data" / "embeddings"
    for name in args.sets.split(","):
        spec = config[name]
        folder = (ROOT / "eval" if spec.get("local") else SHARED) / spec["path"]
        corpus, queries = read_corpus(folder / "corpus.jsonl"), read_queries(folder / "queries.jsonl")
        qrels = read_pairs(folder / "qrels.tsv")
        lexical = LexicalIndex(tokenize)
        lexical.upsert(IndexedDoc(i, d.title, "", d.text) for i, d in enumerate(corpus))
        matrix = _embed(embedder, [f"{d.title}\n{d.text}".strip() for d in corpus], "passage", cache, True)
        vectors = VectorIndex(matrix.shape[1], kind="exact")
        vectors.add(np.arange(len(corpus), dtype=np.int64), matrix)
        qids = list(queries)
        qmatrix = _embed(embedder, [queries[q] for q in qids], "query", cache, True)
        ids = [d.id for d in corpus]
        variants = [(b, 0, 0.0) for b in boosts]
        pairs = [v.split(":") for v in args.prf.split(",") if v]
        variants += [(1.0, int(k), float(beta)) for k, beta in pairs]
        if args.prf:
            variants = [(1.0, 0, 0.0), *variants[len(boosts) :]]
        for boost, prf_k, beta in variants:
            hybrid, lexical_run = {}, {}
            for position, qid in enumerate(qids):
                tokens = query_tokens(tokenize(queries[qid]))
                title = set(tokenize(queries[qid].split(maxsplit=1)[0]))
                lex = dict(weighted_search(lexical, tokens, title, boost, 100))
                found, scores = vectors.search(qmatrix[position], 100)
                dense = {int(i): float(s) for i, s in zip(found, scores, strict=True)}
                share = fusion.lexical_weight * query_coverage(lexical, tokens) ** fusion.coverage_power
                share = adaptive_share(share, query_features(lex, dense, tokens), fusion.adjust)
                hits = fuse(lex, dense, share, 100)
                if prf_k:
                    top = [h.id for h in hits[:prf_k]]
                    moved = qmatrix[position] + beta * matrix[top].mean(axis=0)
                    found, scores = vectors.search(moved / np.linalg.norm(moved), 100)
                    dense = {int(i): float(s) for i, s in zip(found, scores, strict=True)}
                    hits = fuse(lex, dense, share, 100)
                hybrid[qid] = [(ids[h.id], h.score) for h in hits]
                lexical_run[qid] = [(ids[h.id], h.score) for h in fuse(lex, {}, 1.0, 100)]
            h, x = score_run(hybrid, qrels), score_run(lexical_run, qrels)
            print(
                f"{name} boost {boost} prf {prf_k}:{beta}: "
                f"hybrid nDCG@10 {h['ndcg@10']:.4f} MRR@10 {h['mrr@10']:.4f}; "
                f"lexical nDCG@10 {x['ndcg@10']:.4f}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
