"""VectorIndex in both layouts: nearest of a stored vector, upsert, remove, persistence, filtered search."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from kechuang.engine.vectors import VectorIndex

# The exact layout needs numpy only; the hnsw cases need faiss-cpu and skip without it.
HAVE_FAISS = importlib.util.find_spec("faiss") is not None

LAYOUTS = [
    "exact",
    pytest.param("hnsw", marks=pytest.mark.skipif(not HAVE_FAISS, reason="faiss-cpu not installed")),
]


def unit_rows(n: int, dim: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    matrix = rng.standard_normal((n, dim)).astype(np.float32)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def filled(kind: str, n: int = 2000, dim: int = 32) -> tuple[VectorIndex, np.ndarray, np.ndarray]:
    ids = np.arange(n, dtype=np.int64) * 3 + 100  # sparse, not row numbers
    vectors = unit_rows(n, dim)
    index = VectorIndex(dim, kind=kind)
    index.add(ids, vectors)
    return index, ids, vectors


@pytest.mark.parametrize("kind", LAYOUTS)
def test_a_stored_vector_finds_itself_first_with_cosine_one(kind):
    index, ids, vectors = filled(kind)
    assert len(index) == len(ids)
    for row in (0, 17, 1999):
        found, scores = index.search(vectors[row], 5)
        assert found[0] == ids[row]
        assert scores[0] == pytest.approx(1.0, abs=1e-4)
        assert list(scores) == sorted(scores, reverse=True)
        assert found.dtype == np.int64 and scores.dtype == np.float32


@pytest.mark.parametrize("kind", LAYOUTS)
def test_adding_an_existing_id_replaces_its_vector(kind):
    index, ids, vectors = filled(kind)
    index.add(ids[:1], vectors[1:2])
    assert len(index) == len(ids)
    found, _scores = index.search(vectors[1], 2)
    assert set(found) == {ids[0], ids[1]}
    found, _ = index.search(vectors[0], 1)
    assert found[0] != ids[0]
    # within one call the last vector of a repeated id wins
    index.add(np.array([5, 5]), vectors[[7, 8]])
    assert index.search(vectors[8], 1, allowed=np.array([5]))[1][0] == pytest.approx(1.0, abs=1e-4)


@pytest.mark.parametrize("kind", LAYOUTS)
def test_removed_ids_are_never_returned(kind):
    index, ids, vectors = filled(kind)
    gone = ids[:600]
    index.remove([*gone.tolist(), 999999])  # unknown ids are ignored
    assert len(index) == len(ids) - 600
    found, _ = index.search(vectors[0], 50)
    assert len(found) == 50
    assert not set(found) & set(gone)
    found, _ = index.search(vectors[0], 10, allowed=gone)
    assert len(found) == 0


@pytest.mark.parametrize("kind", LAYOUTS)
def test_save_and_load_round_trip(kind, tmp_path):
    index, ids, vectors = filled(kind)
    index.remove(ids[:10])
    index.save(tmp_path / "vectors")
    again = VectorIndex.load(tmp_path / "vectors")
    assert again.kind == index.kind and len(again) == len(index) == len(ids) - 10
    for row in (10, 500):
        a, sa = index.search(vectors[row], 10)
        b, sb = again.search(vectors[row], 10)
        assert list(a) == list(b)
        assert np.allclose(sa, sb)
    again.add(np.array([1]), vectors[:1])  # a loaded index keeps growing
    assert again.search(vectors[0], 1)[0][0] == 1


@pytest.mark.parametrize("kind", LAYOUTS)
@pytest.mark.parametrize("share", [0.5, 0.01])
def test_filtered_search_returns_k_allowed_ids_when_they_exist(kind, share):
    index, ids, vectors = filled(kind)
    rng = np.random.default_rng(1)
    allowed = np.sort(ids[rng.random(len(ids)) < share])
    allowed_set = set(allowed.tolist())
    for row in range(0, 2000, 97):
        found, _scores = index.search(vectors[row], 10, allowed=allowed)
        assert len(found) == min(10, len(allowed))
        assert set(found) <= allowed_set
        truth = allowed[np.argsort(-(vectors[(allowed - 100) // 3] @ vectors[row]))[:10]]
        assert len(set(found) & set(truth)) >= 9
    # a set works too, and ids the index does not hold are ignored
    found, _ = index.search(vectors[3], 10, allowed=allowed_set | {-5, 10**9})
    assert set(found) <= allowed_set and len(found) == min(10, len(allowed))


@pytest.mark.parametrize("kind", LAYOUTS)
def test_edge_cases(kind):
    index = VectorIndex(8, kind=kind)
    assert index.search(np.ones(8), 5)[0].size == 0
    index.add(np.array([1, 2]), np.eye(8, dtype=np.float32)[:2] * 3)  # not unit length: normalised
    found, scores = index.search(np.eye(8)[0], 10)
    assert list(found) == [1, 2] and scores[0] == pytest.approx(1.0)
    with pytest.raises(ValueError):
        index.add(np.array([3]), np.ones((1, 7)))
    with pytest.raises(ValueError):
        index.search(np.ones(7), 1)


@pytest.fixture(scope="module")
def twenty_thousand() -> tuple[VectorIndex, VectorIndex, np.ndarray]:
    """The same 20k random vectors in both layouts, and 200 random queries."""
    if not HAVE_FAISS:
        pytest.skip("faiss-cpu not installed")
    vectors = unit_rows(20_000, 32, seed=2)
    ids = np.arange(20_000, dtype=np.int64) * 2
    exact, graph = VectorIndex(32, kind="exact"), VectorIndex(32, kind="hnsw")
    exact.add(ids, vectors)
    graph.add(ids, vectors)
    return exact, graph, unit_rows(200, 32, seed=3)


def test_hnsw_recall_at_10_against_exact_on_20k_random_vectors(twenty_thousand):
    exact, graph, queries = twenty_thousand
    hits = sum(len(set(exact.search(q, 10)[0]) & set(graph.search(q, 10)[0])) for q in queries)
    assert hits / (10 * len(queries)) >= 0.95


@pytest.mark.parametrize("share", [0.5, 0.3])
def test_hnsw_filter_inside_the_graph_walk(twenty_thousand, share):
    """Allowed sets too large to score exactly go through faiss's selector: still k allowed results."""
    exact, graph, queries = twenty_thousand
    rng = np.random.default_rng(4)
    allowed = np.flatnonzero(rng.random(20_000) < share).astype(np.int64) * 2
    allowed_set = set(allowed.tolist())
    hits = 0
    for q in queries[:100]:
        found, _ = graph.search(q, 10, allowed=allowed)
        assert len(found) == 10 and set(found) <= allowed_set
        hits += len(set(found) & set(exact.search(q, 10, allowed=allowed)[0]))
    assert hits / 1000 >= 0.9


def test_hnsw_falls_back_to_exact_when_the_walk_finds_too_few(twenty_thousand, monkeypatch):
    import kechuang.engine.vectors as module

    exact, graph, queries = twenty_thousand
    monkeypatch.setattr(module, "MAX_EF", 1)  # no retries with a larger ef
    monkeypatch.setattr(module, "EXACT_BELOW", 0)
    allowed = np.array([0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20], dtype=np.int64)
    for q in queries[:20]:
        found, _scores = graph.search(q, 10, allowed=allowed)
        assert list(found) == list(exact.search(q, 10, allowed=allowed)[0])


@pytest.mark.skipif(not HAVE_FAISS, reason="faiss-cpu not installed")
def test_auto_moves_to_hnsw_past_its_threshold_and_compacts_tombstones(tmp_path):
    vectors = unit_rows(3000, 16)
    index = VectorIndex(16, kind="auto", auto_threshold=1000)
    index.add(np.arange(900), vectors[:900])
    assert index.kind == "exact"
    index.add(np.arange(900, 3000), vectors[900:])
    assert index.kind == "hnsw" and len(index) == 3000
    index.remove(range(600))
    assert index.dead == 600  # below both a quarter of the rows and 1000: kept as tombstones
    index.add(np.arange(600, 1100), vectors[:500])  # upserts leave more tombstones: rebuilt
    assert index.dead == 0 and len(index) == 2400
    assert index.search(vectors[0], 1)[0][0] == 600
    index.save(tmp_path / "v")
    assert VectorIndex.load(tmp_path / "v").kind == "hnsw"


@pytest.mark.skipif(not HAVE_FAISS, reason="faiss-cpu not installed")
def test_float16_storage_keeps_rankings():
    vectors = unit_rows(2000, 32)
    index = VectorIndex(32, kind="hnsw", storage="float16")
    index.add(np.arange(2000), vectors)
    found, scores = index.search(vectors[42], 3)
    assert found[0] == 42 and scores[0] == pytest.approx(1.0, abs=1e-3)
    found, _ = index.search(vectors[42], 3, allowed=np.array([1, 2, 3]))
    assert sorted(found) == [1, 2, 3]


@pytest.mark.parametrize("kind", LAYOUTS)
@pytest.mark.parametrize("first_id", [0, 10**12])  # dense ids: array lookup; huge ids: sorted lookup
def test_ids_dense_or_sparse_map_to_the_right_rows(kind, first_id):
    vectors = unit_rows(1000, 16)
    ids = first_id + np.arange(1000, dtype=np.int64)[::-1] * 7  # not in row order
    index = VectorIndex(16, kind=kind)
    index.add(ids, vectors)
    index.add(ids[:3], vectors[500:503])
    index.remove(ids[10:20])
    assert ids[5] in index and ids[15] not in index and -1 not in index
    allowed = np.sort(np.concatenate([ids[:40], [first_id - 1, first_id + 10**9]]))
    found, scores = index.search(vectors[501], 5, allowed=allowed)
    assert found[0] == ids[1] and scores[0] == pytest.approx(1.0, abs=1e-4)
    assert set(found) <= set(ids[:10]) | set(ids[20:40])
