"""Experiment: a bilingual bridge from the code tables, on csl-discipline-en2zh.

    python eval/bridge_study.py

An English query's phrases found among the English names of GB/T 13745 disciplines and GB/T 4754 industries
(`domain/code_data`) are replaced by the Chinese names, searched lexically, and that list is fused with the
embedding's at a fixed share (queries with no bridged phrase keep the embedding alone). See eval/log.md.
"""

import csv

from run_sets import ROOT, SHARED, collect  # eval/ is on the path when run as a script

from kechuang.engine.evaluation import read_corpus, read_pairs, read_queries, score_run
from kechuang.engine.hybrid import fuse
from kechuang.engine.lexical import IndexedDoc, LexicalIndex
from kechuang.text.tokenize import tokenize

names = {}
for f in ("disciplines.csv", "industries.csv"):
    with open(ROOT / "src/kechuang/domain/code_data" / f, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row.get("name_en") and row.get("name_zh"):
            names.setdefault(" ".join(tokenize(row["name_en"])), row["name_zh"])


def bridge(q):
    toks = tokenize(q)
    out = []
    for n in range(min(6, len(toks)), 0, -1):
        for i in range(len(toks) - n + 1):
            key = " ".join(toks[i : i + n])
            if key in names:
                out.append(names[key])
    return out


folder = SHARED / "csl" / "csl-discipline-en2zh"
corpus, queries, qrels = (
    read_corpus(folder / "corpus.jsonl"),
    read_queries(folder / "queries.jsonl"),
    read_pairs(folder / "qrels.tsv"),
)
parts = collect(corpus, queries, "use", ROOT / "data" / "embeddings")
lex = LexicalIndex(tokenize)
lex.upsert(IndexedDoc(i, d.title, "", d.text) for i, d in enumerate(corpus))
ids = [d.id for d in corpus]
hit = sum(1 for q in queries.values() if bridge(q))
print("queries bridged", hit, "of", len(queries))
for share in (0.0, 0.1, 0.2, 0.3, 0.4, 0.5):
    run = {}
    for qid, (_lexical, dense, _coverage, _features) in parts.items():
        zh = bridge(queries[qid])
        bl = dict(lex.search_tokens([t for z in zh for t in tokenize(z)], 100)) if zh else {}
        run[qid] = [(ids[h.id], h.score) for h in fuse(bl, dense, share if bl else 0.0, 100)]
    print(share, round(score_run(run, qrels)["ndcg@10"], 4))
