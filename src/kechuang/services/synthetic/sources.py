"""Real text the synthetic registry recombines: CSL papers and titles, ChinaXiv abstracts, NSFC grants."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from kechuang.domain.codes import code_table, csl_discipline_code
from kechuang.domain.errors import InvalidInput


@dataclass
class Sources:
    """Pools of titles, sentences, keywords, names and valid codes to draw from."""

    papers: list[tuple[str, list[str], str]] = field(default_factory=list)  # title, keywords, discipline code
    titles: list[str] = field(default_factory=list)
    sentences_zh: list[str] = field(default_factory=list)
    sentences_en: list[str] = field(default_factory=list)
    institutions: list[str] = field(default_factory=list)
    surnames: list[str] = field(default_factory=list)
    given_chars: list[str] = field(default_factory=list)
    disciplines: list[str] = field(default_factory=list)
    industries: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)


def _sentences(text: str, stops: str) -> list[str]:
    out, start = [], 0
    for n, char in enumerate(text):
        if char in stops:
            piece = text[start : n + 1].strip()
            if 8 <= len(piece) <= 240:
                out.append(piece)
            start = n + 1
    return out


def load_sources(folder: Path) -> Sources:
    """Read the shared data folder (its README names the licences); refuse clearly when it is missing."""
    csl = folder / "csl" / "csl_2000.jsonl"
    if not csl.is_file():
        raise InvalidInput(
            f"no CSL corpus under {folder} (set --source to the shared data folder)", field="source"
        )
    src = Sources()
    with csl.open(encoding="utf-8") as handle:
        for line in handle:
            paper = json.loads(line)
            code = csl_discipline_code(paper.get("discipline", "")) or ""
            src.papers.append((paper["title"], list(paper.get("keywords", [])), code))
            src.sentences_zh.extend(_sentences(paper.get("abstract", ""), "。；;"))
    titles = folder / "csl" / "csl_titles_8000_category.tsv"
    if titles.is_file():
        with titles.open(encoding="utf-8") as handle:
            src.titles = [row.split("\t")[1] for row in handle if row.count("\t") >= 2]
    src.titles.extend(title for title, _, _ in src.papers)
    chinese = folder / "chinaxiv-zh2en-dev" / "queries.jsonl"
    if chinese.is_file():
        with chinese.open(encoding="utf-8") as handle:
            for line in handle:
                src.sentences_zh.extend(_sentences(json.loads(line).get("text", ""), "。；"))
    english = folder / "chinaxiv-zh2en-dev" / "corpus.jsonl"
    if english.is_file():
        with english.open(encoding="utf-8") as handle:
            for line in handle:
                src.sentences_en.extend(_sentences(json.loads(line).get("text", ""), "."))
    grants = folder / "nsfc_2017" / "nsfc_management_sciences_2017.csv"
    if grants.is_file():
        with grants.open(encoding="utf-8") as handle:
            rows = list(csv.reader(handle))[1:]
        src.institutions = sorted({row[3] for row in rows if len(row) > 4 and row[3]})
        names = [row[4] for row in rows if len(row) > 4 and 2 <= len(row[4]) <= 4]
        src.surnames = sorted({name[0] for name in names})
        src.given_chars = sorted({char for name in names for char in name[1:]})
        src.titles.extend(row[2] for row in rows if len(row) > 2 and row[2])
    src.institutions = src.institutions or ["清华大学", "北京大学", "天津大学"]
    src.surnames = src.surnames or list("王李张刘陈杨赵黄周吴")
    src.given_chars = src.given_chars or list("伟芳娜敏静丽强磊军洋")
    src.sentences_en = src.sentences_en or ["A method for online defect detection is proposed."]
    src.disciplines = [c.code for c in code_table("discipline") if len(c.code) >= 5]
    src.industries = [c.code for c in code_table("industry") if len(c.code) == 4]
    src.regions = [c.code for c in code_table("region") if len(c.code) == 6 and not c.code.endswith("00")]
    return src
