"""Outcome links (★): the indicator a task is meant to move, read from the platform's own data.

Values come from the indicators module (`PLATFORM_MEASURES`, `measure_series`, `indicator_series`); this
file only puts them beside the task's baseline and target and says whether the indicator has moved.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.domain.errors import InvalidInput
from kechuang.domain.tasks import IndicatorLink, LinkKind, Plan, TaskStatus
from kechuang.store.db import UnitOfWork

from ..indicators.platform import PLATFORM_MEASURES, indicator_series, measure_series
from .base import Links, TaskView

TREND_YEARS = 5  # the plan's year and the four before it


def check_code(kind: LinkKind, code: str, field: str) -> None:
    """A measure must be one the platform computes; an indicator code is free (M7 imports define them)."""
    if kind == LinkKind.MEASURE and code not in PLATFORM_MEASURES:
        known = ", ".join(sorted(PLATFORM_MEASURES))
        raise InvalidInput(f"'{code}' is not a platform measure (known: {known})", field=field)


@dataclass
class Outcome:
    """One linked indicator: its trend, current value, baseline and target, and whether it has moved."""

    link: IndicatorLink
    name_zh: str
    name_en: str
    unit_zh: str
    unit_en: str
    definition_zh: str = ""
    definition_en: str = ""
    years: list[int] = field(default_factory=list)
    values: list[float | None] = field(default_factory=list)
    current_year: int | None = None
    current: float | None = None
    baseline: float | None = None

    def name(self, lang: str) -> str:
        return self.name_zh if lang.startswith("zh") else self.name_en

    def unit(self, lang: str) -> str:
        return self.unit_zh if lang.startswith("zh") else self.unit_en

    @property
    def direction(self) -> int:
        """+1 when the target lies above the baseline (more is better), -1 when below."""
        if self.link.target is not None and self.baseline is not None and self.link.target < self.baseline:
            return -1
        return 1

    @property
    def moved(self) -> bool | None:
        """Whether the current value has gone past the baseline towards the target; None without data."""
        if self.current is None or self.baseline is None:
            return None
        return (self.current - self.baseline) * self.direction > 0

    @property
    def share_of_target(self) -> float | None:
        """How far from baseline to target the indicator has come, in percent."""
        target, base = self.link.target, self.baseline
        if self.current is None or target is None or base is None or target == base:
            return None
        return (self.current - base) / (target - base) * 100


def _describe(link: IndicatorLink) -> dict[str, Any]:
    measure = PLATFORM_MEASURES.get(link.code) if link.kind == LinkKind.MEASURE else None
    if measure is None:
        return {"name_zh": link.code, "name_en": link.code, "unit_zh": "", "unit_en": ""}
    return {
        "name_zh": measure.name_zh,
        "name_en": measure.name_en,
        "unit_zh": measure.unit_zh,
        "unit_en": measure.unit_en,
        "definition_zh": measure.definition_zh,
        "definition_en": measure.definition_en,
    }


def _series(
    session: Session, link: IndicatorLink, years: list[int], cache: dict[Any, dict[int, float]]
) -> dict[int, float]:
    key = (link.kind, link.code, link.unit_code)
    if key not in cache:
        if link.kind == LinkKind.MEASURE:
            cache[key] = measure_series(session, link.code, years=years, unit=link.unit_code or None)
        else:
            found = indicator_series(session, link.code, link.unit_code)
            cache[key] = {year: value for year, value in found.items() if year in years}
    return cache[key]


def outcome_of(
    session: Session, plan: Plan, link: IndicatorLink, cache: dict[Any, dict[int, float]] | None = None
) -> Outcome:
    """The linked indicator over the plan's year and the years before, against baseline and target."""
    years = list(range(plan.year - TREND_YEARS + 1, plan.year + 1))
    if link.baseline_year is not None and link.baseline_year < years[0]:
        years = list(range(link.baseline_year, plan.year + 1))
    series = _series(session, link, years, {} if cache is None else cache)
    outcome = Outcome(link, **_describe(link), years=years, values=[series.get(y) for y in years])
    known = [y for y in years if series.get(y) is not None]
    if known:
        outcome.current_year = known[-1]
        outcome.current = series[known[-1]]
    if link.baseline is not None:
        outcome.baseline = link.baseline
    else:
        base_year = link.baseline_year if link.baseline_year is not None else plan.year - 1
        outcome.baseline = series.get(base_year)
    return outcome


def task_outcomes(uow: UnitOfWork, plan: Plan, task_ids: list[int]) -> dict[int, list[Outcome]]:
    """Outcomes of the given tasks (the caller has checked that the actor may see them)."""
    if not task_ids:
        return {}
    found: dict[int, list[Outcome]] = defaultdict(list)
    cache: dict[Any, dict[int, float]] = {}
    with uow() as session:
        links = session.scalars(select(Links).where(Links.task_id.in_(task_ids)).order_by(Links.id))
        for link in links:
            found[link.task_id].append(outcome_of(session, plan, link, cache))
    return dict(found)


def done_but_not_moved(
    views: list[TaskView], outcomes: dict[int, list[Outcome]]
) -> list[tuple[TaskView, Outcome]]:
    """Tasks reported done whose linked indicator has not gone past its baseline: work without effect yet."""
    return [
        (view, outcome)
        for view in views
        if view.verdict.status == TaskStatus.DONE
        for outcome in outcomes.get(view.task.id or 0, [])
        if outcome.moved is False
    ]
