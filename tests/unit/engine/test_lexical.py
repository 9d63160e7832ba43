"""LexicalIndex: the access filter keeps hidden documents out of every page, and pages stay full."""

from __future__ import annotations

import random

import pytest

from kechuang.engine.lexical import EVERYTHING, PUBLIC_ONLY, AccessFilter, IndexedDoc, LexicalIndex

WORDS = [f"w{i}" for i in range(40)]
FILTERS = [
    PUBLIC_ONLY,
    AccessFilter(members=True),
    AccessFilter(organization=3),
    AccessFilter(members=True, organization=3),
    AccessFilter(members=True, organization=99),  # owns nothing
    EVERYTHING,
]


def corpus(n: int = 400, seed: int = 0) -> list[tuple[int, str, str, int]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        body = " ".join(rng.choices(WORDS, k=rng.randint(3, 30)))
        visibility = rng.choices(["public", "members", "confidential"], [0.6, 0.25, 0.15])[0]
        rows.append((1000 + i * 7, body, visibility, rng.randint(1, 6)))
    return rows


@pytest.fixture(scope="module")
def indexed(tmp_path_factory) -> tuple[LexicalIndex, dict[int, tuple[str, int]]]:
    index = LexicalIndex(str.split, tmp_path_factory.mktemp("lexical"))
    rows = corpus()
    index.add_bodies(rows)
    return index, {doc_id: (visibility, owner) for doc_id, _, visibility, owner in rows}


def reference(index: LexicalIndex, tokens: list[str], k: int, access: AccessFilter, meta) -> list[int]:
    """The whole unfiltered ranking, hidden documents dropped afterwards, cut to k."""
    ranking = index.search_tokens(tokens, 10_000)
    return [doc for doc, _ in ranking if access.allows(*meta[doc])][:k]


@pytest.mark.parametrize("access", FILTERS, ids=str)
@pytest.mark.parametrize("k", [1, 10, 100])
def test_filtered_pages_are_the_top_of_the_visible_ranking(indexed, access, k):
    index, meta = indexed
    rng = random.Random(k)
    for _ in range(25):
        tokens = rng.sample(WORDS, rng.randint(1, 12))
        found = index.search_tokens(tokens, k, access)
        ids = [doc for doc, _ in found]
        assert all(access.allows(*meta[doc]) for doc in ids)
        assert ids == reference(index, tokens, k, access, meta)
        assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)


def test_a_page_of_hidden_top_hits_is_refilled_with_visible_ones(tmp_path):
    """The best matches all belong to other organizations' confidential records: the page still holds
    k visible results (the post-filter falls back to the exclusion query) and none of the secrets."""
    index = LexicalIndex(str.split, tmp_path / "lexical")
    rows = [(i, "secret secret secret term", "confidential", 5) for i in range(1, 61)]
    rows += [(100 + i, "term " + "filler " * (i % 7), "public", 1) for i in range(200)]
    rows += [(400 + i, "secret other words here", "members", 2) for i in range(30)]
    index.add_bodies(rows)
    meta = {doc_id: (visibility, owner) for doc_id, _, visibility, owner in rows}
    for access in (PUBLIC_ONLY, AccessFilter(members=True, organization=1)):
        found = [doc for doc, _ in index.search_tokens(["secret", "term"], 10, access)]
        assert len(found) == 10
        assert all(access.allows(*meta[doc]) for doc in found)
        assert not any(meta[doc][0] == "confidential" for doc in found)
    # the owner sees its own confidential records first
    found = [doc for doc, _ in index.search_tokens(["secret"], 10, AccessFilter(organization=5))]
    assert len(found) == 10 and all(doc <= 60 for doc in found)
    # fewer visible matches than k: all of them, nothing hidden
    found = [doc for doc, _ in index.search_tokens(["secret"], 10, PUBLIC_ONLY)]
    assert found == []
    found = [doc for doc, _ in index.search_tokens(["secret"], 50, AccessFilter(members=True))]
    assert sorted(found) == list(range(400, 430))


def test_only_restricts_candidates_together_with_the_access_filter(indexed):
    index, meta = indexed
    only = sorted(meta)[::3]
    access = AccessFilter(members=True, organization=3)
    found = [doc for doc, _ in index.search_tokens(WORDS[:8], 20, access, only=only)]
    assert found and set(found) <= set(only)
    expected = [doc for doc in reference(index, WORDS[:8], 10_000, access, meta) if doc in set(only)][:20]
    assert found == expected


def test_upserts_and_deletes_change_what_a_searcher_sees(tmp_path):
    index = LexicalIndex(str.split, tmp_path / "lexical")
    index.upsert([IndexedDoc(1, "alpha", visibility="public"), IndexedDoc(2, "alpha beta", owner=4)])
    outsider = AccessFilter(members=True, organization=9)
    assert {d for d, _ in index.search_tokens(["alpha"], 10, outsider)} == {1, 2}
    index.upsert([IndexedDoc(2, "alpha beta", visibility="confidential", owner=4)])
    assert {d for d, _ in index.search_tokens(["alpha"], 10, outsider)} == {1}
    assert {d for d, _ in index.search_tokens(["alpha"], 10, AccessFilter(organization=4))} == {1, 2}
    index.delete([1])
    assert index.search_tokens(["alpha"], 10, outsider) == []


def test_unknown_visibilities_are_refused(tmp_path):
    """The filter excludes members and confidential records: it is exact only for known levels."""
    index = LexicalIndex(str.split, tmp_path / "lexical")
    with pytest.raises(ValueError):
        index.add_bodies([(1, "alpha", "secret", 1)])
    with pytest.raises(ValueError):
        index.upsert([IndexedDoc(1, "alpha", visibility="internal")])


def test_many_documents_are_tokenised_in_worker_processes_with_the_same_bodies(monkeypatch, tmp_path):
    import kechuang.engine.lexical as module
    from kechuang.text.tokenize import tokenize

    monkeypatch.setattr(module, "PARALLEL_MIN", 10)
    index = LexicalIndex(tokenize, tmp_path / "lexical")
    docs = [
        IndexedDoc(i, f"锂电池 title {i}", "储能；battery", f"正极材料的研究 {i}。Li-ion cells." * (i % 3))
        for i in range(40)
    ]
    serial = [index.body(doc) for doc in docs]
    assert index.bodies(docs, processes=2, chunk=7) == serial
    assert index.bodies(docs, processes=1) == serial
    # a tokeniser that cannot be sent to a worker is run here
    local = LexicalIndex(lambda text: tokenize(text), tmp_path / "local")
    assert local.bodies(docs, processes=2) == serial
    assert index.upsert(docs, processes=2) == 40
    assert [d for d, _ in index.search("锂电池", 3)] and len(index) == 40


def test_search_cuts_the_query_with_the_query_tokenizer() -> None:
    from kechuang.text.tokenize import query_tokenize, tokenize

    docs = [IndexedDoc(1, "锂电池储能"), IndexedDoc(2, "电池管理"), IndexedDoc(3, "锂离子电池")]
    same = LexicalIndex(tokenize)
    same.upsert(docs)
    # search mode cuts 锂电池 into 锂电 电池 锂电池: every battery document matches a part
    assert sorted(d for d, _ in same.search("锂电池", 5)) == [1, 2, 3]
    precise = LexicalIndex(tokenize, query_tokenize=query_tokenize)
    precise.upsert(docs)
    # the precise query asks for the whole word, which the index holds among its search-mode tokens
    assert [d for d, _ in precise.search_tokens(query_tokenize("锂电池"), 5)] == [1]
    assert sorted(d for d, _ in precise.search("电池", 5)) == [1, 2, 3]
    # its parts, weighed PART_WEIGHT, find the documents that hold only parts, below the one with the word
    found = precise.search("锂电池", 5)
    assert found == precise.search_tokens(query_tokenize("锂电池"), 5, parts=tokenize("锂电池"))
    assert found[0][0] == 1 and sorted(d for d, _ in found) == [1, 2, 3]
    by_id = dict(found)
    assert by_id[2] < by_id[1] / 2
    assert precise.search_tokens([], 5, parts=["电池"]) and not precise.search_tokens([], 5)
