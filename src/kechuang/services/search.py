"""Relevance-ranked registry search: every query word must occur, BM25F ranks, the visibility rule applies.

The text of every registry record is in a lexical index kept in step with the database's change feed
(`services.match_index`); a list's `q` asks it for the best few hundred visible records, and the list then
reads those rows from the database under the same visibility condition (defence in depth) and its filters.
"""

from __future__ import annotations

from typing import Any

from kechuang.domain.access import Actor
from kechuang.domain.errors import InvalidInput
from kechuang.engine.lexical import AccessFilter
from kechuang.store.db import UnitOfWork
from kechuang.text.normalize import CJK_RUNS

MAX_HITS = 1000  # a list's text search ranks at most this many records (pages beyond are never read)
MAX_QUERY_WORDS = 32


def access_filter(actor: Actor) -> AccessFilter:
    """The engine-side form of the visibility rule for this actor."""
    return AccessFilter(
        everything=actor.is_admin, members=actor.authenticated, organization=actor.organization_id
    )


def ranked_ids(actor: Actor, entity: str, q: str, uow: UnitOfWork, indexes: Any) -> list[int]:
    """Ids of the records matching every word of `q`, best first, among those the actor may see."""
    if len(set(q.split())) > MAX_QUERY_WORDS:
        raise InvalidInput(f"a search has at most {MAX_QUERY_WORDS} different words", field="q")
    lexical = indexes.get(entity, uow).lexical
    groups = [split_compounds(lexical.tokenize(" ".join(words))) for words in by_script(q.split()) if words]
    hits = lexical.search_all(groups, MAX_HITS, access_filter(actor))
    return [doc_id for doc_id, _ in hits]


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
