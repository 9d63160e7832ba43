"""The second stage for queries that cross languages (`engine.crossing`)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kechuang.engine.crossing import (
    FEATURES,
    anchors,
    crosses,
    features,
    in_another_language,
    packaged_model,
)
from kechuang.engine.hybrid import Hit
from kechuang.engine.rerank import MIN_SHARE, CandidateText, TreeModel, trained_for
from kechuang.text.normalize import normalize


def test_anchors_are_numbers_and_latin_names_that_survive_translation():
    numbers, names = anchors(
        normalize("大于10MeV质子事件，1年以下；标准OAIS、PREMIS和TRAC，YOLOv8-tiny与2.5")
    )
    assert numbers == {"10", "2.5"}  # single digits (1年, v8) carry no identity
    assert names == {"mev", "oais", "premis", "trac", "yolov8-tiny"}
    _, english = anchors(normalize("The results of the OAIS model and the data"))
    assert english == {"results", "oais", "model", "data"}  # English stop words are not anchors


def test_the_stage_takes_exactly_the_queries_the_chinese_model_leaves():
    cases = [
        ("Lithium battery state of health estimation for electric buses", 0.7),
        ("电池健康评估 公交公司需要估算剩余容量", 0.7),
        ("电池健康评估", MIN_SHARE - 0.01),
        ("电池健康评估", MIN_SHARE),
    ]
    for query, share in cases:
        assert crosses(query, share) != trained_for(query, share), query


def _hit(i: int, cosine: float) -> Hit:
    return Hit(id=i, score=1.0 - i / 10, lexical=0.5, dense=cosine, dense_raw=cosine, share=0.1)


def test_features_count_the_anchors_a_candidate_shares_with_the_query():
    query = "Solar proton events above 10 MeV observed in 2015 by the OAIS archive"
    hits = [_hit(0, 0.5), _hit(1, 0.7)]
    texts = [
        CandidateText("太阳风的观测", "没有共同的数字或名称。"),
        CandidateText("太阳质子事件", "2015年观测到大于10MeV的质子事件，数据存入OAIS档案。"),
    ]
    rows = features(query, hits, texts)
    column = {name: rows[:, i] for i, name in enumerate(FEATURES)}
    assert rows.shape == (2, len(FEATURES)) and np.isfinite(rows).all()
    assert column["numbers_found"].tolist() == [0.0, 1.0]  # 10 and 2015 both in the second lead
    assert column["names_explained"][1] == 1.0  # mev and oais: every name of the lead is in the query
    assert column["names_shared"][0] == 0.0 and column["names_shared"][1] == pytest.approx(np.log1p(2))
    assert column["cosine_gap"].tolist() == pytest.approx([0.2, 0.0])
    assert column["cosine_rank"].tolist() == [0.5, 1.0]
    assert column["query_chinese"][0] == 0.0 and column["lead_chinese"][1] > 0.5


def test_the_packaged_model_matches_the_engine_features():
    model = packaged_model()
    assert model is not None, "engine/crossing_model.json ships with the package"
    scores = model.predict(np.random.default_rng(0).random((5, len(FEATURES))))
    assert scores.shape == (5,) and np.isfinite(scores).all()


def test_a_model_trained_on_other_features_is_refused():
    with pytest.raises(ValueError, match="trained on"):
        TreeModel({"feature_names": ["fused"], "tree_info": []}, FEATURES)


def _searcher(tmp_path, titles: dict[int, str]):
    from kechuang.engine.dense import make_embedder
    from kechuang.engine.hybrid import DocTable, FusionConfig, HybridSearcher
    from kechuang.engine.lexical import IndexedDoc, LexicalIndex
    from kechuang.engine.vectors import VectorIndex
    from kechuang.text.tokenize import tokenize

    embedder = make_embedder("hashing")
    lexical = LexicalIndex(tokenize, tmp_path / "lexical")
    lexical.upsert(IndexedDoc(i, t, "", t) for i, t in titles.items())
    docs, vectors = DocTable(), VectorIndex(embedder.dim, kind="exact")
    for i in titles:
        docs.set(i, "public", -1)
    vectors.add(list(titles), embedder.encode(list(titles.values())))
    return HybridSearcher(lexical, vectors, embedder, docs, FusionConfig(field_agreement=False))


def _reversing() -> TreeModel:
    """Prefers the first stage's lower ranks (1/rank at most 0.4 scores higher)."""
    stump = {
        "split_index": 0,
        "split_feature": FEATURES.index("rank"),
        "threshold": 0.4,
        "decision_type": "<=",
        "left_child": {"leaf_value": 1.0},
        "right_child": {"leaf_value": 0.0},
    }
    return TreeModel({"feature_names": list(FEATURES), "tree_info": [{"tree_structure": stump}]}, FEATURES)


def test_an_english_query_over_chinese_records_is_reordered_and_over_english_ones_is_not(tmp_path):
    chinese = _searcher(
        tmp_path / "zh",
        {1: "动力电池健康状态估计 SOH", 2: "电池包热管理系统", 3: "光伏组件功率预测", 4: "锂电池回收 2015"},
    )
    query = "State of health (SOH) estimation of lithium batteries since 2015"
    assert chinese.crossing is not None  # the packaged model
    chinese.crossing = None
    first = [h.id for h in chinese.search(query, 4)]
    chinese.crossing = _reversing()
    assert [h.id for h in chinese.search(query, 4)] == [first[2], first[3], first[0], first[1]]
    english = _searcher(
        tmp_path / "en",
        {1: "battery state of health", 2: "battery pack thermal management", 3: "solar power forecast"},
    )
    english.crossing = _reversing()
    plain = [h.id for h in english.search("battery health", 3)]
    english.crossing = None
    assert plain == [h.id for h in english.search("battery health", 3)]  # same language: no stage


@settings(max_examples=200, deadline=None)
@given(
    query=st.text(max_size=200),
    leads=st.lists(st.tuples(st.text(max_size=40), st.text(max_size=120)), min_size=1, max_size=6),
    cosines=st.lists(st.floats(-1, 1), min_size=6, max_size=6),
)
def test_features_are_finite_for_any_text(query, leads, cosines):
    hits = [_hit(i, cosines[i]) for i in range(len(leads))]
    rows = features(query, hits, [CandidateText(title, text) for title, text in leads])
    assert rows.shape == (len(leads), len(FEATURES)) and np.isfinite(rows).all()
    # the gate reads any text without failing, and never admits a list of nothing
    assert isinstance(in_another_language(query, [CandidateText(t, x) for t, x in leads]), bool)
    assert not in_another_language(query, [])
