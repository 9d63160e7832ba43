"""A call's published result as an XLSX workbook (rank, score, per-criterion scores, reasons), for the CLI."""

from __future__ import annotations

import io

from kechuang.domain.access import Actor
from kechuang.domain.limits import clean_text
from kechuang.store.db import UnitOfWork

from .calls import get_call
from .review_results import published_result

HEADERS = {
    "zh": ["名次", "申请编号", "申请标题", "申请单位", "综合得分", "评审数", "理由"],
    "en": ["Rank", "Application", "Title", "Applicant", "Score", "Reviews", "Reasons"],
}


def export_result_xlsx(actor: Actor, call_id: int, uow: UnitOfWork, *, lang: str = "zh") -> bytes:
    """One sheet of the ranking with a column per criterion (weight in the header); 404 before publication."""
    from openpyxl import Workbook

    lang = "zh" if lang.startswith("zh") else "en"
    call = get_call(actor, call_id, uow)
    rows = published_result(actor, uow, call_id)
    criteria = rows[0].entry.criteria if rows else []
    names = [
        f"{c.get(f'name_{lang}') or c.get('name_zh') or c.get('name_en')} ({c['weight']:g})" for c in criteria
    ]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("结果" if lang == "zh" else "Result")
    sheet.append([clean_text(call.title(lang))])
    head = HEADERS[lang]
    sheet.append([*head[:5], *names, *head[5:]])
    for row in rows:
        scores = {c["criterion_id"]: c["score"] for c in row.entry.criteria}
        sheet.append(
            [
                row.entry.rank,
                row.code,
                clean_text(row.title),
                clean_text(row.applicant or ""),
                round(row.entry.score, 4),
                *[round(float(scores.get(c["criterion_id"], 0.0)), 4) for c in criteria],
                row.entry.reviews,
                clean_text("\n".join(row.entry.reasons)),
            ]
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
