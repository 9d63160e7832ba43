"""Build two English proxy sets (BEIR folders) from the ChinaXiv English records in ../shared/data.

    python eval/make_english_proxies.py      # writes eval/en-title2abstract/ and eval/en-abstract-halves/

The hidden English sets (short-phrase similarity, paper-to-paper similarity) are not here; these proxies
measure the same two situations on data we may use, so the fusion can be checked where it must lean on
the embedding (short English phrases, where every token is in the index) and where it must lean on BM25
(long English texts sharing their specific vocabulary):

- `en-title2abstract`: query = the record's English title (short phrase, median 12 words), corpus = the
  English abstracts of the drawn records with their titles removed; the record itself is relevant.
- `en-abstract-halves`: query = the first half (by sentences) of an English abstract, corpus = the second
  half of every abstract with its title; the same paper is relevant (paper-to-paper, known item).

600 records drawn from the 4,994 and 150 queries each (fixed seed; small enough to embed on a
laptop CPU in minutes). The texts are not copied into the repository: the folders are written under
eval/ but ignored by git, and `eval/run_sets.py` finds them through `local: build` in sets.yaml (run this
script first). ChinaXiv texts are CC BY 4.0 (see ../shared/data/README.md).
"""

from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("KECHUANG_SHARED_DATA", ROOT.parent / "shared" / "data"))
SOURCE = SHARED / "chinaxiv-zh2en-dev" / "corpus.jsonl"
QUERIES = 150
DOCUMENTS = 600
SEED = 13
SENTENCE = re.compile(r"(?<=[.!?])\s*(?=[A-Z\[])")


def records() -> list[dict]:
    lines = SOURCE.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def halves(text: str) -> tuple[str, str] | None:
    """The abstract split at the sentence boundary nearest its middle (None: under four sentences)."""
    sentences = [s.strip() for s in SENTENCE.split(text) if s.strip()]
    if len(sentences) < 4:
        return None
    total, running, cut = len(text), 0, 1
    for i, sentence in enumerate(sentences[:-1], start=1):
        running += len(sentence)
        if running >= total / 2:
            cut = i
            break
    return " ".join(sentences[:cut]), " ".join(sentences[cut:])


def write(folder: Path, corpus: list[dict], queries: list[dict], qrels: list[tuple[str, str, int]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in (("corpus.jsonl", corpus), ("queries.jsonl", queries)):
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        (folder / name).write_text(text, encoding="utf-8")
    lines = ["query-id\tcorpus-id\tscore"] + [f"{q}\t{d}\t{s}" for q, d, s in qrels]
    (folder / "qrels.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{folder.name}: {len(corpus)} documents, {len(queries)} queries")


def main() -> int:
    rng = random.Random(SEED)
    rows = rng.sample(records(), DOCUMENTS)
    titled = [r for r in rows if len(r["title"].split()) >= 3 and len(r["text"]) >= 200]
    chosen = rng.sample(titled, min(QUERIES, len(titled)))
    write(
        ROOT / "eval" / "en-title2abstract",
        [{"_id": r["_id"], "title": "", "text": r["text"]} for r in rows],
        [{"_id": "t-" + r["_id"], "text": r["title"]} for r in chosen],
        [("t-" + r["_id"], r["_id"], 1) for r in chosen],
    )
    split = {r["_id"]: halves(r["text"]) for r in rows}
    corpus = [
        {"_id": r["_id"], "title": r["title"], "text": parts[1] if parts else r["text"]}
        for r in rows
        for parts in [split[r["_id"]]]
    ]
    chosen = rng.sample([r for r in rows if split[r["_id"]]], QUERIES)
    write(
        ROOT / "eval" / "en-abstract-halves",
        corpus,
        [{"_id": "h-" + r["_id"], "text": split[r["_id"]][0]} for r in chosen],  # type: ignore[index]
        [("h-" + r["_id"], r["_id"], 1) for r in chosen],
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
