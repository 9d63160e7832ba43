"""Does the second stage for queries across languages (`engine.crossing`) beat the first stage? A study.

    python eval/crossing_study.py --train chinaxiv-en2zh-dev,chinaxiv-zh2en-dev \
        --test en-title2abstract,en-abstract-halves [--depth 30] [--folds 5] [--save]

For every set the first stage is the product's (run_sets.collect, the product's FusionConfig); the queries the
stage is for (`crossing.crosses`) get the features of `engine.crossing` on their top `depth` candidates, read
from the leads the lexical index stores. Training sets are scored out of fold (queries split into `folds`
groups, every training set's queries pooled, each group scored by a model trained on the others), with the
spread over folds; test sets are scored by a model trained on all training queries. `--save` writes that
model to the package (`engine/crossing_model.json`). Prints each set's metric (sets.yaml) for bm25s, the first
stage and the second.
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace

import numpy as np
import yaml
from rerank_study import (
    PARAMS,
    first_stage_run,
    load_sets,
    reranked_run,
    rounds_and_seeds,
    save_model,
    study_arguments,
    train,
)
from run_sets import ROOT, bm25s_run, collect  # eval/ is on the path when run as a script

from kechuang.engine.crossing import FEATURES, MODEL_PATH, crosses, in_another_language
from kechuang.engine.crossing import features as crossing_features
from kechuang.engine.evaluation import score_run
from kechuang.engine.hybrid import FusionConfig, HybridSearcher, fuse
from kechuang.engine.lexical import IndexedDoc, LexicalIndex
from kechuang.text.tokenize import query_tokenize, tokenize

PARAMS["num_leaves"] = 7  # the Chinese stage's settings, but trees of 7 leaves: 0.9853 / 0.9808 out of fold
# against 0.9832 / 0.9791 with 3, and 15 leaves (min 50 a leaf) or 600 rounds gave no more (eval/log.md)


def candidates(name, corpus, queries, qrels, embedder: str, depth: int):
    """Per query: the first stage's fused top 100 (ids, scores), and the features and grades of its top
    `depth` when the stage is for it (else none: the engine keeps the first stage's order)."""
    fusion = FusionConfig()
    parts = collect(corpus, queries, embedder, ROOT / "data" / "embeddings", fusion)
    index = LexicalIndex(tokenize, query_tokenize=query_tokenize)
    index.upsert(IndexedDoc(i, d.title, "", d.text) for i, d in enumerate(corpus))
    reader = HybridSearcher(index, config=replace(fusion, rerank_depth=0))
    out, crossing = {}, 0
    for qid, (lex, dense, coverage, _features) in parts.items():
        share = fusion.lexical_weight * coverage**fusion.coverage_power if dense else 1.0
        hits = fuse(lex, dense, share, 100)
        text = queries[qid]
        top = hits[:depth] if crosses(text, share) else []
        texts = reader.candidate_texts([h.id for h in top]) if len(top) > 1 else None
        if not texts or not in_another_language(text, texts):
            top, texts = [], None
        rows = crossing_features(text, top, texts) if texts else np.zeros((0, len(FEATURES)))
        crossing += bool(len(rows))
        labels = np.array([qrels.get(qid, {}).get(corpus[h.id].id, 0) for h in top])
        out[qid] = ([corpus[h.id].id for h in hits], [h.score for h in hits], rows, labels)
    print(f"   {name}: {len(out)} queries, {crossing} cross languages", file=sys.stderr)
    return out


def main() -> int:
    args = study_arguments(
        __doc__, "chinaxiv-en2zh-dev,chinaxiv-zh2en-dev", "en-title2abstract,en-abstract-halves"
    )
    rounds, seeds = rounds_and_seeds(args)
    config = yaml.safe_load((ROOT / "eval" / "sets.yaml").read_text())["sets"]
    training = [n for n in args.train.split(",") if n]
    testing = [n for n in args.test.split(",") if n]
    started = time.time()
    sets = load_sets(args, config, candidates)
    names = tuple(n for n in FEATURES if n not in args.drop.split(","))
    if names != FEATURES:  # an ablation: leave the dropped features out of every row
        if args.save:
            raise SystemExit("--save needs every feature: the engine computes all of them")
        keep = [FEATURES.index(n) for n in names]
        for data, *_rest in sets.values():
            for qid, (ids, scores, rows, labels) in data.items():
                data[qid] = (ids, scores, rows[:, keep], labels)
    pooled = [(n, q) for n in training for q in sets[n][0]]
    rng = np.random.default_rng(13)
    fold_of = {key: int(f) for key, f in zip(pooled, rng.permutation(len(pooled)) % args.folds, strict=True)}
    merged = {f"{n}/{q}": sets[n][0][q] for n, q in pooled}
    out_of_fold: dict[str, dict] = {n: {} for n in training}
    per_fold: dict[str, list[float]] = {n: [] for n in training}
    for fold in range(args.folds):
        model = train(merged, [f"{n}/{q}" for n, q in pooled if fold_of[n, q] != fold], rounds, seeds, names)
        for name in training:
            held = {q: sets[name][0][q] for q in sets[name][0] if fold_of[name, q] == fold}
            run = reranked_run(held, model)
            out_of_fold[name] |= run
            metric = config[name]["metric"]
            per_fold[name].append(score_run(run, {q: sets[name][3].get(q, {}) for q in held})[metric])
    print(
        "| set | metric | bm25s | first stage | second stage | folds (min-max) |\n"
        "|---|---|---:|---:|---:|---|"
    )
    model = train(merged, list(merged), rounds, seeds, names) if testing or args.save else None
    for name in [*training, *testing]:
        data, corpus, queries, qrels = sets[name]
        metric = config[name]["metric"]
        base = score_run(bm25s_run(corpus, queries), qrels)[metric]
        first = score_run(first_stage_run(data), qrels)[metric]
        if name in training:
            second = score_run(out_of_fold[name], qrels)[metric]
            label, spread = "out of fold", f"{min(per_fold[name]):.4f}-{max(per_fold[name]):.4f}"
        else:
            second = score_run(reranked_run(data, model), qrels)[metric]
            label, spread = "held out", ""
        print(f"| {name} ({label}) | {metric} | {base:.4f} | {first:.4f} | {second:.4f} | {spread} |")
    if model is not None:
        gains = sorted(
            zip(model.feature_name(), model.feature_importance("gain"), strict=True), key=lambda p: -p[1]
        )
        print("gain: " + ", ".join(f"{f} {g:.0f}" for f, g in gains))
    if args.save and model is not None:
        check = np.vstack([merged[q][2] for q in list(merged)[:20] if len(merged[q][2])])
        save_model(model, FEATURES, check, MODEL_PATH)
    print(f"{time.time() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
