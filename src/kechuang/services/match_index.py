"""The registry's matching indexes: one hybrid index per searchable entity, in step with the database.

Each index lives in a folder (lexical BM25 by Tantivy, vectors, visibility table, sync state). `sync`
brings it up to date from the database's change feed (`store.changes`): records changed after the saved
feed position are re-indexed, merged and deleted ones removed, batch by batch.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select

from kechuang.domain.codes import code_table
from kechuang.domain.entities import (
    Achievement,
    Demand,
    InvestorProfile,
    Organization,
    Person,
    Project,
    Scenario,
)
from kechuang.engine.hybrid import DocTable, FusionConfig, HybridSearcher
from kechuang.engine.lexical import IndexedDoc, LexicalIndex
from kechuang.store.changes import START, Position, pending_changes, read_changes
from kechuang.store.db import UnitOfWork
from kechuang.text.normalize import CJK_RUNS, normalize
from kechuang.text.tokenize import Analyzer

from .index_locks import saving

INDEXED: dict[str, Any] = {
    "achievement": Achievement,
    "demand": Demand,
    "investor": InvestorProfile,
    "project": Project,  # funded projects: expertise evidence of their PIs and host organizations
    "organization": Organization,
    "person": Person,
    "scenario": Scenario,
}
# searched by name and text (registry search), not matched: no vectors to compute or keep
LEXICAL_ONLY = frozenset({"organization", "person", "scenario"})
RERANKED = frozenset({"achievement"})
"""Kinds whose searches get the second stages (`engine.rerank`, `engine.crossing`) and field agreement
(`engine.fields`): they were trained on demand -> achievement judgments, on papers across languages and on
paper titles."""
DENSE_CHARS = 1200  # the embedding sees the title, keywords and the start of the text


def _join(*parts: Any) -> str:
    out: list[str] = []
    for part in parts:
        if isinstance(part, list):
            out.extend(str(p) for p in part if p)
        elif part:
            out.append(str(part))
    return " ".join(out)


def record_document(item: Any) -> IndexedDoc:
    """The searchable text of a record, both languages together (a person or organization by name)."""
    if hasattr(item, "name_zh"):
        return _named_document(item)
    body = _join(
        getattr(item, "abstract_zh", ""),
        getattr(item, "abstract_en", ""),
        getattr(item, "description_zh", ""),
        getattr(item, "description_en", ""),
        getattr(item, "thesis_zh", ""),
        getattr(item, "thesis_en", ""),
    )
    return IndexedDoc(
        id=item.id,
        title=_join(item.title_zh, item.title_en),
        keywords=_join(getattr(item, "keywords_zh", []), getattr(item, "keywords_en", [])),
        text=body,
        visibility=item.visibility.value,
        owner=item.owner_org_id if item.owner_org_id is not None else -1,
    )


def _named_document(item: Any) -> IndexedDoc:
    """People and organizations: names and aliases as the title; a person's job title among the keywords."""
    return IndexedDoc(
        id=item.id,
        title=_join(item.name_zh, item.name_en, item.aliases),
        keywords=_join(
            getattr(item, "keywords_zh", []),
            getattr(item, "keywords_en", []),
            getattr(item, "title_zh", ""),
            getattr(item, "title_en", ""),
        ),
        text=_join(
            getattr(item, "bio_zh", ""),
            getattr(item, "bio_en", ""),
            getattr(item, "description_zh", ""),
            getattr(item, "description_en", ""),
        ),
        visibility=item.visibility.value,
        owner=item.owner_org_id if item.owner_org_id is not None else -1,
    )


def dense_text(doc: IndexedDoc) -> str:
    return f"{doc.title}\n{doc.keywords}\n{doc.text}"[:DENSE_CHARS]


class DomainDictionary:
    """Domain terms the Chinese segmenter keeps whole: code-table names and every registry keyword.

    jieba's general dictionary cuts new technical terms (钙钛矿叠层 -> 钙钛矿 叠层); adding them as words
    makes the whole term a token too (search mode still emits the parts, so older documents keep
    matching). Keywords are added as records are indexed and persisted beside the indexes, so queries and
    documents are cut with the same dictionary after a restart; `kechuang index --rebuild` re-cuts all.
    """

    MAX_CHARS = 12  # longer "keywords" are phrases, better cut by the segmenter

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.analyzer = Analyzer()
        self._known: set[str] = set()
        base = [c.name_zh for scheme in ("discipline", "industry") for c in code_table(scheme)]
        self._stamp = 0
        self.add(base, persist=False)
        self.reload()

    def reload(self) -> int:
        """Add the terms another process has saved since (a follower server process); returns how many."""
        if self.path is None or not self.path.exists() or self.path.stat().st_mtime_ns == self._stamp:
            return 0
        self._stamp = self.path.stat().st_mtime_ns
        return self.add(self.path.read_text(encoding="utf-8").splitlines(), persist=False)

    def add(self, words: Any, *, persist: bool = True) -> int:
        """Add new terms (each Chinese run of 2 to 12 characters); returns how many were new."""
        runs = {run for word in words for run in CJK_RUNS.findall(normalize(str(word)))}
        new = sorted(run for run in runs if 2 <= len(run) <= self.MAX_CHARS and run not in self._known)
        if not new:
            return 0
        self.analyzer.add_words(new)
        self._known.update(new)
        if persist and self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write("".join(f"{word}\n" for word in new))
        return len(new)

    def __len__(self) -> int:
        return len(self._known)

    def tokens(self, text: str) -> list[str]:
        return self.analyzer.tokens(text)


@dataclass
class SyncReport:
    kind: str
    indexed: int
    removed: int
    pending: int = 0


@dataclass(frozen=True)
class IndexStatus:
    """What a match answer was computed from: the index state and how far it is behind the database."""

    synced_at: str | None
    pending: int

    @property
    def current(self) -> bool:
        return self.pending == 0


class MatchIndex:
    """A persisted hybrid index of one entity kind, kept in step with the database's change feed."""

    BATCH = 1000  # changes applied per step: bounded memory, and searches see progress as it is made
    SAVE_EVERY_S = 20.0  # vectors and state are written at least this often while catching up

    def __init__(
        self,
        folder: Path,
        kind: str,
        tokenize: Any,
        embedder: Any | None,
        fusion: FusionConfig | None = None,
        dictionary: DomainDictionary | None = None,
        query_tokenize: Any | None = None,
    ) -> None:
        from kechuang.engine.vectors import VectorIndex

        self.folder, self.kind, self.embedder, self.dictionary = folder, kind, embedder, dictionary
        folder.mkdir(parents=True, exist_ok=True)
        self.lexical = LexicalIndex(
            tokenize, folder / "lexical", leads=kind in RERANKED, query_tokenize=query_tokenize
        )
        state_file = folder / "state.json"
        state = json.loads(state_file.read_text()) if state_file.exists() else {}
        self.stamp = state_file.stat().st_mtime_ns if state_file.exists() else 0  # what a follower loaded
        # an index saved before the change feed (no position) replays the feed from its start
        self.position: Position = tuple(state["position"]) if state.get("position") else START  # type: ignore[assignment]
        self.synced_at: str | None = state.get("synced_at")
        self.docs = DocTable.from_json(state.get("docs", {}))
        self.vectors = None
        if embedder is not None:
            vector_folder = folder / f"vectors-{embedder.name}"
            self.vectors = (
                VectorIndex.load(vector_folder)
                if vector_folder.exists()
                else VectorIndex(embedder.dim, kind="auto")
            )
        self.searcher = HybridSearcher(self.lexical, self.vectors, embedder, self.docs, fusion)
        self._syncing = threading.Lock()  # one writer: the worker, a CLI command or a background task

    def status(self, uow: UnitOfWork) -> IndexStatus:
        with uow() as session:
            return IndexStatus(self.synced_at, pending_changes(session, self.kind, self.position))

    def sync(
        self,
        uow: UnitOfWork,
        *,
        max_batches: int | None = None,
        progress: Callable[[int], object] | None = None,
    ) -> SyncReport:
        """Apply the change feed after the saved position, batch by batch, saving as it goes.

        `progress` hears how many changes each batch consumed (the CLI's progress bar)."""
        indexed = removed = batches = 0
        with self._syncing:
            last_save = time.monotonic()
            while max_batches is None or batches < max_batches:
                done = self._apply_batch(uow)
                if done is None:
                    break
                indexed, removed, batches = indexed + done[0], removed + done[1], batches + 1
                if progress is not None:
                    progress(done[2])
                if time.monotonic() - last_save > self.SAVE_EVERY_S:
                    self._save()
                    last_save = time.monotonic()
            if batches:
                self._save()
        pending = self.status(uow).pending if max_batches is not None else 0
        return SyncReport(self.kind, indexed, removed, pending)

    def _apply_batch(self, uow: UnitOfWork) -> tuple[int, int, int] | None:
        """Index one batch of changed records, re-read as they are now: (indexed, removed, changes read)."""
        model = INDEXED[self.kind]
        with uow() as session:
            changes = read_changes(session, self.kind, self.position, self.BATCH)
            if not changes:
                return None
            ids = sorted({change.record_id for change in changes})
            found = {item.id: item for item in session.scalars(select(model).where(model.id.in_(ids)))}
        live = [found[i] for i in ids if i in found and found[i].merged_into_id is None]
        gone = [i for i in ids if i not in found or found[i].merged_into_id is not None]
        documents = [record_document(item) for item in live]
        if self.dictionary is not None:  # new terms first, so these documents are cut with them
            self.dictionary.add(kw for item in live for kw in getattr(item, "keywords_zh", None) or [])
        if gone:
            self.lexical.delete(gone)
            if self.vectors is not None:
                self.vectors.remove(gone)
            for doc_id in gone:
                self.docs.remove(doc_id)
        if documents:
            self.lexical.upsert(documents)
            if self.vectors is not None and self.embedder is not None:
                matrix = self.embedder.encode([dense_text(d) for d in documents], kind="passage")
                self.vectors.add(np.asarray([d.id for d in documents], dtype=np.int64), matrix)
            for doc in documents:
                self.docs.set(doc.id, doc.visibility, doc.owner)
        self.position = changes[-1].position
        self.synced_at = datetime.now(UTC).isoformat(timespec="seconds")
        return len(documents), len(gone), len(changes)

    def _save(self) -> None:
        with saving(self.folder):  # a follower process never loads half-written vectors
            if self.vectors is not None and self.embedder is not None:
                self.vectors.save(self.folder / f"vectors-{self.embedder.name}")
            state = {
                "position": list(self.position),
                "synced_at": self.synced_at,
                "docs": self.docs.to_json(),
            }
            tmp = self.folder / "state.json.tmp"
            tmp.write_text(json.dumps(state))
            tmp.replace(self.folder / "state.json")
            self.stamp = (self.folder / "state.json").stat().st_mtime_ns

    def saved_since_loaded(self) -> bool:
        """Another process (the leader) has saved this index since this process loaded it."""
        state_file = self.folder / "state.json"
        return state_file.exists() and state_file.stat().st_mtime_ns != self.stamp


HELD_BACK_WAIT_S = 10.0
"""How long a synced read waits for committed changes that another open transaction holds back."""


class MatchIndexes:
    """All matching indexes of an installation, opened lazily.

    `sync_on_read` (the CLI, scripts, tests) brings an index up to date before each use. A server turns it
    off and runs an `IndexWorker` instead: requests then read the last synced state and never wait for
    indexing, and a match answer says how many changes the index is still behind.
    """

    def __init__(
        self,
        folder: Path,
        embedder_name: str = "use",
        fusion: FusionConfig | None = None,
        *,
        sync_on_read: bool = True,
    ) -> None:
        self.folder, self.embedder_name, self.fusion = folder, embedder_name, fusion
        self.sync_on_read = sync_on_read
        self._open: dict[str, MatchIndex] = {}
        self._embedder: Any = None
        self._dictionary: DomainDictionary | None = None
        self._lock = threading.Lock()  # guards opening; each index has its own sync lock
        self.keyword_vectors: dict[str, Any] = {}  # explanation keywords, embedded once per process
        self.changed = threading.Event()  # set after a write so that a worker syncs without waiting

    @property
    def embedder(self) -> Any:
        if self._embedder is None and self.embedder_name != "none":
            from kechuang.engine.dense import make_embedder

            self._embedder = make_embedder(self.embedder_name)
        return self._embedder

    @property
    def dictionary(self) -> DomainDictionary:
        """One dictionary for all kinds: a demand's query must be cut like the achievements it meets."""
        if self._dictionary is None:
            self._dictionary = DomainDictionary(self.folder / "dictionary.txt")
        return self._dictionary

    def clear(self) -> None:
        """Delete every index and the dictionary (kept: the lock files), to build them again from the feed."""
        import shutil

        with self._lock:
            self._open.clear()
            self._dictionary = None
            if self.folder.exists():
                for path in self.folder.iterdir():
                    if path.is_dir():
                        shutil.rmtree(path)
                    elif not path.name.endswith(".lock"):
                        path.unlink()

    def opened(self, kind: str) -> MatchIndex:
        """The index of `kind` as last saved or synced, without touching the database."""
        with self._lock:
            if kind not in self._open:
                self._open[kind] = self._load(kind)
            return self._open[kind]

    def _load(self, kind: str) -> MatchIndex:
        words = self.dictionary
        with saving(self.folder / kind, shared=True):
            embedder = None if kind in LEXICAL_ONLY else self.embedder
            fusion = self.fusion or FusionConfig()
            if kind not in RERANKED:
                fusion = replace(fusion, rerank_depth=0, field_agreement=False)
            analyzer = words.analyzer
            return MatchIndex(
                self.folder / kind, kind, analyzer.tokens, embedder, fusion, words, analyzer.query_tokens
            )

    def follow(self) -> list[str]:
        """In a process that does not lead: reload the indexes the leader has saved since; returns them."""
        self.dictionary.reload()
        reloaded = []
        for kind, index in list(self._open.items()):
            if index.saved_since_loaded():
                fresh = self._load(kind)
                with self._lock:
                    self._open[kind] = fresh  # requests in flight finish on the old object
                reloaded.append(kind)
        return reloaded

    def get(self, kind: str, uow: UnitOfWork) -> MatchIndex:
        """The index to search: synced first when `sync_on_read`, else as the worker last left it."""
        index = self.opened(kind)
        if self.sync_on_read:
            self._wait_for_held_back(index, uow, index.sync(uow))
        return index

    def _wait_for_held_back(self, index: MatchIndex, uow: UnitOfWork, report: SyncReport) -> SyncReport:
        """Read your writes on PostgreSQL: changes already committed can be held back by another write
        transaction still open on the server (`store.changes`); wait for them a bounded while, syncing
        again, then go on (an answer reports what is still pending). Returns the syncs' sum."""
        if uow.engine.dialect.name != "postgresql":
            return report  # one writer at a time: a sync always reaches every committed change
        deadline = time.monotonic() + HELD_BACK_WAIT_S
        while (pending := index.status(uow).pending) and time.monotonic() < deadline:
            time.sleep(0.05)
            more = index.sync(uow)
            report = SyncReport(report.kind, report.indexed + more.indexed, report.removed + more.removed)
        return SyncReport(report.kind, report.indexed, report.removed, pending)

    def sync(
        self, kind: str, uow: UnitOfWork, *, max_batches: int | None = None, progress: Any = None
    ) -> SyncReport:
        """Apply the change feed to one index: all of it (waiting for held-back changes as `get` does), or
        at most `max_batches` batches (the background worker, which must never wait)."""
        index = self.opened(kind)
        report = index.sync(uow, max_batches=max_batches, progress=progress)
        return report if max_batches is not None else self._wait_for_held_back(index, uow, report)

    def sync_all(
        self, uow: UnitOfWork, progress: Callable[[str, int], Any] | None = None
    ) -> list[SyncReport]:
        """Bring every index up to date (the CLI's `kechuang index`, tests, scripts).

        `progress(kind, pending)` is called before each kind and returns a per-batch callback or None."""
        reports = []
        for kind in INDEXED:
            step = progress(kind, self.opened(kind).status(uow).pending) if progress else None
            report = self.sync(kind, uow, progress=step)
            reports.append(SyncReport(kind, len(self._open[kind].docs), report.removed))
        return reports

    def status(self, kind: str, uow: UnitOfWork) -> IndexStatus:
        return self.get(kind, uow).status(uow)
