"""Does a learned second stage (LambdaMART over `engine.rerank.FEATURES`) beat the fused first stage? A study.

    python eval/rerank_study.py --train sample-demand-achievement,demand-achievement-zh-train \
        --test demand-achievement-zh [--depth 30] [--folds 5] [--save]

For every set, the first stage is the product's hybrid (run_sets.collect, the product's FusionConfig); its
top `depth` candidates get the features of `engine.rerank`, computed from the corpus texts with the engine's
tokeniser and the index's idf. Training sets are scored out of fold (queries split into `folds` groups, each
scored by a model trained on the others, every training set's queries pooled), with the spread over folds;
test sets (held out) are scored by a model trained on all training queries and never fitted on. `--save`
writes that model to the package (`engine/rerank_model.json`). Prints nDCG@10 per set; bm25s runs in the
same process as the reference.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import yaml
from run_sets import ROOT, SHARED, bm25s_run, collect  # eval/ is on the path when run as a script

from kechuang.engine.evaluation import read_corpus, read_pairs, read_queries, score_run
from kechuang.engine.hybrid import FusionConfig, HybridSearcher, fuse, query_terms
from kechuang.engine.lexical import IndexedDoc, LexicalIndex
from kechuang.engine.rerank import FEATURES, MODEL_PATH, TreeModel, trained_for
from kechuang.text.tokenize import query_tokenize, tokenize

PARAMS = {
    "objective": "lambdarank",
    "learning_rate": 0.03,
    "num_leaves": 3,
    "min_data_in_leaf": 20,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "feature_fraction": 0.8,
    "lambda_l2": 1.0,
    "lambdarank_truncation_level": 20,
    "eval_at": [10],
    "verbose": -1,
    "seed": 13,
    "num_threads": 2,
    "deterministic": True,
    "force_row_wise": True,
}
ROUNDS = 300
KEEP: set[str] = set(FEATURES)


def load_set(name: str, spec: dict):
    folder = (ROOT / "eval" if spec.get("local") else SHARED) / spec["path"]
    if spec.get("build") and not (folder / "corpus.jsonl").exists():
        script, *options = spec["build"].split()
        subprocess.run([sys.executable, str(ROOT / script), *options, "corpus"], check=True)
    return (
        read_corpus(folder / "corpus.jsonl"),
        read_queries(folder / "queries.jsonl"),
        read_pairs(folder / "qrels.tsv"),
    )


def candidates(name, corpus, queries, qrels, embedder: str, depth: int):
    """Per query: the first stage's fused top-100 (ids, scores), and the features and grades of its top
    `depth`, computed by the engine's own second-stage code (`HybridSearcher.candidate_features`)."""
    fusion = FusionConfig()
    parts = collect(corpus, queries, embedder, ROOT / "data" / "embeddings", fusion)
    index = LexicalIndex(tokenize, query_tokenize=query_tokenize)
    index.upsert(IndexedDoc(i, d.title, "", d.text) for i, d in enumerate(corpus))
    searcher = HybridSearcher(index, config=replace(fusion, rerank_depth=0))
    out = {}
    for qid, (lex, dense, coverage, _features) in parts.items():
        share = fusion.lexical_weight * coverage**fusion.coverage_power if dense else 1.0
        hits = fuse(lex, dense, share, 100)
        text = queries[qid]
        top = hits[:depth]
        if not trained_for(text, share):  # the engine keeps the first stage's order for these
            top = []
        stage = query_terms(index, text, fusion.drop_boilerplate)[1]
        rows = searcher.candidate_features(text, stage, top) if top else None
        rows = rows if rows is not None else np.zeros((0, len(FEATURES)))
        labels = np.array([qrels.get(qid, {}).get(corpus[h.id].id, 0) for h in top])
        out[qid] = ([corpus[h.id].id for h in hits], [h.score for h in hits], rows, labels)
    print(f"   {name}: {len(out)} queries, features in", file=sys.stderr)
    return out


def reranked_run(data, model) -> dict[str, list[tuple[str, float]]]:
    run = {}
    for qid, (ids, _scores, rows, _labels) in data.items():
        depth = len(rows)
        predicted = model.predict(rows) if depth else np.array([])
        order = sorted(range(depth), key=lambda i: (-predicted[i], i))
        head = [(ids[i], float(len(ids) - rank)) for rank, i in enumerate(order)]
        tail = [(d, float(len(ids) - depth - r)) for r, d in enumerate(ids[depth:])]
        run[qid] = head + tail
    return run


def first_stage_run(data):
    return {qid: list(zip(ids, scores, strict=True)) for qid, (ids, scores, _r, _l) in data.items()}


class Ensemble:
    """Models of the same data trained with different seeds (bagging draws differ), averaged: the spread of
    one seed's model over sets it was not trained for is the second stage's largest error bar."""

    def __init__(self, models: list) -> None:
        self.models = models

    def predict(self, rows: np.ndarray) -> np.ndarray:
        return np.mean([model.predict(rows) for model in self.models], axis=0)

    def feature_name(self) -> list[str]:
        return list(self.models[0].feature_name())

    def feature_importance(self, kind: str) -> np.ndarray:
        return np.sum([model.feature_importance(kind) for model in self.models], axis=0)

    def dump_model(self) -> dict:
        """One LightGBM dump holding every model's trees, leaf values divided by the number of models."""
        dumps = [model.dump_model() for model in self.models]

        def scaled(node: dict) -> dict:
            node = dict(node)
            if "leaf_value" in node:
                node["leaf_value"] = node["leaf_value"] / len(dumps)
            for child in ("left_child", "right_child"):
                if child in node:
                    node[child] = scaled(node[child])
            return node

        trees = [
            {**tree, "tree_index": len(dumps[0]["tree_info"]) * n + tree["tree_index"],
             "tree_structure": scaled(tree["tree_structure"])}
            for n, dump in enumerate(dumps)
            for tree in dump["tree_info"]
        ]
        return {**dumps[0], "tree_info": trees}


def train(
    data: dict,
    queries: list,
    rounds: int = ROUNDS,
    seeds: tuple[int, ...] = (13,),
    names: Sequence[str] | None = None,
):
    """A LambdaMART model per seed over these queries' rows (their columns named `names`, by default the
    engine's `FEATURES` kept by `--drop`), averaged."""
    import lightgbm

    queries = [q for q in queries if len(data[q][2])]
    rows = np.vstack([data[q][2] for q in queries])
    labels = np.concatenate([data[q][3] for q in queries])
    groups = [len(data[q][2]) for q in queries]
    names = list(names) if names is not None else [n for n in FEATURES if n in KEEP]
    models = []
    for seed in seeds:
        dataset = lightgbm.Dataset(rows, labels, group=groups, feature_name=names)
        models.append(lightgbm.train({**PARAMS, "seed": seed}, dataset, num_boost_round=rounds))
    return Ensemble(models)


def save_model(model: Ensemble, features: Sequence[str], check: np.ndarray, path: Path) -> None:
    """Write the model's LightGBM dump where the engine loads it, once the engine's numpy walk of it
    (`rerank.TreeModel`) predicts what LightGBM does on `check`."""
    dump = model.dump_model()
    if not np.allclose(TreeModel(dump, features).predict(check), model.predict(check), atol=1e-9):
        raise SystemExit("the numpy tree walk disagrees with LightGBM")
    path.write_text(json.dumps(dump, separators=(",", ":")), encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}")


def load_sets(args: argparse.Namespace, config: dict, make_candidates: Callable) -> dict:
    """Each training and test set of a study: (its candidates by `make_candidates`, corpus, queries, qrels);
    a held-out set may only be tested on."""
    training = [n for n in args.train.split(",") if n]
    sets = {}
    for name in [*training, *(n for n in args.test.split(",") if n)]:
        if name in training and config[name].get("holdout"):
            raise SystemExit(f"{name} is held out: it may only be tested on")
        corpus, queries, qrels = load_set(name, config[name])
        found = make_candidates(name, corpus, queries, qrels, args.embedder, args.depth)
        sets[name] = (found, corpus, queries, qrels)
    return sets


def study_arguments(doc: str, train: str, test: str) -> argparse.Namespace:
    """The options a second-stage study takes (this one and `crossing_study.py`), parsed."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", default=train)
    parser.add_argument("--test", default=test)
    parser.add_argument("--embedder", default="use")
    parser.add_argument("--depth", type=int, default=30)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--save", action="store_true", help="write the model trained on all training sets")
    parser.add_argument("--params", default="", help="LightGBM settings to change, key=value,...")
    parser.add_argument("--drop", default="", help="comma-separated features to leave out (ablation)")
    parser.add_argument("--seeds", default="13", help="comma-separated LightGBM seeds: their models averaged")
    return parser.parse_args()


def rounds_and_seeds(args: argparse.Namespace) -> tuple[int, tuple[int, ...]]:
    """Apply `--params` to PARAMS (e.g. num_leaves=15,learning_rate=0.05,rounds=600); the rounds and seeds."""
    rounds = ROUNDS
    for setting in filter(None, args.params.split(",")):
        key, value = setting.split("=")
        if key == "rounds":
            rounds = int(value)
        else:
            PARAMS[key] = type(PARAMS.get(key, 0.0))(value)
    return rounds, tuple(int(seed) for seed in args.seeds.split(","))


def main() -> int:
    args = study_arguments(
        __doc__, "sample-demand-achievement,demand-achievement-zh-train", "demand-achievement-zh"
    )
    rounds, seeds = rounds_and_seeds(args)
    KEEP.difference_update(args.drop.split(","))
    config = yaml.safe_load((ROOT / "eval" / "sets.yaml").read_text())["sets"]
    started = time.time()
    sets = load_sets(args, config, candidates)
    columns = [i for i, n in enumerate(FEATURES) if n in KEEP]
    if len(columns) < len(FEATURES):  # an ablation: leave the dropped features out of every row
        if args.save:
            raise SystemExit("--save needs every feature: the engine computes all of them")
        for data, *_rest in sets.values():
            for qid, (ids, scores, rows, labels) in data.items():
                data[qid] = (ids, scores, rows[:, columns], labels)
    training = [n for n in args.train.split(",") if n]
    pooled = [(n, q) for n in training for q in sets[n][0]]
    rng = np.random.default_rng(13)
    fold_of = {key: int(f) for key, f in zip(pooled, rng.permutation(len(pooled)) % args.folds, strict=True)}
    print("| set | bm25s | first stage | second stage | folds (min-max) |\n|---|---:|---:|---:|---|")
    merged = {f"{n}/{q}": sets[n][0][q] for n, q in pooled}
    out_of_fold: dict[str, dict] = {n: {} for n in training}
    per_fold: dict[str, list[float]] = {n: [] for n in training}
    for fold in range(args.folds):
        model = train(merged, [f"{n}/{q}" for n, q in pooled if fold_of[n, q] != fold], rounds, seeds)
        for name in training:
            held = {q: sets[name][0][q] for q in sets[name][0] if fold_of[name, q] == fold}
            run = reranked_run(held, model)
            out_of_fold[name] |= run
            qrels = {q: sets[name][3].get(q, {}) for q in held}
            per_fold[name].append(score_run(run, qrels)["ndcg@10"])
    for name in training:
        data, corpus, queries, qrels = sets[name]
        base = score_run(bm25s_run(corpus, queries), qrels)["ndcg@10"]
        first = score_run(first_stage_run(data), qrels)["ndcg@10"]
        second = score_run(out_of_fold[name], qrels)["ndcg@10"]
        spread = f"{min(per_fold[name]):.4f}-{max(per_fold[name]):.4f}"
        print(f"| {name} (out of fold) | {base:.4f} | {first:.4f} | {second:.4f} | {spread} |")
    model = train(merged, list(merged), rounds, seeds)
    for name in [n for n in args.test.split(",") if n]:
        data, corpus, queries, qrels = sets[name]
        base = score_run(bm25s_run(corpus, queries), qrels)["ndcg@10"]
        first = score_run(first_stage_run(data), qrels)["ndcg@10"]
        second = score_run(reranked_run(data, model), qrels)["ndcg@10"]
        print(f"| {name} (held out) | {base:.4f} | {first:.4f} | {second:.4f} | |")
    importance = sorted(
        zip(model.feature_name(), model.feature_importance("gain"), strict=True), key=lambda p: -p[1]
    )
    print("gain: " + ", ".join(f"{f} {g:.0f}" for f, g in importance))
    if args.save:
        save_model(model, FEATURES, np.vstack([sets[n][0][q][2] for n, q in pooled[:20]]), MODEL_PATH)
    print(f"{time.time() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
