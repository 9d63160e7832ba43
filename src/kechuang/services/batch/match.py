"""`batch match`: every open demand against every achievement, top-k, scored like the online engine; and the
other way, every achievement against the open demands (its likely adopters), as `match_achievement` ranks.

The driver reads the registry, cuts text with the online analyser and domain dictionary, builds the BM25
matrix over all live achievements and embeds both sides with the installation's embedder; these artefacts
are saved once and scored block by block (`kechuang.engine.batch_match`), here or on Spark executors.
Candidates are public records only: the results are shown on record pages to anyone who may see the
record, so no confidential or members-only record may appear there. Adopters are demands of organizations
other than the achievement's own, as online.
"""

from __future__ import annotations

import functools
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import numpy as np
from sqlalchemy import select

from kechuang.domain import clock
from kechuang.domain.access import Actor
from kechuang.domain.entities import Achievement, Demand
from kechuang.domain.enums import ListingStatus, Visibility
from kechuang.domain.errors import InvalidInput, PermissionDenied
from kechuang.engine import batch_match as core
from kechuang.engine import hybrid
from kechuang.engine.dense import embed_corpus
from kechuang.engine.hybrid import FusionConfig
from kechuang.engine.lexical import IndexedDoc, LexicalIndex, lead_parts
from kechuang.engine.rerank import query_head
from kechuang.store.db import UnitOfWork

from ..freshness import current_condition
from ..match_index import DomainDictionary, dense_text, record_document
from . import ENGINES
from .output import ADOPTERS, store_matches, write_matches

ACHIEVEMENTS: Any = Achievement
DEMANDS: Any = Demand
BLOCK = 256
DOC_BLOCK = 100_000
"""Queries x documents scored at once: 256 x 100k float32 cosines are 100 MB (BM25 products stay sparse)."""
MAX_TOP = 100
TOKENISE_CHUNK = 20_000
"""Documents cut at a time: their token lists are dropped once counted (`CorpusCounts`)."""
Results = list[tuple[int, list[tuple[int, float]]]]


@dataclass
class MatchRun:
    """What a batch match did: counts, where it wrote, when."""

    engine: str
    demands: int
    achievements: int
    computed_at: datetime
    out: Path
    adopters: bool = False  # adopters.jsonl and batch_adopters written too


def _check(actor: Actor, engine: str, top: int) -> None:
    if not actor.is_admin:
        raise PermissionDenied("batch jobs are run by administrators")
    if engine not in ENGINES:
        raise InvalidInput(f"engine must be one of: {', '.join(ENGINES)}", field="engine")
    if not 1 <= top <= MAX_TOP:
        raise InvalidInput(f"top must be between 1 and {MAX_TOP}", field="top")


def _read(uow: UnitOfWork) -> tuple[list[Any], list[Any]]:
    """Live, current achievements and open, current live demands, by id (stale listings leave matching
    here as they do online: `services.freshness`)."""
    with uow() as session:
        achievements = list(
            session.scalars(
                select(ACHIEVEMENTS)
                .where(ACHIEVEMENTS.merged_into_id.is_(None), current_condition("achievement"))
                .order_by(ACHIEVEMENTS.id)
            )
        )
        demands = list(
            session.scalars(
                select(DEMANDS)
                .where(
                    DEMANDS.merged_into_id.is_(None),
                    DEMANDS.status == ListingStatus.OPEN,
                    current_condition("demand"),
                )
                .order_by(DEMANDS.id)
            )
        )
    return achievements, demands


def prepare_records(
    achievements: list[Any],
    demands: list[Any],
    folder: Path,
    embedder: Any | None,
    *,
    fusion: FusionConfig | None = None,
    block: int = BLOCK,
    doc_block: int = DOC_BLOCK,
) -> core.Artefacts:
    """Build and save the artefacts of demands x achievements under `folder` (vectors cached there for a
    rerun), from records read by `_read` (or generated: the benchmark)."""
    candidate = [item.visibility == Visibility.PUBLIC for item in achievements]
    return _prepare_pair(
        achievements, demands, candidate, folder, embedder, fusion=fusion, block=block, doc_block=doc_block
    )


def prepare_adopters(
    achievements: list[Any],
    demands: list[Any],
    folder: Path,
    embedder: Any | None,
    *,
    fusion: FusionConfig | None = None,
    block: int = BLOCK,
    doc_block: int = DOC_BLOCK,
) -> core.Artefacts:
    """The artefacts of the other direction: achievements are the queries, open demands the documents;
    only public demands of an organization may be returned, never to an achievement of that organization."""
    candidate = [
        item.visibility == Visibility.PUBLIC and item.owner_org_id is not None for item in demands
    ]
    # online the demand index has no later stage (`match_index.RERANKED`: the second stage was trained on
    # demand -> achievement judgments, field agreement on paper titles), so neither has this direction
    first_stage = replace(fusion or FusionConfig(), rerank_depth=0, field_agreement=False)
    return _prepare_pair(
        demands,
        achievements,
        candidate,
        folder,
        embedder,
        fusion=first_stage,
        block=block,
        doc_block=doc_block,
        owners=True,
    )


def _owners(records: list[Any]) -> np.ndarray:
    return np.asarray(
        [-1 if item.owner_org_id is None else item.owner_org_id for item in records], dtype=np.int64
    )


def _prepare_pair(
    documents: list[Any],
    queries: list[Any],
    candidate: list[bool],
    folder: Path,
    embedder: Any | None,
    *,
    fusion: FusionConfig | None,
    block: int,
    doc_block: int,
    owners: bool = False,
) -> core.Artefacts:
    """Tokenise, weigh and embed one direction's documents and queries, and save the artefacts."""
    fusion = fusion or FusionConfig()
    dictionary = DomainDictionary(None)
    # the online index cuts its documents with their own keywords; a server that has synced the other
    # index too cuts queries with the other records' keywords as well
    dictionary.add(kw for item in documents for kw in item.keywords_zh or [])
    lexical = LexicalIndex(dictionary.analyzer.tokens, query_tokenize=dictionary.analyzer.query_tokens)
    records = [record_document(item) for item in documents]
    counts = core.CorpusCounts()
    for first in range(0, len(records), TOKENISE_CHUNK):
        counts.add([body.split() for body in lexical.bodies(records[first : first + TOKENISE_CHUNK])])
    dictionary.add(kw for item in queries for kw in item.keywords_zh or [])
    texts = [dense_text(record_document(item)) for item in queries]
    cuts = [hybrid.query_terms(lexical, text, fusion.drop_boilerplate) for text in texts]  # as online
    query_tokens, stage_tokens = [whole for whole, _ in cuts], [cut for _, cut in cuts]
    vocabulary = counts.vocabulary()
    stage_texts = None
    if embedder is not None and (fusion.rerank_depth > 0 or fusion.field_agreement):
        stage_texts = _stage_texts(records, texts, stage_tokens, vocabulary, dictionary)
    doc_vectors = query_vectors = None
    if embedder is not None:
        doc_vectors = embed_corpus(
            embedder, [dense_text(d) for d in records], folder / "embeddings", progress=False
        )
        query_vectors = np.asarray(embedder.encode(texts, kind="query"), dtype=np.float32)
    artefacts = core.Artefacts(
        doc_ids=np.asarray([item.id for item in documents], dtype=np.int64),
        candidate=np.asarray(candidate, dtype=bool),
        weights=counts.matrix(),
        doc_vectors=doc_vectors,
        query_ids=np.asarray([item.id for item in queries], dtype=np.int64),
        queries=core.query_matrix(query_tokens, vocabulary, stage_tokens),
        shares=core.lexical_shares(query_tokens, vocabulary, fusion, embedder is not None),
        query_vectors=query_vectors,
        fusion=fusion,
        block=block,
        doc_block=doc_block,
        doc_owners=_owners(documents) if owners else None,
        query_owners=_owners(queries) if owners else None,
        stage_texts=stage_texts,
        embedder=str(getattr(embedder, "name", "")),
        dim=int(getattr(embedder, "dim", 0) or 0),
    )
    core.save_artefacts(folder / "artefacts", artefacts)
    return artefacts


def _stage_texts(
    records: list[IndexedDoc],
    texts: list[str],
    query_tokens: list[list[str]],
    vocabulary: core.Vocabulary,
    dictionary: DomainDictionary,
) -> core.StageTexts:
    """What the stages after the fusion read, cut here with the query-time dictionary (as the online searcher
    cuts candidate titles and the query's head when it asks): the executors run no segmenter."""
    leads = [lead_parts(record) for record in records]
    cutter = LexicalIndex(dictionary.analyzer.tokens, weights={"title": 1}, leads=False)
    title_tokens = cutter.bodies([IndexedDoc(0, title) for title, _ in leads])  # in worker processes
    return core.StageTexts(
        titles=[title for title, _ in leads],
        leads=[text for _, text in leads],
        title_tokens=title_tokens,
        query_texts=texts,
        query_tokens=[" ".join(tokens) for tokens in query_tokens],
        query_heads=[" ".join(dictionary.tokens(query_head(text))) for text in texts],
        terms=list(vocabulary.columns),
    )


EXECUTOR_ARTEFACTS = 2  # one run's two directions (matches, adopters)


def score_local(folder: Path, top: int) -> Results:
    return list(core.score_all(core.load_artefacts(folder / "artefacts"), top))


@functools.lru_cache(maxsize=EXECUTOR_ARTEFACTS)
def _executor_artefacts(path: str) -> core.Artefacts:
    """Loaded once per executor process (Spark reuses its Python workers). Each run ships its artefacts under
    a new name, so only the last `EXECUTOR_ARTEFACTS` stay loaded: a long-lived session's workers would
    otherwise keep every earlier run's arrays mapped."""
    return core.load_artefacts(Path(path))


def _score_partition(name: str, top: int, numbers: Iterator[int]) -> Iterator[tuple[int, Any]]:
    from pyspark import SparkFiles

    artefacts = _executor_artefacts(SparkFiles.get(name))
    for number in numbers:
        yield from core.score_block(artefacts, number, top)


def score_spark(spark: Any, folder: Path, top: int) -> Results:
    """Query blocks spread over the executors; the artefact folder travels with `addFile`.

    Spark registers a shipped folder by its name for the life of the session, so each run ships its own
    name: hard links to the saved files (copies where the file system has none), removed afterwards."""
    blocks = core.count_blocks(folder / "artefacts")
    if not blocks:
        return []
    shipped = folder / f"artefacts-{uuid4().hex[:12]}"
    shipped.mkdir()
    for path in (folder / "artefacts").iterdir():
        try:
            os.link(path, shipped / path.name)
        except OSError:  # a file system without hard links
            shutil.copy2(path, shipped / path.name)
    try:
        context = spark.sparkContext
        context.addFile(str(shipped), recursive=True)
        slices = min(blocks, max(1, context.defaultParallelism * 2))
        rdd = context.parallelize(range(blocks), slices).mapPartitions(
            functools.partial(_score_partition, shipped.name, top)
        )
        return sorted(rdd.collect(), key=lambda row: row[0])
    finally:
        shutil.rmtree(shipped, ignore_errors=True)


def batch_match(
    actor: Actor,
    uow: UnitOfWork,
    out: Path,
    embedder: Any | None,
    *,
    engine: str = "local",
    top: int = 10,
    spark: Any = None,
    fusion: FusionConfig | None = None,
    block: int = BLOCK,
    store: bool = True,
    adopters: bool = True,
    progress: Callable[[str], object] | None = None,
) -> MatchRun:
    """Compute, write (`out`/matches.jsonl, matches.parquet) and store (`batch_matches`) all matches; with
    `adopters`, the achievements' likely adopters too (adopters.jsonl, adopters.parquet, `batch_adopters`)."""
    _check(actor, engine, top)
    if engine == "spark" and spark is None:
        raise InvalidInput("the Spark engine needs a session", field="engine")
    out.mkdir(parents=True, exist_ok=True)
    work = out / "work"
    say = progress or (lambda _message: None)
    say("reading and preparing")
    achievements, demands = _read(uow)
    artefacts = prepare_records(achievements, demands, work, embedder, fusion=fusion, block=block)
    say(f"scoring {len(artefacts.query_ids)} demands x {len(artefacts.doc_ids)} achievements ({engine})")
    results = score_spark(spark, work, top) if engine == "spark" else score_local(work, top)
    adopted: Results = []
    if adopters:
        say("preparing the other direction: achievements x open demands")
        other = prepare_adopters(
            achievements, demands, work / "adopters", embedder, fusion=fusion, block=block
        )
        say(f"scoring {len(other.query_ids)} achievements x {len(other.doc_ids)} demands ({engine})")
        adopted = (
            score_spark(spark, work / "adopters", top)
            if engine == "spark"
            else score_local(work / "adopters", top)
        )
    computed_at = clock.now()
    write_matches(out, results, computed_at)
    if adopters:
        write_matches(out, adopted, computed_at, ADOPTERS)
    if store:
        store_matches(uow, results, computed_at, adopters=adopted if adopters else None)
    return MatchRun(
        engine, len(artefacts.query_ids), len(artefacts.doc_ids), computed_at, out, adopters=adopters
    )
