"""Response shapes: one page type for every list, items are the domain records themselves."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

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
