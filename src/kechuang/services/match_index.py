"""The registry's matching indexes: one hybrid index per searchable entity, in step with the database.

Each index lives in a folder (lexical BM25 by Tantivy, vectors, visibility table, sync state). `sync`
brings it up to date incrementally: records changed since the last sync are re-indexed, merged ones removed.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select

from kechuang.domain.codes import code_table
from kechuang.domain.entities import Achievement, Demand, InvestorProfile, Project, Record
from kechuang.engine.hybrid import DocTable, FusionConfig, HybridSearcher
from kechuang.engine.lexical import IndexedDoc, LexicalIndex
from kechuang.store.db import UnitOfWork
from kechuang.text.normalize import CJK_RUNS, normalize
from kechuang.text.tokenize import Analyzer

INDEXED: dict[str, Any] = {
    "achievement": Achievement,
    "demand": Demand,
    "investor": InvestorProfile,
    "project": Project,  # funded projects: expertise evidence of their PIs and host organizations
}
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
    """The searchable text of an achievement, demand or investor profile, both languages together."""
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
        saved = path.read_text(encoding="utf-8").splitlines() if path is not None and path.exists() else []
        self.add(base, persist=False)
        self.add(saved, persist=False)

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


class MatchIndex:
    """A persisted hybrid index of one entity kind."""

    def __init__(
        self,
        folder: Path,
        kind: str,
        tokenize: Any,
        embedder: Any | None,
        fusion: FusionConfig | None = None,
        dictionary: DomainDictionary | None = None,
    ) -> None:
        from kechuang.engine.vectors import VectorIndex

        self.folder, self.kind, self.embedder, self.dictionary = folder, kind, embedder, dictionary
        folder.mkdir(parents=True, exist_ok=True)
        self.lexical = LexicalIndex(tokenize, folder / "lexical")
        state = json.loads((folder / "state.json").read_text()) if (folder / "state.json").exists() else {}
        self.last_sync = datetime.fromisoformat(state["last_sync"]) if state.get("last_sync") else None
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

    def sync(self, uow: UnitOfWork) -> SyncReport:
        """Re-index records changed since the last sync; drop merged ones."""
        model = INDEXED[self.kind]
        stmt = select(model)
        if self.last_sync is not None:
            stmt = stmt.where(model.updated_at > self.last_sync)
        with uow() as session:
            changed: list[Record] = list(session.scalars(stmt))
        if not changed:
            return SyncReport(self.kind, 0, 0)
        live = [item for item in changed if item.merged_into_id is None]
        gone = [item.id for item in changed if item.merged_into_id is not None and item.id is not None]
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
        self.last_sync = max(item.updated_at for item in changed if item.updated_at is not None)
        self._save()
        return SyncReport(self.kind, len(documents), len(gone))

    def _save(self) -> None:
        if self.vectors is not None and self.embedder is not None:
            self.vectors.save(self.folder / f"vectors-{self.embedder.name}")
        state = {
            "last_sync": self.last_sync.isoformat() if self.last_sync else None,
            "docs": self.docs.to_json(),
        }
        tmp = self.folder / "state.json.tmp"
        tmp.write_text(json.dumps(state))
        tmp.replace(self.folder / "state.json")


class MatchIndexes:
    """All matching indexes of an installation, opened lazily and synced before each use."""

    def __init__(self, folder: Path, embedder_name: str = "use", fusion: FusionConfig | None = None) -> None:
        self.folder, self.embedder_name, self.fusion = folder, embedder_name, fusion
        self._open: dict[str, MatchIndex] = {}
        self._embedder: Any = None
        self._dictionary: DomainDictionary | None = None
        self._lock = threading.Lock()  # one writer per index: requests and the warm-up thread take turns
        self.keyword_vectors: dict[str, Any] = {}  # explanation keywords, embedded once per process

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

    def get(self, kind: str, uow: UnitOfWork) -> MatchIndex:
        with self._lock:
            if kind not in self._open:
                words = self.dictionary
                self._open[kind] = MatchIndex(
                    self.folder / kind, kind, words.analyzer.tokens, self.embedder, self.fusion, words
                )
            index = self._open[kind]
            index.sync(uow)
        return index

    def sync_all(self, uow: UnitOfWork) -> list[SyncReport]:
        reports = []
        for kind in INDEXED:
            self.get(kind, uow)
            reports.append(SyncReport(kind, len(self._open[kind].docs), 0))
        return reports
