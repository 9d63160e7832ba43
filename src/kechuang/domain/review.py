"""The arithmetic of reviewing a call: weighted criteria per review, aggregation across reviewers, outliers.

Pure functions over plain numbers, so the same rules serve the services, the pages, the CLI export and
the tests. Each reviewer scores every criterion of the call from 0 to 10; a review's total is the
weighted mean of its criteria (the call's weights sum to 1); an application's score is the chosen
aggregate of its reviews' totals, and each criterion's aggregate is the same rule over that criterion.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .calls import CallStatus
from .enums import LabelledEnum, add_labels
from .errors import Conflict

MIN_SCORE = 0.0
MAX_SCORE = 10.0
OUTLIER_SD = 2.0
"""A review is an outlier when its total lies more than this many standard deviations from the others'."""
MIN_SPREAD = 0.5
"""The smallest spread (in points) the outlier test assumes: when the other reviewers agree exactly, a
review half a point away is not an outlier, only one more than 2 x 0.5 = 1 point away."""
TRIM_FRACTION = 0.2
"""The trimmed mean drops this share of the lowest and of the highest totals (at least one each side once
there are five reviews or more; with fewer, nothing is dropped and it equals the mean)."""


class AggregationRule(LabelledEnum):
    """How reviewers' totals become an application's score."""

    MEAN = "mean"
    MEDIAN = "median"
    TRIMMED_MEAN = "trimmed_mean"


add_labels(
    [
        (AggregationRule.MEAN, ("平均值", "Mean")),
        (AggregationRule.MEDIAN, ("中位数", "Median")),
        (AggregationRule.TRIMMED_MEAN, ("去掉最高最低后的平均值", "Trimmed mean")),
    ]
)


def check_score(value: object, criterion: str) -> float:
    """A criterion score: a finite number from 0 to 10 (a bool is not a number here)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"the score of '{criterion}' must be a number from 0 to 10")
    number = float(value)
    if not math.isfinite(number) or not MIN_SCORE <= number <= MAX_SCORE:
        raise ValueError(f"the score of '{criterion}' must be from 0 to 10")
    return number


def check_weights(weights: Mapping[str, float]) -> None:
    """The call's criteria: at least one, none negative, summing to 1 (to a rounding tolerance)."""
    if not weights:
        raise ValueError("a call needs at least one evaluation criterion")
    if any(not math.isfinite(w) or w < 0 for w in weights.values()):
        raise ValueError("criterion weights must be finite and not negative")
    if abs(sum(weights.values()) - 1.0) > 1e-6:
        raise ValueError(f"criterion weights must sum to 1 (they sum to {sum(weights.values()):.4f})")


def weighted_total(scores: Mapping[str, float], weights: Mapping[str, float]) -> float:
    """One review's total: every criterion scored, weighted by the call's weights."""
    check_weights(weights)
    missing = sorted(set(weights) - set(scores))
    if missing:
        raise ValueError(f"criteria not scored: {', '.join(missing)}")
    extra = sorted(set(scores) - set(weights))
    if extra:
        raise ValueError(f"not criteria of this call: {', '.join(extra)}")
    total = sum(weights[key] * check_score(scores[key], key) for key in weights)
    return round(total / sum(weights.values()), 4)


def aggregate(values: Sequence[float], rule: AggregationRule | str = AggregationRule.MEAN) -> float:
    """Combine reviewers' numbers by the rule; no reviews gives no score (ValueError)."""
    if not values:
        raise ValueError("nothing to aggregate: no reviews")
    rule = AggregationRule(rule)
    ordered = sorted(float(v) for v in values)
    if rule is AggregationRule.MEDIAN:
        return round(statistics.median(ordered), 4)
    if rule is AggregationRule.TRIMMED_MEAN:
        cut = int(len(ordered) * TRIM_FRACTION)
        ordered = ordered[cut : len(ordered) - cut] if cut else ordered
    return round(statistics.fmean(ordered), 4)


def outliers(values: Sequence[float]) -> list[bool]:
    """For each value, whether it lies more than 2 SD (sample SD, at least MIN_SPREAD) from the others.

    Leave-one-out: the outlier is measured against the other reviews only, so one wild review cannot hide
    itself by inflating the spread. Needs three reviews (two others to have a spread); fewer flag none.
    """
    if len(values) < 3:
        return [False] * len(values)
    flags = []
    for i, value in enumerate(values):
        others = [float(v) for j, v in enumerate(values) if j != i]
        spread = max(statistics.stdev(others), MIN_SPREAD)
        flags.append(abs(float(value) - statistics.fmean(others)) > OUTLIER_SD * spread)
    return flags


@dataclass(frozen=True)
class ReviewScores:
    """One submitted review as numbers: who (an opaque id), and the 0-10 score of every criterion."""

    review_id: int
    scores: Mapping[str, float]


@dataclass(frozen=True)
class Aggregate:
    """An application's aggregated result: score, per-criterion scores, the review totals and outliers."""

    application_id: int
    score: float
    criteria: dict[str, float]
    totals: dict[int, float]
    outlier_review_ids: tuple[int, ...] = field(default_factory=tuple)

    @property
    def reviews(self) -> int:
        return len(self.totals)


def aggregate_application(
    application_id: int,
    reviews: Sequence[ReviewScores],
    weights: Mapping[str, float],
    rule: AggregationRule | str = AggregationRule.MEAN,
) -> Aggregate:
    """Totals per review; the score and each criterion by the rule; outlier reviews flagged."""
    totals = {review.review_id: weighted_total(review.scores, weights) for review in reviews}
    criteria = {key: aggregate([float(r.scores[key]) for r in reviews], rule) for key in weights}
    flags = outliers(list(totals.values()))
    flagged = tuple(review_id for review_id, flag in zip(totals, flags, strict=True) if flag)
    return Aggregate(application_id, aggregate(list(totals.values()), rule), criteria, totals, flagged)


def rank(results: Sequence[Aggregate]) -> list[tuple[int, Aggregate]]:
    """Highest score first; equal scores share a rank (1, 2, 2, 4), listed by application id."""
    ordered = sorted(results, key=lambda r: (-r.score, r.application_id))
    ranked: list[tuple[int, Aggregate]] = []
    for position, result in enumerate(ordered, start=1):
        tied = ranked and ranked[-1][1].score == result.score
        ranked.append((ranked[-1][0] if tied else position, result))
    return ranked


# --- the records of a review ----------------------------------------------------------------------------


class AssignmentStatus(LabelledEnum):
    """A reviewer on a call's panel scores; one who declared a conflict has recused and scores nothing."""

    ASSIGNED = "assigned"
    RECUSED = "recused"


class AppealStatus(LabelledEnum):
    OPEN = "open"
    UPHELD = "upheld"
    REJECTED = "rejected"


add_labels(
    [
        (AssignmentStatus.ASSIGNED, ("已指派", "Assigned")),
        (AssignmentStatus.RECUSED, ("已回避", "Recused")),
        (AppealStatus.OPEN, ("待答复", "Awaiting an answer")),
        (AppealStatus.UPHELD, ("异议成立", "Upheld")),
        (AppealStatus.REJECTED, ("异议不成立", "Rejected")),
    ]
)


@dataclass(kw_only=True, eq=False)
class ReviewPlan:
    """How a call's reviews are combined (aggregation rule) and how far back conflicts reach (years)."""

    id: int | None = None
    call_id: int = 0
    rule: AggregationRule = AggregationRule.MEAN
    conflict_years: int = 3
    updated_by: str = ""
    updated_at: datetime | None = None


@dataclass(kw_only=True, eq=False)
class ReviewerAssignment:
    """A registry person on a call's review panel, the account that scores for them, and the conflicts
    found when assigned (non-empty only when an officer overrode them with a written justification)."""

    id: int | None = None
    call_id: int = 0
    person_id: int = 0
    user_id: int | None = None
    status: AssignmentStatus = AssignmentStatus.ASSIGNED
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    override_justification: str = ""
    declared_reason: str = ""
    declared_at: datetime | None = None
    assigned_by: str = ""
    assigned_at: datetime | None = None


@dataclass(kw_only=True, eq=False)
class Review:
    """One reviewer's scores (0-10 per criterion id) and comments on one application, and their total."""

    id: int | None = None
    call_id: int = 0
    assignment_id: int = 0
    application_id: int = 0
    scores: dict[str, float] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    comment: str = ""
    total: float = 0.0
    submitted_by: str = ""
    submitted_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(kw_only=True, eq=False)
class ResultEntry:
    """An application's place in a call's result: rank, score, per-criterion scores, anonymised reasons."""

    id: int | None = None
    call_id: int = 0
    application_id: int = 0
    rank: int = 0
    score: float = 0.0
    criteria: list[dict[str, Any]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    reviews: int = 0
    outlier_review_ids: list[int] = field(default_factory=list)
    rule: AggregationRule = AggregationRule.MEAN
    computed_by: str = ""
    computed_at: datetime | None = None


@dataclass(kw_only=True, eq=False)
class Appeal:
    """An applicant's objection to a published result, filed within the window and answered with a reason."""

    id: int | None = None
    call_id: int = 0
    application_id: int = 0
    text: str = ""
    status: AppealStatus = AppealStatus.OPEN
    decision_reason: str = ""
    filed_by: str = ""
    filed_at: datetime | None = None
    decided_by: str = ""
    decided_at: datetime | None = None


# --- when each review step may be taken -----------------------------------------------------------------

AFTER_RESULT = frozenset(
    {CallStatus.RESULT, CallStatus.AWARDED, CallStatus.IN_PROGRESS, CallStatus.ACCEPTED, CallStatus.FAILED}
)
REVIEW_STEPS: dict[str, frozenset[CallStatus]] = {
    "plan": frozenset({CallStatus.DRAFT, CallStatus.PUBLISHED, CallStatus.CLOSED, CallStatus.REVIEW}),
    "assign": frozenset({CallStatus.CLOSED, CallStatus.REVIEW}),
    "declare_conflict": frozenset({CallStatus.CLOSED, CallStatus.REVIEW}),
    "score": frozenset({CallStatus.REVIEW}),
    "appeal": frozenset({CallStatus.RESULT}),
    "answer_appeal": AFTER_RESULT,
}
"""action -> the call stages it is allowed in (who may take it is checked by the services)."""


def check_stage(action: str, status: CallStatus) -> None:
    """Refuse a review step in the wrong stage of the call: 409 naming the stages it is allowed in."""
    allowed = REVIEW_STEPS[action]
    if status not in allowed:
        names = ", ".join(s.value for s in CallStatus if s in allowed)
        raise Conflict(
            f"cannot {action.replace('_', ' ')} on a call in stage '{status.value}' (allowed in: {names})",
            field="status",
        )
