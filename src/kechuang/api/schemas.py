"""Response shapes: one page type for every list, items are the domain records themselves."""

from __future__ import annotations

from typing import Generic, TypeVar

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
