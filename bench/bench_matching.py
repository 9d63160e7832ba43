"""Speed and memory of the matching engine at 10k-1M achievements, against plain bm25s in the same process.

Per size N (each size in its own child process, so its peak RSS is its own):

1. **documents**: real text first (CSL papers, CSL titles, ChinaXiv papers, minus the held-out demands), then
   synthetic achievements recombined from the real material (see ``Material.synthetic``); random ids, random
   visibility (80 % public, 15 % members, 5 % confidential) and random owners among 2,000 organizations;
2. **lexical indexing**: our tokeniser on every field (timed), the weighted body ``LexicalIndex.body`` builds
   (timed), ``LexicalIndex.add_bodies`` (the bulk path, 2 writer threads) into a temp folder (timed); the same
   token lists go to ``bm25s.BM25().index`` (timed);
3. **lexical queries**: top-10 ``search_tokens`` with the access filter of a member of an organization (and
   without a filter) against ``bm25s`` ``retrieve`` on the same distinct tokens, for demand titles (short)
   and demand texts (long, 100-300 characters), after a warm-up;
4. **vectors**: ``VectorIndex(kind="auto")`` (exact up to 20k, HNSW above) on synthetic 512-d unit vectors
   clustered in the span of 32 real USE document embeddings; top-100 search with the same 95 % filter;
5. **hybrid**: the engine part of ``match_demand``: ``HybridSearcher.search`` (tokenise, lexical top-100, USE
   query embedding, dense top-100, fusion, the second stage re-ranking the top 30), then
   ``Explainer.concepts`` for the first 10 hits (shared terms, keyword pairs from the keyword-vector cache),
   timed per query after a warm-up pass that fills the cache; each run also times the first stage alone (the
   second stage switched off) in the same process, as the baseline of what the second stage costs.

Runs repeat steps 2-5 (indexes rebuilt); medians over runs are reported. A separate child measures USE's
embedding rate on a sample of real documents.

    python bench/bench_matching.py                                  # 10k and 100k, 3 runs
    python bench/bench_matching.py --sizes 1000000 --runs 1         # 1M: about 2 GB of vectors, long builds

Wall-clock seconds on a shared machine: the load average is recorded with every figure.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
MIB = 1024 * 1024
VISIBILITIES = ("public", "members", "confidential")
VISIBILITY_SHARES = (0.80, 0.15, 0.05)
ORGANIZATIONS = 2000
SEARCHER_ORG = 7  # the searcher: an authenticated member of organization 7
DIM = 512
LEXICAL_K = 10
DEPTH = 100  # FusionConfig.depth: what each retriever hands to the fusion
MATCH_K = 30  # match_demand asks the searcher for max(limit * 3, 30)
EXPLAINED = 10  # ... and explains the final page of 10
WARMUP = 20
TARGETS = {
    "hybrid_p50_ms": 50.0,
    "hybrid_p99_ms": 150.0,
    "lexical_speed_vs_bm25s": 0.5,
    "index_docs_s": 20_000,
}


def shared_data_dir() -> Path:
    """../shared/data beside the repository, or $KECHUANG_SHARED_DATA."""
    override = os.environ.get("KECHUANG_SHARED_DATA")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[1].parent / "shared" / "data"


def log(message: str) -> None:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"[{time.strftime('%H:%M:%S')} load {load}] {message}", file=sys.stderr, flush=True)


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# ---- memory ---------------------------------------------------------------------------------------


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mib() -> float:
    """resource.getrusage(...).ru_maxrss: the high-water mark (since start, or since reset_peak)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak() -> bool:
    """Reset the RSS high-water mark (Linux: /proc/self/clear_refs 5), so a phase gets its own peak."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


class Phases:
    """Peak RSS during each phase and RSS after it (the largest over runs)."""

    def __init__(self) -> None:
        self.can_reset = reset_peak()
        self.peaks: dict[str, float] = {}
        self.after: dict[str, float] = {}

    def start(self) -> None:
        gc.collect()
        reset_peak()

    def end(self, name: str) -> None:
        self.peaks[name] = round(max(self.peaks.get(name, 0.0), peak_rss_mib()), 1)
        self.after[name] = round(max(self.after.get(name, 0.0), rss_mib()), 1)


def traced_peak_mib(function: Callable[[], Any]) -> tuple[float, Any]:
    """Peak bytes Python (and numpy) allocated while `function` ran; native heaps (Rust, C++) are not seen."""
    gc.collect()
    tracemalloc.start()
    try:
        value = function()
        return round(tracemalloc.get_traced_memory()[1] / MIB, 1), value
    finally:
        tracemalloc.stop()


# ---- documents ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Doc:
    title: str
    keywords: tuple[str, ...]
    text: str


_SENTENCE_END = re.compile(r"[。；！？!?;]\s*|\.\s+")


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if len(s.strip()) >= 4]


class Material:
    """The real documents, the held-out demands, and the pools synthetic documents are drawn from.

    Demands (queries) are CSL papers held out of the corpus and of the pools: title, keywords and the start
    of the abstract, 100-300 characters in all, like a demand's title and description.
    """

    def __init__(self, data: Path, demands: int, seed: int) -> None:
        import rjieba

        with (data / "csl" / "csl_2000.jsonl").open(encoding="utf-8") as fh:
            csl = [json.loads(line) for line in fh]
        held = set(random.Random(seed).sample(range(len(csl)), demands))
        self.demands = [
            Doc(row["title"], tuple(row["keywords"]), row["abstract"])
            for i, row in enumerate(csl)
            if i in held
        ]
        real = [
            Doc(row["title"], tuple(row["keywords"]), row["abstract"])
            for i, row in enumerate(csl)
            if i not in held
        ]
        with (data / "csl" / "csl_titles_8000_category.tsv").open(encoding="utf-8") as fh:
            real += [Doc(line.split("\t")[1].strip(), (), "") for line in fh if line.count("\t") >= 2]
        with (data / "chinaxiv-en2zh-dev" / "corpus.jsonl").open(encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                real.append(Doc(row["title"], (), row["text"]))
        self.real = real
        self.title_words = [rjieba.cut(doc.title) for doc in real if doc.title]
        self.keywords = [k for doc in real for k in doc.keywords]
        split = [_sentences(doc.text) for doc in real if doc.text]
        self.sentences = [s for parts in split for s in parts]
        self.sentence_counts = [len(parts) for parts in split if parts]
        self.seed = seed

    def synthetic(self, position: int) -> Doc:
        """A synthetic achievement, a pure function of its position: the first half of one real title's words
        and the second half of another's, 3-5 real keywords, and k real abstract sentences with k drawn from
        the real abstracts' sentence counts."""
        rng = random.Random(self.seed * 10_000_019 + position)
        first, second = rng.choice(self.title_words), rng.choice(self.title_words)
        title = "".join(first[: max(1, len(first) // 2)] + second[len(second) // 2 :])
        keywords = tuple(rng.sample(self.keywords, rng.randint(3, 5)))
        count = rng.choice(self.sentence_counts)
        text = "。".join(rng.choice(self.sentences) for _ in range(count)) + "。"
        return Doc(title, keywords, text)


class Corpus:
    """N documents: positions 0.. are real documents in random order, the rest synthetic."""

    def __init__(self, material: Material, n: int, seed: int) -> None:
        rng = np.random.default_rng(seed + n)
        self.material, self.n = material, n
        self.real_order = rng.permutation(len(material.real))[: min(n, len(material.real))]
        self.ids = rng.choice(3 * n, size=n, replace=False).astype(np.int64) + 1
        self.vis = rng.choice(3, size=n, p=VISIBILITY_SHARES).astype(np.int8)
        self.owner = rng.integers(1, ORGANIZATIONS + 1, size=n).astype(np.int64)
        order = np.argsort(self.ids)
        self._sorted_ids, self._positions = self.ids[order], order

    @property
    def real_count(self) -> int:
        return len(self.real_order)

    def doc(self, position: int) -> Doc:
        if position < len(self.real_order):
            return self.material.real[int(self.real_order[position])]
        return self.material.synthetic(position)

    def position(self, doc_id: int) -> int:
        return int(self._positions[np.searchsorted(self._sorted_ids, doc_id)])

    def record(self, doc_id: int) -> SimpleNamespace:
        """The achievement as the explainer reads it (what match_demand loads from the database)."""
        position = self.position(doc_id)
        return achievement(
            doc_id, self.doc(position), VISIBILITIES[self.vis[position]], int(self.owner[position])
        )


def achievement(doc_id: int, doc: Doc, visibility: str, owner: int) -> SimpleNamespace:
    return SimpleNamespace(
        id=doc_id,
        title_zh=doc.title,
        title_en="",
        keywords_zh=list(doc.keywords),
        keywords_en=[],
        abstract_zh=doc.text,
        abstract_en="",
        visibility=SimpleNamespace(value=visibility),
        owner_org_id=owner,
    )


def demand_record(doc: Doc, low: int = 100, high: int = 300) -> SimpleNamespace:
    """A demand from a held-out paper: title, keywords and the abstract cut so the text is low-high chars."""
    head = len(doc.title) + len(" ".join(doc.keywords)) + 2
    room = max(0, high - head)
    description = doc.text[:room]
    end = max(description.rfind("。"), description.rfind("；"))
    if end >= 0 and head + end + 1 >= low:
        description = description[: end + 1]
    return achievement(0, Doc(doc.title, doc.keywords, description), "public", SEARCHER_ORG)


# ---- statistics -----------------------------------------------------------------------------------


def latency_summary(seconds: list[float]) -> dict[str, float]:
    values = np.asarray(seconds)
    return {
        "p50_ms": round(float(np.percentile(values, 50)) * 1000, 3),
        "p99_ms": round(float(np.percentile(values, 99)) * 1000, 3),
        "mean_ms": round(float(values.mean()) * 1000, 3),
        "qps": round(len(values) / float(values.sum()), 1),
    }


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per key, the median over runs (nested dicts recursively)."""
    out: dict[str, Any] = {}
    for key, first in runs[0].items():
        values = [run[key] for run in runs if key in run]
        if isinstance(first, dict):
            out[key] = median_of(values)
        elif isinstance(first, int | float) and not isinstance(first, bool):
            out[key] = round(statistics.median(values), 4)
        else:
            out[key] = first
    return out


def timed_each(function: Callable[[Any], Any], items: Iterable[Any]) -> list[float]:
    gc.collect()
    out = []
    clock = time.perf_counter
    for item in items:
        start = clock()
        function(item)
        out.append(clock() - start)
    return out


# ---- lexical --------------------------------------------------------------------------------------


def tokenise_corpus(
    corpus: Corpus,
    index: Any,
    token_lists: list[list[str]] | None,
    processes: int,
    chunk: int = 100_000,
) -> tuple[list[str], dict[str, float]]:
    """Bodies for LexicalIndex.add_bodies, built by ``LexicalIndex.bodies`` (tokenising and joining the
    weighted fields, in a pool of `processes` workers from PARALLEL_MIN documents on); fills `token_lists`
    (the same tokens, for bm25s) when given. Document generation and the bm25s token lists are untimed.
    """
    from kechuang.engine.lexical import IndexedDoc

    bodies: list[str] = []
    seconds = {"tokenise_s": 0.0, "body_s": 0.0}  # body_s: joined inside bodies() since 2026-11-27
    vocabulary: dict[str, str] = {}  # one str object per distinct token: token lists of 1M docs stay small
    canon = vocabulary.setdefault
    clock = time.perf_counter
    for start in range(0, corpus.n, chunk):
        docs = [corpus.doc(p) for p in range(start, min(corpus.n, start + chunk))]
        records = [IndexedDoc(0, d.title, " ".join(d.keywords), d.text) for d in docs]
        del docs
        gc.collect()
        begin = clock()
        part = index.bodies(records, processes=processes)
        seconds["tokenise_s"] += clock() - begin
        bodies.extend(part)
        if token_lists is not None:
            token_lists.extend([canon(t, t) for t in body.split()] for body in part)
    return bodies, seconds


def _field_weights() -> tuple[int, int, int]:
    from kechuang.engine.lexical import FIELD_WEIGHTS

    assert list(FIELD_WEIGHTS) == ["title", "keywords", "text"], FIELD_WEIGHTS
    return FIELD_WEIGHTS["title"], FIELD_WEIGHTS["keywords"], FIELD_WEIGHTS["text"]


def check_bodies(corpus: Corpus, bodies: list[str], index: Any, sample: int = 50) -> None:
    """Our body strings must equal LexicalIndex.body on the same record (what upsert would index)."""
    from kechuang.engine.lexical import IndexedDoc
    from kechuang.services.match_index import record_document

    for position in np.linspace(0, corpus.n - 1, min(sample, corpus.n)).astype(int):
        record = corpus.record(int(corpus.ids[position]))
        expected = index.body(record_document(record))
        assert isinstance(record_document(record), IndexedDoc)
        assert bodies[position] == expected, f"body mismatch at position {position}"


def build_lexical(corpus: Corpus, bodies: list[str], folder: Path, threads: int) -> tuple[Any, float]:
    from kechuang.engine.lexical import IndexedDoc, LexicalIndex, lead_of
    from kechuang.text.tokenize import query_tokenize, tokenize

    index = LexicalIndex(tokenize, folder, query_tokenize=query_tokenize)
    leads = [  # the stored lead of each document (the second stage's text), built before the clock starts
        lead_of(IndexedDoc(0, d.title, " ".join(d.keywords), d.text))
        for d in map(corpus.doc, range(corpus.n))
    ]
    rows = zip(
        corpus.ids.tolist(),
        bodies,
        [VISIBILITIES[v] for v in corpus.vis.tolist()],
        corpus.owner.tolist(),
        leads,
        strict=True,
    )
    gc.collect()
    start = time.perf_counter()
    written = index.add_bodies(rows, threads=threads)
    seconds = time.perf_counter() - start
    assert written == corpus.n
    return index, seconds


def build_bm25s(token_lists: list[list[str]]) -> tuple[Any, float]:
    import bm25s

    retriever = bm25s.BM25()
    gc.collect()
    start = time.perf_counter()
    retriever.index(token_lists, show_progress=False)
    return retriever, time.perf_counter() - start


def lexical_queries(
    index: Any, retriever: Any, queries: dict[str, list[list[str]]], access: Any, run: int
) -> dict[str, Any]:
    """Per query set: ours with the access filter, ours unfiltered, raw bm25s; order rotated per run."""
    systems: dict[str, Callable[[list[str]], Any]] = {
        "ours": lambda tokens: index.search_tokens(tokens, LEXICAL_K, access),
        "ours_unfiltered": lambda tokens: index.search_tokens(tokens, LEXICAL_K),
        "bm25s": lambda tokens: retriever.retrieve([tokens], k=LEXICAL_K, show_progress=False),
    }
    names = list(systems)
    names = names[run % len(names) :] + names[: run % len(names)]
    out: dict[str, Any] = {}
    for label, token_sets in queries.items():
        result: dict[str, Any] = {}
        for name in names:
            for tokens in token_sets[:WARMUP]:
                systems[name](tokens)
            result[name] = latency_summary(timed_each(systems[name], token_sets))
        result["speed_ours_vs_bm25s"] = round(result["bm25s"]["mean_ms"] / result["ours"]["mean_ms"], 3)
        out[label] = result
    return out


def overlap_at_10(index: Any, retriever: Any, token_sets: list[list[str]], corpus: Corpus) -> float:
    """Share of bm25s's unfiltered top-10 ids that our unfiltered top-10 also holds (a sanity check only:
    the scorers differ in k1 and in the BM25 variant)."""
    shared = []
    for tokens in token_sets[:100]:
        ours = {doc for doc, _ in index.search_tokens(tokens, LEXICAL_K)}
        rows, _ = retriever.retrieve([tokens], k=LEXICAL_K, show_progress=False)
        theirs = {int(corpus.ids[r]) for r in rows[0]}
        shared.append(len(ours & theirs) / max(1, len(theirs)))
    return round(float(np.mean(shared)), 3)


# ---- vectors --------------------------------------------------------------------------------------


class SyntheticVectors:
    """Unit vectors from a Gaussian mixture in the span of 32 real USE document embeddings, plus a little
    full-rank noise (the recipe of bench_dense.py's ``clustered``, with a real subspace so that a real USE
    query vector has a real projection onto it)."""

    def __init__(self, real: np.ndarray, seed: int, clusters: int = 500) -> None:
        self.basis = np.linalg.qr(real.T.astype(np.float64))[0].T.astype(np.float32)  # (latent, dim)
        self.centres = np.random.default_rng(seed).standard_normal((clusters, len(self.basis)))
        self.centres = self.centres.astype(np.float32)
        self.seed = seed

    def block(self, number: int, m: int) -> np.ndarray:
        rng = np.random.default_rng([self.seed, number])
        z = self.centres[rng.integers(0, len(self.centres), m)]
        z += 0.7 * rng.standard_normal(z.shape, dtype=np.float32)
        block = z @ self.basis + 0.02 * rng.standard_normal((m, DIM), dtype=np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        return block


def build_vectors(corpus: Corpus, source: SyntheticVectors, block: int = 100_000) -> tuple[Any, float]:
    from kechuang.engine.vectors import VectorIndex

    index = VectorIndex(DIM, kind="auto")  # what MatchIndex uses: exact, HNSW past 20k
    seconds = 0.0
    for number, start in enumerate(range(0, corpus.n, block)):
        stop = min(corpus.n, start + block)
        vectors = source.block(number, stop - start)
        begin = time.perf_counter()
        index.add(corpus.ids[start:stop], vectors)
        seconds += time.perf_counter() - begin
    return index, seconds


# ---- hybrid ---------------------------------------------------------------------------------------


class Stopwatch:
    """Seconds spent in wrapped callables during the current query, by phase (search, explain)."""

    def __init__(self) -> None:
        self.phase = "search"
        self.seconds: dict[str, float] = {}

    def wrap(self, owner: Any, attribute: str, label: str) -> None:
        function = getattr(owner, attribute)
        seconds, clock = self.seconds, time.perf_counter

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = clock()
            try:
                return function(*args, **kwargs)
            finally:
                key = f"{self.phase}.{label}"
                seconds[key] = seconds.get(key, 0.0) + clock() - start

        setattr(owner, attribute, timed)


class HybridBench:
    """The engine part of match_demand over one corpus: search for 30, explain the first 10."""

    def __init__(self, corpus: Corpus, lexical: Any, vectors: Any, embedder: Any, access: Any) -> None:
        from kechuang.engine.hybrid import DocTable, FusionConfig, HybridSearcher
        from kechuang.services.matching import Explainer

        docs = DocTable()
        for doc_id, vis, owner in zip(
            corpus.ids.tolist(), corpus.vis.tolist(), corpus.owner.tolist(), strict=True
        ):
            docs.set(doc_id, VISIBILITIES[vis], owner)
        self.corpus, self.access, self.docs, self.vectors = corpus, access, docs, vectors
        self.searcher = HybridSearcher(lexical, vectors, embedder, docs, FusionConfig())
        self.indexes = SimpleNamespace(keyword_vectors={}, embedder=embedder)
        self.explainer = Explainer(self.indexes, SimpleNamespace(lexical=lexical))
        self.watch = Stopwatch()
        self.watch.wrap(lexical, "query_tokenize", "tokenise")
        self.watch.wrap(lexical, "search_tokens", "lexical")
        self.watch.wrap(lexical, "document_frequency", "doc_freq")
        self.watch.wrap(embedder, "encode", "embed")
        self.watch.wrap(docs, "allowed", "allowed")
        self.watch.wrap(vectors, "search", "dense")
        from kechuang.engine import hybrid as engine_hybrid

        self.watch.wrap(engine_hybrid, "second_stage", "second_stage")  # after_fusion calls it by module name
        self.second_stage = self.searcher.reranker  # the packaged model; None switches the stage off

    def query(self, demand: SimpleNamespace, text: str) -> tuple[float, dict[str, float], int]:
        """(seconds, seconds per component, hits): search, then untimed record loading, then explanations."""
        watch, clock = self.watch, time.perf_counter
        watch.seconds.clear()
        watch.phase = "search"
        start = clock()
        hits = self.searcher.search(text, MATCH_K, self.access)
        searched = clock()
        records = [self.corpus.record(hit.id) for hit in hits[:EXPLAINED]]  # match_demand: from the database
        watch.phase = "explain"
        begin = clock()
        for record in records:
            self.explainer.concepts(demand, record)
        done = clock()
        parts = dict(watch.seconds)
        parts["search"], parts["explain"] = searched - start, done - begin
        return parts["search"] + parts["explain"], parts, len(hits)

    def run(self, demands: list[tuple[SimpleNamespace, str]]) -> dict[str, Any]:
        gc.collect()
        totals: list[float] = []
        parts: dict[str, list[float]] = {}
        hit_counts = []
        for demand, text in demands:
            seconds, split, hits = self.query(demand, text)
            totals.append(seconds)
            hit_counts.append(hits)
            for key in set(parts) | set(split):
                parts.setdefault(key, [0.0] * (len(totals) - 1)).append(split.get(key, 0.0))
        # The query embedding runs in a helper thread alongside the lexical search (and the coverage
        # look-ups): the longer of the two is what the query waits for.
        zeros = [0.0] * len(totals)
        search_other = [
            s
            - max(parts.get("search.lexical", zeros)[i], parts.get("search.embed", zeros)[i])
            - sum(parts.get(f"search.{k}", zeros)[i] for k in ("allowed", "dense"))
            for i, s in enumerate(parts["search"])
        ]
        parts["search.rest"] = search_other  # tokenise, fusion, waiting on the helper thread
        return {
            **latency_summary(totals),
            "components_p50_ms": {k: round(float(np.median(v)) * 1000, 3) for k, v in sorted(parts.items())},
            "hits_min": int(min(hit_counts)),
        }


# ---- one size -------------------------------------------------------------------------------------


def embed_rate(data: Path, seed: int, sample: int) -> dict[str, Any]:
    """USE on a sample of real documents (title, keywords and text cut as the engine embeds them)."""
    from kechuang.engine.dense import make_embedder
    from kechuang.services.match_index import dense_text, record_document

    material = Material(data, 300, seed)
    rng = random.Random(seed)
    with_text = rng.sample([d for d in material.real if d.text], sample)
    titles = rng.sample([d for d in material.real if not d.text], sample)
    embedder = make_embedder("use")
    start = time.perf_counter()
    embedder.encode(["warm up"], kind="query")
    load_s = time.perf_counter() - start
    result: dict[str, Any] = {"model": embedder.name, "load_s": round(load_s, 2), "sample": sample}
    for label, docs in (("documents", with_text), ("titles", titles)):
        texts = [dense_text(record_document(achievement(1, d, "public", 1))) for d in docs]
        start = time.perf_counter()
        embedder.encode(texts, kind="passage")
        seconds = time.perf_counter() - start
        result[label] = {
            "docs_s": round(len(texts) / seconds, 1),
            "mean_chars": round(sum(map(len, texts)) / len(texts)),
            "load": loadavg(),
        }
        log(f"USE {label}: {result[label]['docs_s']} docs/s ({result[label]['mean_chars']} chars)")
    demands = [demand_record(d) for d in material.demands[:100]]
    texts = [dense_text(record_document(d)) for d in demands]
    result["query"] = {
        **latency_summary(timed_each(lambda t: embedder.encode([t], kind="query"), texts)),
        "mean_chars": round(sum(map(len, texts)) / len(texts)),
        "load": loadavg(),
    }
    log(f"USE one demand text: p50 {result['query']['p50_ms']} ms")
    return result


def bench_size(args: argparse.Namespace, n: int) -> dict[str, Any]:
    import bm25s

    from kechuang.engine.dense import make_embedder
    from kechuang.engine.lexical import AccessFilter, LexicalIndex
    from kechuang.services.match_index import dense_text, record_document
    from kechuang.text.tokenize import tokenize

    phases = Phases()
    result: dict[str, Any] = {"n": n, "load_start": loadavg(), "rss_start_mib": round(rss_mib(), 1)}
    result.update(source_version())  # the code this child imported
    phases.start()
    material = Material(args.data, args.queries, args.seed)
    corpus = Corpus(material, n, args.seed)
    access = AccessFilter(members=True, organization=SEARCHER_ORG)
    demands = [demand_record(d) for d in material.demands]
    texts = [dense_text(record_document(d)) for d in demands]
    queries = {
        "short": [list(dict.fromkeys(tokenize(d.title_zh))) for d in demands],
        "long": [list(dict.fromkeys(tokenize(t))) for t in texts],
    }
    embedder = make_embedder("use")
    embedder.encode(["warm up"], kind="query")
    phases.end("setup")
    result.update(
        real_docs=corpus.real_count,
        synthetic_docs=n - corpus.real_count,
        visibility_shares={v: round(float(np.mean(corpus.vis == i)), 4) for i, v in enumerate(VISIBILITIES)},
        allowed_share=round(float(np.mean((corpus.vis < 2) | (corpus.owner == SEARCHER_ORG))), 4),
        query_chars={
            "short": round(np.mean([len(d.title_zh) for d in demands]), 1),
            "long": round(np.mean([len(t) for t in texts]), 1),
        },
        query_tokens={k: round(np.mean([len(q) for q in v]), 1) for k, v in queries.items()},
    )
    log(f"N={n}: {corpus.real_count} real + {n - corpus.real_count} synthetic documents")

    runs: list[dict[str, Any]] = []
    token_lists: list[list[str]] = []
    index = retriever = vectors = None
    build_vectors_s = 0.0
    with tempfile.TemporaryDirectory(prefix="kechuang-bench-matching-") as tmp:
        for run in range(args.runs):
            run_result: dict[str, Any] = {}
            index = retriever = None
            phases.start()
            tokeniser = LexicalIndex(tokenize)  # in memory, empty: only its bodies() is used
            bodies, seconds = tokenise_corpus(
                corpus, tokeniser, token_lists if run == 0 else None, args.tokenise_processes
            )
            phases.end("tokenise")
            run_result.update({k: round(v, 3) for k, v in seconds.items()})
            if run == 0:
                result["tokens_per_doc"] = round(sum(map(len, token_lists)) / n, 1)
                result["vocabulary"] = len({t for tokens in token_lists[:200_000] for t in tokens})
            log(
                f"  run {run + 1}: tokenised in {seconds['tokenise_s']:.1f} s "
                f"(+ body {seconds['body_s']:.1f} s)"
            )

            phases.start()
            index, index_s = build_lexical(corpus, bodies, Path(tmp) / f"lexical-{run}", args.threads)
            phases.end("lexical_index")
            if run == 0:
                check_bodies(corpus, bodies, index)
            if run < args.runs - 1 or not (args.tracemalloc and n <= args.tracemalloc_max):
                bodies = []  # the last run's bodies serve the traced build below, if there is one
            phases.start()
            retriever, bm25s_s = build_bm25s(token_lists)
            phases.end("bm25s_index")
            tokenise_s = seconds["tokenise_s"] + seconds["body_s"]
            run_result.update(
                index_s=round(index_s, 3),
                bm25s_index_s=round(bm25s_s, 3),
                index_docs_s=round(n / (tokenise_s + index_s)),
                index_docs_s_without_tokenising=round(n / index_s),
                tokenise_docs_s=round(n / tokenise_s),
                bm25s_docs_s=round(n / bm25s_s),
                index_speed_vs_bm25s=round(bm25s_s / index_s, 3),
                load_index=loadavg(),
            )
            log(f"  run {run + 1}: tantivy {index_s:.1f} s, bm25s {bm25s_s:.1f} s")

            phases.start()
            run_result["lexical"] = lexical_queries(index, retriever, queries, access, run)
            run_result["load_lexical"] = loadavg()
            phases.end("lexical_queries")
            log(
                "  run {}: lexical long p50 ours {:.2f} ms, bm25s {:.2f} ms".format(
                    run + 1,
                    run_result["lexical"]["long"]["ours"]["p50_ms"],
                    run_result["lexical"]["long"]["bm25s"]["p50_ms"],
                )
            )
            if run == 0:
                result["overlap_at_10_vs_bm25s"] = overlap_at_10(index, retriever, queries["long"], corpus)
            if run < args.runs - 1:
                del index, retriever
                gc.collect()
            runs.append(run_result)

        if args.tracemalloc and n <= args.tracemalloc_max:
            log("  tracemalloc: bm25s index, add_bodies")
            tm_bm25s, _ = traced_peak_mib(lambda: build_bm25s(token_lists))
            tm_ours, _ = traced_peak_mib(
                lambda: build_lexical(corpus, bodies, Path(tmp) / "traced", args.threads)
            )
            result["tracemalloc_mib"] = {"bm25s_index": tm_bm25s, "add_bodies": tm_ours}
        retriever = bodies = None
        token_lists = []
        gc.collect()

        # dense: embedding sample for the synthetic subspace, then the vector index
        phases.start()
        basis_docs = [d for d in material.real if d.text][:32]
        basis = embedder.encode(
            [dense_text(record_document(achievement(1, d, "public", 1))) for d in basis_docs]
        )
        source = SyntheticVectors(basis, args.seed)
        vectors, build_vectors_s = build_vectors(corpus, source)
        phases.end("vector_index")
        result["vectors"] = {"kind": vectors.kind, "build_s": round(build_vectors_s, 2), "load": loadavg()}
        log(f"  vectors: {vectors.kind}, built in {build_vectors_s:.1f} s")
        hybrid = HybridBench(corpus, index, vectors, embedder, access)
        allowed = hybrid.docs.allowed(access)
        synthetic_queries = list(source.block(10_000, args.dense_queries))
        plain_search = type(vectors).search.__get__(vectors)  # the stopwatch wraps the instance's
        plain_allowed = type(hybrid.docs).allowed.__get__(hybrid.docs)
        for run in range(args.runs):
            dense = {}
            for name, allowed_ids in (("filtered", allowed), ("unfiltered", None)):
                for q in synthetic_queries[:WARMUP]:
                    plain_search(q, DEPTH, allowed=allowed_ids)
                dense[name] = latency_summary(
                    timed_each(lambda q, a=allowed_ids: plain_search(q, DEPTH, allowed=a), synthetic_queries)
                )
            dense["doc_table_allowed"] = latency_summary(
                timed_each(lambda _: plain_allowed(access), range(30))
            )
            dense["load"] = loadavg()
            runs[run]["dense"] = dense
        log(
            "  dense top-{} p50 {:.2f} ms filtered, {:.2f} ms unfiltered".format(
                DEPTH, runs[-1]["dense"]["filtered"]["p50_ms"], runs[-1]["dense"]["unfiltered"]["p50_ms"]
            )
        )

        # hybrid with explanations
        hybrid_demands = list(zip(demands, texts, strict=True))[: args.hybrid_queries]
        phases.start()
        cold = hybrid.run(hybrid_demands)  # fills the keyword-vector cache, warms everything
        result["hybrid_first_pass"] = {**cold, "load": loadavg()}
        log(f"  hybrid first pass: p50 {cold['p50_ms']:.1f} ms, p99 {cold['p99_ms']:.1f} ms")
        for run in range(args.runs):
            runs[run]["hybrid"] = {**hybrid.run(hybrid_demands), "load": loadavg()}
            # the baseline in the same process: the first stage alone (no second-stage re-ranking)
            hybrid.searcher.reranker = None
            runs[run]["hybrid_first_stage"] = {**hybrid.run(hybrid_demands), "load": loadavg()}
            hybrid.searcher.reranker = hybrid.second_stage
            if hybrid.searcher.fields is not None:
                runs[run].update(field_stage_runs(hybrid))
            log(
                f"  hybrid run {run + 1}: p50 {runs[run]['hybrid']['p50_ms']:.1f} ms, "
                f"p99 {runs[run]['hybrid']['p99_ms']:.1f} ms; first stage alone "
                f"p50 {runs[run]['hybrid_first_stage']['p50_ms']:.1f} ms, "
                f"p99 {runs[run]['hybrid_first_stage']['p99_ms']:.1f} ms"
            )
        phases.end("hybrid")
        result["keyword_cache_entries"] = len(hybrid.indexes.keyword_vectors)
        if args.tracemalloc:
            peak, _ = traced_peak_mib(lambda: hybrid.run(hybrid_demands[:20]))
            result.setdefault("tracemalloc_mib", {})["hybrid_20_queries"] = peak
        if args.profile:
            result["profile"] = profile_hybrid(hybrid, hybrid_demands[:50], args.profile)

    result["runs"] = runs
    result["median"] = median_of(runs)
    result["peak_rss_mib_by_phase"] = phases.peaks
    result["rss_after_phase_mib"] = phases.after
    result["peak_reset_supported"] = phases.can_reset
    # the high-water mark was reset between phases: the size's peak is the largest phase peak
    result["ru_maxrss_mib"] = round(max([peak_rss_mib(), *phases.peaks.values()]), 1)
    result["load_end"] = loadavg()
    result["openblas_num_threads"] = _blas_env()
    result["versions"] = {
        "bm25s": bm25s.__version__,
        "tantivy": _version("tantivy"),
        "faiss": _version("faiss-cpu"),
    }
    return result


def field_stage_runs(hybrid: HybridBench) -> dict[str, Any]:
    """Short English field names (GB/T 13745's first level) searched with field agreement (`engine.fields`)
    and, in the same process, without it. The gate is held open: the bench corpus holds English abstracts,
    so the index reads most of these names and would otherwise send them to the fusion alone."""
    import kechuang.engine.hybrid as engine_hybrid
    from kechuang.domain.codes import code_table

    names = [c.name_en for c in code_table("discipline") if c.level == 1]
    searcher, model, gate = hybrid.searcher, hybrid.searcher.fields, engine_hybrid.names_a_field

    def search(text: str) -> None:
        searcher.search(text, MATCH_K, hybrid.access)

    engine_hybrid.names_a_field = lambda *_: True  # type: ignore[assignment]
    try:
        timed_each(search, names[:WARMUP])
        with_stage = latency_summary(timed_each(search, names))
    finally:
        engine_hybrid.names_a_field = gate
    searcher.fields = None
    try:
        without = latency_summary(timed_each(search, names))
    finally:
        searcher.fields = model
    return {"field_names": with_stage | {"queries": len(names)}, "field_names_fusion_only": without}


def profile_hybrid(hybrid: HybridBench, demands: list[tuple[SimpleNamespace, str]], path: Path) -> str:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    hybrid.run(demands)
    profiler.disable()
    path.parent.mkdir(parents=True, exist_ok=True)
    profiler.dump_stats(str(path))
    with path.with_suffix(".txt").open("w", encoding="utf-8") as fh:
        pstats.Stats(profiler, stream=fh).sort_stats("cumulative").print_stats(40)
        pstats.Stats(profiler, stream=fh).sort_stats("tottime").print_stats(25)
    return path.name


def source_version() -> dict[str, Any]:
    """The commit measured, and whether src/ had uncommitted changes (the engine code is what matters)."""
    root = BENCH_DIR.parent

    def git(*command: str) -> str:
        done = subprocess.run(["git", *command], cwd=root, capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "src_modified": bool(git("status", "--porcelain", "src")),
    }


def _blas_env() -> str:
    return os.environ.get("OPENBLAS_NUM_THREADS", f"unset (OpenBLAS default: {os.cpu_count()} threads)")


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "?"


# ---- driver ---------------------------------------------------------------------------------------


def run_child(args: argparse.Namespace, what: str) -> dict[str, Any]:
    """One measurement in a fresh interpreter (its own RSS peak); its JSON is the last line of stdout."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", what, *args.passthrough]
    env = dict(os.environ)
    if args.blas_threads:
        env["OPENBLAS_NUM_THREADS"] = str(args.blas_threads)
    completed = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False, env=env)
    if completed.returncode != 0:
        raise SystemExit(f"child {what} failed with exit status {completed.returncode}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def fmt(value: Any, spec: str = "") -> str:
    return "-" if value is None else format(value, spec)


def print_tables(report: dict[str, Any]) -> None:
    sizes = report["sizes"]
    embed = report.get("embedding")
    if embed:
        print(
            f"USE embedding ({embed['sample']} real docs each): "
            f"documents {embed['documents']['docs_s']} docs/s "
            f"({embed['documents']['mean_chars']} chars), titles {embed['titles']['docs_s']} docs/s; one "
            f"demand text ({embed['query']['mean_chars']} chars) p50 {embed['query']['p50_ms']} ms, "
            f"p99 {embed['query']['p99_ms']} ms; load {embed['query']['load']}"
        )
    print("\nindexing (medians; ours = tokenise + body + add_bodies)")
    print(
        f"{'N':>9} {'tok/doc':>7} {'tokenise s':>10} {'tantivy s':>9} {'ours docs/s':>11} {'w/o tok':>9} "
        f"{'bm25s s':>8} {'bm25s docs/s':>12} {'tantivy/bm25s':>13}"
    )
    for r in sizes.values():
        m = r["median"]
        print(
            f"{r['n']:>9} {r['tokens_per_doc']:>7} {m['tokenise_s'] + m['body_s']:>10.2f} "
            f"{m['index_s']:>9.2f} {m['index_docs_s']:>11,.0f} {m['index_docs_s_without_tokenising']:>9,.0f} "
            f"{m['bm25s_index_s']:>8.2f} {m['bm25s_docs_s']:>12,.0f} {m['index_speed_vs_bm25s']:>13.2f}"
        )
    print("\nlexical top-10 (medians over runs; ours = search_tokens with the member filter)")
    print(
        f"{'N':>9} {'queries':>7} {'ours p50':>8} {'p99':>7} {'q/s':>7} {'nofilt p50':>10} "
        f"{'bm25s p50':>9} {'p99':>7} {'q/s':>7} {'speed ours/bm25s':>16}"
    )
    for r in sizes.values():
        for label in ("short", "long"):
            lex = r["median"]["lexical"][label]
            o, u, b = lex["ours"], lex["ours_unfiltered"], lex["bm25s"]
            print(
                f"{r['n']:>9} {label:>7} {o['p50_ms']:>8.2f} {o['p99_ms']:>7.2f} {o['qps']:>7.0f} "
                f"{u['p50_ms']:>10.2f} {b['p50_ms']:>9.2f} {b['p99_ms']:>7.2f} {b['qps']:>7.0f} "
                f"{lex['speed_ours_vs_bm25s']:>16.2f}"
            )
    print(f"\nvectors top-{DEPTH} (medians; filtered = the member's 95 % allowed set)")
    print(
        f"{'N':>9} {'kind':>6} {'build s':>8} {'filt p50':>8} {'p99':>7} {'unfilt p50':>10} {'p99':>7} "
        f"{'allowed() p50':>13}"
    )
    for r in sizes.values():
        d = r["median"]["dense"]
        print(
            f"{r['n']:>9} {r['vectors']['kind']:>6} {r['vectors']['build_s']:>8.1f} "
            f"{d['filtered']['p50_ms']:>8.2f} {d['filtered']['p99_ms']:>7.2f} "
            f"{d['unfiltered']['p50_ms']:>10.2f} {d['unfiltered']['p99_ms']:>7.2f} "
            f"{d['doc_table_allowed']['p50_ms']:>13.2f}"
        )
    print("\nhybrid top-10 with explanations (medians over runs; first = the cache-filling pass)")
    print(
        f"{'N':>9} {'p50 ms':>7} {'p99 ms':>7} {'q/s':>6} {'first p50':>9} {'first p99':>9}  "
        "components p50 ms"
    )
    for r in sizes.values():
        h, first = r["median"]["hybrid"], r["hybrid_first_pass"]
        parts = ", ".join(f"{k} {v:.1f}" for k, v in h["components_p50_ms"].items() if v >= 0.05)
        print(
            f"{r['n']:>9} {h['p50_ms']:>7.1f} {h['p99_ms']:>7.1f} {h['qps']:>6.1f} {first['p50_ms']:>9.1f} "
            f"{first['p99_ms']:>9.1f}  {parts}"
        )
        if "hybrid_first_stage" in r["median"]:
            base = r["median"]["hybrid_first_stage"]
            print(
                f"{'':>9} first stage alone (same process): p50 {base['p50_ms']:.1f}, "
                f"p99 {base['p99_ms']:.1f}; "
                f"the second stage adds {h['p50_ms'] - base['p50_ms']:+.1f} ms p50 "
                f"({h['p50_ms'] / max(base['p50_ms'], 1e-9):.2f}x)"
            )
        if "field_names" in r["median"]:
            on, off = r["median"]["field_names"], r["median"]["field_names_fusion_only"]
            print(
                f"{'':>9} short English field names, top-10 search: with field agreement p50 "
                f"{on['p50_ms']:.1f}, p99 {on['p99_ms']:.1f}; fusion alone p50 {off['p50_ms']:.1f}, "
                f"p99 {off['p99_ms']:.1f} (same process)"
            )
    print("\nmemory (MiB): peak RSS per phase (ru_maxrss, reset between phases), tracemalloc peaks")
    for r in sizes.values():
        peaks = ", ".join(f"{k} {v:,.0f}" for k, v in r["peak_rss_mib_by_phase"].items())
        print(
            f"{r['n']:>9} ru_maxrss {r['ru_maxrss_mib']:,.0f}; {peaks}; "
            f"tracemalloc {r.get('tracemalloc_mib', {})}"
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark the matching engine against a plain bm25s baseline."
    )
    parser.add_argument(
        "--sizes", default="10000,100000", help="comma-separated corpus sizes (default 10000,100000)"
    )
    parser.add_argument("--runs", type=int, default=3, help="timed runs per size (default 3)")
    parser.add_argument(
        "--queries", type=int, default=300, help="demands held out as lexical queries (default 300)"
    )
    parser.add_argument(
        "--hybrid-queries", type=int, default=200, help="demands run through hybrid (default 200)"
    )
    parser.add_argument(
        "--dense-queries", type=int, default=100, help="synthetic query vectors per run (default 100)"
    )
    parser.add_argument(
        "--threads", type=int, default=2, help="Tantivy writer threads for add_bodies (default 2)"
    )
    parser.add_argument(
        "--tokenise-processes",
        type=int,
        default=os.cpu_count() or 1,
        help="worker processes for LexicalIndex.bodies (default: one per CPU; 1: tokenise in-process)",
    )
    parser.add_argument(
        "--embed-sample", type=int, default=100, help="real docs for USE's embedding rate (100)"
    )
    parser.add_argument("--no-embed", action="store_true", help="skip the USE embedding-rate child")
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=0,
        help="set OPENBLAS_NUM_THREADS for the measurements (default 0: leave the environment as it is; "
        "OpenBLAS then uses one thread per CPU)",
    )
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="shared data folder (default $KECHUANG_SHARED_DATA or ../shared/data beside the repository)",
    )
    parser.add_argument(
        "--no-tracemalloc", dest="tracemalloc", action="store_false", help="skip the tracemalloc passes"
    )
    parser.add_argument(
        "--tracemalloc-max",
        type=int,
        default=10_000,
        help="largest N for the traced index builds (default 10000; at 100k they take minutes)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="cProfile 50 hybrid queries of the largest size into this .prof file (and .txt)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="JSON file (default bench/results/matching-<date>-<sizes>[-blasN].json)",
    )
    parser.add_argument("--no-output", action="store_true", help="print only; write no JSON file")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.passthrough = list(argv if argv is not None else sys.argv[1:])
    args.sizes = [int(s) for s in str(args.sizes).replace("_", "").split(",") if s.strip()]
    if args.runs < 1 or not args.sizes or min(args.sizes) < 1000:
        parser.error("--runs must be >= 1 and every size >= 1000")
    args.data = args.data or shared_data_dir()
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child == "embed":
        print(json.dumps(embed_rate(args.data, args.seed, args.embed_sample)))
        return 0
    if args.child is not None:
        n = int(args.child)
        if args.profile and n != max(args.sizes):
            args.profile = None
        print(json.dumps(bench_size(args, n)))
        return 0
    needed = ["csl/csl_2000.jsonl", "csl/csl_titles_8000_category.tsv", "chinaxiv-en2zh-dev/corpus.jsonl"]
    missing = [p for p in needed if not (args.data / p).exists()]
    if missing:
        print(f"missing data under {args.data}: {', '.join(missing)}", file=sys.stderr)
        return 2
    passthrough = args.passthrough
    args.passthrough = [
        a
        for i, a in enumerate(passthrough)
        if not a.startswith("--output") and not (i and passthrough[i - 1] == "--output")
    ]
    start_load = loadavg()
    blas = args.blas_threads or _blas_env()
    print(
        f"load average {start_load}; CPUs {os.cpu_count()}; sizes {args.sizes}; runs {args.runs}; "
        f"OPENBLAS_NUM_THREADS {blas}"
    )
    report: dict[str, Any] = {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        **source_version(),
        "loadavg_start": start_load,
        "runs": args.runs,
        "queries": args.queries,
        "hybrid_queries": args.hybrid_queries,
        "threads": args.threads,
        "tokenise_processes": args.tokenise_processes,
        "openblas_num_threads": str(args.blas_threads) if args.blas_threads else _blas_env(),
        "targets": TARGETS,
    }
    if not args.no_embed:
        report["embedding"] = run_child(args, "embed")
    report["sizes"] = {}
    for n in args.sizes:
        report["sizes"][str(n)] = run_child(args, str(n))
    report["loadavg_end"] = loadavg()
    print()
    print_tables(report)
    print(f"\nload average at the end {report['loadavg_end']}")
    if not args.no_output:
        sizes = "-".join(f"{n // 1000}k" if n < 1_000_000 else f"{n / 1_000_000:g}m" for n in args.sizes)
        suffix = f"-blas{args.blas_threads}" if args.blas_threads else ""
        output = args.output or RESULTS_DIR / f"matching-{date.today().isoformat()}-{sizes}{suffix}.json"
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        shown = output.relative_to(BENCH_DIR.parent) if output.is_relative_to(BENCH_DIR.parent) else output
        print(f"wrote {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
