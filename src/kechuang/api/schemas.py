"""Response shapes: one page type for every list, items are the domain records themselves."""

from __future__ import annotations

import dataclasses
import functools
import operator
import types
import typing
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, create_model

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """A page of a list: the items the caller may see and their total count."""

    data: list[T]
    count: int = Field(description="All matching items the caller may see, not just this page.")


class CodePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    scheme: str
    code: str
    name_zh: str
    name_en: str
    parent: str
    level: int


class ReasonPublic(BaseModel):
    """One part of a match score: what it is, how much it adds, and why, in both languages."""

    model_config = ConfigDict(from_attributes=True)

    code: str = Field(
        description="text, field, trl, region, budget, mode, track_record, evidence, projects, breadth, "
        "demand"
    )
    contribution: float
    zh: str
    en: str
    detail: dict[str, Any] = {}


class MatchPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    id: int
    title_zh: str
    title_en: str
    score: float = Field(description="Sum of the reasons' contributions")
    reasons: list[ReasonPublic]
    evidence: list[int] = Field(default=[], description="Achievements behind an expert or organization")


class IndexStatePublic(BaseModel):
    """How current the matching index behind an answer is; indexing runs beside requests, not in them."""

    model_config = ConfigDict(from_attributes=True)

    current: bool = Field(description="False while the index is catching up with recent changes")
    pending: int = Field(description="Changed records not yet indexed")
    synced_at: str | None = Field(description="When the index last applied changes (UTC, ISO 8601)")


class MatchPage(Page[MatchPublic]):
    """Matches, and the state of the index they were computed from."""

    index: IndexStatePublic


class ErrorDetail(BaseModel):
    """What went wrong; imports add `rows`, bad fields `fields`, each with how many there were."""

    model_config = ConfigDict(extra="allow")

    code: str = Field(description="not_found, unauthorized, permission_denied, invalid_input, conflict...")
    message: str
    field: str | None = Field(description="The request field at fault, when there is one")


class ErrorOut(BaseModel):
    """The one shape of every API error, whatever its status."""

    error: ErrorDetail


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


# stored timestamps are naive UTC; the schema's date-time (RFC 3339) needs the offset said
UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]


def _utc_hint(hint: Any) -> Any:
    if hint is datetime:
        return UtcDatetime
    if typing.get_origin(hint) in (typing.Union, types.UnionType) and datetime in typing.get_args(hint):
        return functools.reduce(operator.or_, map(_utc_hint, typing.get_args(hint)))
    return hint


_PUBLIC_MODELS: dict[type, type[BaseModel]] = {}


def public_model(cls: type) -> type[BaseModel]:
    """The response model of a domain dataclass (made once): its fields, timestamps with their UTC offset."""
    if cls not in _PUBLIC_MODELS:
        _PUBLIC_MODELS[cls] = _public_model(cls)
    return _PUBLIC_MODELS[cls]


def _public_model(cls: Any) -> type[BaseModel]:
    hints = typing.get_type_hints(cls)
    fields: dict[str, Any] = {}
    for item in dataclasses.fields(cls):
        if item.default_factory is not dataclasses.MISSING:
            default: Any = Field(default_factory=item.default_factory)
        else:
            default = ... if item.default is dataclasses.MISSING else item.default
        fields[item.name] = (_utc_hint(hints[item.name]), default)
    return create_model(
        cls.__name__, __config__=ConfigDict(from_attributes=True), __doc__=cls.__doc__, **fields
    )
