"""The pruned BM25 top-k against the plain product: the same documents, the same scores to the bit."""

from __future__ import annotations

import numpy as np
import pytest

from kechuang.engine import batch_match as core
from kechuang.engine.postings import Postings


def corpus(seed: int, documents: int = 3000, vocabulary: int = 300):
    """Zipf-distributed terms, so that a query mixes very common terms with rare ones (and short documents
    of the same length tie)."""
    rng = np.random.default_rng(seed)
    weights = 1 / np.arange(1, vocabulary + 1) ** 1.1
    weights /= weights.sum()
    words = [f"t{i}" for i in range(vocabulary)]
    bodies = [list(rng.choice(words, size=rng.integers(1, 80), p=weights)) for _ in range(documents)]
    counts = core.CorpusCounts().add(bodies)
    queries = [list(rng.choice(words, size=rng.integers(1, 60), p=weights)) for _ in range(60)]
    queries += [list(rng.choice(words[150:], size=3)) for _ in range(10)]  # rare terms only
    # half the queries also name parts (weighed PART_WEIGHT), some of them among their whole words
    parts = [list(rng.choice(words, size=rng.integers(0, 20), p=weights)) if n % 2 else [] for n in range(70)]
    return rng, counts.matrix(), core.query_matrix(queries, counts.vocabulary(), parts)


def best(scores: np.ndarray, columns: np.ndarray, depth: int) -> list[tuple[int, float]]:
    order = np.lexsort((columns, -scores))[:depth]
    return [(int(columns[i]), float(scores[i])) for i in order]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("depth", [1, 10, 100])
def test_the_pruned_top_is_the_products_top_bit_for_bit(seed, depth):
    rng, weights, queries = corpus(seed)
    postings = Postings.of(weights)
    keep = rng.random(weights.shape[1]) < 0.85
    product = np.asarray((queries @ weights).todense())
    pruned = weighed = 0
    for row in range(queries.shape[0]):
        span = slice(queries.indptr[row], queries.indptr[row + 1])
        terms = queries.indices[span].astype(np.int64)
        weighed += bool((queries.data[span] != 1.0).any())
        scores, columns = postings.top(terms, depth, lambda c: c[keep[c]], queries.data[span])
        everything = np.flatnonzero((product[row] > 0) & keep)
        assert best(scores, columns, depth) == best(product[row, everything], everything, depth)
        assert np.array_equal(scores, product[row, columns])  # every returned score exact
        pruned += len(columns) < len(everything)
    assert pruned > 0  # the pruning ran, not only the fallback that reads every list
    assert weighed > 20  # and on queries whose parts weigh less than their words


def test_postings_survive_saving_and_map_from_disk(tmp_path):
    _, weights, queries = corpus(4, documents=500)
    postings = Postings.of(weights)
    postings.save(tmp_path)
    loaded = Postings.load(tmp_path)
    assert np.array_equal(loaded.document_frequency(), np.diff(weights.tocsr().indptr))
    assert np.array_equal(loaded.bound, postings.bound)
    terms = queries.indices[queries.indptr[0] : queries.indptr[1]].astype(np.int64)
    for a, b in zip(loaded.top(terms, 10, lambda c: c), postings.top(terms, 10, lambda c: c), strict=True):
        assert np.array_equal(a, b)
    assert loaded.top(np.zeros(0, dtype=np.int64), 10, lambda c: c)[1].size == 0
    # the bounds are saved with the lists; artefacts written before that compute them on loading
    (tmp_path / "postings.bound.npy").unlink()
    assert np.array_equal(Postings.load(tmp_path).bound, postings.bound)
