"""Search quality is a regression test: the quick sets of eval/sets.yaml, through the product engine.

Each quick set runs `run_beir` (the same engine as `kechuang eval run`) and must score within the stated
tolerance of the expected value recorded in eval/sets.yaml; the hybrid must also beat lexical alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kechuang.engine.beir_run import RunOptions, run_beir
from kechuang.engine.evaluation import read_corpus, read_pairs, read_queries, score_run
from kechuang.text.tokenize import Analyzer

ROOT = Path(__file__).resolve().parents[3]
CONFIG = yaml.safe_load((ROOT / "eval" / "sets.yaml").read_text(encoding="utf-8"))
QUICK = [name for name, spec in CONFIG["sets"].items() if spec["quick"]]

pytestmark = [pytest.mark.shared_data, pytest.mark.quality, pytest.mark.model]


@pytest.fixture(scope="module")
def embedding_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("embeddings")


@pytest.mark.parametrize("name", QUICK)
def test_quick_set_holds_its_expected_score(name, request, embedding_cache):
    spec = CONFIG["sets"][name]
    if spec.get("local"):
        folder = ROOT / "eval" / spec["path"]
    else:
        folder = request.getfixturevalue("shared_data") / spec["path"]
    corpus, queries = read_corpus(folder / "corpus.jsonl"), read_queries(folder / "queries.jsonl")
    qrels = read_pairs(folder / "qrels.tsv")
    scores = {}
    for mode in ("lexical", "hybrid"):
        options = RunOptions(mode=mode, top_k=100, cache_dir=embedding_cache, progress=False)
        scores[mode] = score_run(run_beir(corpus, queries, Analyzer(), options), qrels)[spec["metric"]]
    for mode, expected in spec["expected"].items():
        assert scores[mode] >= expected - CONFIG["tolerance"], f"{name} {mode}: {scores[mode]:.4f} < {expected}"
    assert scores["hybrid"] >= scores["lexical"] - CONFIG["tolerance"]
