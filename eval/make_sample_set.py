"""Write the built-in sample's demands and achievements as a BEIR folder (eval/sample-demand-achievement).

Queries are the demands (title, keywords, description, in whatever languages the demand has); the corpus is
the non-confidential achievements. The judgments (qrels.tsv) were written by the sample's authors.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "src" / "kechuang" / "sample"
OUT = ROOT / "eval" / "sample-demand-achievement"


def rows(name: str) -> list[dict]:
    return [
        json.loads(line) for line in (SAMPLE / name).read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def joined(record: dict, *fields: str) -> str:
    parts = []
    for field in fields:
        value = record.get(field)
        parts.extend(value if isinstance(value, list) else [value] if value else [])
    return " ".join(str(p) for p in parts)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / "corpus.jsonl").open("w", encoding="utf-8") as corpus:
        for item in rows("achievements.jsonl"):
            if item.get("visibility") == "confidential":
                continue
            doc = {
                "_id": item["external_id"],
                "title": joined(item, "title_zh", "title_en"),
                "text": joined(item, "keywords_zh", "keywords_en", "abstract_zh", "abstract_en"),
            }
            corpus.write(json.dumps(doc, ensure_ascii=False) + "\n")
    with (OUT / "queries.jsonl").open("w", encoding="utf-8") as queries:
        for item in rows("demands.jsonl"):
            text = joined(
                item, "title_zh", "title_en", "keywords_zh", "keywords_en", "description_zh", "description_en"
            )
            queries.write(json.dumps({"_id": item["external_id"], "text": text}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
