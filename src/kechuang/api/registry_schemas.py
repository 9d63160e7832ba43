"""Create and update bodies of the registry entities, generated from the import field catalogue.

One model per entity and action (`DemandCreate`, `DemandUpdate`), strict about JSON types (123 is not a
title) and bounded like the columns that store each field, so the OpenAPI schema documents what the
service's parsers then check; the parsers still normalise codes, labels and language fields.
"""

from __future__ import annotations

import types
import typing
from datetime import date
from enum import StrEnum
from functools import partial
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, create_model

from kechuang.domain.enums import LabelledEnum
from kechuang.domain.limits import LIST_ITEM_TEXT, LIST_ITEMS, MAX_AMOUNT_WAN, MAX_ID, check_text
from kechuang.services.entity_fields import EntitySpec, text_limit
from kechuang.services.registry import LANGUAGE_ALIASES, record_spec

ENUM_TEXT = 64


def _text(max_length: int, multiline: bool = False, description: str | None = None) -> Any:
    rule = partial(check_text, max_length=max_length, multiline=multiline)
    return Annotated[
        str, Field(strict=True, max_length=max_length, description=description), AfterValidator(rule)
    ]


def _field_type(spec: EntitySpec, name: str, annotation: Any) -> Any:
    """The JSON type of one field, with the bounds its parser applies."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    parser = spec.parsers[name]
    low, high = getattr(parser, "low", None), getattr(parser, "high", None)
    if isinstance(annotation, type) and issubclass(annotation, StrEnum):
        labels = ", ".join(m.value for m in annotation)
        more = " (or its Chinese or English label)" if issubclass(annotation, LabelledEnum) else ""
        return _text(ENUM_TEXT, description=f"One of: {labels}{more}")
    if typing.get_origin(annotation) is list:
        item = _text(LIST_ITEM_TEXT)
        return Annotated[list[item], Field(max_length=LIST_ITEMS)]  # type: ignore[valid-type]
    if annotation is int:
        return Annotated[int, Field(strict=True, ge=low, le=high)]
    if annotation is float:
        top = high if high is not None else MAX_AMOUNT_WAN
        return Annotated[float, Field(strict=True, ge=low or 0, le=top, allow_inf_nan=False)]
    if annotation is date:
        return date
    length, multiline = text_limit(spec.cls, name)
    return _text(length, multiline)


def _fields(entity: str) -> dict[str, Any]:
    spec = record_spec(entity)
    hints = typing.get_type_hints(spec.cls)
    fields: dict[str, Any] = {
        name: (_field_type(spec, name, hints[name]) | None, None) for name in spec.parsers
    }
    for alias, stems in LANGUAGE_ALIASES.items():
        stem = next((s for s in stems if f"{s}_zh" in spec.parsers), None)
        if alias in spec.parsers or stem is None:
            continue
        length, multiline = text_limit(spec.cls, f"{stem}_zh")
        about = f"Goes to {stem}_zh or {stem}_en by its script"
        fields[alias] = (_text(length, multiline, about) | None, None)
    owner = Annotated[int, Field(strict=True, ge=1, le=MAX_ID, description="Administrators only")]
    fields["owner_org_id"] = (owner | None, None)
    return fields


def body_models(entity: str) -> tuple[type[BaseModel], type[BaseModel]]:
    """(Create, Update) models of a registry entity: every field optional, unknown fields refused."""
    stem = "".join(part.capitalize() for part in record_spec(entity).name.split("_"))
    config = ConfigDict(extra="forbid")
    fields = _fields(entity)
    create: type[BaseModel] = create_model(f"{stem}Create", __config__=config, **fields)
    update: type[BaseModel] = create_model(f"{stem}Update", __config__=config, **fields)
    create.__doc__ = f"A new {entity}; the service checks the required fields."
    update.__doc__ = f"Fields of a {entity} to change; the others keep their values."
    return create, update
