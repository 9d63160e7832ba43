"""HybridSearcher and DocTable: cached access filters follow every change; hidden documents never show."""

from __future__ import annotations

import random

import numpy as np
import pytest

from kechuang.engine.dense import make_embedder
from kechuang.engine.hybrid import DocTable, HybridSearcher
from kechuang.engine.lexical import EVERYTHING, PUBLIC_ONLY, AccessFilter, LexicalIndex
from kechuang.engine.vectors import VectorIndex

MEMBER = AccessFilter(members=True, organization=3)


def test_allowed_ids_are_sorted_read_only_and_cached_until_a_change():
    table = DocTable()
    for doc_id, visibility, owner in [
        (9, "public", 1),
        (2, "members", 1),
        (5, "confidential", 3),
        (7, "confidential", 4),
    ]:
        table.set(doc_id, visibility, owner)
    first = table.allowed(MEMBER)
    assert first is not None and list(first) == [2, 5, 9]
    assert not first.flags.writeable
    assert table.allowed(MEMBER) is first  # cached per filter
    assert list(table.allowed(PUBLIC_ONLY)) == [9]
    assert table.allowed(EVERYTHING) is None
    assert list(table.allowed(EVERYTHING, only=np.array([7, 2, 100]))) == [2, 7]
    assert list(table.allowed(MEMBER, only=np.array([5, 7]))) == [5]
    table.set(9, "confidential", 1)  # a change drops the cached arrays
    assert list(table.allowed(MEMBER)) == [2, 5]
    table.remove(2)
    assert list(table.allowed(MEMBER)) == [5]
    again = DocTable.from_json(table.to_json())
    assert list(again.allowed(MEMBER)) == [5]


def test_the_cache_keeps_a_bounded_number_of_filters():
    table = DocTable()
    for doc_id in range(50):
        table.set(doc_id, "confidential", doc_id)
    for org in range(3 * DocTable.CACHED_FILTERS):
        assert list(table.allowed(AccessFilter(organization=org))) == [org]
    assert len(table._allowed) == DocTable.CACHED_FILTERS


@pytest.mark.parametrize("kind", ["exact", "hnsw"])
def test_vector_filter_cache_follows_index_changes(kind):
    """Allowed sets above EXACT_BELOW go through the HNSW bitmap, which is cached with the rows."""
    if kind == "hnsw":
        pytest.importorskip("faiss")
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((12_000, 16)).astype(np.float32)
    index = VectorIndex(16, kind=kind)
    index.add(np.arange(10_000), vectors[:10_000])
    allowed = np.arange(0, 12_000, 2)
    allowed.flags.writeable = False
    found, _ = index.search(vectors[10_002], 10, allowed=allowed)
    assert 10_002 not in found and set(found.tolist()) <= set(allowed.tolist())
    index.add(np.array([10_002]), vectors[10_002:10_003])  # the cached rows and bitmap are dropped
    found, _ = index.search(vectors[10_002], 10, allowed=allowed)
    assert found[0] == 10_002
    index.remove([10_002])
    found, _ = index.search(vectors[10_002], 10, allowed=allowed)
    assert 10_002 not in found and len(found) == 10
    # a writeable array is mapped anew on every search: changing it in place is seen
    mutable = np.arange(0, 12_000, 2)
    first, _ = index.search(vectors[4], 1, allowed=mutable)
    mutable[2] = 5  # drops id 4
    second, _ = index.search(vectors[4], 1, allowed=mutable)
    assert first[0] == 4 and second[0] != 4


def test_hybrid_search_never_returns_hidden_documents_and_fills_its_page(tmp_path):
    rng = random.Random(1)
    words = [f"w{i}" for i in range(30)]
    embedder = make_embedder("hashing")
    lexical = LexicalIndex(str.split, tmp_path / "lexical")
    docs, vectors = DocTable(), VectorIndex(embedder.dim, kind="exact")
    rows = []
    for doc_id in range(1, 301):
        body = " ".join(rng.choices(words, k=12))
        visibility = rng.choices(["public", "members", "confidential"], [0.5, 0.2, 0.3])[0]
        rows.append((doc_id, body, visibility, rng.randint(1, 4)))
        docs.set(doc_id, visibility, rows[-1][3])
    lexical.add_bodies(rows)
    vectors.add([r[0] for r in rows], embedder.encode([r[1] for r in rows]))
    meta = {doc_id: (visibility, owner) for doc_id, _, visibility, owner in rows}
    searcher = HybridSearcher(lexical, vectors, embedder, docs)
    for access in (PUBLIC_ONLY, MEMBER, AccessFilter(organization=2)):
        for _ in range(10):
            text = " ".join(rng.sample(words, 5))
            hits = searcher.search(text, 20, access)
            assert len(hits) == 20
            assert all(access.allows(*meta[h.id]) for h in hits)
            # the embedding computed alongside the lexical search is the one a caller would pass
            given = searcher.search(text, 20, access, query_vector=embedder.encode([text], kind="query")[0])
            assert [h.id for h in given] == [h.id for h in hits]


def test_query_tokens_drop_demand_boilerplate_but_never_empty_a_query():
    from kechuang.engine.hybrid import query_tokens
    from kechuang.text.tokenize import tokenize

    tokens = query_tokens(tokenize("预期目标：研制满足公司需求的高精度传感器，合作方式：委托开发"))
    assert "传感器" in tokens and "高精度" in tokens
    assert not {"预期", "目标", "研制", "满足", "公司", "需求", "合作", "方式"} & set(tokens)
    assert query_tokens(["需求", "合作"]) == ["需求", "合作"]  # nothing else left: keep what there is


def test_adaptive_share_keeps_its_endpoints_and_moves_only_with_weights():
    from kechuang.engine.hybrid import QUERY_FEATURES, adaptive_share, fuse, query_features

    lexical = {1: 9.0, 2: 3.0, 3: 1.0}
    dense = {1: 0.8, 4: 0.5}
    features = query_features(lexical, dense, ["热失控", "battery"])
    assert features.shape == (len(QUERY_FEATURES),)
    assert ((features >= 0) & (features <= 1)).all()
    assert features[QUERY_FEATURES.index("agreement")] == 0.1  # one shared document in the two top-10s
    assert features[QUERY_FEATURES.index("cjk")] == 0.5
    weights = (0.5,) + (1.0,) * len(QUERY_FEATURES)
    assert adaptive_share(0.4, features, ()) == 0.4
    assert adaptive_share(0.0, features, weights) == 0.0  # dense only stays dense only
    assert adaptive_share(1.0, features, weights) == 1.0
    assert 0.4 < adaptive_share(0.4, features, weights) < 1.0
    hits = fuse(lexical, dense, 0.3, 2)
    assert [h.share for h in hits] == [0.3, 0.3]
