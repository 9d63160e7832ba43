"""All-queries x all-documents top-k with the online engine's scoring, in blocks, from plain arrays.

The lexical part is BM25 as Tantivy computes it (k1 1.2, b 0.75, idf ln(1 + (N - df + 0.5)/(df + 0.5)),
document lengths rounded down to Tantivy's one-byte field norms, the average length exact), held as a sparse
matrix of per-(document, term) weights whose exact top-k per query reads only the postings that can change
it (`engine.postings`). Query tokens count once each, as in `LexicalIndex.search_tokens`. The dense part is a
block of dot products of unit vectors, one document block at a time. Both keep
their top `depth` candidates (ties by id), and `kechuang.engine.hybrid.fuse` combines them with the lexical
share `query_coverage` gives, exactly as `HybridSearcher.search` does.

Artefacts are saved once to a folder (`save_artefacts`) and loaded by every worker (`load_artefacts`), so
the local loop and a Spark executor score the same blocks from the same bytes: their results are identical.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import numpy as np
import scipy.sparse as sp

from .crossing import packaged_model as crossing_model
from .fields import FieldModel, field_model_for
from .hybrid import FusionConfig, after_fusion, fuse, query_coverage
from .lexical import PART_WEIGHT, LexicalIndex
from .postings import Postings, slice_threshold
from .rerank import CandidateText, TreeModel, packaged_model

K1 = 1.2
B = 0.75
"""Tantivy's BM25 constants (tantivy::query::bm25)."""
META = "meta.json"


def _byte4_to_int(code: int) -> int:
    """Lucene's SmallFloat.byte4ToInt, the table Tantivy's field norms are rounded down to."""
    if code < 24:
        return code
    i = code - 24
    return (i if i < 8 else (8 + (i & 7)) << ((i >> 3) - 1)) + 24


FIELD_NORMS = np.array([_byte4_to_int(code) for code in range(256)], dtype=np.int64)


def field_norm(lengths: np.ndarray) -> np.ndarray:
    """Document lengths as Tantivy stores them: rounded down to the nearest of 256 values."""
    return FIELD_NORMS[np.searchsorted(FIELD_NORMS, lengths, side="right") - 1]


@dataclass
class Vocabulary:
    """Token -> column, with document frequencies; stands in for the index in `query_coverage`."""

    columns: dict[str, int]
    df: np.ndarray

    def document_frequency(self, token: str) -> int:
        column = self.columns.get(token)
        return int(self.df[column]) if column is not None else 0


class CorpusCounts:
    """Term frequencies counted chunk by chunk, so that a million documents' token lists never live at once
    (as Python lists they take about 25 KB a document): columns in order of first sight, one (document,
    term, count) entry per distinct term of a document, document lengths in tokens."""

    def __init__(self) -> None:
        self.columns: dict[str, int] = {}
        self._documents: list[np.ndarray] = []
        self._terms: list[np.ndarray] = []
        self._counts: list[np.ndarray] = []
        self._lengths: list[np.ndarray] = []
        self.size = 0

    def add(self, bodies: Sequence[Sequence[str]]) -> CorpusCounts:
        columns = self.columns
        terms = np.fromiter(
            (columns.setdefault(token, len(columns)) for tokens in bodies for token in tokens), dtype=np.int64
        )
        lengths = np.fromiter((len(tokens) for tokens in bodies), dtype=np.int64, count=len(bodies))
        documents = np.repeat(np.arange(len(bodies), dtype=np.int64), lengths)
        keys, counts = np.unique((documents << 32) | terms, return_counts=True)
        self._documents.append((keys >> 32).astype(np.int32) + np.int32(self.size))
        self._terms.append((keys & 0xFFFFFFFF).astype(np.int32))
        self._counts.append(counts.astype(np.int32))
        self._lengths.append(lengths)
        self.size += len(bodies)
        return self

    def _joined(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        def join(parts: list[np.ndarray], dtype: type) -> np.ndarray:
            return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)

        return (
            join(self._documents, np.int32),
            join(self._terms, np.int32),
            join(self._counts, np.int32),
            join(self._lengths, np.int64),
        )

    def vocabulary(self) -> Vocabulary:
        terms = self._joined()[1]
        df = np.bincount(terms, minlength=len(self.columns)).astype(np.int64)
        return Vocabulary(dict(self.columns), df)

    def matrix(self) -> sp.csc_matrix:
        """Terms x documents BM25 weights, so that (binary query rows) @ it scores every document."""
        documents, terms, counts, lengths = self._joined()
        n = self.size
        average = float(lengths.sum()) / n if n else 1.0
        df = np.bincount(terms, minlength=len(self.columns)).astype(np.float64)
        idf = np.log1p((n - df + 0.5) / (df + 0.5))
        norm = K1 * (1 - B + B * field_norm(lengths) / max(average, 1e-9))
        tf = counts.astype(np.float64)
        weights = idf[terms] * (1 + K1) * tf / (tf + norm[documents])
        return sp.csc_matrix((weights, (terms, documents)), shape=(len(self.columns), n))


def query_matrix(
    queries: Sequence[Sequence[str]],
    vocabulary: Vocabulary,
    parts: Sequence[Sequence[str]] | None = None,
) -> sp.csr_matrix:
    """Queries x terms: each distinct known query token 1, each other known token of the query's `parts` (its
    words' parts, as `LexicalIndex.search_tokens` weighs them) `PART_WEIGHT`."""
    indptr: list[int] = [0]
    indices: list[int] = []
    data: list[float] = []
    columns = vocabulary.columns
    for number, tokens in enumerate(queries):
        row = dict.fromkeys((columns[t] for t in tokens if t in columns), 1.0)
        for token in parts[number] if parts is not None else ():
            if token in columns:
                row.setdefault(columns[token], PART_WEIGHT)
        found = sorted(row)
        indices.extend(found)
        data.extend(row[column] for column in found)
        indptr.append(len(indices))
    values = np.asarray(data, dtype=np.float64)
    return sp.csr_matrix((values, indices, indptr), shape=(len(queries), len(columns)))


class Texts:
    """Strings saved as one UTF-8 file and their offsets, read by position from a memory map: at 1M documents
    the leads are a gigabyte that every executor maps and few of whose rows it reads."""

    def __init__(self, folder: Path, name: str) -> None:
        self.offsets = np.load(folder / f"{name}.offsets.npy")
        path = folder / f"{name}.utf8"
        empty = path.stat().st_size == 0  # a memory map of nothing is refused
        # a plain view of the map: slicing a memmap object costs microseconds; leads are read by the million
        self.data = np.zeros(0, np.uint8) if empty else np.asarray(np.memmap(path, dtype=np.uint8, mode="r"))

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, position: int) -> str:
        return bytes(self.data[self.offsets[position] : self.offsets[position + 1]]).decode("utf-8")

    @staticmethod
    def save(folder: Path, name: str, strings: Sequence[str]) -> None:
        encoded = [text.encode("utf-8") for text in strings]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(item) for item in encoded], out=offsets[1:])
        np.save(folder / f"{name}.offsets.npy", offsets)
        (folder / f"{name}.utf8").write_bytes(b"".join(encoded))


@dataclass
class StageTexts:
    """What the stages after the fusion read (`hybrid.after_fusion`), saved beside the scores' artefacts: each
    document's lead (title and keywords, start of the text, as `lexical.lead_of` stores it online) and its
    title's tokens, each query's text, tokens and head tokens (space-joined), and the vocabulary's terms in
    column order (for idf). Tokens are cut on the driver with the run's dictionary, so executors need no
    segmenter."""

    titles: Sequence[str]
    leads: Sequence[str]
    title_tokens: Sequence[str]
    query_texts: Sequence[str]
    query_tokens: Sequence[str]
    query_heads: Sequence[str]
    terms: Sequence[str]

    NAMES = ("titles", "leads", "title_tokens", "query_texts", "query_tokens", "query_heads", "terms")

    def save(self, folder: Path) -> None:
        for name in self.NAMES:
            Texts.save(folder, name, getattr(self, name))

    @classmethod
    def load(cls, folder: Path) -> StageTexts | None:
        if not (folder / "terms.utf8").exists():
            return None
        return cls(*(cast(Sequence[str], Texts(folder, name)) for name in cls.NAMES))


@dataclass
class Artefacts:
    """What every worker loads: the documents' BM25 matrix and vectors, and the queries' side."""

    doc_ids: np.ndarray  # int64, ascending
    candidate: np.ndarray  # bool per document: may be returned (visible to the batch's reader)
    weights: sp.csc_matrix | None  # terms x documents as prepared; None once loaded as `postings`
    doc_vectors: np.ndarray | None  # float32 documents x dim, unit rows
    query_ids: np.ndarray  # int64, ascending
    queries: sp.csr_matrix  # queries x terms, binary
    shares: np.ndarray  # float64 lexical share per query
    query_vectors: np.ndarray | None
    fusion: FusionConfig
    block: int  # queries per block
    doc_block: int  # documents per block (memory: block x doc_block scores)
    doc_owners: np.ndarray | None = None  # int64 owner per document (-1: none), with query_owners:
    query_owners: np.ndarray | None = None  # a query never gets its own owner's documents
    stage_texts: StageTexts | None = None  # with them, the stages after the fusion run as online
    embedder: str = ""  # the embedder's name and size, so the field model is used only where it was trained
    dim: int = 0

    _postings: Postings | None = field(default=None, repr=False)

    @property
    def blocks(self) -> int:
        return _block_count(len(self.query_ids), self.block)

    @functools.cached_property
    def reranker(self) -> TreeModel | None:
        if self.stage_texts is None or self.fusion.rerank_depth <= 0:
            return None
        return packaged_model()

    @functools.cached_property
    def crossing(self) -> TreeModel | None:
        if self.stage_texts is None or self.fusion.rerank_depth <= 0:
            return None
        return crossing_model()

    @functools.cached_property
    def fields(self) -> FieldModel | None:
        if self.stage_texts is None or not self.fusion.field_agreement:
            return None
        return field_model_for(SimpleNamespace(name=self.embedder, dim=self.dim))

    @functools.cached_property
    def term_columns(self) -> dict[str, int]:
        assert self.stage_texts is not None
        terms = self.stage_texts.terms
        return {terms[column]: column for column in range(len(terms))}

    @functools.cached_property
    def idf_memo(self) -> dict[str, float]:
        """Idf of the vocabulary's tokens, filled as the second stage asks (about 700 look-ups a demand,
        mostly the same title tokens)."""
        return {}

    @functools.cached_property
    def document_frequency(self) -> np.ndarray:
        return self.postings().document_frequency()

    def postings(self) -> Postings:
        """The weights both ways (`engine.postings`); loaded artefacts map them from disk and hold no
        `weights`, so the workers of one machine share one copy."""
        if self._postings is None:
            assert self.weights is not None
            self._postings = Postings.of(self.weights)
        return self._postings


def lexical_shares(
    queries: Sequence[Sequence[str]], vocabulary: Vocabulary, fusion: FusionConfig, dense: bool
) -> np.ndarray:
    """`HybridSearcher.lexical_share` of each query: 1 without vectors, else weight x coverage ** power."""
    if not dense:
        return np.ones(len(queries))
    index = cast(LexicalIndex, vocabulary)  # query_coverage asks only document_frequency
    return np.array(
        [fusion.lexical_weight * query_coverage(index, q) ** fusion.coverage_power for q in queries]
    )


def save_artefacts(folder: Path, artefacts: Artefacts) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    assert artefacts.weights is not None, "artefacts are saved from the prepared matrix, not from loaded ones"
    artefacts.postings().save(folder)
    sp.save_npz(folder / "queries.npz", artefacts.queries, compressed=False)
    np.savez(
        folder / "arrays.npz",
        doc_ids=artefacts.doc_ids,
        candidate=artefacts.candidate,
        query_ids=artefacts.query_ids,
        shares=artefacts.shares,
        **{
            name: getattr(artefacts, name)
            for name in ("doc_owners", "query_owners")
            if getattr(artefacts, name) is not None
        },
    )
    for name in ("doc_vectors", "query_vectors"):
        vectors = getattr(artefacts, name)
        if vectors is not None:
            np.save(folder / f"{name}.npy", vectors)
    if artefacts.stage_texts is not None:
        artefacts.stage_texts.save(folder)
    fusion = artefacts.fusion
    meta = {
        "lexical_weight": fusion.lexical_weight,
        "coverage_power": fusion.coverage_power,
        "depth": fusion.depth,
        "rerank_depth": fusion.rerank_depth,
        "field_agreement": fusion.field_agreement,
        "embedder": artefacts.embedder,
        "dim": artefacts.dim,
        "block": artefacts.block,
        "doc_block": artefacts.doc_block,
    }
    (folder / META).write_text(json.dumps(meta), encoding="utf-8")


def load_artefacts(folder: Path) -> Artefacts:
    meta = json.loads((folder / META).read_text(encoding="utf-8"))
    arrays = np.load(folder / "arrays.npz")

    def vectors(name: str) -> np.ndarray | None:
        path = folder / f"{name}.npy"
        return np.asarray(np.load(path, mmap_mode="r")) if path.exists() else None

    loaded = Artefacts(
        doc_ids=arrays["doc_ids"],
        candidate=arrays["candidate"],
        weights=None,
        doc_vectors=vectors("doc_vectors"),
        query_ids=arrays["query_ids"],
        queries=sp.load_npz(folder / "queries.npz").tocsr(),
        shares=arrays["shares"],
        query_vectors=vectors("query_vectors"),
        fusion=FusionConfig(
            meta["lexical_weight"],
            meta["coverage_power"],
            meta["depth"],
            rerank_depth=meta.get("rerank_depth", 0),
            field_agreement=meta.get("field_agreement", False),
        ),
        block=int(meta["block"]),
        doc_block=int(meta["doc_block"]),
        doc_owners=arrays.get("doc_owners"),
        query_owners=arrays.get("query_owners"),
        stage_texts=StageTexts.load(folder),
        embedder=meta.get("embedder", ""),
        dim=int(meta.get("dim", 0)),
        _postings=Postings.load(folder),
    )
    return loaded


def count_blocks(folder: Path) -> int:
    """How many query blocks saved artefacts hold, read without loading the matrices (the Spark driver)."""
    meta = json.loads((folder / META).read_text(encoding="utf-8"))
    return _block_count(len(np.load(folder / "arrays.npz")["query_ids"]), int(meta["block"]))


def _block_count(queries: int, block: int) -> int:
    return -(-queries // block)


def _select(values: np.ndarray, names: np.ndarray, depth: int) -> tuple[np.ndarray, ...]:
    """The `depth` best (score, id), ties by ascending id: independent of blocking."""
    if len(values) > depth:
        threshold = np.partition(values, len(values) - depth)[len(values) - depth]
        inside = values >= threshold  # every tie at the threshold, so the id order decides below
        values, names = values[inside], names[inside]
    order = np.lexsort((names, -values))[:depth]
    return values[order].astype(np.float64), names[order]


def _top_dense(
    scores: np.ndarray,
    ids: np.ndarray,
    depth: int,
    keep: np.ndarray,
    mine: np.ndarray | None,
    owners: np.ndarray | None,
) -> list[tuple[np.ndarray, ...]]:
    """Per row, the `depth` best among `keep` (and not the row's own owner's), found without sorting or
    partitioning whole rows: only the few entries at or above each row's `slice_threshold` are ordered."""
    rows = scores.shape[0]
    if not keep.all():
        scores[:, ~keep] = -np.inf  # the block's own product, written over in place
    if mine is not None and owners is not None:
        for row in np.flatnonzero(mine >= 0).tolist():
            scores[row, owners == mine[row]] = -np.inf
    threshold = slice_threshold(scores, depth)
    inside = scores >= threshold[:, None] if threshold is not None else np.ones_like(scores, dtype=bool)
    inside &= scores > -np.inf
    found_rows, columns = np.nonzero(inside)
    bounds = np.searchsorted(found_rows, np.arange(rows + 1))
    out: list[tuple[np.ndarray, ...]] = []
    for row in range(rows):
        picked = columns[bounds[row] : bounds[row + 1]]
        out.append(_select(scores[row, picked], ids[picked], depth))
    return out


def _top_lexical(artefacts: Artefacts, query: int, depth: int, mine: int | None) -> tuple[np.ndarray, ...]:
    """The `depth` best BM25 scores of one query among the candidates (not its own owner's), ties by id."""
    candidate, owners = artefacts.candidate, artefacts.doc_owners

    def allowed(columns: np.ndarray) -> np.ndarray:
        keep = candidate[columns]
        if mine is not None and mine >= 0 and owners is not None:
            keep &= owners[columns] != mine
        return columns[keep]

    queries = artefacts.queries
    row = slice(queries.indptr[query], queries.indptr[query + 1])
    terms = queries.indices[row].astype(np.int64)
    scores, columns = artefacts.postings().top(terms, depth, allowed, np.asarray(queries.data[row]))
    positive = scores > 0
    return _select(scores[positive], artefacts.doc_ids[columns[positive]], depth)


def _merge(a: tuple[np.ndarray, ...] | None, b: tuple[np.ndarray, ...], depth: int) -> tuple[np.ndarray, ...]:
    if a is None:
        return b
    values, names = np.concatenate([a[0], b[0]]), np.concatenate([a[1], b[1]])
    order = np.lexsort((names, -values))[:depth]
    return values[order], names[order]


class _Reader:
    """`hybrid.CandidateReader` over the artefacts, for one query: what `after_fusion` reads online from the
    indexes (vectors, leads, BM25 of the query's head over the candidates, idf), from the saved arrays."""

    has_leads = True

    def __init__(self, artefacts: Artefacts, query: int) -> None:
        self.artefacts = artefacts
        self.query = query

    def _columns(self, ids: Sequence[int]) -> np.ndarray:
        return np.searchsorted(self.artefacts.doc_ids, np.asarray(ids, dtype=np.int64))

    def vectors_of(self, ids: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        assert self.artefacts.doc_vectors is not None
        columns = self._columns(ids)
        return np.asarray(ids, dtype=np.int64), np.asarray(self.artefacts.doc_vectors[columns])

    def candidate_texts(self, ids: Sequence[int]) -> list[CandidateText]:
        texts = self.artefacts.stage_texts
        assert texts is not None
        return [
            CandidateText(texts.titles[c], texts.leads[c], frozenset(texts.title_tokens[c].split()))
            for c in self._columns(ids).tolist()
        ]

    def head_scores(self, text: str, ids: Sequence[int]) -> dict[int, float]:
        """BM25 of the head's distinct known tokens over these documents (`search_tokens` with `only`)."""
        artefacts = self.artefacts
        assert artefacts.stage_texts is not None
        known = artefacts.term_columns
        rows = sorted({known[t] for t in artefacts.stage_texts.query_heads[self.query].split() if t in known})
        if not rows:
            return {}
        scores = artefacts.postings().exact(self._columns(ids), np.asarray(rows, dtype=np.int64))
        return {int(doc): float(score) for doc, score in zip(ids, scores.tolist(), strict=True) if score > 0}

    def tokenize(self, text: str) -> list[str]:
        return text.split()  # never asked: the candidates carry their title tokens (`CandidateText`)

    def idf(self) -> Callable[[str], float]:
        artefacts = self.artefacts
        total = len(artefacts.doc_ids)
        known, df, memo = artefacts.term_columns, artefacts.document_frequency, artefacts.idf_memo
        unseen = math.log(1 + (total + 0.5) / 0.5)

        def idf(token: str) -> float:
            value = memo.get(token)
            if value is None:
                if token not in known:
                    return unseen
                frequency = int(df[known[token]])
                value = memo[token] = math.log(1 + (total - frequency + 0.5) / (frequency + 0.5))
            return value

        return idf


def score_block(artefacts: Artefacts, number: int, k: int) -> list[tuple[int, list[tuple[int, float]]]]:
    """Top-k (document id, fused score) of each query of block `number`, in query order.

    BLAS runs on one thread: a float32 product's last bits depend on how many threads split it (PySpark
    sets OMP_NUM_THREADS per task), and the local and Spark engines must agree to the bit. Spark gets its
    parallelism from tasks instead.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, user_api="blas"):
        return _score_block(artefacts, number, k)


def _score_block(artefacts: Artefacts, number: int, k: int) -> list[tuple[int, list[tuple[int, float]]]]:
    start = number * artefacts.block
    stop = min(start + artefacts.block, len(artefacts.query_ids))
    depth = max(artefacts.fusion.depth, k)
    dense = artefacts.doc_vectors is not None and artefacts.query_vectors is not None
    owned = artefacts.doc_owners is not None and artefacts.query_owners is not None
    mine = artefacts.query_owners[start:stop] if artefacts.query_owners is not None and owned else None
    doc_owners = artefacts.doc_owners if owned else None
    lexical = [
        _top_lexical(artefacts, start + row, depth, None if mine is None else int(mine[row]))
        for row in range(stop - start)
    ]
    nearest: list[tuple[np.ndarray, ...] | None] = [None] * (stop - start)
    for first in range(0, len(artefacts.doc_ids), artefacts.doc_block) if dense else ():
        assert artefacts.doc_vectors is not None and artefacts.query_vectors is not None
        last = min(first + artefacts.doc_block, len(artefacts.doc_ids))
        similarity = (
            np.asarray(artefacts.query_vectors[start:stop]) @ np.asarray(artefacts.doc_vectors[first:last]).T
        )
        block_owners = None if doc_owners is None else doc_owners[first:last]
        ids, keep = artefacts.doc_ids[first:last], artefacts.candidate[first:last]
        for row, top in enumerate(_top_dense(similarity, ids, depth, keep, mine, block_owners)):
            nearest[row] = _merge(nearest[row], top, depth)
    results = []
    texts = artefacts.stage_texts
    for row in range(stop - start):
        lex = _as_dict(lexical[row])
        near = _as_dict(nearest[row])
        share = float(artefacts.shares[start + row])
        if texts is None:
            hits = fuse(lex, near, share, k)
        else:
            vectors = artefacts.query_vectors
            vector = None if vectors is None else np.asarray(vectors[start + row])
            hits = after_fusion(
                texts.query_texts[start + row],
                texts.query_tokens[start + row].split(),
                lex,
                near,
                share,
                vector,
                k,
                artefacts.fusion,
                artefacts.reranker,
                artefacts.fields,
                _Reader(artefacts, start + row),
                artefacts.crossing,
            )
        results.append((int(artefacts.query_ids[start + row]), [(h.id, float(h.score)) for h in hits]))
    return results


def _as_dict(top: tuple[np.ndarray, ...] | None) -> dict[int, float]:
    if top is None:
        return {}
    return {int(i): float(s) for s, i in zip(top[0].tolist(), top[1].tolist(), strict=True)}


def score_all(artefacts: Artefacts, k: int) -> Iterator[tuple[int, list[tuple[int, float]]]]:
    """The local engine: every block in order."""
    for number in range(artefacts.blocks):
        yield from score_block(artefacts, number, k)
