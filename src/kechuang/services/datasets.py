"""Importers for the real public data sets (CSL, ChinaXiv, NSFC): convert, then run the normal import."""

from __future__ import annotations

import calendar
import csv
import io
import json
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from kechuang.domain.access import Actor
from kechuang.domain.codes import csl_discipline_code
from kechuang.store.db import UnitOfWork

from .entity_fields import spec_for
from .importing import ImportResult, Stage, import_stages
from .tabular.readers import Sheet

NSFC_FUNDER = "国家自然科学基金委员会"
NSFC_DISCIPLINE = "630"  # GB/T 13745 管理学: the file holds the management-sciences department's grants


def detect_dataset(path: Path) -> str | None:
    """Name the known data set a path holds ('csl', 'chinaxiv', 'nsfc'), or None for a plain file."""
    if path.is_dir():
        corpus = path / "corpus.jsonl"
        if corpus.exists() and (path / "queries.jsonl").exists():
            with corpus.open(encoding="utf-8") as handle:
                first = json.loads(handle.readline() or "{}")
            if str(first.get("_id", "")).startswith("ChinaXiv-"):
                return "chinaxiv"
        return None
    if path.suffix == ".jsonl":
        with path.open(encoding="utf-8") as handle:
            first = json.loads(handle.readline() or "{}")
        return "csl" if {"title", "abstract", "keywords", "discipline"} <= set(first) else None
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig") as handle:
            return "nsfc" if handle.readline().lstrip('"').startswith("项目批准号") else None
    return None


def import_dataset(
    actor: Actor, name: str, path: Path, uow: UnitOfWork, *, progress: bool = False
) -> ImportResult:
    """Convert and import a known data set in one transaction (re-running it changes nothing)."""
    converters: dict[str, Callable[[Path], list[Stage]]] = {
        "csl": csl_stages,
        "chinaxiv": chinaxiv_stages,
        "nsfc": nsfc_stages,
    }
    if name not in converters:
        raise ValueError(f"unknown data set '{name}'; known: {', '.join(converters)}")
    return import_stages(actor, converters[name](path), uow, source=name, progress=progress)


def _clean(text: Any) -> str:
    return " ".join(str(text or "").split())


def _jsonl(path: Path) -> list[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8") as handle:
        return [(n, json.loads(line)) for n, line in enumerate(handle, start=1) if line.strip()]


def csl_stages(path: Path) -> list[Stage]:
    """CSL papers become public achievements of kind paper, disciplines mapped to GB/T 13745."""
    sheet = Sheet(path.name)
    for number, item in _jsonl(path):
        code = csl_discipline_code(item.get("discipline", "")) or csl_discipline_code(
            item.get("discipline_en", "")
        )
        sheet.rows.append(
            (
                number,
                {
                    "external_id": f"csl:{item['id']}",
                    "title_zh": _clean(item.get("title")),
                    "abstract_zh": _clean(item.get("abstract")),
                    "keywords_zh": [_clean(k) for k in item.get("keywords", []) if _clean(k)],
                    "discipline_codes": [code] if code else [],
                    "kind": "paper",
                    "visibility": "public",
                },
            )
        )
    return [Stage(spec_for("achievement"), sheet)]


def chinaxiv_stages(path: Path) -> list[Stage]:
    """ChinaXiv preprints become bilingual achievements: the corpus gives one language, queries the other."""
    corpus = _jsonl(path / "corpus.jsonl")
    queries = {item["_id"].split("-", 1)[1]: item for _, item in _jsonl(path / "queries.jsonl")}
    query_lang = next(iter(queries.values()))["_id"].split("-", 1)[0] if queries else "en"
    corpus_lang = "zh" if query_lang == "en" else "en"
    sheet = Sheet(f"{path.name}/corpus.jsonl")
    for number, doc in corpus:
        row: dict[str, Any] = {
            "external_id": f"chinaxiv:{doc['_id']}",
            f"abstract_{corpus_lang}": _clean(doc.get("text")),
            "kind": "paper",
            "visibility": "public",
        }
        title = _clean(doc.get("title"))
        if title or corpus_lang == "zh":
            # some preprints lost their title in PDF extraction: the abstract's first sentence stands in
            row[f"title_{corpus_lang}"] = title or _first_sentence(row[f"abstract_{corpus_lang}"])
        query = queries.get(doc["_id"])
        if query is not None:
            row[f"abstract_{query_lang}"] = _clean(query.get("text"))
        year = re.match(r"ChinaXiv-(\d{4})", doc["_id"])
        if year:
            row["year"] = int(year.group(1))
        sheet.rows.append((number, row))
    return [Stage(spec_for("achievement"), sheet)]


def _first_sentence(text: str, limit: int = 80) -> str:
    """The first sentence of a text, cut at `limit` characters, as a stand-in title."""
    sentence = re.split(r"(?<=[。！？.!?])\s*", text, maxsplit=1)[0]
    return sentence if len(sentence) <= limit else sentence[:limit].rstrip() + "…"


def _org_kind(name: str) -> str:
    if "医院" in name:
        return "hospital"
    if any(word in name for word in ("研究所", "研究院", "科学院", "研究中心", "实验室")):
        return "institute"
    if any(word in name for word in ("大学", "学院", "学校")):
        return "university"
    if any(word in name for word in ("公司", "集团")):
        return "enterprise"
    if any(word in name for word in ("委员会", "局", "厅", "部")):
        return "government"
    return "other"


def _month_start(text: str) -> str:
    year, month = (int(part) for part in text.split("."))
    return date(year, month, 1).isoformat()


def _month_end(text: str) -> str:
    year, month = (int(part) for part in text.split("."))
    return date(year, month, calendar.monthrange(year, month)[1]).isoformat()


def _period(text: str) -> tuple[str, str]:
    """'2018.01-2020.12' -> ('2018-01-01', '2020-12-31'); the file gives months only.

    Ten rows of the 2017 file end in a month 13-17; their end date is left unknown rather than guessed.
    """
    start, _, end = text.partition("-")
    try:
        end_date = _month_end(end)
    except ValueError:
        end_date = ""
    return _month_start(start), end_date


def nsfc_stages(path: Path) -> list[Stage]:
    """NSFC grants become organizations (host), people (PI at host), projects and PI affiliations."""
    text = path.read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    name = path.name
    orgs, people, projects, affiliations = Sheet(name), Sheet(name), Sheet(name), Sheet(name)
    seen_orgs: set[str] = set()
    seen_people: set[str] = set()
    for number, row in enumerate(rows, start=2):
        host, pi = _clean(row.get("依托单位")), _clean(row.get("负责人"))
        org_id, person_id = f"nsfc-org:{host}", f"nsfc-person:{host}:{pi}"
        if host and org_id not in seen_orgs:
            seen_orgs.add(org_id)
            orgs.rows.append((number, {"external_id": org_id, "name_zh": host, "kind": _org_kind(host)}))
        if pi and host and person_id not in seen_people:
            seen_people.add(person_id)
            people.rows.append(
                (
                    number,
                    {
                        "external_id": person_id,
                        "name_zh": pi,
                        "organization": org_id,
                        "discipline_codes": [NSFC_DISCIPLINE],
                    },
                )
            )
            affiliations.rows.append(
                (number, {"person": person_id, "organization": org_id, "role": "principal_investigator"})
            )
        project: dict[str, Any] = {
            "external_id": f"nsfc:{_clean(row.get('项目批准号'))}",
            "title_zh": _clean(row.get("项目名称")),
            "funder": NSFC_FUNDER,
            "program": _clean(row.get("项目类别")),
            "host_org": org_id if host else "",
            "pi_person": person_id if pi and host else "",
            "amount": row.get("金额", ""),
            "rating": _clean(row.get("总评")),
            "discipline_codes": [NSFC_DISCIPLINE],
        }
        try:
            project["start_date"], project["end_date"] = _period(_clean(row.get("起止年月")))
        except ValueError:
            project["start_date"] = row.get("起止年月", "")  # rejected by the date parser with its row
        projects.rows.append((number, project))
    return [
        Stage(spec_for(entity), sheet)
        for entity, sheet in (
            ("organization", orgs),
            ("person", people),
            ("project", projects),
            ("affiliation", affiliations),
        )
    ]
