"""BM25 over weighted fields, persisted and incremental, with visibility applied in every search.

Tantivy (Rust) holds the inverted index: it persists on disk, takes upserts and deletes without a
rebuild, and answers boolean queries; hidden documents are excluded from the ranking or dropped from an
over-fetched top before the page is cut, so they never show and pages stay full (`search_tokens`).
Text is tokenised by our own analyser (rjieba for Chinese, stemmed English) and stored space-joined,
so Tantivy's whitespace tokenizer sees exactly our tokens.

Fields are weighted the BM25F way: one indexed body where a title token counts `title` times, a keyword
token `keywords` times and an abstract token once, so every term has one document frequency. Summing
separate per-field BM25 scores instead gave terms found only in short titles a huge idf: on ChinaXiv
English->Chinese it scored MRR@10 0.32 against 0.46 for one body (1,000 queries, same tokens). Query
tokens count once each (repeating a query term's boost by its frequency cost 0.05-0.14 MRR there).
"""

from __future__ import annotations

import gc
import json
import math
import multiprocessing
import os
import pickle
import sys
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import tantivy

FIELD_WEIGHTS = {"title": 2, "keywords": 2, "text": 1}
VISIBILITIES = ("public", "members", "confidential")
"""Every indexed document has one of these (`kechuang.domain.enums.Visibility`); others are refused."""
PARALLEL_MIN = 20_000
"""From this many documents on, `LexicalIndex.bodies` tokenises in worker processes."""
PART_WEIGHT = 0.2
"""A query word's parts (锂电 电池 of 锂电池, `text.tokenize`) count this much beside whole words:
enough to find a document that writes the parts apart (缺陷的在线检测 for 缺陷检测), not enough to
count a compound three times over.
Chosen on the training sets (demand -> achievement lexical nDCG@10 flat from 0.1 to 0.3; eval/log.md)."""
POST_FILTER_MAX_SHARE = 0.5
POST_FILTER_MAX_FETCH = 50
"""Up to this share of hidden documents, and for pages of up to this many documents fetched, a search
filters the top of the unfiltered ranking (see `LexicalIndex.search_tokens`); otherwise the exclusion runs
inside the query from the start. The check of a fetched page costs about 0.1 ms per document at 1M (a
term-set query on the ids), so for deep pages the exclusion is as fast: measured at 1M documents, 4
segments, 56-token demand texts, 5 % hidden, load 2-3: top-10 unfiltered 17.0 ms, post-filter 19.3 ms,
exclusion 22.7 ms, the former positive filter clause 39.9 ms; top-100 13.8 / 24.9 / 21.0 / 31.3 ms."""
BODY = "body"
LEAD = "lead"
LEAD_CHARS = 300
"""A document's lead, stored beside its tokens for the second stage (`engine.rerank`): its title and keywords,
and the first `LEAD_CHARS` characters of its text."""
Tokenizer = Callable[[str], list[str]]


@dataclass(frozen=True)
class IndexedDoc:
    """What the lexical index keeps of one record: text fields, visibility and owner organization."""

    id: int
    title: str
    keywords: str = ""
    text: str = ""
    visibility: str = "public"
    owner: int = -1


@dataclass(frozen=True)
class AccessFilter:
    """Which documents a searcher may see; mirrors `kechuang.domain.access.can_see`."""

    everything: bool = False
    members: bool = False
    organization: int | None = None

    def allows(self, visibility: str, owner: int) -> bool:
        if self.everything or visibility == "public":
            return True
        if visibility == "members" and self.members:
            return True
        return self.organization is not None and owner == self.organization


PUBLIC_ONLY = AccessFilter()
EVERYTHING = AccessFilter(everything=True)


def _hidden_levels(access: AccessFilter) -> list[str]:
    """Visibility levels whose documents `access` sees only when its own organization owns them."""
    return ["confidential"] if access.members else ["members", "confidential"]


def _checked(visibility: str) -> str:
    if visibility not in VISIBILITIES:
        raise ValueError(f"visibility must be one of {VISIBILITIES}, not {visibility!r}")
    return visibility


def _weighted_body(tokenize: Tokenizer, weights: dict[str, int], values: Sequence[str]) -> str:
    parts = []
    for value, repeat in zip(values, weights.values(), strict=True):
        tokens = " ".join(tokenize(value))
        if tokens:
            parts.extend([tokens] * repeat)
    return " ".join(parts)


_worker: tuple[Tokenizer, dict[str, int]] | None = None  # set in each pool worker by _start_worker


def _start_worker(tokenize: Tokenizer, weights: dict[str, int]) -> None:
    global _worker
    _worker = (tokenize, weights)
    # A forked worker inherits the parent's objects (a bulk load may hold millions): keep the cyclic
    # garbage collector from walking them, which costs time and copies every page it touches.
    gc.freeze()


def _bodies_of(fields: list[tuple[str, ...]]) -> list[str]:
    assert _worker is not None
    tokenize, weights = _worker
    return [_weighted_body(tokenize, weights, values) for values in fields]


def _parallel_bodies(
    tokenize: Tokenizer, weights: dict[str, int], fields: list[tuple[str, ...]], workers: int, chunk: int
) -> list[str] | None:
    """Bodies from a pool of worker processes; None when the tokeniser does not pickle or the pool fails.

    On Linux the workers are forked: they only run the tokeniser (Python, rjieba, PyStemmer), never the
    Tantivy, faiss or BLAS threads the parent may hold, and a spawned worker would re-import the
    caller's main module. Elsewhere they are spawned.
    """
    try:
        pickle.dumps((tokenize, weights))
    except Exception:
        return None
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    context = multiprocessing.get_context(method)
    try:
        with ProcessPoolExecutor(
            workers, context, initializer=_start_worker, initargs=(tokenize, weights)
        ) as pool:
            parts = pool.map(_bodies_of, [fields[i : i + chunk] for i in range(0, len(fields), chunk)])
            return [body for part in parts for body in part]
    except (OSError, BrokenProcessPool):
        return None


def _schema(weights: dict[str, int], leads: bool = True) -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, indexed=True, fast=True)
    builder.add_text_field(BODY, tokenizer_name="whitespace", index_option="freq")
    builder.add_text_field("visibility", tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("owner", indexed=True, fast=True)
    if leads:
        builder.add_bytes_field(LEAD, stored=True)
    return builder.build()


def lead_parts(doc: IndexedDoc) -> tuple[str, str]:
    """A document's lead: title and keywords, then the start of the text."""
    return f"{doc.title} {doc.keywords}".strip(), doc.text[:LEAD_CHARS]


def lead_of(doc: IndexedDoc) -> bytes:
    """The stored lead of a document (`lead_parts` as JSON, UTF-8)."""
    return json.dumps(list(lead_parts(doc)), ensure_ascii=False).encode()


class LexicalIndex:
    """A field-weighted BM25 index of records, in memory or in a folder."""

    def __init__(
        self,
        tokenize: Tokenizer,
        folder: Path | None = None,
        weights: dict[str, int] | None = None,
        *,
        leads: bool = True,
        query_tokenize: Tokenizer | None = None,
    ) -> None:
        self.tokenize = tokenize
        self.query_tokenize = query_tokenize or tokenize
        """Cuts query text (`search`, the hybrid searcher): an analyser's `query_tokens`, whose precise-mode
        words are all among its index tokens of the same text (`text.tokenize`)."""
        self.weights = dict(weights or FIELD_WEIGHTS)
        self.schema = _schema(self.weights, leads)
        self.has_leads = leads
        """Whether documents' leads are stored (`lead_of`, read by the second stage). False when not asked
        for, and for an index written before leads were stored: it searches as before, without a second
        stage, until `kechuang index --rebuild` writes it again."""
        if folder is None:
            self._index = tantivy.Index(self.schema)
        else:
            folder.mkdir(parents=True, exist_ok=True)
            try:
                self._index = tantivy.Index(self.schema, path=str(folder), reuse=True)
            except ValueError:  # "the schema does not match": an index from before the stored lead
                if not leads:
                    raise
                self.schema, self.has_leads = _schema(self.weights, leads=False), False
                self._index = tantivy.Index(self.schema, path=str(folder), reuse=True)

    def __len__(self) -> int:
        self._index.reload()
        return int(self._index.searcher().num_docs)

    def upsert(
        self,
        docs: Iterable[IndexedDoc],
        *,
        threads: int = 1,
        heap_mb: int = 256,
        processes: int | None = None,
    ) -> int:
        """Add or replace documents (by id) and commit; returns how many were written.

        Many documents at once (`PARALLEL_MIN` or more) are tokenised in a process pool (see `bodies`).
        """
        docs = list(docs)
        for doc in docs:
            _checked(doc.visibility)
        bodies = self.bodies(docs, processes=processes)
        writer = self._index.writer(heap_mb * 1_000_000, threads)
        for doc, body in zip(docs, bodies, strict=True):
            writer.delete_documents_by_term("id", doc.id)
            fields: dict[str, Any] = {"id": doc.id, "visibility": doc.visibility, "owner": doc.owner}
            fields[BODY] = body
            if self.has_leads:
                fields[LEAD] = lead_of(doc)
            writer.add_document(tantivy.Document(**fields))
        writer.commit()
        writer.wait_merging_threads()
        self._index.reload()
        return len(docs)

    def body(self, doc: IndexedDoc) -> str:
        """The weighted token body of a document, space-joined."""
        return _weighted_body(self.tokenize, self.weights, [getattr(doc, name) for name in self.weights])

    def bodies(
        self, docs: Sequence[IndexedDoc], *, processes: int | None = None, chunk: int = 1000
    ) -> list[str]:
        """`body` of each document, in order. Tokenising is 85-90 % of indexing time (one core does about
        3,000 documents of 200 tokens a second), so from `PARALLEL_MIN` documents on it runs in a pool of
        `processes` worker processes (default: one per CPU), `chunk` documents per task. Falls back to
        this process when the tokeniser cannot be sent to a worker (a lambda, a closure) or no pool starts.
        """
        fields = [tuple(getattr(doc, name) for name in self.weights) for doc in docs]
        workers = processes if processes is not None else (os.cpu_count() or 1)
        if workers > 1 and len(fields) >= PARALLEL_MIN:
            parallel = _parallel_bodies(self.tokenize, self.weights, fields, workers, chunk)
            if parallel is not None:
                return parallel
        return [_weighted_body(self.tokenize, self.weights, values) for values in fields]

    def add_bodies(
        self, rows: Iterable[tuple[Any, ...]], *, threads: int = 1, heap_mb: int = 512
    ) -> int:
        """Bulk-load (id, body, visibility, owner[, lead]) into an empty index: no deletes, the fastest path.

        `lead` is `lead_of(doc)`; a document loaded without one gets no second stage (`engine.rerank`)."""
        writer = self._index.writer(heap_mb * 1_000_000, threads)
        written = 0
        for doc_id, body, visibility, owner, *lead in rows:
            fields: dict[str, Any] = {"id": doc_id, "visibility": _checked(visibility), "owner": owner}
            fields[BODY] = body
            if self.has_leads and lead:
                fields[LEAD] = lead[0]
            writer.add_document(tantivy.Document(**fields))
            written += 1
        writer.commit()
        writer.wait_merging_threads()
        self._index.reload()
        return written

    def delete(self, ids: Iterable[int]) -> None:
        writer = self._index.writer(50_000_000, 1)
        for doc_id in ids:
            writer.delete_documents_by_term("id", doc_id)
        writer.commit()
        writer.wait_merging_threads()
        self._index.reload()

    def _term(self, field: str, value: str | int) -> tantivy.Query:
        return tantivy.Query.term_query(self.schema, field, value)

    def _hidden(self, access: AccessFilter) -> tantivy.Query | None:
        """The documents `access` may not see (None: it sees everything).

        Stated as an exclusion: (members or confidential) and not owned by the searcher's organization.
        Exact because every indexed document has one of `VISIBILITIES` (checked when it is written).
        """
        if access.everything:
            return None
        either = tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, self._term("visibility", v)) for v in _hidden_levels(access)]
        )
        if access.organization is None:
            return either
        return tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Must, either),
                (tantivy.Occur.MustNot, self._term("owner", access.organization)),
            ]
        )

    def _hidden_share(self, searcher: Any, access: AccessFilter) -> float:
        """At most the share of documents `access` may not see (documents of its own organization count)."""
        total = int(searcher.num_docs)
        if total == 0:
            return 0.0
        hidden = sum(int(searcher.doc_freq("visibility", v)) for v in _hidden_levels(access))
        return min(1.0, hidden / total)

    def _top(self, searcher: Any, query: tantivy.Query, k: int) -> list[tuple[int, float]]:
        hits = searcher.search(query, k, count=False).hits
        ids = searcher.fast_field_values("id", [address for _, address in hits])
        return [(int(doc_id), float(score)) for (score, _), doc_id in zip(hits, ids, strict=True)]

    def search_tokens(
        self,
        tokens: Sequence[str],
        k: int,
        access: AccessFilter = EVERYTHING,
        only: Iterable[int] | None = None,
        parts: Sequence[str] = (),
    ) -> list[tuple[int, float]]:
        """Top-k (id, BM25 score) for query tokens (and `parts` weighed `PART_WEIGHT`); hidden documents never
        enter the ranking.

        A plain disjunction of term queries is what Tantivy ranks fastest (block-max WAND skips documents
        that cannot reach the top k); a required filter clause makes it score every matching document,
        an excluded one much less so. So the hidden documents are excluded (MUST_NOT) rather than the
        visible ones required; and when few documents are hidden from the searcher and the page is
        short, the disjunction alone is asked for a few more than k (by the share of hidden documents),
        the hidden ones among them are found by a small second query and dropped, and if fewer than k
        visible remain the excluding query runs after all. Either way the page holds the top k visible
        documents.
        """
        distinct = list(dict.fromkeys(tokens))
        whole = set(distinct)
        other = [t for t in dict.fromkeys(parts) if t not in whole]
        if (not distinct and not other) or k < 1:
            return []
        clauses = [(tantivy.Occur.Should, self._term(BODY, t)) for t in distinct]
        clauses += [
            (tantivy.Occur.Should, tantivy.Query.boost_query(self._term(BODY, t), PART_WEIGHT)) for t in other
        ]
        query = tantivy.Query.boolean_query(clauses)
        hidden = self._hidden(access)
        searcher = self._index.searcher()
        if only is not None:  # e.g. an evaluation's candidate list: rank only these documents
            subset = tantivy.Query.term_set_query(self.schema, "id", [int(i) for i in only])
            must = [
                (tantivy.Occur.Must, query),
                (tantivy.Occur.Must, tantivy.Query.const_score_query(subset, 0.0)),
            ]
            if hidden is not None:
                must.append((tantivy.Occur.MustNot, hidden))
            return self._top(searcher, tantivy.Query.boolean_query(must), k)
        if hidden is None:
            return self._top(searcher, query, k)
        share = self._hidden_share(searcher, access)
        if share == 0.0:
            return self._top(searcher, query, k)
        fetch = k + math.ceil(1.5 * k * share / (1.0 - share)) + 5 if share < 1.0 else 0
        if share <= POST_FILTER_MAX_SHARE and fetch <= POST_FILTER_MAX_FETCH:
            found = self._top(searcher, query, fetch)
            visible = self._drop_hidden(searcher, found, hidden)
            if len(visible) >= k or len(found) < fetch:  # k visible, or every match was seen
                return visible[:k]
        excluded = tantivy.Query.boolean_query([*clauses, (tantivy.Occur.MustNot, hidden)])
        return self._top(searcher, excluded, k)

    def _drop_hidden(
        self, searcher: Any, found: list[tuple[int, float]], hidden: tantivy.Query
    ) -> list[tuple[int, float]]:
        if not found:
            return found
        among = tantivy.Query.term_set_query(self.schema, "id", [doc_id for doc_id, _ in found])
        query = tantivy.Query.boolean_query([(tantivy.Occur.Must, among), (tantivy.Occur.Must, hidden)])
        drop = {doc_id for doc_id, _ in self._top(searcher, query, len(found))}
        return [hit for hit in found if hit[0] not in drop] if drop else found

    def search_all(
        self,
        groups: Sequence[tuple[Sequence[str], Sequence[str]]],
        k: int,
        access: AccessFilter = EVERYTHING,
    ) -> list[tuple[int, float]]:
        """Top-k (id, BM25 score) of the visible documents holding every required token of some group.

        Each group is (required, optional): a search box's words are all required (`battery water` is not a
        battery search); optional tokens only add to the score. Several groups are alternatives, e.g. the
        Chinese and the English words of a mixed query, since many records are written in one language.
        """
        alternatives = []
        for required, optional in groups:
            needed = list(dict.fromkeys(required))
            if needed:
                inner = [(tantivy.Occur.Must, self._term(BODY, token)) for token in needed]
                extra = [t for t in dict.fromkeys(optional) if t not in needed]
                inner += [(tantivy.Occur.Should, self._term(BODY, token)) for token in extra]
                alternatives.append((tantivy.Occur.Should, tantivy.Query.boolean_query(inner)))
        if not alternatives or k < 1:
            return []
        hidden = self._hidden(access)
        if hidden is not None:
            alternatives.append((tantivy.Occur.MustNot, hidden))
        return self._top(self._index.searcher(), tantivy.Query.boolean_query(alternatives), k)

    def query_cuts(self, text: str) -> tuple[list[str], list[str]]:
        """A query's whole words (`query_tokenize`) and its cut as the documents are cut, whose other tokens
        `search_tokens` weighs as parts (the same list, cut once, when both tokenizers are one)."""
        whole = self.query_tokenize(text)
        return whole, (self.tokenize(text) if self.query_tokenize != self.tokenize else whole)

    def search(self, text: str, k: int, access: AccessFilter = EVERYTHING) -> list[tuple[int, float]]:
        """As the hybrid searcher asks: the query's whole words, with its other tokens as parts."""
        whole, cut = self.query_cuts(text)
        return self.search_tokens(whole, k, access, parts=cut)

    def document_frequency(self, token: str) -> int:
        """How many documents hold `token` (query coverage, concept weights in explanations)."""
        return int(self._index.searcher().doc_freq(BODY, token))

    def idf(self) -> Callable[[str], float]:
        """BM25's idf of a token, log(1 + (N - df + 0.5) / (df + 0.5)), from one searcher, kept per token."""
        searcher = self._index.searcher()
        total = int(searcher.num_docs)
        known: dict[str, float] = {}

        def idf(token: str) -> float:
            if token not in known:
                df = int(searcher.doc_freq(BODY, token))
                known[token] = math.log(1 + (total - df + 0.5) / (df + 0.5))
            return known[token]

        return idf

    def leads(self, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
        """The stored (title and keywords, start of text) of these documents; empty for an index without
        leads (`has_leads`)."""
        if not self.has_leads or not ids:
            return {}
        searcher = self._index.searcher()
        query = tantivy.Query.term_set_query(self.schema, "id", [int(i) for i in ids])
        found: dict[int, tuple[str, str]] = {}
        for _score, address in searcher.search(query, len(ids), count=False).hits:
            doc = searcher.doc(address)
            stored = doc.get_first(LEAD)
            if stored is not None:
                title, text = json.loads(bytes(stored).decode())
                found[int(cast(int, doc.get_first("id")))] = (title, text)
        return found
