"""Create/edit forms: widgets from the entity's field types, and every field checked with its own parser."""

from __future__ import annotations

import typing
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from starlette.datastructures import FormData

from kechuang.domain.enums import LabelledEnum
from kechuang.domain.errors import InvalidFields, InvalidInput
from kechuang.services.entity_fields import EntitySpec
from kechuang.text.normalize import CJK_RUNS

from .pages import DATES, ENUM_LISTS, TEXTAREAS, EntityPage


@dataclass(frozen=True)
class Field:
    """One input of a form: its name, widget and, for selects and checkboxes, the enum it offers."""

    name: str
    widget: str  # text, textarea, date, select, checkboxes
    enum: type[LabelledEnum] | None = None
    required: bool = False


def fields(page: EntityPage, spec: EntitySpec) -> list[Field]:
    hints = typing.get_type_hints(spec.cls)
    required = {name for group in spec.required_any for name in group}  # one of each group, either language
    found = []
    for name in page.form:
        annotation = hints[name]
        if name in ENUM_LISTS:
            found.append(Field(name, "checkboxes", ENUM_LISTS[name]))
        elif isinstance(annotation, type) and issubclass(annotation, LabelledEnum):
            found.append(Field(name, "select", annotation))
        elif name in TEXTAREAS:
            found.append(Field(name, "textarea"))
        elif name in DATES:
            found.append(Field(name, "date"))
        else:
            found.append(Field(name, "text", required=name in required))
    return found


def submitted(form: FormData, form_fields: list[Field]) -> dict[str, Any]:
    """The posted values of the form's fields: lists for checkboxes, stripped text otherwise.

    Text typed into the other language's box of a bilingual pair goes where its script says (English
    typed into 标题（中文） with the English box empty is the English title), as the API does for `title`.
    """
    data: dict[str, Any] = {}
    for field in form_fields:
        if field.widget == "checkboxes":
            data[field.name] = [str(v) for v in form.getlist(field.name)]
        else:
            value = form.get(field.name, "")
            data[field.name] = value.strip() if isinstance(value, str) else ""
    return route_by_script(data)


def route_by_script(data: dict[str, Any]) -> dict[str, Any]:
    """Move a lone bilingual text into the box of its script: CJK to _zh, anything else to _en."""
    out = dict(data)
    for name in [n for n in data if n.endswith("_zh")]:
        other = name[:-3] + "_en"
        zh, en = out.get(name), out.get(other)
        if other not in out or not isinstance(zh, str) or not isinstance(en, str) or (zh and en):
            continue
        text = zh or en
        if text:
            target = name if CJK_RUNS.search(text) else other
            out[name], out[other] = (text, "") if target == name else ("", text)
    return out


def field_errors(error: InvalidInput) -> dict[str, str]:
    """The service's verdict on a submitted form, by field: every bad field when it names several."""
    if isinstance(error, InvalidFields):
        return dict(error.problems)
    return {error.field or "": error.message}


def initial(item: Any, form_fields: list[Field]) -> dict[str, Any]:
    """An existing record's values as the form shows them (codes and lists as `a; b`)."""
    values: dict[str, Any] = {}
    for field in form_fields:
        value = getattr(item, field.name, None)
        if field.widget == "checkboxes":
            values[field.name] = list(value or [])
        elif isinstance(value, StrEnum):
            values[field.name] = value.value
        elif isinstance(value, list):
            values[field.name] = "; ".join(str(v) for v in value)
        elif isinstance(value, date):
            values[field.name] = value.isoformat()
        elif isinstance(value, float):
            values[field.name] = f"{value:g}"
        else:
            values[field.name] = "" if value is None else str(value)
    return values
