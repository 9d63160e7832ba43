"""The batch scoring core against Tantivy's BM25 and the online fusion, on plain data."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from kechuang.engine import batch_match as core
from kechuang.engine.hybrid import FusionConfig, fuse
from kechuang.engine.lexical import IndexedDoc, LexicalIndex
from kechuang.text.tokenize import Analyzer

TEXTS = [
    ("锂电池 正极材料", "固态电池 电解质", "高能量密度 锂电池 正极材料 的 制备 方法 与 应用"),
    ("钙钛矿 太阳能电池", "光伏", "钙钛矿 叠层 太阳能电池 效率 稳定性 研究"),
    ("solid-state battery electrolyte", "battery", "a sulfide electrolyte for solid-state lithium batteries"),
    ("工业 机器人 视觉", "机器视觉", "基于 深度学习 的 工业 机器人 视觉 定位 " * 12),
    ("污水 处理", "环保", "膜 生物 反应器 污水 处理 工艺"),
]


def test_field_norms_are_tantivys_table():
    assert core.FIELD_NORMS[:41].tolist() == list(range(41))
    assert core.FIELD_NORMS[41:50].tolist() == [42, 44, 46, 48, 50, 52, 54, 56, 60]
    assert core.field_norm(np.array([0, 40, 41, 59, 60, 1000])).tolist() == [0, 40, 40, 56, 60, 984]


@pytest.mark.parametrize(
    "query", ["锂电池 正极", "battery electrolyte", "机器人 视觉 污水", "太阳能电池 稳定性"]
)
def test_sparse_bm25_equals_tantivy(query):
    analyzer = Analyzer()
    index = LexicalIndex(analyzer.tokens)
    docs = [IndexedDoc(i + 1, t, k, x) for i, (t, k, x) in enumerate(TEXTS)]
    index.upsert(docs)
    bodies = [index.body(d).split() for d in docs]
    counts = core.CorpusCounts().add(bodies)
    vocabulary, weights = counts.vocabulary(), counts.matrix()
    tokens = analyzer.tokens(query)
    scores = np.asarray((core.query_matrix([tokens], vocabulary) @ weights).todense()).ravel()
    expected = dict(index.search_tokens(tokens, 10))
    found = {i + 1: s for i, s in enumerate(scores) if s > 0}
    assert found.keys() == expected.keys()
    for doc, score in expected.items():
        assert found[doc] == pytest.approx(score, rel=1e-5)  # Tantivy scores in float32


def artefacts(block: int, doc_block: int, dense: bool = True) -> core.Artefacts:
    rng = np.random.default_rng(7)
    bodies = [list(rng.choice(list("abcdefghij"), size=rng.integers(3, 30))) for _ in range(60)]
    queries = [list(rng.choice(list("abcdefghijxyz"), size=4)) for _ in range(9)]
    counts = core.CorpusCounts().add(bodies)
    vocabulary = counts.vocabulary()

    def unit(n: int) -> np.ndarray:
        m = rng.normal(size=(n, 8)).astype(np.float32)
        return m / np.linalg.norm(m, axis=1, keepdims=True)

    fusion = FusionConfig(depth=20)
    return core.Artefacts(
        doc_ids=np.arange(100, 160, dtype=np.int64),
        candidate=np.arange(60) % 7 != 0,
        weights=counts.matrix(),
        doc_vectors=unit(60) if dense else None,
        query_ids=np.arange(1, 10, dtype=np.int64),
        queries=core.query_matrix(queries, vocabulary),
        shares=core.lexical_shares(queries, vocabulary, fusion, dense),
        query_vectors=unit(9) if dense else None,
        fusion=fusion,
        block=block,
        doc_block=doc_block,
    )


def test_blocking_changes_nothing_and_hidden_documents_never_appear(tmp_path):
    whole = list(core.score_all(artefacts(block=100, doc_block=1000), 5))
    for block, doc_block in [(1, 7), (4, 13), (9, 60)]:
        # a float32 product's last bits depend on the block's shape: same ids, scores within 1e-6
        blocked = list(core.score_all(artefacts(block, doc_block), 5))
        assert [(q, [a for a, _ in m]) for q, m in blocked] == [(q, [a for a, _ in m]) for q, m in whole]
        for (_, got), (_, want) in zip(blocked, whole, strict=True):
            assert [s for _, s in got] == pytest.approx([s for _, s in want], abs=1e-6)
    hidden = {100 + i for i in range(60) if i % 7 == 0}
    assert all(a not in hidden for _, matches in whole for a, _ in matches)
    core.save_artefacts(tmp_path, artefacts(4, 13))  # the same blocks from saved artefacts: bit for bit
    assert list(core.score_all(core.load_artefacts(tmp_path), 5)) == list(core.score_all(artefacts(4, 13), 5))


def test_block_scores_are_the_online_fusion_of_both_top_lists():
    data = artefacts(block=9, doc_block=60)
    scores = np.asarray((data.queries @ data.weights).todense())
    similarity = data.query_vectors @ data.doc_vectors.T
    keep = data.candidate
    for row, (query_id, matches) in enumerate(core.score_all(data, 5)):
        lexical = {
            int(data.doc_ids[j]): float(scores[row, j]) for j in range(60) if keep[j] and scores[row, j] > 0
        }
        dense = {int(data.doc_ids[j]): float(similarity[row, j]) for j in range(60) if keep[j]}
        top = dict(sorted(lexical.items(), key=lambda x: (-x[1], x[0]))[:20])
        near = dict(sorted(dense.items(), key=lambda x: (-x[1], x[0]))[:20])
        expected = fuse(top, near, float(data.shares[row]), 5)
        assert query_id == row + 1
        assert [a for a, _ in matches] == [h.id for h in expected]
        assert [s for _, s in matches] == pytest.approx([h.score for h in expected], abs=1e-6)


def test_lexical_only_share_is_one():
    data = artefacts(block=3, doc_block=60, dense=False)
    assert data.shares.tolist() == [1.0] * 9
    assert all(len(m) <= 5 for _, m in core.score_all(data, 5))


def test_a_query_never_gets_its_owners_documents_and_owners_survive_saving(tmp_path):
    data = artefacts(block=4, doc_block=13)
    data.doc_owners = np.where(np.arange(60) % 5 == 0, -1, np.arange(60) % 3).astype(np.int64)
    data.query_owners = np.array([0, 1, 2, -1, 0, 1, 2, -1, 0], dtype=np.int64)
    owner_of = {int(d): int(o) for d, o in zip(data.doc_ids, data.doc_owners, strict=True)}
    found = list(core.score_all(data, 10))
    for (_, matches), mine in zip(found, data.query_owners, strict=True):
        assert matches and (mine < 0 or all(owner_of[a] != mine for a, _ in matches))
    unowned = dict(core.score_all(artefacts(block=4, doc_block=13), 10))
    assert [m for q, m in found if q in (4, 8)] == [unowned[4], unowned[8]]  # no owner: nothing excluded
    core.save_artefacts(tmp_path, data)
    assert list(core.score_all(core.load_artefacts(tmp_path), 10)) == found


def test_an_executor_keeps_only_the_last_runs_artefacts(tmp_path):
    """Each Spark run ships its artefacts under a new name; a long-lived worker must not keep them all."""
    from kechuang.services.batch.match import EXECUTOR_ARTEFACTS, _executor_artefacts

    _executor_artefacts.cache_clear()
    for run in range(EXECUTOR_ARTEFACTS + 3):
        core.save_artefacts(tmp_path / f"run-{run}", artefacts(4, 13))
        loaded = _executor_artefacts(str(tmp_path / f"run-{run}"))
        assert _executor_artefacts(str(tmp_path / f"run-{run}")) is loaded  # loaded once per run
    assert _executor_artefacts.cache_info().currsize == EXECUTOR_ARTEFACTS
    _executor_artefacts.cache_clear()


CHINESE_QUERIES = ("锂电池 正极材料 制备", "机器人 视觉 定位 深度学习", "电池 电解质 效率")


def _online_and_batch(tmp_path, queries: tuple[str, ...] = CHINESE_QUERIES):
    """The same five documents as an online searcher (Tantivy, exact vectors) and as batch artefacts with
    the stage texts, every query cut by the same tokeniser."""
    from kechuang.engine.dense import make_embedder
    from kechuang.engine.hybrid import DocTable, HybridSearcher, query_tokens
    from kechuang.engine.lexical import lead_parts
    from kechuang.engine.rerank import query_head
    from kechuang.engine.vectors import VectorIndex

    analyzer = Analyzer()
    embedder = make_embedder("hashing")
    docs = [IndexedDoc(i + 1, t, k, x) for i, (t, k, x) in enumerate(TEXTS)]
    index = LexicalIndex(analyzer.tokens, tmp_path / "lexical")
    index.upsert(docs)
    table, vectors = DocTable(), VectorIndex(embedder.dim, kind="exact")
    for doc in docs:
        table.set(doc.id, "public", -1)
    dense_texts = [f"{d.title}\n{d.keywords}\n{d.text}" for d in docs]
    vectors.add([d.id for d in docs], embedder.encode(dense_texts))
    online = HybridSearcher(index, vectors, embedder, table, FusionConfig(depth=20))
    queries = list(queries)
    bodies = [index.body(d).split() for d in docs]
    counts = core.CorpusCounts().add(bodies)
    vocabulary = counts.vocabulary()
    tokens = [query_tokens(analyzer.tokens(q)) for q in queries]
    leads = [lead_parts(d) for d in docs]
    fusion = FusionConfig(depth=20)
    batch = core.Artefacts(
        doc_ids=np.arange(1, 6, dtype=np.int64),
        candidate=np.ones(5, dtype=bool),
        weights=counts.matrix(),
        doc_vectors=embedder.encode(dense_texts, kind="passage"),
        query_ids=np.arange(1, 4, dtype=np.int64),
        queries=core.query_matrix(tokens, vocabulary),
        shares=core.lexical_shares(tokens, vocabulary, fusion, True),
        query_vectors=embedder.encode(queries, kind="query"),
        fusion=fusion,
        block=2,
        doc_block=3,
        stage_texts=core.StageTexts(
            titles=[t for t, _ in leads],
            leads=[x for _, x in leads],
            title_tokens=[" ".join(analyzer.tokens(t)) for t, _ in leads],
            query_texts=queries,
            query_tokens=[" ".join(t) for t in tokens],
            query_heads=[" ".join(analyzer.tokens(query_head(q))) for q in queries],
            terms=list(vocabulary.columns),
        ),
        embedder=embedder.name,
        dim=embedder.dim,
    )
    return online, batch, queries


def test_the_batch_reader_reads_what_the_online_index_does(tmp_path):
    online, batch, queries = _online_and_batch(tmp_path)
    reader = core._Reader(batch, 0)
    ids = [1, 2, 3, 4, 5]
    assert reader.head_scores(queries[0], ids) == pytest.approx(online.head_scores(queries[0], ids), rel=1e-5)
    online_texts = online.candidate_texts(ids)
    assert online_texts is not None
    assert [(t.title, t.text) for t in reader.candidate_texts(ids)] == [
        (t.title, t.text) for t in online_texts
    ]
    online_idf, batch_idf = online.idf(), reader.idf()
    for token in ["锂电池", "电池", "没有的词", "battery"]:
        assert batch_idf(token) == pytest.approx(online_idf(token), rel=1e-9)
    rows = online.vectors_of([2, 4])[1]
    assert np.allclose(reader.vectors_of([2, 4])[1], rows, atol=1e-6)


ENGLISH_QUERIES = ("lithium battery cathode material preparation", "industrial robot vision 2015", "membrane 污水")


@pytest.mark.parametrize(
    ("stage", "queries"),
    [("reranker", CHINESE_QUERIES), ("crossing", ENGLISH_QUERIES)],
    ids=["second stage", "across languages"],
)
def test_batch_runs_the_later_stages_as_the_online_searcher_does(tmp_path, stage, queries):
    from kechuang.engine import crossing, rerank

    online, batch, _ = _online_and_batch(tmp_path, queries)
    assert getattr(batch, stage) is not None  # the packaged model, as online
    features = rerank.FEATURES if stage == "reranker" else crossing.FEATURES
    for model in (getattr(online, stage), _reversing_model(features)):
        setattr(online, stage, model)
        batch.__dict__[stage] = model
        found = dict(core.score_all(batch, 4))
        for number, query in enumerate(queries, start=1):
            expected = [h.id for h in online.search(query, 4)]
            assert [a for a, _ in found[number]] == expected, query
    plain = dict(core.score_all(replace(batch, stage_texts=None), 4))
    assert found != plain  # the reversing model changed the order: the stage ran


def _reversing_model(features: tuple[str, ...]):
    """A model that prefers the first stage's lower ranks (1/rank at most 0.4 scores higher)."""
    from kechuang.engine.rerank import TreeModel

    stump = {
        "tree_structure": {
            "split_index": 0,
            "split_feature": features.index("rank"),
            "threshold": 0.4,
            "decision_type": "<=",
            "left_child": {"leaf_value": 1.0},
            "right_child": {"leaf_value": 0.0},
        }
    }
    return TreeModel({"feature_names": list(features), "tree_info": [stump]}, features)


def test_stage_texts_survive_saving(tmp_path):
    _, batch, _ = _online_and_batch(tmp_path)
    core.save_artefacts(tmp_path / "saved", batch)
    loaded = core.load_artefacts(tmp_path / "saved")
    assert loaded.stage_texts is not None and loaded.embedder == batch.embedder and loaded.dim == batch.dim
    assert loaded.fusion.rerank_depth == batch.fusion.rerank_depth
    assert list(loaded.stage_texts.query_texts) == list(batch.stage_texts.query_texts)
    assert loaded.stage_texts.leads[4] == batch.stage_texts.leads[4]
    assert list(core.score_all(loaded, 4)) == list(core.score_all(batch, 4))


def test_counting_in_chunks_gives_the_same_weights_as_at_once():
    rng = np.random.default_rng(3)
    bodies = [list(rng.choice(list("abcdefghijklmnop"), size=rng.integers(0, 40))) for _ in range(50)]
    whole = core.CorpusCounts().add(bodies)
    chunked = core.CorpusCounts()
    for first in range(0, 50, 7):
        chunked.add(bodies[first : first + 7])
    assert chunked.columns == whole.columns and chunked.size == 50
    assert np.array_equal(chunked.vocabulary().df, whole.vocabulary().df)
    assert (chunked.matrix() != whole.matrix()).nnz == 0
    assert whole.vocabulary().df.tolist() == [sum(t in set(b) for b in bodies) for t in whole.columns]


@pytest.mark.parametrize("width", [50, 6401, 20000])
def test_the_dense_top_bounded_by_slice_maxima_is_the_sorted_top(width):
    rng = np.random.default_rng(width)
    scores = np.round(rng.normal(size=(6, width)), 2).astype(np.float32)  # rounded: many ties
    ids = np.arange(width, dtype=np.int64) * 3 + 5
    keep = rng.random(width) < 0.9
    owners = rng.integers(-1, 4, size=width)
    mine = np.array([0, 1, -1, 3, 2, 0])
    found = core._top_dense(scores.copy(), ids, 10, keep, mine, owners)
    for row, (values, names) in enumerate(found):
        allowed = keep & ((owners != mine[row]) | (mine[row] < 0))
        order = np.lexsort((ids[allowed], -scores[row, allowed]))[:10]
        assert names.tolist() == ids[allowed][order].tolist()
        assert values.tolist() == scores[row, allowed][order].astype(np.float64).tolist()
