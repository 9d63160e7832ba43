"""The second stage: its features, the numpy tree walk, stored leads, and where it may and may not run."""

from __future__ import annotations

import numpy as np
import pytest
import tantivy

from kechuang.engine.dense import make_embedder
from kechuang.engine.hybrid import DocTable, FusionConfig, Hit, HybridSearcher
from kechuang.engine.lexical import PUBLIC_ONLY, IndexedDoc, LexicalIndex
from kechuang.engine.rerank import (
    FEATURES,
    CandidateText,
    Phrases,
    TreeModel,
    features,
    packaged_model,
    query_head,
    rerank,
)
from kechuang.engine.vectors import VectorIndex
from kechuang.text.tokenize import tokenize


def common_run(needle: str, haystack: str) -> int:
    return Phrases(haystack).longest_shared(needle, cap=len(needle))


def test_common_run_finds_the_longest_shared_phrase_whatever_the_segmentation():
    assert common_run("病床配置优化", "基于改进算法的病床配置优化研究") == 6
    assert common_run("低盐酱油", "盐碱地治理") == 1
    assert common_run("abc", "") == 0
    assert common_run("锂电池", "锂电池") == 3


def test_query_head_is_the_first_clause():
    assert query_head("电池健康评估 公交公司需要估算剩余容量") == "电池健康评估"
    assert query_head("需要一种涂层，耐盐雾") == "需要一种涂层"
    assert query_head("  单独一句  ") == "单独一句"


def test_the_model_is_used_for_chinese_and_bilingual_queries_not_english_ones():
    from kechuang.engine.rerank import MIN_SHARE, trained_for

    share = 0.7  # every query word is in the corpus
    assert trained_for("电池健康评估 公交公司需要估算剩余容量", share)
    assert trained_for("端侧AI芯片 安防摄像头需低功耗视觉推理芯片，算力≥4TOPS", share)
    assert trained_for(
        "锂电池健康状态估计 Lithium battery state of health estimation 公交公司需要估算剩余容量", share
    )
    assert not trained_for("Lithium battery state of health estimation for electric buses", share)
    assert not trained_for("2024 10 30", share)
    # a Chinese query over records in another language: few of its words are in the corpus
    assert trained_for("电池健康评估", MIN_SHARE) and not trained_for("电池健康评估", MIN_SHARE - 0.01)


def _hits(n: int) -> list[Hit]:
    return [
        Hit(id=i, score=1.0 - i / 10, lexical=1.0 - i / 10, dense=0.5, dense_raw=0.4, share=0.7)
        for i in range(n)
    ]


def test_features_reward_a_title_that_names_the_need():
    query = "电池健康评估 公交公司需要估算动力电池剩余容量和健康状态"
    texts = [
        CandidateText("电动汽车动力电池健康状态估计方法", "基于容量增量分析估计电池健康状态"),
        CandidateText("高速公路边坡加固技术", "膨胀土路堑边坡浅层滑塌的治理"),
    ]
    rows = features(query, tokenize(query), _hits(2), texts, {0: 5.0, 1: 0.0}, tokenize, lambda t: 1.0)
    assert rows.shape == (2, len(FEATURES))
    assert np.isfinite(rows).all()
    column = {name: rows[:, i] for i, name in enumerate(FEATURES)}
    for name in ("head_lexical", "title_coverage", "title_precision", "bigram_title", "common_title"):
        assert column[name][0] > column[name][1], name
    assert column["head_lexical"].tolist() == [1.0, 0.0]
    assert column["rank"].tolist() == [1.0, 0.5]


def _stump(feature: int, threshold: float, left: float, right: float) -> dict:
    return {
        "tree_structure": {
            "split_index": 0,
            "split_feature": feature,
            "threshold": threshold,
            "decision_type": "<=",
            "left_child": {"leaf_value": left},
            "right_child": {"leaf_value": right},
        }
    }


def test_tree_model_sums_its_trees_leaves():
    dump = {
        "feature_names": list(FEATURES),
        "tree_info": [
            _stump(0, 0.5, -1.0, 1.0),
            _stump(1, 0.2, 0.25, 0.5),
            {"tree_structure": {"leaf_value": 0.1}},
        ],
    }
    model = TreeModel(dump)
    rows = np.zeros((3, len(FEATURES)))
    rows[1, 0] = 0.9
    rows[2, [0, 1]] = 0.9, 0.3
    assert model.predict(rows).tolist() == pytest.approx([-0.65, 1.35, 1.6])
    with pytest.raises(ValueError, match="trained on"):
        TreeModel({**dump, "feature_names": ["other"]})


def test_tree_model_predicts_what_lightgbm_predicts():
    lightgbm = pytest.importorskip("lightgbm")
    rng = np.random.default_rng(7)
    rows = rng.random((400, len(FEATURES)))
    rows[rng.random(rows.shape) < 0.3] = 0.0  # many features are exactly 0 (no shared title token, ...)
    labels = np.minimum(3, (rows[:, 0] * 2 + rows[:, 7] * 2 + rng.random(400)).astype(int))
    data = lightgbm.Dataset(rows, labels, group=[20] * 20, feature_name=list(FEATURES))
    params = {"objective": "lambdarank", "num_leaves": 7, "min_data_in_leaf": 5, "verbose": -1, "seed": 1}
    booster = lightgbm.train(params, data, num_boost_round=30)
    probe = rng.random((50, len(FEATURES)))
    probe[::3, :5] = 0.0
    assert TreeModel(booster.dump_model()).predict(probe) == pytest.approx(booster.predict(probe), abs=1e-9)


def test_rerank_keeps_the_scores_but_gives_them_to_the_new_order():
    hits = _hits(3)
    rows = np.zeros((3, len(FEATURES)))
    rows[2, 0] = 1.0  # the model below prefers the third hit
    model = TreeModel({"feature_names": list(FEATURES), "tree_info": [_stump(0, 0.5, 0.0, 1.0)]})
    out = rerank(hits, rows, model)
    assert [h.id for h in out] == [2, 0, 1]
    assert [h.score for h in out] == [h.score for h in hits]  # scores fall with rank, same values
    assert out[0].lexical == hits[2].lexical  # the parts that explain a match stay the document's own


def test_the_packaged_model_matches_the_engine_features():
    model = packaged_model()
    assert model is not None, "engine/rerank_model.json ships with the package"
    scores = model.predict(np.random.default_rng(0).random((5, len(FEATURES))))
    assert scores.shape == (5,) and np.isfinite(scores).all()


def test_leads_are_stored_and_read_back(tmp_path):
    index = LexicalIndex(tokenize, tmp_path / "lexical")
    index.upsert([IndexedDoc(1, "锂电池回收", "湿法冶金", "从废旧锂电池中回收钴镍。" * 40)])
    index.add_bodies([(2, "x", "public", -1)])  # a bulk row without a lead
    title, text = index.leads([1, 2])[1]
    assert title == "锂电池回收 湿法冶金" and len(text) == 300 and text.startswith("从废旧")
    assert 2 not in index.leads([1, 2])
    idf = index.idf()
    assert idf("没有的词") > idf("锂电池") > 0  # rarer is weightier; held by one of two documents


def test_an_index_written_before_leads_still_opens_and_searches(tmp_path):
    folder = tmp_path / "lexical"
    folder.mkdir()
    builder = tantivy.SchemaBuilder()  # the schema of indexes written before the second stage
    builder.add_integer_field("id", stored=True, indexed=True, fast=True)
    builder.add_text_field("body", tokenizer_name="whitespace", index_option="freq")
    builder.add_text_field("visibility", tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("owner", indexed=True, fast=True)
    old = tantivy.Index(builder.build(), path=str(folder))
    writer = old.writer(50_000_000, 1)
    writer.add_document(tantivy.Document(id=7, body="电池 回收", visibility="public", owner=-1))
    writer.commit()
    writer.wait_merging_threads()  # releases the writer's lock
    del writer, old
    index = LexicalIndex(tokenize, folder)
    assert not index.has_leads
    assert [doc for doc, _ in index.search_tokens(["电池"], 5)] == [7]
    assert index.leads([7]) == {}
    index.upsert([IndexedDoc(8, "电池", "", "")])  # still writable, without leads
    assert {doc for doc, _ in index.search_tokens(["电池"], 5)} == {7, 8}


def _searcher(tmp_path, config: FusionConfig | None = None) -> tuple[HybridSearcher, dict[int, str]]:
    titles = {
        1: "动力电池健康状态估计",
        2: "电池包热管理系统",
        3: "光伏组件功率预测",
        4: "动力电池剩余容量在线估计方法",
        5: "电池材料的回收",
    }
    visibility = {1: "public", 2: "public", 3: "public", 4: "confidential", 5: "public"}
    embedder = make_embedder("hashing")
    lexical = LexicalIndex(tokenize, tmp_path / "lexical")
    lexical.upsert(
        IndexedDoc(i, t, "", t + "的研究与应用", visibility[i], owner=9) for i, t in titles.items()
    )
    docs, vectors = DocTable(), VectorIndex(embedder.dim, kind="exact")
    for i in titles:
        docs.set(i, visibility[i], 9)
    vectors.add(list(titles), embedder.encode(list(titles.values())))
    return HybridSearcher(lexical, vectors, embedder, docs, config), visibility


def test_the_second_stage_reorders_only_visible_hits_and_keeps_the_page_size(tmp_path):
    searcher, visibility = _searcher(tmp_path)
    assert searcher.reranker is not None  # the packaged model
    query = "电池健康评估 公交公司需要估算动力电池剩余容量"
    hits = searcher.search(query, 3, PUBLIC_ONLY)
    assert len(hits) == 3
    assert all(visibility[h.id] == "public" for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    # a model that prefers the first stage's lower ranks turns its order round
    first = HybridSearcher(
        searcher.lexical, searcher.vectors, searcher.embedder, searcher.docs, FusionConfig(rerank_depth=0)
    ).search(query, 4, PUBLIC_ONLY)
    assert len(first) == 4 and all(visibility[h.id] == "public" for h in first)
    searcher.reranker = TreeModel(
        {"feature_names": list(FEATURES), "tree_info": [_stump(FEATURES.index("rank"), 0.4, 1.0, 0.0)]}
    )
    second = searcher.search(query, 4, PUBLIC_ONLY)
    assert [h.id for h in second] == [first[2].id, first[3].id, first[0].id, first[1].id]
    assert [h.score for h in second] == [h.score for h in first]


def test_no_second_stage_without_dense_scores_or_when_switched_off(tmp_path):
    searcher, _ = _searcher(tmp_path, FusionConfig(rerank_depth=0))
    assert searcher.reranker is None
    lexical_only = HybridSearcher(searcher.lexical, None, None, searcher.docs)
    calls = []
    lexical_only.candidate_texts = lambda *args: calls.append(args)  # type: ignore[method-assign]
    assert lexical_only.search("动力电池", 3)
    assert calls == []
    english, _ = _searcher(tmp_path / "english")
    english.crossing = None  # the stage for queries in another language: test_crossing.py
    english.candidate_texts = lambda ids: calls.append(ids)  # type: ignore[method-assign]  # None: no stage
    english.search("battery health estimation", 3)
    assert calls == []  # not a Chinese query: the first stage's order
    english.search("动力电池健康", 3)
    assert len(calls) == 1


def test_longest_shared_run_equals_a_brute_force_search():
    import random

    def brute(a: str, b: str, cap: int) -> int:
        runs = [j - i for i in range(len(b)) for j in range(i + 1, len(b) + 1) if b[i:j] in a]
        return min(max(runs, default=0), cap)

    rng = random.Random(0)
    alphabet = "电池回收锂钴镍湿法"
    for _ in range(2000):
        a = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 15)))
        b = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 15)))
        cap = rng.randint(0, 20)
        assert Phrases(a).longest_shared(b, cap) == brute(a, b, cap), (a, b, cap)


def test_an_index_asked_for_no_leads_stores_none(tmp_path):
    index = LexicalIndex(tokenize, tmp_path / "lexical", leads=False)
    index.upsert([IndexedDoc(1, "锂电池回收", "", "湿法冶金")])
    assert not index.has_leads and index.leads([1]) == {}
    assert LexicalIndex(tokenize, tmp_path / "lexical", leads=False).leads([1]) == {}  # reopens as it was


FEATURES_SCRIPT = """
import sys
from kechuang.engine.hybrid import Hit
from kechuang.engine.rerank import CandidateText, features
from kechuang.text.tokenize import tokenize
query = "电池健康评估 公交公司需要估算动力电池剩余容量和健康状态，预期目标：估算误差小于百分之三"
texts = [CandidateText("电动汽车动力电池健康状态估计方法 电池管理", "基于容量增量分析估计电池健康状态" * 5),
         CandidateText("动力电池剩余容量在线估计", "公交车辆电池组的容量衰减与健康评估")]
hits = [Hit(id=i, score=0.9 - i / 10, lexical=0.5, dense=0.5, dense_raw=0.4, share=0.7) for i in range(2)]
idf = lambda t: 1.0 + len(t) / 7
rows = features(query, tokenize(query), hits, texts, {0: 3.0, 1: 1.0}, tokenize, idf)
sys.stdout.write(rows.tobytes().hex())
"""


def test_features_do_not_depend_on_the_processes_string_hashing():
    """The batch job's executors and its local engine are different processes, with different set orders:
    the features (sums over token sets) must come out the same to the bit."""
    import os
    import subprocess
    import sys

    def run(seed: str) -> str:
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", FEATURES_SCRIPT], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert run("1") == run("2") == run("3")
