"""The call pages' forms read into the shapes the calls services take (the services validate everything)."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from kechuang.domain.errors import InvalidInput
from kechuang.domain.limits import MAX_ID

CALL_TEXT = (
    "title_zh",
    "title_en",
    "problem_zh",
    "problem_en",
    "award_zh",
    "award_en",
    "budget",
    "deadline",
    "eligible_regions",
    "max_team_size",
    "discipline_codes",
    "industry_codes",
    "keywords_zh",
    "keywords_en",
    "appeal_days",
    "visibility",
)
MAX_LINES = 30


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.replace("｜", "|").split("|")]


def _lines(text: str, field: str) -> list[list[str]]:
    rows = [_cells(line) for line in text.splitlines() if line.strip()]
    if len(rows) > MAX_LINES:
        raise InvalidInput(f"at most {MAX_LINES} lines", field=field)
    return rows


def indicators_from(text: str) -> list[dict[str, Any]]:
    """One indicator a line: 中文名 | English | target | unit | how it is verified | months after award."""
    out = []
    for index, cells in enumerate(_lines(text, "indicators"), start=1):
        cells += [""] * (6 - len(cells))
        if not cells[2]:
            raise InvalidInput(f"line {index}: give the target value (third cell)", field="indicators")
        row: dict[str, Any] = {
            "name_zh": cells[0],
            "name_en": cells[1],
            "target": cells[2],
            "unit": cells[3],
            "verification_zh": cells[4],
        }
        if cells[5]:
            row["due_months"] = cells[5]
        out.append(row)
    return out


def criteria_from(text: str) -> list[dict[str, Any]]:
    """One criterion a line: 中文名 | English name | weight (the weights sum to 1)."""
    out = []
    for index, cells in enumerate(_lines(text, "criteria"), start=1):
        cells += [""] * (3 - len(cells))
        if not cells[2]:
            raise InvalidInput(f"line {index}: give the weight (third cell)", field="criteria")
        out.append({"name_zh": cells[0], "name_en": cells[1], "weight": cells[2]})
    return out


def call_from(form: FormData) -> dict[str, Any]:
    """A call's fields as posted by the call form; lists stay text for the service to split and check."""
    data: dict[str, Any] = {}
    for name in CALL_TEXT:
        value = form.get(name)
        if isinstance(value, str):
            data[name] = value
    data["eligible_org_kinds"] = [v for v in form.getlist("eligible_org_kinds") if isinstance(v, str)]
    data["joint_allowed"] = form.get("joint_allowed") == "on"
    data["blind_review"] = form.get("blind_review") == "on"
    data["indicators"] = indicators_from(str(form.get("indicators") or ""))
    data["criteria"] = criteria_from(str(form.get("criteria") or ""))
    return data


def indicators_text(indicators: list[Any]) -> str:
    return "\n".join(
        f"{i.name_zh} | {i.name_en} | {i.target:g} | {i.unit} | {i.verification_zh or i.verification_en} | "
        f"{i.due_months}"
        for i in indicators
    )


def criteria_text(criteria: list[Any]) -> str:
    return "\n".join(f"{c.name_zh} | {c.name_en} | {c.weight:g}" for c in criteria)


def ids(text: str, field: str) -> list[int]:
    """Registry ids typed as `12, 15 18`."""
    out = []
    for part in text.replace("，", ",").replace(",", " ").split():
        if not part.isdigit() or not 1 <= int(part) <= MAX_ID:
            raise InvalidInput(f"'{part[:20]}' is not an id", field=field)
        out.append(int(part))
    return out


def number(text: str, field: str) -> float | None:
    raw = text.replace(",", "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise InvalidInput(f"'{raw[:20]}' is not a number", field=field) from None


def application_from(form: FormData, indicator_ids: list[int]) -> dict[str, Any]:
    """An application's fields as posted; one commitment input per indicator of the call."""
    commitments = []
    for ident in indicator_ids:
        value = number(str(form.get(f"commit_{ident}") or ""), f"commit_{ident}")
        if value is not None:
            commitments.append(
                {"indicator_id": ident, "value": value, "note": str(form.get(f"commit_note_{ident}") or "")}
            )
    return {
        "title": str(form.get("title") or ""),
        "proposal": str(form.get("proposal") or ""),
        "team_person_ids": ids(str(form.get("team_person_ids") or ""), "team_person_ids"),
        "partner_org_ids": ids(str(form.get("partner_org_ids") or ""), "partner_org_ids"),
        "requested_budget": number(str(form.get("requested_budget") or ""), "requested_budget"),
        "commitments": commitments,
    }
