"""Run the product's retrieval engine over a BEIR folder and produce a TREC run."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from tqdm import tqdm

from kechuang.text.tokenize import Analyzer

from .evaluation import BeirDoc, Run
from .hybrid import DocTable, FusionConfig, HybridSearcher
from .lexical import IndexedDoc, LexicalIndex


@dataclass(frozen=True)
class RunOptions:
    """What to run: which retrievers, how deep, with which fusion parameters."""

    mode: str = "hybrid"  # hybrid (fusion and second stage) | fused (first stage) | lexical | dense
    top_k: int = 100
    embedder: str = "use"
    fusion: FusionConfig = field(default_factory=FusionConfig)
    cache_dir: Path | None = None
    progress: bool = True


def _embed(embedder, texts: list[str], kind: str, cache_dir: Path | None, progress: bool) -> np.ndarray:
    """Embed with an on-disk cache keyed by model and text, so re-runs and sweeps cost nothing."""
    from .dense import embed_corpus, texts_hash

    if cache_dir is None:
        return embedder.encode(texts, kind=kind)
    folder = cache_dir / f"{embedder.name}-{kind}-{texts_hash(texts)}"
    return embed_corpus(embedder, texts, folder, progress=progress, kind=kind)


def run_beir(
    corpus: list[BeirDoc],
    queries: dict[str, str],
    analyzer: Analyzer,
    options: RunOptions,
    candidates: dict[str, dict[str, int]] | None = None,
) -> Run:
    """Index the corpus with the product engine, answer every query, return the ranked lists."""
    doc_ids = [doc.id for doc in corpus]
    number = {doc_id: i for i, doc_id in enumerate(doc_ids)}
    lexical = LexicalIndex(analyzer.tokens, query_tokenize=analyzer.query_tokens)
    table = DocTable()
    if options.mode != "dense":
        lexical.upsert(IndexedDoc(i, d.title, "", d.text) for i, d in enumerate(corpus))
    for i in range(len(corpus)):
        table.set(i, "public", -1)
    vectors = embedder = query_vectors = None
    query_ids = list(queries)
    if options.mode != "lexical":
        from .dense import make_embedder
        from .vectors import VectorIndex

        embedder = make_embedder(options.embedder)
        passages = [f"{d.title}\n{d.text}".strip() for d in corpus]
        matrix = _embed(embedder, passages, "passage", options.cache_dir, options.progress)
        vectors = VectorIndex(matrix.shape[1], kind="exact")
        vectors.add(np.arange(len(corpus), dtype=np.int64), matrix)
        query_vectors = _embed(
            embedder, [queries[q] for q in query_ids], "query", options.cache_dir, options.progress
        )
    config = options.fusion
    if options.mode == "lexical":  # one retriever alone: no second stage (trained on the fusion's lists)
        searcher = HybridSearcher(lexical, None, None, table, replace(config, rerank_depth=0))
    elif options.mode == "dense":
        alone = FusionConfig(0.0, 1.0, config.depth, rerank_depth=0, field_agreement=False)
        searcher = HybridSearcher(lexical, vectors, embedder, table, alone)
    elif options.mode == "fused":  # the hybrid's first stage alone
        first = replace(config, rerank_depth=0, field_agreement=False)
        searcher = HybridSearcher(lexical, vectors, embedder, table, first)
    else:
        searcher = HybridSearcher(lexical, vectors, embedder, table, config)
    run: Run = {}
    iterator = tqdm(list(enumerate(query_ids)), desc="queries", unit="q", disable=not options.progress)
    for position, qid in iterator:
        only = None
        if candidates is not None:
            wanted = [number[d] for d in candidates.get(qid, {}) if d in number]
            if not wanted:
                run[qid] = []
                continue
            only = np.asarray(sorted(wanted), dtype=np.int64)
        vector = query_vectors[position] if query_vectors is not None else None
        hits = searcher.search(queries[qid], options.top_k, only=only, query_vector=vector)
        run[qid] = [(doc_ids[h.id], h.score) for h in hits]
    return run
