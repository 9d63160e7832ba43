"""Relevance-ranked registry search: every query word must occur, BM25F ranks, the visibility rule applies.

The text of every registry record is in a lexical index kept in step with the database's change feed
(`services.match_index`); a list's `q` asks it for the best few hundred visible records, and the list then
reads those rows from the database under the same visibility condition (defence in depth) and its filters.
"""

from __future__ import annotations

from typing import Any, TypeVar

from typing_extensions import TypeIs

from kechuang.domain.access import Actor, can_see
from kechuang.domain.entities import Achievement, Record
from kechuang.domain.errors import InvalidInput
from kechuang.engine.lexical import AccessFilter
from kechuang.store.db import UnitOfWork, load_by_id
from kechuang.text.normalize import CJK_RUNS

R = TypeVar("R", bound=Record)
MAX_HITS = 1000  # a list's text search ranks at most this many records (pages beyond are never read)
MAX_QUERY_WORDS = 32
RELATED = 5
RELATED_MIN_COSINE = 0.22
"""A related achievement must be at least this close to the query in the embedding. Measured with USE on
`csl-discipline-en2zh`: 90 % of its 67 English discipline names have their best paper above 0.223 (median
0.279); of 20 off-topic phrases ("pizza delivery", "movie tickets") half stay under 0.179, and one in ten
reaches 0.254."""


def access_filter(actor: Actor) -> AccessFilter:
    """The engine-side form of the visibility rule for this actor."""
    return AccessFilter(
        everything=actor.is_admin, members=actor.authenticated, organization=actor.organization_id
    )


def live_and_visible(item: R | None, actor: Actor) -> TypeIs[R]:
    """A loaded record that was not merged away and that the actor may see (defence in depth)."""
    if item is None or item.merged_into_id is not None:
        return False
    return can_see(actor, item.visibility, item.owner_org_id)


def ranked_ids(actor: Actor, entity: str, q: str, uow: UnitOfWork, indexes: Any) -> list[int]:
    """Ids of the records matching every word of `q`, best first, among those the actor may see."""
    if len(set(q.split())) > MAX_QUERY_WORDS:
        raise InvalidInput(f"a search has at most {MAX_QUERY_WORDS} different words", field="q")
    lexical = indexes.get(entity, uow).lexical
    groups = [split_compounds(lexical.tokenize(" ".join(words))) for words in by_script(q.split()) if words]
    hits = lexical.search_all(groups, MAX_HITS, access_filter(actor))
    return [doc_id for doc_id, _ in hits]


def related_achievements(
    actor: Actor,
    q: str,
    uow: UnitOfWork,
    indexes: Any,
    exclude: frozenset[int] = frozenset(),
    limit: int = RELATED,
    min_cosine: float = RELATED_MIN_COSINE,
) -> list[Any]:
    """Achievements near the query's meaning though not holding its words: an English query over Chinese
    records finds nothing by words, so the site search shows these beside the exact matches. They come from
    the matching engine's hybrid search (the embedding, and field agreement for a short English query that
    names a field), among the records the actor may see; `exclude` leaves out those already listed."""
    text = " ".join(q.split())
    searcher = indexes.get("achievement", uow).searcher
    if not text or searcher.vectors is None or searcher.embedder is None:
        return []  # no embedding: nothing beyond the words
    hits = searcher.search(text, limit + len(exclude), access_filter(actor))
    close = [h.id for h in hits if h.dense_raw >= min_cosine and h.id not in exclude]
    found = load_by_id(uow, Achievement, close)
    return [item for i in close if live_and_visible(item := found.get(i), actor)][:limit]


def by_script(words: list[str]) -> list[list[str]]:
    """A mixed query's Chinese words and its other words: a record written in one language can hold either."""
    chinese = [word for word in words if CJK_RUNS.search(word)]
    return [chinese, [word for word in words if word not in chinese]]


def split_compounds(tokens: list[str]) -> tuple[list[str], list[str]]:
    """(parts, wholes): the segmenter's search mode gives a word and its parts (缺陷检测, 缺陷, 检测).

    A record must hold every part, not the whole: 缺陷的在线检测 is cut without the compound 缺陷检测,
    yet it is what the searcher means. Wholes still raise the score of records that hold them.
    """
    distinct = list(dict.fromkeys(tokens))
    wholes = [t for t in distinct if any(other != t and other in t for other in distinct)]
    return [t for t in distinct if t not in wholes], wholes
