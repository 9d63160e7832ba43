"""Hybrid retrieval: BM25 and dense scores fused by a convex combination that adapts to the query.

Both retrievers apply the access filter inside their search, so a fused page never holds a hidden item.
Scores are min-max normalised per query over each retriever's candidate list (a document missing from a
list scores 0 there). The lexical weight is `lexical_weight * coverage ** coverage_power`, where coverage is
the share of the query's tokens that occur in the index: a Chinese query over Chinese records keeps BM25's
precision, while an English query over Chinese records (where BM25 can only match acronyms and numbers)
leans on the multilingual embedding. Both parameters were fitted by `python eval/run_sets.py --fit` on the
development sets (grid 0.1-0.9 x 0.5-4; the chosen pair beats the better single retriever on every set,
see eval/log.md). That is the first stage; for a query the packaged model knows, a second stage re-orders the
fused top `FusionConfig.rerank_depth` (`engine.rerank`), and for one whose candidates are mostly in the other
language, a model trained across languages does (`engine.crossing`). The stages after the fusion
(`after_fusion`) read their candidates through a `CandidateReader`, so the batch job (`engine.batch_match`)
runs the same code.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..text.stopwords import QUERY_STOPWORDS
from . import crossing as crossing_stage
from .fields import FieldModel, field_model_for, names_a_field
from .lexical import EVERYTHING, AccessFilter, LexicalIndex
from .rerank import CandidateText, TreeModel, features, packaged_model, query_head, rerank, trained_for

VISIBILITY_CODES = {"public": 0, "members": 1, "confidential": 2}


@dataclass(frozen=True)
class FusionConfig:
    """How lexical and dense scores combine; defaults are the values fitted on the development sets."""

    lexical_weight: float = 0.7
    coverage_power: float = 1.0
    depth: int = 100
    drop_boilerplate: bool = True
    """Leave demand boilerplate (`text.stopwords.QUERY_STOPWORDS`) out of the query's lexical tokens."""
    adjust: tuple[float, ...] = ()
    """Weights of `QUERY_FEATURES` (plus a bias, first) that move the coverage share on the logit scale
    (`adaptive_share`); empty: the share is the coverage rule alone."""
    rerank_depth: int = 30
    """How many fused candidates the second stage (`engine.rerank`, the packaged model) re-orders; 0: none."""
    field_agreement: bool = True
    """Raise the candidates of a short English query the lexical side cannot read by their field agreement
    with it (`engine.fields`, the packaged model; only with the embedder it was trained on)."""
    field_feedback: int = 10
    """For those queries, how many of the field stage's top documents move the query's vector towards their
    mean (dense pseudo-relevance feedback, `field_with_feedback`) before the candidates are scored again; 0:
    none."""
    feedback_weight: float = 1.0
    """The weight of that mean against the query's own (unit) vector."""


@dataclass
class Hit:
    """One retrieved document with the parts of its score."""

    id: int
    score: float
    lexical: float = 0.0
    dense: float = 0.0
    lexical_raw: float = 0.0
    dense_raw: float = 0.0
    share: float = 0.0
    """The lexical share the fusion used for this query (the same on every hit of one search)."""
    field: float = 0.0
    """Field agreement of query and document (`engine.fields`), when the query named a field; else 0."""


class DocTable:
    """Per-document visibility and owner, so the dense search is filtered exactly like the lexical one.

    `allowed` answers from a small cache per access filter (dropped on every change): at 1M documents
    building the id array costs 15-20 ms, and the vector index keeps its row mask per array it was given.
    """

    CACHED_FILTERS = 8
    """Allowed-id arrays kept (at 1M documents up to 8 MB each); the least recently used goes first."""

    def __init__(self) -> None:
        self._rows: dict[int, tuple[int, int]] = {}
        self._arrays: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._allowed: OrderedDict[tuple[bool, int | None], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._rows)

    def _changed(self) -> None:
        if self._arrays is not None or self._allowed:
            with self._lock:
                self._arrays = None
                self._allowed = OrderedDict()

    def set(self, doc_id: int, visibility: str, owner: int) -> None:
        self._rows[doc_id] = (VISIBILITY_CODES[visibility], owner)
        self._changed()

    def remove(self, doc_id: int) -> None:
        self._rows.pop(doc_id, None)
        self._changed()

    def _columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Ids in ascending order, with their visibility codes and owners."""
        arrays = self._arrays
        if arrays is None:
            ids = np.fromiter(self._rows, dtype=np.int64, count=len(self._rows))
            values = np.array(list(self._rows.values()), dtype=np.int64).reshape(-1, 2)
            order = np.argsort(ids, kind="stable")
            arrays = self._arrays = (ids[order], values[order, 0], values[order, 1])
        return arrays

    def allowed(self, access: AccessFilter, only: np.ndarray | None = None) -> np.ndarray | None:
        """Sorted ids the searcher may see (None: everything); a read-only array."""
        if access.everything and only is None:
            return None
        if only is not None:
            return self._compute(access, only)
        key = (access.members, access.organization)
        with self._lock:
            cached = self._allowed.get(key)
            if cached is not None:
                self._allowed.move_to_end(key)
                return cached
            cache = self._allowed
        ids = self._compute(access, None)
        with self._lock:
            if cache is self._allowed:  # no change meanwhile
                cache[key] = ids
                while len(cache) > self.CACHED_FILTERS:
                    cache.popitem(last=False)
        return ids

    def _compute(self, access: AccessFilter, only: np.ndarray | None) -> np.ndarray:
        ids, vis, owner = self._columns()
        keep: np.ndarray | None = None
        if not access.everything:
            keep = vis == 0
            if access.members:
                keep |= vis == 1
            if access.organization is not None:
                keep |= owner == access.organization
        if only is not None:
            inside = np.isin(ids, only)
            keep = inside if keep is None else keep & inside
        out = ids[keep] if keep is not None else ids.copy()
        out.flags.writeable = False
        return out

    def entry(self, doc_id: int) -> tuple[int, int] | None:
        """(visibility code, owner) of an indexed document, None when it is not indexed."""
        return self._rows.get(doc_id)

    def ids(self) -> frozenset[int]:
        return frozenset(self._rows)

    def to_json(self) -> dict[str, list[int]]:
        return {str(k): list(v) for k, v in self._rows.items()}

    @classmethod
    def from_json(cls, data: dict[str, list[int]]) -> DocTable:
        table = cls()
        table._rows = {int(k): (int(v[0]), int(v[1])) for k, v in data.items()}
        table._changed()
        return table


def _normalise(scores: dict[int, float]) -> dict[int, float]:
    if not scores:
        return {}
    values = np.fromiter(scores.values(), dtype=np.float64)
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-12:
        return dict.fromkeys(scores, 1.0)
    return {doc: (score - low) / (high - low) for doc, score in scores.items()}


def query_tokens(tokens: Sequence[str]) -> list[str]:
    """A query's tokens for the lexical side: demand boilerplate left out (`QUERY_STOPWORDS`), unless that
    would leave nothing."""
    kept = [t for t in tokens if t not in QUERY_STOPWORDS]
    return kept or list(tokens)


def query_terms(index: LexicalIndex, text: str, drop_boilerplate: bool) -> tuple[list[str], list[str]]:
    """A query's whole words (`LexicalIndex.query_tokenize`: the lexical search's terms) and its cut as the
    documents are cut (the parts that search weighs `PART_WEIGHT`, and what the stages after the fusion read:
    features on whole words alone lost 0.003-0.007 nDCG@10, eval/log.md), demand boilerplate left out when
    asked. One definition for the online searcher, `batch match` and the evaluation."""
    whole, cut = index.query_cuts(text)
    if drop_boilerplate:
        return query_tokens(whole), query_tokens(cut)
    return whole, cut


def query_coverage(index: LexicalIndex, tokens: Sequence[str]) -> float:
    """Share of distinct query tokens found in any field of the index."""
    distinct = set(tokens)
    if not distinct:
        return 0.0
    found = sum(1 for t in distinct if index.document_frequency(t))
    return found / len(distinct)


QUERY_FEATURES = ("agreement", "lexical_gap", "dense_gap", "dense_top", "length", "cjk")
"""Query-side signals of which retriever to trust, each about 0-1: the overlap of the two top-10s, the
relative gap between BM25's first two scores, the gap between the embedding's first two cosines (x10, capped),
the embedding's best cosine, the number of distinct query tokens (log scale, 1 at 64) and the share of
Chinese tokens. They cost a few microseconds: both lists are already there."""


def _top_gap(scores: list[float], relative: bool) -> float:
    if len(scores) < 2 or scores[0] <= 0:
        return 1.0 if scores else 0.0
    gap = (scores[0] - scores[1]) / scores[0] if relative else (scores[0] - scores[1]) * 10
    return min(1.0, max(0.0, gap))


def query_features(lexical: dict[int, float], dense: dict[int, float], tokens: Sequence[str]) -> np.ndarray:
    """The `QUERY_FEATURES` of one query, from its two candidate lists and its tokens."""
    lex_top = sorted(lexical.items(), key=lambda p: -p[1])[:10]
    dense_top = sorted(dense.items(), key=lambda p: -p[1])[:10]
    agreement = (
        len({d for d, _ in lex_top} & {d for d, _ in dense_top}) / 10 if lex_top and dense_top else 0.0
    )
    distinct = set(tokens)
    cjk = sum(1 for t in distinct if any("\u4e00" <= ch <= "\u9fff" for ch in t)) / max(1, len(distinct))
    return np.array(
        [
            agreement,
            _top_gap([s for _, s in lex_top], relative=True),
            _top_gap([s for _, s in dense_top], relative=False),
            max(0.0, dense_top[0][1]) if dense_top else 0.0,
            min(1.0, float(np.log1p(len(distinct)) / np.log(65))),
            cjk,
        ]
    )


def adaptive_share(prior: float, features: np.ndarray, adjust: Sequence[float]) -> float:
    """The coverage share `prior` moved on the logit scale by `adjust[0] + adjust[1:] . features`.

    A prior of 0 (nothing of the query in the index, or a dense-only configuration) stays 0 and 1 stays 1.
    """
    if len(adjust) == 0 or prior <= 0.0 or prior >= 1.0:
        return prior
    logit = float(np.log(prior / (1 - prior))) + adjust[0] + float(np.dot(adjust[1:], features))
    return float(1 / (1 + np.exp(-logit)))


def fuse(lexical: dict[int, float], dense: dict[int, float], lexical_share: float, k: int) -> list[Hit]:
    """Convex combination of normalised scores; returns the top k."""
    lex_n, dense_n = _normalise(lexical), _normalise(dense)
    hits = [
        Hit(
            id=doc,
            score=lexical_share * lex_n.get(doc, 0.0) + (1 - lexical_share) * dense_n.get(doc, 0.0),
            lexical=lex_n.get(doc, 0.0),
            dense=dense_n.get(doc, 0.0),
            lexical_raw=lexical.get(doc, 0.0),
            dense_raw=dense.get(doc, 0.0),
            share=lexical_share,
        )
        for doc in lexical.keys() | dense.keys()
    ]
    hits.sort(key=lambda h: (-h.score, h.id))
    return hits[:k]


class HybridSearcher:
    """Lexical plus (optionally) dense retrieval over the same documents."""

    def __init__(
        self,
        lexical: LexicalIndex,
        vectors=None,
        embedder=None,
        docs: DocTable | None = None,
        config: FusionConfig | None = None,
    ) -> None:
        self.lexical = lexical
        self.vectors = vectors
        self.embedder = embedder
        self.docs = docs if docs is not None else DocTable()
        self.config = config or FusionConfig()
        self.reranker = packaged_model() if self.config.rerank_depth > 0 else None
        self.crossing = crossing_stage.packaged_model() if self.config.rerank_depth > 0 else None
        self.fields = field_model_for(embedder) if self.config.field_agreement else None

    def lexical_share(self, tokens: Sequence[str]) -> float:
        if self.vectors is None:
            return 1.0
        coverage = query_coverage(self.lexical, tokens)
        return self.config.lexical_weight * coverage**self.config.coverage_power

    def fused_share(self, tokens: Sequence[str], lexical: dict[int, float], dense: dict[int, float]) -> float:
        """The coverage share adjusted by the query's features (`adaptive_share`), once both lists are in."""
        share = self.lexical_share(tokens)
        if not self.config.adjust or not dense:
            return share
        return adaptive_share(share, query_features(lexical, dense, tokens), self.config.adjust)

    def search(
        self,
        text: str,
        k: int = 10,
        access: AccessFilter = EVERYTHING,
        only: np.ndarray | None = None,
        query_vector: np.ndarray | None = None,
    ) -> list[Hit]:
        """Top-k fused hits for a query, restricted to visible (and, if given, `only`) documents.

        The query embedding runs in a helper thread while the lexical search runs here: both spend their
        time outside the GIL (numpy, Tantivy), so on two cores the embedding comes almost for free.
        """
        depth = max(self.config.depth, k)
        dense_wanted = self.vectors is not None and self.embedder is not None
        # first: Python code that would compete for the GIL
        tokens, stage = query_terms(self.lexical, text, self.config.drop_boilerplate)
        pending: Future[np.ndarray] | None = None
        if dense_wanted and query_vector is None:
            pending = _helpers().submit(self._embed, text)
        try:
            lexical = dict(self.lexical.search_tokens(tokens, depth, access, only=only, parts=stage))
            share = self.lexical_share(tokens)
        finally:
            vector = pending.result() if pending is not None else query_vector
        dense: dict[int, float] = {}
        if dense_wanted:
            allowed = self.docs.allowed(access, only)
            ids, scores = self.vectors.search(vector, depth, allowed=allowed)
            dense = {int(i): float(s) for i, s in zip(ids.tolist(), scores.tolist(), strict=True)}
        if dense and self.config.adjust:
            share = adaptive_share(share, query_features(lexical, dense, tokens), self.config.adjust)
        return after_fusion(
            text, stage, lexical, dense, share, vector, k, self.config, self.reranker, self.fields, self,
            self.crossing,
        )

    def vectors_of(self, ids: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        assert self.vectors is not None
        return self.vectors.vectors_of(ids)  # type: ignore[no-any-return]

    def candidate_texts(self, ids: Sequence[int]) -> list[CandidateText] | None:
        """Each candidate's stored lead (None when one has none: an index written before leads were stored,
        until it is rebuilt)."""
        leads = self.lexical.leads(ids)
        if len(leads) < len(ids):
            return None
        return [CandidateText(*leads[i]) for i in ids]

    def head_scores(self, text: str, ids: Sequence[int]) -> dict[int, float]:
        head = self.lexical.tokenize(query_head(text))
        return dict(self.lexical.search_tokens(head, len(ids), only=list(ids)))

    @property
    def has_leads(self) -> bool:
        return self.lexical.has_leads

    def tokenize(self, text: str) -> list[str]:
        return self.lexical.tokenize(text)

    def idf(self) -> Callable[[str], float]:
        return self.lexical.idf()

    def candidate_features(self, text: str, tokens: Sequence[str], top: Sequence[Hit]) -> np.ndarray | None:
        """The second stage's `rerank.FEATURES` of these hits (None when a document has no stored lead)."""
        return candidate_features(text, tokens, top, self)

    def _embed(self, text: str) -> np.ndarray:
        return self.embedder.encode([text], kind="query")[0]


class CandidateReader(Protocol):
    """What the stages after the fusion read of their candidates. The online searcher reads its indexes; the
    batch job (`engine.batch_match`) reads its saved artefacts, so both rank with the same code."""

    @property
    def has_leads(self) -> bool: ...

    def vectors_of(self, ids: Sequence[int]) -> tuple[np.ndarray, np.ndarray]: ...

    def candidate_texts(self, ids: Sequence[int]) -> list[CandidateText] | None: ...

    def head_scores(self, text: str, ids: Sequence[int]) -> dict[int, float]: ...

    def tokenize(self, text: str) -> list[str]: ...

    def idf(self) -> Callable[[str], float]: ...


def after_fusion(
    text: str,
    tokens: Sequence[str],
    lexical: dict[int, float],
    dense: dict[int, float],
    share: float,
    vector: np.ndarray | None,
    k: int,
    config: FusionConfig,
    reranker: TreeModel | None,
    fields: FieldModel | None,
    reader: CandidateReader,
    crossing: TreeModel | None = None,
) -> list[Hit]:
    """The top k of the fused lists, through the stage the query gets: field agreement for a short English
    query the lexical side cannot read (`engine.fields`), else the learned second stage for a query the model
    knows (`engine.rerank`), or the cross-language one for a query whose records are in another language
    (`engine.crossing`), else the fusion alone."""
    if fields is not None and dense and vector is not None and names_a_field(text, tokens, share):
        return field_with_feedback(fields, vector, lexical, dense, share, config, reader)[:k]
    if not dense or not reader.has_leads:
        return fuse(lexical, dense, share, k)
    if reranker is not None and trained_for(text, share):
        hits = fuse(lexical, dense, share, max(k, config.rerank_depth))
        return second_stage(text, tokens, hits, config.rerank_depth, reranker, reader)[:k]
    if crossing is not None and crossing_stage.crosses(text, share):
        hits = fuse(lexical, dense, share, max(k, config.rerank_depth))
        return cross_stage(text, hits, config.rerank_depth, crossing, reader)[:k]
    return fuse(lexical, dense, share, k)


def second_stage(
    text: str,
    tokens: Sequence[str],
    hits: list[Hit],
    depth: int,
    reranker: TreeModel,
    reader: CandidateReader,
) -> list[Hit]:
    """The top `depth` fused hits re-ordered by the model (`engine.rerank`); the rest follow unchanged. Hits
    were already filtered by access, so the stage reads only visible documents."""
    top = hits[:depth]
    rows = candidate_features(text, tokens, top, reader) if len(top) > 1 else None
    if rows is None:
        return hits
    return rerank(top, rows, reranker) + hits[len(top) :]


def cross_stage(
    text: str, hits: list[Hit], depth: int, model: TreeModel, reader: CandidateReader
) -> list[Hit]:
    """The top `depth` fused hits re-ordered by the cross-language model (`engine.crossing`); the rest follow
    unchanged."""
    top = hits[:depth]
    texts = reader.candidate_texts([h.id for h in top]) if len(top) > 1 else None
    if texts is None or not crossing_stage.in_another_language(text, texts):
        return hits
    return rerank(top, crossing_stage.features(text, top, texts), model) + hits[len(top) :]


def field_with_feedback(
    fields: FieldModel,
    vector: np.ndarray,
    lexical: dict[int, float],
    dense: dict[int, float],
    share: float,
    config: FusionConfig,
    reader: CandidateReader,
) -> list[Hit]:
    """Every candidate of a query that names a field, staged by field agreement (`field_stage`); then the
    query's vector moved towards the mean of the top `config.field_feedback` documents (Rocchio feedback: two
    English words say less about a discipline than the papers that best fit it), every candidate of
    both lists scored again by cosine with it, fused and staged once more. The candidates stay the first
    search's, so the batch job, which reads vectors but does not search, ranks them the same way."""
    everything = fuse(lexical, dense, share, len(lexical.keys() | dense.keys()))
    staged = field_stage(fields, vector, everything, reader)
    if config.field_feedback <= 0 or len(staged) <= config.field_feedback:
        return staged
    _, best = reader.vectors_of([h.id for h in staged[: config.field_feedback]])
    moved = vector + config.feedback_weight * best.mean(axis=0)
    norm = float(np.linalg.norm(moved))
    if not np.isfinite(norm) or norm == 0:
        return staged
    moved = moved / norm
    ids, candidates = reader.vectors_of(sorted(lexical.keys() | dense.keys()))
    again = dict(zip(ids.tolist(), (candidates @ moved).tolist(), strict=True))
    return field_stage(fields, moved, fuse(lexical, again, share, len(again)), reader)


def field_stage(
    fields: FieldModel, vector: np.ndarray, hits: list[Hit], reader: CandidateReader
) -> list[Hit]:
    """Every fused candidate's score raised by its field agreement with the query, re-sorted. Scores stay on
    0-1 (divided by 1 + weight), as callers read them as relevance."""
    ids, documents = reader.vectors_of([h.id for h in hits])
    agreement = dict(zip(ids.tolist(), fields.agreement(vector, documents).tolist(), strict=True))
    for hit in hits:
        hit.field = agreement.get(hit.id, 0.0)
        hit.score = (hit.score + fields.weight * hit.field) / (1 + fields.weight)
    hits.sort(key=lambda h: (-h.score, h.id))
    return hits


def candidate_features(
    text: str, tokens: Sequence[str], top: Sequence[Hit], reader: CandidateReader
) -> np.ndarray | None:
    """The second stage's `rerank.FEATURES` of these hits (None when a document has no stored lead)."""
    ids = [h.id for h in top]
    texts = reader.candidate_texts(ids)
    if texts is None:
        return None
    return features(text, tokens, top, texts, reader.head_scores(text, ids), reader.tokenize, reader.idf())


@functools.cache
def _helpers() -> ThreadPoolExecutor:
    """Threads that embed queries while the calling thread runs the lexical search."""
    return ThreadPoolExecutor(max_workers=4, thread_name_prefix="kechuang-query-embed")
