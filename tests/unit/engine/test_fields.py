"""Field agreement (`engine.fields`): the packaged model, the gate, and what it does to a search."""

from __future__ import annotations

import numpy as np
import pytest

from kechuang.engine.dense import make_embedder
from kechuang.engine.fields import FieldModel, field_model_for, names_a_field, packaged_field_model
from kechuang.engine.hybrid import DocTable, FusionConfig, HybridSearcher
from kechuang.engine.lexical import LexicalIndex
from kechuang.engine.vectors import VectorIndex
from kechuang.text.tokenize import tokenize


def _two_fields(weight: float = 1.0) -> FieldModel:
    """Class "a" where the first coordinate leads, "b" where the second does (dimension 3, bias row last)."""
    weights = np.array([[8.0, -8.0], [-8.0, 8.0], [0.0, 0.0], [0.0, 0.0]])
    return FieldModel("fixed", ("a", "b"), weights, power=1.0, weight=weight)


class _Fixed:
    """An embedder that knows a few texts' vectors."""

    name, dim = "fixed", 3

    def __init__(self, table: dict[str, list[float]]) -> None:
        self.table = table

    def encode(self, texts, *, kind="passage", batch_size=64):
        rows = np.array([self.table[t] for t in texts], dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_distributions_are_probabilities_and_agreement_follows_the_field():
    model = _two_fields()
    spread = model.distribution(np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.5, 0.5, 0.7]]))
    assert np.allclose(spread.sum(axis=1), 1.0) and (spread >= 0).all()
    assert spread[0, 0] > 0.99 and spread[1, 1] > 0.99 and abs(spread[2, 0] - 0.5) < 1e-9
    agreement = model.agreement(np.array([1.0, 0.0, 0.0]), np.array([[0.9, 0.1, 0.0], [0.1, 0.9, 0.0]]))
    assert agreement[0] > 0.99 > 0.01 > agreement[1]
    assert model.agreement(np.array([1.0, 0.0, 0.0]), np.empty((0, 3))).shape == (0,)
    sharper = FieldModel("fixed", ("a", "b"), model.weights / 8, power=3.0, weight=1.0)
    soft = FieldModel("fixed", ("a", "b"), model.weights / 8, power=1.0, weight=1.0)
    row = np.array([[0.6, 0.4, 0.0]])
    assert sharper.distribution(row)[0, 0] > soft.distribution(row)[0, 0] > 0.5


def test_a_model_round_trips_and_a_broken_one_is_refused():
    model = _two_fields(0.5)
    again = FieldModel.from_json(model.to_json())
    assert (
        again.classes == model.classes and again.weight == 0.5 and np.allclose(again.weights, model.weights)
    )
    broken = model.to_json() | {"classes": ["a", "b", "c"]}
    with pytest.raises(ValueError):
        FieldModel.from_json(broken)
    with pytest.raises(ValueError):
        FieldModel.from_json(model.to_json() | {"weights": [[float("nan"), 0.0]] * 4})


def test_the_packaged_model_reads_the_use_vectors_only():
    model = packaged_field_model()
    assert model is not None and len(model.classes) == 13 and "工学" in model.classes
    assert model.weights.shape == (513, 13) and model.embedder == "use-multilingual-v3"
    assert field_model_for(make_embedder("hashing")) is None  # other vectors: not used

    class Use:
        name, dim = "use-multilingual-v3", 512

    assert field_model_for(Use()) is model


@pytest.mark.parametrize(
    ("text", "share", "admitted"),
    [
        ("Crop Science", 0.0, True),
        ("Optical Engineering", 0.3, True),
        ("Optical Engineering", 0.6, False),  # the lexical side reads it
        ("作物学", 0.0, False),  # Chinese: the second stage's
        (
            "A new design method for stabilising controllers of large-angle aircraft manoeuvres by sum of squares optimisation",
            0.0,
            False,
        ),
    ],
)
def test_only_short_english_queries_the_index_cannot_read_name_a_field(text, share, admitted):
    assert names_a_field(text, tokenize(text), share) is admitted


def test_a_field_name_query_lifts_the_documents_of_its_field(tmp_path):
    table = {
        "Crop Science": [0.55, 0.45, 0.7],
        "作物学": [0.55, 0.45, 0.7],
        "doc-a": [0.9, 0.0, 0.2],  # field a, further from the query
        "doc-b": [0.0, 0.8, 0.6],  # field b, nearer
    }
    embedder = _Fixed(table)
    lexical = LexicalIndex(tokenize, tmp_path / "lexical")
    lexical.add_bodies([(1, "水稻产量与施肥", "public", 1), (2, "光学镜头设计", "public", 1)])
    vectors, docs = VectorIndex(3, kind="exact"), DocTable()
    vectors.add([1, 2], embedder.encode(["doc-a", "doc-b"]))
    docs.set(1, "public", 1)
    docs.set(2, "public", 1)
    plain = HybridSearcher(lexical, vectors, embedder, docs, FusionConfig(field_agreement=False))
    assert [h.id for h in plain.search("Crop Science", 2)] == [2, 1]
    assert plain.fields is None
    searcher = HybridSearcher(lexical, vectors, embedder, docs)
    assert searcher.fields is None  # the packaged model reads USE vectors, not these
    searcher.fields = _two_fields(weight=2.0)  # two documents: normalised, the dense gap is the whole 0-1
    hits = searcher.search("Crop Science", 2)
    assert [h.id for h in hits] == [1, 2]
    assert hits[0].field > 0.5 > hits[1].field
    assert hits[0].score == pytest.approx((hits[0].dense * (1 - hits[0].share) + 2.0 * hits[0].field) / 3.0)
    assert all(0.0 <= h.score <= 1.0 for h in hits)
    assert [h.id for h in searcher.search("作物学", 2)] == [h.id for h in plain.search("作物学", 2)]


def _at(degrees: float) -> list[float]:
    """A unit vector in the plane of the first and third coordinates (field "a" while its cosine is > 0)."""
    return [float(np.cos(np.radians(degrees))), 0.0, float(np.sin(np.radians(degrees)))]


def test_feedback_moves_a_field_query_towards_its_best_documents(tmp_path):
    # the query at 45 degrees; the best document at 35; one at 20 (beside the best, 25 from the query) and one
    # at 65 (20 from the query, on the other side): the query's own vector prefers 65, the feedback 20
    table = {"Crop Science": _at(45), "d1": _at(35), "d2": _at(20), "d3": _at(65), "d4": [0.0, 0.8, 0.6]}
    embedder = _Fixed(table)
    lexical = LexicalIndex(tokenize, tmp_path / "lexical")
    titles = {1: "水稻产量", 2: "小麦育种", 3: "玉米栽培", 4: "光学镜头设计"}
    lexical.add_bodies([(i, t, "public", 1) for i, t in titles.items()])
    vectors, docs = VectorIndex(3, kind="exact"), DocTable()
    vectors.add(list(titles), embedder.encode(["d1", "d2", "d3", "d4"]))
    for i in titles:
        docs.set(i, "public", 1)
    orders = {}
    for feedback in (0, 1):
        searcher = HybridSearcher(lexical, vectors, embedder, docs, FusionConfig(field_feedback=feedback))
        searcher.fields = _two_fields()
        hits = searcher.search("Crop Science", 4)
        orders[feedback] = [h.id for h in hits]
        assert all(0.0 <= h.score <= 1.0 for h in hits)
    assert orders[0] == [1, 3, 2, 4]
    assert orders[1] == [1, 2, 3, 4]  # moved half way to the best document (35), 20 is nearer than 65
    # fewer candidates than feedback documents: the field stage alone
    few = HybridSearcher(lexical, vectors, embedder, docs, FusionConfig(field_feedback=10))
    few.fields = _two_fields()
    assert [h.id for h in few.search("Crop Science", 4)] == orders[0]


def test_vectors_of_returns_the_live_vectors_in_the_order_asked(tmp_path):
    index = VectorIndex(2, kind="exact")
    index.add([5, 7, 9], np.array([[1.0, 0.0], [0.0, 2.0], [3.0, 4.0]]))
    index.remove([7])
    ids, rows = index.vectors_of([9, 7, 5, 11])
    assert ids.tolist() == [9, 5]
    assert np.allclose(rows, [[0.6, 0.8], [1.0, 0.0]])
