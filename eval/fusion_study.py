"""Fit and cross-validate the adaptive fusion (`FusionConfig.adjust`) on the development sets.

    python eval/fusion_study.py --sets a,b,c [--folds 5] [--seed 13]

For every query the fused ranking is scored at lexical shares 0, 0.1, ..., 1; a weight vector over the
query features (`engine.hybrid.QUERY_FEATURES`) moves each query's coverage share on the logit scale, and
is chosen by coordinate search to maximise the mean over sets of (set score / better single retriever).
Sets weigh the same whatever their number of queries. k-fold over queries (within each set): the weights
are fitted on k-1 folds and scored on the held-out one; the out-of-fold scores and the spread of the
held-out relative scores are printed, then the weights fitted on everything. Only development data may go
in (../shared/data, the sample, sets built here), never the hidden sets.
"""

from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path

import numpy as np
import yaml
from run_sets import SHARED, collect  # eval/ is on the path when run as a script

from kechuang.engine.evaluation import mrr_at, ndcg_at, read_corpus, read_pairs, read_queries
from kechuang.engine.hybrid import QUERY_FEATURES, FusionConfig, adaptive_share, fuse

ROOT = Path(__file__).resolve().parents[1]
GRID = np.round(np.linspace(0, 1, 11), 2)
STEPS = (2.0, 1.0, 0.5, 0.25, 0.1)


def prepare(name: str, spec: dict, embedder: str):
    """Per query: score at each grid share, coverage prior, features."""
    folder = (ROOT / "eval" if spec.get("local") else SHARED) / spec["path"]
    corpus, queries = read_corpus(folder / "corpus.jsonl"), read_queries(folder / "queries.jsonl")
    qrels = read_pairs(folder / "qrels.tsv")
    parts = collect(corpus, queries, embedder, ROOT / "data" / "embeddings", FusionConfig(adjust=()))
    metric = ndcg_at if spec["metric"].startswith("ndcg") else mrr_at
    ids = [d.id for d in corpus]
    base = FusionConfig()
    table, priors, feats = [], [], []
    for qid, (lex, dense, coverage, features) in parts.items():
        if qid not in qrels:
            continue
        row = [metric([ids[h.id] for h in fuse(lex, dense, float(s), 10)], qrels[qid]) for s in GRID]
        table.append(row)
        priors.append(base.lexical_weight * coverage**base.coverage_power)
        feats.append(features)
    return np.array(table), np.array(priors), np.array(feats)


def shares(prior: np.ndarray, feats: np.ndarray, weights: np.ndarray) -> np.ndarray:
    return np.array([adaptive_share(p, f, weights) for p, f in zip(prior, feats, strict=True)])


def scores(data, weights: np.ndarray, rows: dict[str, np.ndarray]) -> dict[str, float]:
    out = {}
    for name, (table, prior, feats) in data.items():
        pick = rows[name]
        chosen = np.rint(shares(prior[pick], feats[pick], weights) * 10).astype(int)
        out[name] = float(table[pick, chosen].mean())
    return out


def objective(data, weights, rows, single) -> float:
    return float(np.mean([v / single[n] for n, v in scores(data, weights, rows).items()]))


def fit(data, rows, single, free: list[int] | None = None) -> np.ndarray:
    """Coordinate search over the weights `free` indexes (default all: the bias, then each feature)."""
    weights = np.zeros(len(QUERY_FEATURES) + 1)
    best = objective(data, weights, rows, single)
    for step in STEPS:
        improved = True
        while improved:
            improved = False
            for i in free if free is not None else range(len(weights)):
                for sign in (1, -1):
                    trial = weights.copy()
                    trial[i] = float(np.clip(trial[i] + sign * step, -6, 6))
                    value = objective(data, trial, rows, single)
                    if value > best + 1e-6:
                        best, weights, improved = value, trial, True
    return weights


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sets", required=True)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--embedder", default="use")
    parser.add_argument("--only", default="", help="fit only these features (and the bias), comma-separated")
    args = parser.parse_args()
    free = None
    if args.only:
        free = [0, *(1 + QUERY_FEATURES.index(name) for name in args.only.split(","))]
    config = yaml.safe_load((ROOT / "eval" / "sets.yaml").read_text())["sets"]
    data = {}
    for name in args.sets.split(","):
        saved = ROOT / "data" / f"fusion-study-{name}-{args.embedder}.pkl"  # data/ is not committed
        if not saved.exists():
            saved.write_bytes(pickle.dumps(prepare(name, config[name], args.embedder)))
        data[name] = pickle.loads(saved.read_bytes())
    rng = np.random.default_rng(args.seed)
    folds = {name: rng.permutation(len(t)) % args.folds for name, (t, _, _) in data.items()}
    every = {name: np.arange(len(t)) for name, (t, _, _) in data.items()}
    single = {name: max(t[:, 0].mean(), t[:, 10].mean()) for name, (t, _, _) in data.items()}
    held, relative = {name: [] for name in data}, []
    for k in range(args.folds):
        train = {n: np.flatnonzero(f != k) for n, f in folds.items()}
        test = {n: np.flatnonzero(f == k) for n, f in folds.items()}
        weights = fit(data, train, single, free)
        got = scores(data, weights, test)
        for name, value in got.items():
            held[name].append((value, len(test[name])))
        relative.append(objective(data, weights, test, single))
        print(
            f"fold {k}: weights {np.round(weights, 2).tolist()} held-out relative {relative[-1]:.4f}",
            file=sys.stderr,
        )
    full = fit(data, every, single, free)
    now = scores(data, np.zeros(len(full)), every)
    print(
        "| set | BM25F | dense | coverage rule | adaptive, out-of-fold (fold min-max) |\n"
        "|---|---:|---:|---:|---:|"
    )
    for name, (table, _, _) in data.items():
        values = [v for v, _ in held[name]]
        oof = sum(v * n for v, n in held[name]) / sum(n for _, n in held[name])
        print(
            f"| {name} | {table[:, 10].mean():.4f} | {table[:, 0].mean():.4f} | {now[name]:.4f} | "
            f"{oof:.4f} ({min(values):.4f}-{max(values):.4f}) |"
        )
    print(f"held-out mean relative score per fold: {np.round(relative, 4).tolist()}")
    print(
        f"features {('bias', *QUERY_FEATURES)}; "
        f"fitted on all queries: adjust={tuple(np.round(full, 2).tolist())}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
