"""How should queries be cut? BM25F alone with documents and queries segmented in jieba's search or precise
mode, and with the query's whole words plus its parts at several weights. A study (eval/log.md).

    python eval/query_cut_study.py --sets demand-achievement-zh-train,sample-demand-achievement \
        [--weights 0.1,0.2,0.3,0.5,1]

Prints nDCG@10 (the set's metric) per set and variant; bm25s runs in the same process as the reference.
"""

from __future__ import annotations

import argparse

import tantivy
import yaml
from run_sets import ROOT, SHARED, bm25s_run  # eval/ is on the path when run as a script

from kechuang.engine.evaluation import read_corpus, read_pairs, read_queries, score_run
from kechuang.engine.hybrid import query_tokens
from kechuang.engine.lexical import BODY, IndexedDoc, LexicalIndex
from kechuang.text import Analyzer


def score(index: LexicalIndex, cut, part_weight: float, data: tuple, parts_cut) -> float:
    """The set's metric of BM25F, queries cut by `cut`, with `parts_cut`'s other tokens at `part_weight`."""
    queries, ids, qrels, metric = data
    searcher, run = index._index.searcher(), {}
    for qid, text in queries.items():
        whole = list(dict.fromkeys(query_tokens(cut(text))))
        parts = [t for t in dict.fromkeys(query_tokens(parts_cut(text))) if t not in set(whole)]
        clauses = [(tantivy.Occur.Should, index._term(BODY, t)) for t in whole]
        if part_weight:
            clauses += [
                (tantivy.Occur.Should, tantivy.Query.boost_query(index._term(BODY, t), part_weight))
                for t in parts
            ]
        hits = index._top(searcher, tantivy.Query.boolean_query(clauses), 100) if clauses else []
        run[qid] = [(ids[i], s) for i, s in hits]
    return score_run(run, qrels)[metric]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sets", default="demand-achievement-zh-train,sample-demand-achievement")
    parser.add_argument("--weights", default="0.1,0.2,0.3,0.5,1")
    args = parser.parse_args()
    config = yaml.safe_load((ROOT / "eval" / "sets.yaml").read_text())["sets"]
    search, precise = Analyzer(), Analyzer(search_mode=False)
    weights = [float(w) for w in args.weights.split(",")]
    print(
        "| set | bm25s | search / search | precise / precise | search / precise | "
        + " | ".join(f"parts {w}" for w in weights)
        + " |"
    )
    print("|---|" + "---:|" * (4 + len(weights)))
    for name in args.sets.split(","):
        spec = config[name]
        folder = (ROOT / "eval" if spec.get("local") else SHARED) / spec["path"]
        corpus, queries = read_corpus(folder / "corpus.jsonl"), read_queries(folder / "queries.jsonl")
        qrels, metric = read_pairs(folder / "qrels.tsv"), spec["metric"]
        ids = [d.id for d in corpus]
        indexes = {}
        for analyzer in (search, precise):
            indexes[analyzer] = LexicalIndex(analyzer.tokens)
            indexes[analyzer].upsert(IndexedDoc(i, d.title, "", d.text) for i, d in enumerate(corpus))

        data = (queries, ids, qrels, metric)
        row = [
            score_run(bm25s_run(corpus, queries), qrels)[metric],
            score(indexes[search], search.tokens, 0.0, data, search.tokens),
            score(indexes[precise], precise.tokens, 0.0, data, search.tokens),
            score(indexes[search], search.query_tokens, 0.0, data, search.tokens),
            *(score(indexes[search], search.query_tokens, w, data, search.tokens) for w in weights),
        ]
        print(f"| {name} | " + " | ".join(f"{v:.4f}" for v in row) + " |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
