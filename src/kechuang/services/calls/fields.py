"""The one validation of a call's fields, indicators and criteria: API, pages, CLI and sample alike.

Every problem of a submitted call is reported at once, each by field name (InvalidFields), so a form
can mark all of them; the rules are the platform's (limits, code tables) plus the call's own (weights).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kechuang.domain.calls import check_weights, expand_regions
from kechuang.domain.enums import OrgKind, Visibility
from kechuang.domain.errors import InvalidFields, InvalidInput
from kechuang.domain.limits import LONG_TEXT, SHORT_TEXT
from kechuang.services.entity_fields import (
    code_list_parser,
    enum_list_parser,
    enum_parser,
    parse_date,
    parse_float,
    parse_int,
    parse_list,
    text_parser,
)

MAX_INDICATORS = 30
MAX_CRITERIA = 20
MAX_APPEAL_DAYS = 90
MAX_DUE_MONTHS = 120


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on", "是"}:
        return True
    if text in {"0", "false", "no", "off", "否", ""}:
        return False
    raise ValueError(f"'{text[:20]}' is not yes or no")


def _regions(value: Any) -> list[str]:
    codes = expand_regions(parse_list(value))
    for code in codes:
        if not code.isdigit() or len(code) > 6:
            raise ValueError(f"'{code}' is not a GB/T 2260 region prefix (e.g. 11, 1301) or 'jingjinji'")
    return codes


def _bounded_int(low: int, high: int) -> Callable[[Any], int | None]:
    def parse(value: Any) -> int | None:
        number = parse_int(value)
        if number is not None and not low <= number <= high:
            raise ValueError(f"must be from {low} to {high}")
        return number

    return parse


def _visibility(value: Any) -> Visibility | None:
    return enum_parser(Visibility)(value)  # type: ignore[return-value]


CALL_FIELDS: dict[str, Callable[[Any], Any]] = {
    "title_zh": text_parser(SHORT_TEXT),
    "title_en": text_parser(SHORT_TEXT),
    "problem_zh": text_parser(LONG_TEXT, multiline=True),
    "problem_en": text_parser(LONG_TEXT, multiline=True),
    "visibility": _visibility,
    "budget": parse_float,
    "award_zh": text_parser(SHORT_TEXT),
    "award_en": text_parser(SHORT_TEXT),
    "deadline": parse_date,
    "eligible_org_kinds": enum_list_parser(OrgKind),
    "eligible_regions": _regions,
    "joint_allowed": _flag,
    "max_team_size": _bounded_int(1, 500),
    "discipline_codes": code_list_parser("discipline"),
    "industry_codes": code_list_parser("industry"),
    "keywords_zh": parse_list,
    "keywords_en": parse_list,
    "blind_review": _flag,
    "appeal_days": _bounded_int(0, MAX_APPEAL_DAYS),
}

INDICATOR_FIELDS: dict[str, Callable[[Any], Any]] = {
    "name_zh": text_parser(SHORT_TEXT),
    "name_en": text_parser(SHORT_TEXT),
    "target": lambda v: parse_float(v, high=1e15),
    "unit": text_parser(60),
    "higher_is_better": _flag,
    "verification_zh": text_parser(LONG_TEXT, multiline=True),
    "verification_en": text_parser(LONG_TEXT, multiline=True),
    "due_months": _bounded_int(1, MAX_DUE_MONTHS),
}

CRITERION_FIELDS: dict[str, Callable[[Any], Any]] = {
    "name_zh": text_parser(SHORT_TEXT),
    "name_en": text_parser(SHORT_TEXT),
    "description_zh": text_parser(LONG_TEXT, multiline=True),
    "description_en": text_parser(LONG_TEXT, multiline=True),
    "weight": lambda v: parse_float(v, high=1),
}


@dataclass
class CleanCall:
    """A call's validated fields; indicators or criteria are None when the input left them out."""

    fields: dict[str, Any]
    indicators: list[dict[str, Any]] | None
    criteria: list[dict[str, Any]] | None


def _rows(
    raw: Any, name: str, spec: dict[str, Callable[[Any], Any]], most: int, problems: dict[str, str]
) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        problems[name] = "must be a list of objects"
        return []
    if len(raw) > most:
        problems[name] = f"has {len(raw)} items; at most {most} are allowed"
        return []
    rows: list[dict[str, Any]] = []
    for index, item in enumerate(raw, start=1):
        if not isinstance(item, Mapping):
            problems[f"{name}[{index}]"] = "must be an object"
            continue
        unknown = set(item) - set(spec) - {"id"}
        if unknown:
            problems[f"{name}[{index}].{sorted(unknown)[0]}"] = "is not a field of this item"
        row: dict[str, Any] = {}
        for key, parse in spec.items():
            if key in item:
                try:
                    value = parse(item[key])
                except (ValueError, InvalidInput) as exc:
                    problems[f"{name}[{index}].{key}"] = str(exc)
                    continue
                if value is not None:
                    row[key] = value
        if not (row.get("name_zh") or row.get("name_en")):
            problems.setdefault(f"{name}[{index}].name_zh", "give a name in Chinese or English")
        rows.append(row)
    return rows


def clean_call(data: Mapping[str, Any], *, creating: bool) -> CleanCall:
    """Validate a new call (`creating`) or the changed fields of a draft; every problem named at once."""
    problems: dict[str, str] = {}
    unknown = set(data) - set(CALL_FIELDS) - {"indicators", "criteria"}
    for key in sorted(unknown):
        problems[key] = "is not a field of a call"
    fields: dict[str, Any] = {}
    for key, parse in CALL_FIELDS.items():
        if key not in data:
            continue
        try:
            value = parse(data[key])
        except (ValueError, InvalidInput) as exc:
            problems[key] = str(exc)
            continue
        if value is not None or key in {"budget", "deadline", "max_team_size"}:
            fields[key] = value
    if creating and not (fields.get("title_zh") or fields.get("title_en")):
        problems.setdefault("title_zh", "give a title in Chinese or English")
    indicators = None
    if "indicators" in data:
        indicators = _rows(data["indicators"], "indicators", INDICATOR_FIELDS, MAX_INDICATORS, problems)
        for index, row in enumerate(indicators, start=1):
            if "target" not in row:
                problems.setdefault(f"indicators[{index}].target", "give the target value")
    criteria = None
    if "criteria" in data:
        criteria = _rows(data["criteria"], "criteria", CRITERION_FIELDS, MAX_CRITERIA, problems)
        if not any(k.startswith("criteria") for k in problems):
            try:
                check_weights([float(row.get("weight", 0.0)) for row in criteria])
            except InvalidInput as exc:
                problems["criteria"] = exc.message
    elif creating:
        problems.setdefault("criteria", "a call needs evaluation criteria with weights summing to 1")
    if problems:
        raise InvalidFields(problems)
    return CleanCall(fields, indicators, criteria)
