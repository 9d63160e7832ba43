"""Does field agreement help? A study, and the training of `engine.fields`' packaged model.

    python eval/field_study.py [--sets a,b] [--weights 0,0.5,1] [--power 3] [--save]

A multinomial logistic regression over the USE vectors learns the 13 CSL categories from
`csl/csl_titles_8000_category.tsv` (8,000 titles, none of them in any set's corpus; accuracy printed, 5-fold).
For every set the product's first stage (run_sets.collect) is re-scored the way `HybridSearcher` does it:
queries that `fields.names_a_field` admits get fused + weight * agreement over all their candidates.
Prints nDCG@10 (MRR@10 for ChinaXiv) per set and weight, and how many queries were admitted. `--save`
writes the model (all 8,000 titles, `--power`, the first of `--weights`) to the package.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np
import yaml
from run_sets import ROOT, SHARED, collect  # eval/ is on the path when run as a script
from scipy.optimize import minimize

from kechuang.engine.beir_run import _embed
from kechuang.engine.dense import make_embedder
from kechuang.engine.evaluation import read_corpus, read_pairs, read_queries, score_run
from kechuang.engine.fields import MODEL_PATH, FieldModel, names_a_field
from kechuang.engine.hybrid import FusionConfig, adaptive_share, fuse, query_tokens
from kechuang.text.tokenize import tokenize

CACHE = ROOT / "data" / "embeddings"
TITLES = SHARED / "csl" / "csl_titles_8000_category.tsv"


def titles() -> tuple[list[str], list[str]]:
    """The training titles and their categories (the file's columns: a constant, the title, the category)."""
    with TITLES.open(encoding="utf-8") as handle:
        rows = [line.rstrip("\n").split("\t") for line in handle if line.strip()]
    return [r[1] for r in rows], [r[2] for r in rows]


def train(x: np.ndarray, y: np.ndarray, classes: int, l2: float) -> np.ndarray:
    """Multinomial logistic regression by L-BFGS; weights with the bias as the last row."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    onehot = np.eye(classes)[y]
    penalty = np.ones((xb.shape[1], classes))
    penalty[-1] = 0.0  # the bias is not shrunk

    def loss(flat: np.ndarray) -> tuple[float, np.ndarray]:
        w = flat.reshape(xb.shape[1], classes)
        logits = xb @ w
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        nll = -np.log(np.maximum((p * onehot).sum(axis=1), 1e-12)).mean()
        grad = xb.T @ (p - onehot) / len(y) + 2 * l2 * penalty * w
        return nll + l2 * float((penalty * w**2).sum()), grad.ravel()

    start = np.zeros(xb.shape[1] * classes)
    result = minimize(loss, start, jac=True, method="L-BFGS-B", options={"maxiter": 500})
    return result.x.reshape(xb.shape[1], classes)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sets", default="", help="comma-separated set names (default: all with a corpus)")
    parser.add_argument("--weights", default="1,0,0.5,2", help="agreement weights; the first is saved")
    parser.add_argument("--power", type=float, default=3.0, help="sharpening of the distributions")
    parser.add_argument("--l2", type=float, default=1e-4)
    parser.add_argument("--save", action="store_true", help="write the model to the package")
    args = parser.parse_args()
    embedder = make_embedder("use")
    texts, labels = titles()
    names = sorted(set(labels))
    y = np.array([names.index(label) for label in labels])
    x = _embed(embedder, texts, "passage", CACHE, True)
    folds = np.random.default_rng(7).permutation(np.arange(len(y)) % 5)
    accuracy = []
    for fold in range(5):
        model = FieldModel(
            embedder.name,
            tuple(names),
            train(x[folds != fold], y[folds != fold], len(names), args.l2),
            1.0,
            0.0,
        )
        accuracy.append(float((model.distribution(x[folds == fold]).argmax(1) == y[folds == fold]).mean()))
    print(
        f"category accuracy (5-fold): {np.mean(accuracy):.3f} (folds {min(accuracy):.3f}-{max(accuracy):.3f})"
    )
    weights = [float(v) for v in args.weights.split(",")]
    model = FieldModel(embedder.name, tuple(names), train(x, y, len(names), args.l2), args.power, weights[0])
    if args.save:
        MODEL_PATH.write_text(json.dumps(model.to_json(), ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"saved {MODEL_PATH.name}")
    config = yaml.safe_load((ROOT / "eval" / "sets.yaml").read_text())
    fusion = FusionConfig()
    for name, spec in config["sets"].items():
        if args.sets and name not in args.sets.split(","):
            continue
        folder = (ROOT / "eval" if spec.get("local") else SHARED) / spec["path"]
        if not (folder / "corpus.jsonl").exists():
            continue
        corpus, queries = read_corpus(folder / "corpus.jsonl"), read_queries(folder / "queries.jsonl")
        qrels = read_pairs(folder / "qrels.tsv")
        parts = collect(corpus, queries, "use", CACHE, fusion)
        documents = _embed(
            embedder, [f"{d.title}\n{d.text}".strip() for d in corpus], "passage", CACHE, False
        )
        qids = list(queries)
        qvectors = _embed(embedder, [queries[q] for q in qids], "query", CACHE, False)
        admitted, fused = set(), {}
        for position, qid in enumerate(qids):
            lex, dense, coverage, features = parts[qid]
            share = fusion.lexical_weight * coverage**fusion.coverage_power
            if dense:
                share = adaptive_share(share, features, fusion.adjust)
            hits = fuse(lex, dense, share, len(lex.keys() | dense.keys()))
            tokens = query_tokens(tokenize(queries[qid]))
            if dense and names_a_field(queries[qid], tokens, share):
                admitted.add(qid)
                ids = [h.id for h in hits]
                fused[qid] = (hits, model.agreement(qvectors[position], documents[ids]))
            else:
                fused[qid] = (hits[:100], np.zeros(min(100, len(hits))))
        row = []
        for weight in weights:
            run = {}
            for qid, (hits, agreement) in fused.items():
                scored = sorted(
                    ((h.score + weight * a, h.id) for h, a in zip(hits, agreement, strict=True)),
                    key=lambda p: (-p[0], p[1]),
                )
                run[qid] = [(corpus[i].id, s) for s, i in scored[:100]]
            row.append(score_run(run, qrels)[spec["metric"]])
        cells = " ".join(f"{weight:g}:{value:.4f}" for weight, value in zip(weights, row, strict=True))
        print(f"{name:28s} admitted {len(admitted):4d}/{len(qids):4d}  {cells}")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
