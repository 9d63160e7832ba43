"""Metrics against hand-computed values, and the file formats."""

import math

import pytest

from kechuang.engine.evaluation import (
    mrr_at,
    ndcg_at,
    read_pairs,
    read_trec_run,
    recall_at,
    score_run,
    write_trec_run,
)


def test_ndcg_uses_graded_gains_and_the_ideal_order_of_all_judged_documents():
    judged = {"a": 2, "b": 1, "c": 0}
    assert ndcg_at(["a", "b"], judged) == pytest.approx(1.0)
    expected = (1 / math.log2(2) + 3 / math.log2(3)) / (3 / math.log2(2) + 1 / math.log2(3))
    assert ndcg_at(["b", "a"], judged) == pytest.approx(expected)
    assert ndcg_at(["x", "y"], judged) == 0.0


def test_mrr_and_recall_cutoffs():
    judged = {"d": 1}
    assert mrr_at(["a", "b", "d"], judged) == pytest.approx(1 / 3)
    assert mrr_at([f"x{i}" for i in range(10)] + ["d"], judged) == 0.0
    assert recall_at(["d"], {"d": 1, "e": 2}) == 0.5


def test_missing_queries_score_zero():
    qrels = {"q1": {"a": 1}, "q2": {"b": 1}}
    scores = score_run({"q1": [("a", 1.0)]}, qrels)
    assert scores["mrr@10"] == 0.5 and scores["queries"] == 2


def test_trec_run_round_trip(tmp_path):
    run = {"q1": [("d2", 0.9), ("d1", 0.5)]}
    path = tmp_path / "run.trec"
    write_trec_run(run, path, "kc")
    assert path.read_text().splitlines()[0] == "q1 Q0 d2 1 0.900000 kc"
    assert read_trec_run(path) == run


def test_pairs_need_the_beir_header(tmp_path):
    good = tmp_path / "qrels.tsv"
    good.write_text("query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td2\t0\n")
    assert read_pairs(good) == {"q1": {"d1": 2, "d2": 0}}
    bad = tmp_path / "bad.tsv"
    bad.write_text("q1\td1\t2\n")
    with pytest.raises(ValueError, match="header"):
        read_pairs(bad)
