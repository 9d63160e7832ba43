"""Composite index (M7): indicator frameworks, units, imported values and computed index editions.

A framework is a tree (index -> pillars -> sub-pillars -> indicators) kept as an immutable list of nodes per
version, so an edition always names the exact version it was computed from and can be regenerated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .enums import LabelledEnum, add_labels


class EditionStatus(LabelledEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


add_labels([(EditionStatus.DRAFT, ("草稿", "Draft")), (EditionStatus.PUBLISHED, ("已发布", "Published"))])


@dataclass(frozen=True)
class FrameworkNode:
    """One node of a framework tree; indicators are the leaves and carry a direction (+1 or -1)."""

    code: str
    parent: str = ""
    weight: float = 1.0
    direction: int | None = None
    name_zh: str = ""
    name_en: str = ""
    unit: str = ""
    source: str = ""
    target: float | None = None

    @property
    def is_indicator(self) -> bool:
        return self.direction is not None

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "parent": self.parent,
            "weight": self.weight,
            "direction": self.direction,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "unit": self.unit,
            "source": self.source,
            "target": self.target,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FrameworkNode:
        direction = data.get("direction")
        target = data.get("target")
        return cls(
            code=str(data["code"]),
            parent=str(data.get("parent") or ""),
            weight=float(data.get("weight", 1.0)),
            direction=None if direction in (None, "") else int(direction),
            name_zh=str(data.get("name_zh") or ""),
            name_en=str(data.get("name_en") or ""),
            unit=str(data.get("unit") or ""),
            source=str(data.get("source") or ""),
            target=None if target in (None, "") else float(target),
        )


@dataclass(kw_only=True, eq=False)
class Framework:
    """One version of a named framework; editing makes a new version, earlier ones stay as they were."""

    id: int | None = None
    key: str = ""
    version: int = 1
    name_zh: str = ""
    name_en: str = ""
    description_zh: str = ""
    description_en: str = ""
    nodes: list[dict[str, Any]] = field(default_factory=list)
    created_by: str = ""
    created_at: datetime | None = None
    is_sample: bool = False

    def tree(self) -> list[FrameworkNode]:
        return [FrameworkNode.from_dict(node) for node in self.nodes]


@dataclass(kw_only=True, eq=False)
class IndicatorUnit:
    """A unit that indicators describe (a district, a province, a NUTS 2 region) within a data set."""

    id: int | None = None
    dataset: str = ""
    code: str = ""
    name_zh: str = ""
    name_en: str = ""
    group: str = ""


@dataclass(kw_only=True, eq=False)
class IndicatorValue:
    """One imported (or platform-computed) value of an indicator for a unit and a year."""

    id: int | None = None
    dataset: str = ""
    unit_code: str = ""
    year: int = 0
    indicator_code: str = ""
    value: float = 0.0
    source: str = ""
    batch: str = ""
    is_sample: bool = False


@dataclass(kw_only=True, eq=False)
class IndexEdition:
    """A computed index with its configuration and results; published editions are readable by anyone."""

    id: int | None = None
    framework_id: int = 0
    dataset: str = ""
    title_zh: str = ""
    title_en: str = ""
    config: dict[str, Any] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)
    status: EditionStatus = EditionStatus.DRAFT
    created_by: str = ""
    created_at: datetime | None = None
    published_by: str = ""
    published_at: datetime | None = None
    is_sample: bool = False
