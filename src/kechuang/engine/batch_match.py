"""All-queries x all-documents top-k with the online engine's scoring, in blocks, from plain arrays.

The lexical part is BM25 as Tantivy computes it (k1 1.2, b 0.75, idf ln(1 + (N - df + 0.5)/(df + 0.5)),
document lengths rounded down to Tantivy's one-byte field norms, the average length exact), held as a sparse
matrix of per-(document, term) weights so that a block of queries is one sparse product. Query tokens count
once each, as in `LexicalIndex.search_tokens`. The dense part is a dot product of unit vectors. Both keep
their top `depth` candidates (ties by id), and `kechuang.engine.hybrid.fuse` combines them with the lexical
share `query_coverage` gives, exactly as `HybridSearcher.search` does.

Artefacts are saved once to a folder (`save_artefacts`) and loaded by every worker (`load_artefacts`), so
the local loop and a Spark executor score the same blocks from the same bytes: their results are identical.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np
import scipy.sparse as sp

from .hybrid import FusionConfig, fuse, query_coverage
from .lexical import LexicalIndex

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


def build_vocabulary(bodies: Sequence[Sequence[str]]) -> Vocabulary:
    columns: dict[str, int] = {}
    for tokens in bodies:
        for token in tokens:
            columns.setdefault(token, len(columns))
    df = np.zeros(len(columns), dtype=np.int64)
    for tokens in bodies:
        for token in set(tokens):
            df[columns[token]] += 1
    return Vocabulary(columns, df)


def bm25_matrix(bodies: Sequence[Sequence[str]], vocabulary: Vocabulary) -> sp.csc_matrix:
    """Terms x documents matrix of BM25 weights, so that (binary query rows) @ it scores every document."""
    rows: list[int] = []
    cols: list[int] = []
    tfs: list[int] = []
    lengths = np.zeros(len(bodies), dtype=np.int64)
    for doc, tokens in enumerate(bodies):
        lengths[doc] = len(tokens)
        counts: dict[int, int] = {}
        for token in tokens:
            column = vocabulary.columns[token]
            counts[column] = counts.get(column, 0) + 1
        rows.extend(counts)
        cols.extend([doc] * len(counts))
        tfs.extend(counts.values())
    n = len(bodies)
    average = float(lengths.sum()) / n if n else 1.0
    df = vocabulary.df.astype(np.float64)
    idf = np.log1p((n - df + 0.5) / (df + 0.5))
    norm = K1 * (1 - B + B * field_norm(lengths) / max(average, 1e-9))
    row = np.asarray(rows, dtype=np.int64)
    col = np.asarray(cols, dtype=np.int64)
    tf = np.asarray(tfs, dtype=np.float64)
    weights = idf[row] * (1 + K1) * tf / (tf + norm[col])
    return sp.csc_matrix((weights, (row, col)), shape=(len(vocabulary.columns), n))


def query_matrix(queries: Sequence[Sequence[str]], vocabulary: Vocabulary) -> sp.csr_matrix:
    """Binary queries x terms: each distinct known query token once."""
    indptr, indices = [0], []
    for tokens in queries:
        found = sorted({vocabulary.columns[t] for t in tokens if t in vocabulary.columns})
        indices.extend(found)
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float64)
    return sp.csr_matrix((data, indices, indptr), shape=(len(queries), len(vocabulary.columns)))


@dataclass
class Artefacts:
    """What every worker loads: the documents' BM25 matrix and vectors, and the queries' side."""

    doc_ids: np.ndarray  # int64, ascending
    candidate: np.ndarray  # bool per document: may be returned (visible to the batch's reader)
    weights: sp.csc_matrix  # terms x documents
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

    @property
    def blocks(self) -> int:
        return -(-len(self.query_ids) // self.block) if len(self.query_ids) else 0


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
    sp.save_npz(folder / "weights.npz", artefacts.weights, compressed=False)
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
    fusion = artefacts.fusion
    meta = {
        "lexical_weight": fusion.lexical_weight,
        "coverage_power": fusion.coverage_power,
        "depth": fusion.depth,
        "block": artefacts.block,
        "doc_block": artefacts.doc_block,
    }
    (folder / META).write_text(json.dumps(meta), encoding="utf-8")


def load_artefacts(folder: Path) -> Artefacts:
    meta = json.loads((folder / META).read_text(encoding="utf-8"))
    arrays = np.load(folder / "arrays.npz")

    def vectors(name: str) -> np.ndarray | None:
        path = folder / f"{name}.npy"
        return np.load(path, mmap_mode="r") if path.exists() else None

    return Artefacts(
        doc_ids=arrays["doc_ids"],
        candidate=arrays["candidate"],
        weights=sp.load_npz(folder / "weights.npz").tocsc(),
        doc_vectors=vectors("doc_vectors"),
        query_ids=arrays["query_ids"],
        queries=sp.load_npz(folder / "queries.npz").tocsr(),
        shares=arrays["shares"],
        query_vectors=vectors("query_vectors"),
        fusion=FusionConfig(meta["lexical_weight"], meta["coverage_power"], meta["depth"]),
        block=int(meta["block"]),
        doc_block=int(meta["doc_block"]),
        doc_owners=arrays.get("doc_owners"),
        query_owners=arrays.get("query_owners"),
    )


def _top(scores: np.ndarray, ids: np.ndarray, depth: int, keep: np.ndarray) -> list[tuple[np.ndarray, ...]]:
    """Per row, the `depth` best (score, id) among `keep`, ties by ascending id: independent of blocking."""
    out: list[tuple[np.ndarray, ...]] = []
    for row in range(scores.shape[0]):
        mask = keep[row]
        values, names = scores[row][mask], ids[mask]
        if len(values) > depth:
            threshold = np.partition(values, len(values) - depth)[len(values) - depth]
            inside = values >= threshold  # every tie at the threshold, so the id order decides below
            values, names = values[inside], names[inside]
        order = np.lexsort((names, -values))[:depth]
        out.append((values[order], names[order]))
    return out


def _merge(a: tuple[np.ndarray, ...] | None, b: tuple[np.ndarray, ...], depth: int) -> tuple[np.ndarray, ...]:
    if a is None:
        return b
    values, names = np.concatenate([a[0], b[0]]), np.concatenate([a[1], b[1]])
    order = np.lexsort((names, -values))[:depth]
    return values[order], names[order]


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
    queries = artefacts.queries[start:stop]
    dense = artefacts.doc_vectors is not None and artefacts.query_vectors is not None
    owners = artefacts.doc_owners is not None and artefacts.query_owners is not None
    lexical: list[tuple[np.ndarray, ...] | None] = [None] * (stop - start)
    nearest: list[tuple[np.ndarray, ...] | None] = [None] * (stop - start)
    for first in range(0, len(artefacts.doc_ids), artefacts.doc_block):
        last = min(first + artefacts.doc_block, len(artefacts.doc_ids))
        ids = artefacts.doc_ids[first:last]
        candidate = np.broadcast_to(artefacts.candidate[first:last], (stop - start, last - first))
        if owners:
            assert artefacts.doc_owners is not None and artefacts.query_owners is not None
            mine = artefacts.query_owners[start:stop, None]
            candidate = candidate & ((artefacts.doc_owners[None, first:last] != mine) | (mine < 0))
        scores = np.asarray((queries @ artefacts.weights[:, first:last]).todense(), dtype=np.float64)
        for row, top in enumerate(_top(scores, ids, depth, (scores > 0) & candidate)):
            lexical[row] = _merge(lexical[row], top, depth)
        if dense:
            assert artefacts.doc_vectors is not None and artefacts.query_vectors is not None
            similarity = (
                np.asarray(artefacts.query_vectors[start:stop])
                @ np.asarray(artefacts.doc_vectors[first:last]).T
            )
            for row, top in enumerate(_top(similarity.astype(np.float64), ids, depth, candidate)):
                nearest[row] = _merge(nearest[row], top, depth)
    results = []
    for row in range(stop - start):
        lex = _as_dict(lexical[row])
        near = _as_dict(nearest[row])
        hits = fuse(lex, near, float(artefacts.shares[start + row]), k)
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
