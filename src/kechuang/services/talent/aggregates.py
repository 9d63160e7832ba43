"""Published aggregates of an evaluation: by field, with groups too small to hide a person withheld."""

from __future__ import annotations

from statistics import mean, median
from typing import Any

from sqlalchemy import select

from kechuang.domain.codes import code_table
from kechuang.store.db import UnitOfWork

from .evaluate import Evals, latest_run
from .schemes import get_scheme

MIN_GROUP = 5  # fewer people than this in a field and the figures could point at someone


def field_aggregates(uow: UnitOfWork, scheme_id: int) -> list[dict[str, Any]]:
    """People evaluated, mean and median score per field (GB/T 13745 top level) of the latest stored run;
    anyone may read them (nothing is computed on an anonymous request: no stored run, no figures)."""
    run = latest_run(uow, get_scheme(uow, scheme_id))
    if run is None:
        return []
    with uow() as session:
        rows = list(session.execute(select(Evals.field_code, Evals.score).where(Evals.run_id == run.id)))
    by_field: dict[str, list[float]] = {}
    for field_code, score in rows:
        by_field.setdefault(field_code or "", []).append(score)
    out = []
    withheld = 0
    for code, scores in sorted(by_field.items()):
        if len(scores) < MIN_GROUP:
            withheld += len(scores)
            continue
        entry = code_table("discipline").get(code) if code else None
        out.append(
            {
                "field": code,
                "name_zh": entry.name_zh if entry else "未分类",
                "name_en": entry.name_en if entry else "Unclassified",
                "people": len(scores),
                "mean_score": round(mean(scores), 3),
                "median_score": round(median(scores), 3),
            }
        )
    if withheld:
        out.append(
            {
                "field": "other",
                "name_zh": "其他（小组合并）",
                "name_en": "Other (small groups pooled)",
                "people": withheld,
                "mean_score": None,
                "median_score": None,
            }
        )
    return out
