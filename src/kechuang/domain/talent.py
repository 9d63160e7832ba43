"""Talent evaluation (M5): category schemes of weighted dimensions, the 破四唯 cap, and contest states.

A scheme publishes its dimensions and weights; counts of papers, titles, degrees or awards may be used
only under a cap (default 10 % of the weight in total), checked here whenever a scheme is saved, so the
API, the pages and the CLI refuse the same schemes with the same reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .enums import LabelledEnum, add_labels
from .errors import Conflict, InvalidFields

DEFAULT_COUNT_CAP = 0.10
MAX_WORKS = 5
REVIEW_SCORE_MAX = 10.0
WEIGHT_TOLERANCE = 1e-6
MAX_DIMENSIONS = 12
DEFAULT_YOUNG_CAREER_AGE = 10
DEFAULT_YOUNG_AGE = 40


class SchemeCategory(LabelledEnum):
    BASIC_RESEARCH = "basic_research"
    APPLIED_RESEARCH = "applied_research"
    TRANSFER = "transfer"
    YOUNG_TALENT = "young_talent"


class ContestStatus(LabelledEnum):
    OPEN = "open"
    UPHELD = "upheld"
    REJECTED = "rejected"


class ReviewStatus(LabelledEnum):
    ASSIGNED = "assigned"
    SCORED = "scored"


add_labels(
    [
        (SchemeCategory.BASIC_RESEARCH, ("基础研究类", "Basic research")),
        (SchemeCategory.APPLIED_RESEARCH, ("应用研究与技术开发类", "Applied research and development")),
        (SchemeCategory.TRANSFER, ("成果转化类", "Transfer and commercialisation")),
        (SchemeCategory.YOUNG_TALENT, ("青年人才类", "Young talent")),
        (ContestStatus.OPEN, ("待处理", "Open")),
        (ContestStatus.UPHELD, ("已采纳", "Upheld")),
        (ContestStatus.REJECTED, ("已驳回", "Rejected")),
        (ReviewStatus.ASSIGNED, ("已分配", "Assigned")),
        (ReviewStatus.SCORED, ("已评分", "Scored")),
    ]
)

# a contest is resolved once, by an officer: open -> upheld | rejected
CONTEST_TRANSITIONS: dict[ContestStatus, frozenset[ContestStatus]] = {
    ContestStatus.OPEN: frozenset({ContestStatus.UPHELD, ContestStatus.REJECTED}),
    ContestStatus.UPHELD: frozenset(),
    ContestStatus.REJECTED: frozenset(),
}


@dataclass(frozen=True)
class DimensionSpec:
    """One measurable dimension: its labels, what evidence feeds it, and whether it is a capped count."""

    code: str
    zh: str
    en: str
    evidence_zh: str
    evidence_en: str
    capped: bool = False


DIMENSIONS: dict[str, DimensionSpec] = {
    spec.code: spec
    for spec in (
        DimensionSpec(
            "representative_works",
            "代表作同行评议",
            "Representative works (peer-reviewed)",
            "提名代表作（至多5项）的评审平均分",
            "mean reviewer score of up to five nominated works",
        ),
        DimensionSpec(
            "patents",
            "专利授权与许可",
            "Patents granted and licensed",
            "已授权专利/品种，已许可或转让的另计",
            "granted patents and varieties; licensed ones count again",
        ),
        DimensionSpec(
            "transfer",
            "成果转化",
            "Transfer and commercialisation",
            "其成果所登记技术合同金额（按发明人均分）与份数",
            "registered contract amounts on their achievements, shared among the inventors, and counts",
        ),
        DimensionSpec("standards", "标准制定", "Standards", "参与起草的标准", "standards they co-authored"),
        DimensionSpec(
            "projects",
            "科研项目",
            "Funded projects",
            "主持项目的数量与经费（万元）",
            "projects led as PI: number and amount (10k CNY)",
        ),
        DimensionSpec(
            "collaboration",
            "协同合作",
            "Collaboration",
            "跨部门、京津冀、国际合作机构",
            "cross-sector, Beijing-Tianjin-Hebei and international partners",
        ),
        DimensionSpec(
            "mentoring",
            "团队与人才培养",
            "Team and mentoring",
            "指导的青年合作者与顾问任职",
            "younger co-authors they worked with and advisory roles",
        ),
        DimensionSpec(
            "field_impact",
            "领域影响",
            "Field impact",
            "进入应用阶段（TRL≥7）的成果与前来洽谈的机构",
            "achievements in use (TRL 7+) and organizations that asked to license them",
        ),
        DimensionSpec(
            "paper_count",
            "论文数量",
            "Paper count",
            "论文数量（受上限约束）",
            "number of papers (capped)",
            capped=True,
        ),
        DimensionSpec(
            "title",
            "职称",
            "Professional title",
            "职称等级（受上限约束）",
            "rank of professional title (capped)",
            capped=True,
        ),
    )
}


@dataclass(frozen=True)
class Weight:
    """A dimension's published weight in a scheme."""

    code: str
    weight: float


@dataclass(kw_only=True, eq=False)
class Scheme:
    """An evaluation scheme of one category; `version` grows on every saved change."""

    id: int | None = None
    key: str = ""
    category: SchemeCategory = SchemeCategory.BASIC_RESEARCH
    name_zh: str = ""
    name_en: str = ""
    description_zh: str = ""
    description_en: str = ""
    dimensions: list[dict[str, Any]] = field(default_factory=list)
    count_cap: float = DEFAULT_COUNT_CAP
    career_age_limit: int | None = None
    age_limit: int | None = None
    version: int = 1
    updated_by: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def weights(self) -> list[Weight]:
        return [Weight(str(d["code"]), float(d["weight"])) for d in self.dimensions]


@dataclass(kw_only=True, eq=False)
class SchemeVersion:
    """A frozen copy of a scheme as it stood at one version: what an evaluation run cites."""

    id: int | None = None
    scheme_id: int = 0
    version: int = 1
    category: SchemeCategory = SchemeCategory.BASIC_RESEARCH
    dimensions: list[dict[str, Any]] = field(default_factory=list)
    count_cap: float = DEFAULT_COUNT_CAP
    career_age_limit: int | None = None
    age_limit: int | None = None
    saved_by: str = ""
    saved_at: datetime | None = None


@dataclass(kw_only=True, eq=False)
class EvaluationRun:
    """One evaluation of everyone with evidence under one scheme version, with its Monte-Carlo settings."""

    id: int | None = None
    scheme_id: int = 0
    scheme_version: int = 1
    people: int = 0
    draws: int = 0
    seed: int = 0
    spread: float = 0.25
    started_by: str = ""
    created_at: datetime | None = None


@dataclass(kw_only=True, eq=False)
class Evaluation:
    """A person's score in a run: rank, rank interval, cohort, and every contribution with its evidence."""

    id: int | None = None
    run_id: int = 0
    person_id: int = 0
    score: float = 0.0
    rank: int = 0
    rank_low: int = 0
    rank_high: int = 0
    field_code: str = ""
    cohort: str = ""
    career_age: int | None = None
    contributions: list[dict[str, Any]] = field(default_factory=list)


@dataclass(kw_only=True, eq=False)
class PersonLink:
    """The narrowest tie between an account and the registry person it is: who may see an evaluation."""

    id: int | None = None
    user_id: int = 0
    person_id: int = 0
    linked_by: str = ""
    created_at: datetime | None = None


@dataclass(kw_only=True, eq=False)
class RepresentativeWork:
    """An achievement a person nominates as one of their (at most five) representative works (代表作)."""

    id: int | None = None
    person_id: int = 0
    achievement_id: int = 0
    statement: str = ""
    nominated_by: str = ""
    created_at: datetime | None = None


@dataclass(kw_only=True, eq=False)
class WorkReview:
    """A reviewer's score (0-10) of one representative work; the reviewer passed the conflict check."""

    id: int | None = None
    work_id: int = 0
    reviewer_person_id: int = 0
    status: ReviewStatus = ReviewStatus.ASSIGNED
    score: float | None = None
    comment: str = ""
    assigned_by: str = ""
    scored_by: str = ""
    created_at: datetime | None = None
    scored_at: datetime | None = None


@dataclass(kw_only=True, eq=False)
class Contest:
    """A person disputes an evidence item of their evaluation; an officer upholds (drops it) or rejects."""

    id: int | None = None
    person_id: int = 0
    evaluation_id: int | None = None
    dimension: str = ""
    evidence_entity: str = ""
    evidence_id: int | None = None
    reason: str = ""
    status: ContestStatus = ContestStatus.OPEN
    resolution: str = ""
    raised_by: str = ""
    resolved_by: str = ""
    created_at: datetime | None = None
    resolved_at: datetime | None = None


def check_contest_transition(current: ContestStatus, target: ContestStatus) -> None:
    if target not in CONTEST_TRANSITIONS[current]:
        raise Conflict(f"a contest that is {current.value} cannot become {target.value}", field="decision")


def capped_share(weights: list[Weight]) -> float:
    """The total weight a scheme gives to counts of papers, titles, degrees or awards."""
    return sum(w.weight for w in weights if w.code in DIMENSIONS and DIMENSIONS[w.code].capped)


def check_weights(weights: list[Weight], count_cap: float = DEFAULT_COUNT_CAP) -> list[Weight]:
    """Refuse a scheme that cannot be published: unknown or repeated dimensions, weights that do not sum
    to 1, or capped counts above the cap (破四唯: no evaluation by papers, titles, degrees, awards alone)."""
    problems: dict[str, str] = {}
    if not 0 <= count_cap <= DEFAULT_COUNT_CAP:
        problems["count_cap"] = f"the cap on counts must be from 0 to {DEFAULT_COUNT_CAP:.0%}"
    if not weights:
        problems["dimensions"] = "a scheme needs at least one dimension"
    if len(weights) > MAX_DIMENSIONS:
        problems["dimensions"] = f"at most {MAX_DIMENSIONS} dimensions"
    codes = [w.code for w in weights]
    unknown = [c for c in codes if c not in DIMENSIONS]
    if unknown:
        problems["dimensions"] = f"unknown dimension(s): {', '.join(unknown)}; known: {', '.join(DIMENSIONS)}"
    elif len(set(codes)) != len(codes):
        problems["dimensions"] = "a dimension is listed twice"
    bad = [w.code for w in weights if not (math.isfinite(w.weight) and 0 < w.weight <= 1)]
    if bad:
        problems["weights"] = f"each weight must be above 0 and at most 1 (see {', '.join(bad)})"
    elif weights and abs(sum(w.weight for w in weights) - 1) > WEIGHT_TOLERANCE:
        problems["weights"] = f"the weights add up to {sum(w.weight for w in weights):.4f}, not 1"
    if not unknown and not bad:
        share = capped_share(weights)
        if share > count_cap + WEIGHT_TOLERANCE:
            names = ", ".join(w.code for w in weights if DIMENSIONS[w.code].capped)
            problems["weights"] = (
                f"counts of papers, titles, degrees or awards ({names}) carry {share:.0%} of the weight; "
                f"at most {count_cap:.0%} is allowed (破四唯: not by papers, titles, degrees or awards alone)"
            )
    if problems:
        raise InvalidFields(problems)
    return weights


def career_cohort(career_age: int | None) -> str:
    """The career-age band a person is compared within: 0-5, 6-10, 11-20, 21+ years, or unknown."""
    if career_age is None:
        return "unknown"
    if career_age <= 5:
        return "0-5"
    if career_age <= 10:
        return "6-10"
    if career_age <= 20:
        return "11-20"
    return "21+"


def title_rank(title_zh: str, title_en: str = "") -> int:
    """A professional title's rank (3 full, 2 associate, 1 junior, 0 none): only ever a capped count."""
    text = f"{title_zh} {title_en}".lower()
    if any(word in text for word in ("助理", "讲师", "博士后", "lecturer", "assistant", "postdoc")):
        return 1
    if any(word in text for word in ("副教授", "副研究员", "副主任医师", "高级工程师", "associate")):
        return 2
    if any(word in text for word in ("教授", "研究员", "主任医师", "professor", "总工程师")):
        return 3
    if any(word in text for word in ("工程师", "engineer")):
        return 1
    return 0


DEFAULT_SCHEMES: tuple[dict[str, Any], ...] = (
    {
        "key": "basic-research",
        "category": SchemeCategory.BASIC_RESEARCH,
        "name_zh": "基础研究类人才评价",
        "name_en": "Basic research talent",
        "weights": {
            "representative_works": 0.35,
            "projects": 0.20,
            "collaboration": 0.15,
            "mentoring": 0.10,
            "field_impact": 0.10,
            "paper_count": 0.05,
            "title": 0.05,
        },
    },
    {
        "key": "applied-research",
        "category": SchemeCategory.APPLIED_RESEARCH,
        "name_zh": "应用研究与技术开发类人才评价",
        "name_en": "Applied research and development talent",
        "weights": {
            "representative_works": 0.20,
            "patents": 0.25,
            "projects": 0.15,
            "standards": 0.10,
            "collaboration": 0.15,
            "field_impact": 0.10,
            "paper_count": 0.05,
        },
    },
    {
        "key": "transfer",
        "category": SchemeCategory.TRANSFER,
        "name_zh": "成果转化类人才评价",
        "name_en": "Transfer and commercialisation talent",
        "weights": {
            "transfer": 0.35,
            "patents": 0.20,
            "field_impact": 0.15,
            "collaboration": 0.15,
            "representative_works": 0.10,
            "title": 0.05,
        },
    },
    {
        "key": "young-talent",
        "category": SchemeCategory.YOUNG_TALENT,
        "name_zh": "青年人才评价",
        "name_en": "Young talent",
        "career_age_limit": DEFAULT_YOUNG_CAREER_AGE,
        "age_limit": DEFAULT_YOUNG_AGE,
        "weights": {
            "representative_works": 0.25,
            "projects": 0.20,
            "transfer": 0.15,
            "patents": 0.15,
            "collaboration": 0.15,
            "field_impact": 0.05,
            "paper_count": 0.05,
        },
    },
)
