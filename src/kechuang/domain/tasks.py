"""Annual key-task supervision (重点任务督办): plans, tasks, milestones, reports, and the status rule.

The status of a task is computed, never typed in: `compute_status` takes plain facts (dates, the
progress that stands, blockers, milestones) and a `StatusRule` with its thresholds, and returns the
status with the reason in Chinese and English, so supervisors can always ask "why?" and get an answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from .enums import LabelledEnum, add_labels
from .errors import Conflict

DEFAULT_RISK_POINTS = 20.0  # time elapsed may run this many points ahead of progress before "at risk"
DEFAULT_ALERT_DAYS = 7  # days before a milestone or deadline that the lead department is reminded
DEFAULT_ESCALATE_DAYS = 0  # days past due before the supervising officer is told as well
DONE_PROGRESS = 100.0


class TaskStatus(LabelledEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OVERDUE = "overdue"
    DONE = "done"


class PlanVisibility(LabelledEnum):
    """Internal plans are seen by government users only; published ones by everybody."""

    INTERNAL = "internal"
    PUBLISHED = "published"


class ReportState(LabelledEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"


class AlertKind(LabelledEnum):
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    ESCALATION = "escalation"


class LinkKind(LabelledEnum):
    """What a task's outcome is measured by: a platform measure or an imported M7 indicator."""

    MEASURE = "measure"
    INDICATOR = "indicator"


# review action -> report states it is allowed from, and the state it leads to
REPORT_TRANSITIONS: dict[str, tuple[frozenset[ReportState], ReportState]] = {
    "accept": (frozenset({ReportState.SUBMITTED}), ReportState.ACCEPTED),
    "return": (frozenset({ReportState.SUBMITTED}), ReportState.RETURNED),
}
COUNTED_REPORTS = frozenset({ReportState.SUBMITTED, ReportState.ACCEPTED})  # a returned report does not count


def review_target(action: str, state: ReportState) -> ReportState:
    """The state a review action leads to, or Conflict naming the states it is allowed in."""
    allowed, target = REPORT_TRANSITIONS[action]
    if state not in allowed:
        names = ", ".join(s.value for s in sorted(allowed))
        raise Conflict(f"cannot {action} a report that is '{state.value}' (allowed: {names})", field="state")
    return target


@dataclass(frozen=True)
class StatusRule:
    """The thresholds of the rule; plans carry their own, so each office can tune them."""

    risk_points: float = DEFAULT_RISK_POINTS


@dataclass(frozen=True)
class MilestoneFact:
    title: str
    due: date
    completed_on: date | None = None


@dataclass(frozen=True)
class StatusFacts:
    """Everything the rule looks at, and nothing else."""

    starts_on: date
    deadline: date
    progress: float = 0.0  # of the latest report that stands (submitted or accepted), 0 without one
    reported_on: date | None = None
    pending_review: bool = False
    blocker: str = ""
    milestones: tuple[MilestoneFact, ...] = ()


@dataclass(frozen=True)
class StatusVerdict:
    """A status and why, in both languages; `code` names the clause of the rule that decided it."""

    status: TaskStatus
    code: str
    zh: str
    en: str

    def reason(self, lang: str) -> str:
        return self.zh if lang.startswith("zh") else self.en


def elapsed_share(starts_on: date, deadline: date, today: date) -> float:
    """Share of the task's time gone by, in percent (0 before the start, 100 at and after the deadline)."""
    total = (deadline - starts_on).days
    if total <= 0:
        return 100.0 if today >= deadline else 0.0
    return max(0.0, min(100.0, (today - starts_on).days / total * 100))


def _pct(value: float) -> str:
    return f"{value:.0f}%"


def compute_status(facts: StatusFacts, today: date, rule: StatusRule = StatusRule()) -> StatusVerdict:
    """done > overdue > at_risk > on_track, first clause that holds wins; the reason states its numbers."""
    progress = max(0.0, min(DONE_PROGRESS, facts.progress))
    if progress >= DONE_PROGRESS:
        pending_zh = "，待督办单位确认" if facts.pending_review else ""
        pending_en = ", awaiting the supervisor's acceptance" if facts.pending_review else ""
        when_zh = f"已于 {facts.reported_on.isoformat()} " if facts.reported_on else ""
        when_en = f" on {facts.reported_on.isoformat()}" if facts.reported_on else ""
        return StatusVerdict(
            TaskStatus.DONE,
            "done",
            f"{when_zh}报告完成（进度100%）{pending_zh}",
            f"reported 100% complete{when_en}{pending_en}",
        )
    if today > facts.deadline:
        days = (today - facts.deadline).days
        return StatusVerdict(
            TaskStatus.OVERDUE,
            "deadline_passed",
            f"完成时限 {facts.deadline.isoformat()} 已过 {days} 天，进度 {_pct(progress)}，尚未完成",
            f"deadline {facts.deadline.isoformat()} passed {days} day(s) ago at {_pct(progress)} progress",
        )
    late = sorted(
        (m for m in facts.milestones if m.completed_on is None and m.due < today), key=lambda m: m.due
    )
    if late:
        first, days = late[0], (today - late[0].due).days
        more_zh = f"（另有 {len(late) - 1} 个里程碑逾期）" if len(late) > 1 else ""
        more_en = f" ({len(late) - 1} more milestone(s) late)" if len(late) > 1 else ""
        return StatusVerdict(
            TaskStatus.OVERDUE,
            "milestone_late",
            f"里程碑「{first.title}」应于 {first.due.isoformat()} 完成，已逾期 {days} 天{more_zh}",
            f"milestone '{first.title}' was due {first.due.isoformat()}, {days} day(s) ago, and is not done"
            f"{more_en}",
        )
    share = elapsed_share(facts.starts_on, facts.deadline, today)
    gap = share - progress
    if facts.blocker.strip():
        return StatusVerdict(
            TaskStatus.AT_RISK,
            "blocker",
            f"报告了堵点：{facts.blocker.strip()}（时间已过 {_pct(share)}，进度 {_pct(progress)}）",
            f"a blocker was reported: {facts.blocker.strip()} ({_pct(share)} of the time elapsed, "
            f"{_pct(progress)} progress)",
        )
    if gap > rule.risk_points:
        return StatusVerdict(
            TaskStatus.AT_RISK,
            "behind_schedule",
            f"时间已过 {_pct(share)}，进度仅 {_pct(progress)}，落后 {gap:.0f} 个百分点"
            f"（超过阈值 {rule.risk_points:g} 个百分点）",
            f"{_pct(share)} of the time elapsed but progress is {_pct(progress)}: {gap:.0f} points behind "
            f"(threshold {rule.risk_points:g} points)",
        )
    return StatusVerdict(
        TaskStatus.ON_TRACK,
        "on_schedule",
        f"时间已过 {_pct(share)}，进度 {_pct(progress)}，在阈值 {rule.risk_points:g} 个百分点以内",
        f"{_pct(share)} of the time elapsed, progress {_pct(progress)}: "
        f"within the {rule.risk_points:g}-point threshold",
    )


@dataclass(kw_only=True, eq=False)
class Plan:
    """A year's work plan (工作要点) of an issuing department; its tasks are supervised against it."""

    id: int | None = None
    year: int = 0
    title: str = ""
    title_en: str = ""
    issuer_org_id: int | None = None
    visibility: PlanVisibility = PlanVisibility.INTERNAL
    risk_points: float = DEFAULT_RISK_POINTS
    alert_days: int = DEFAULT_ALERT_DAYS
    escalate_days: int = DEFAULT_ESCALATE_DAYS
    is_sample: bool = False
    created_by: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def rule(self) -> StatusRule:
        return StatusRule(risk_points=self.risk_points)


@dataclass(kw_only=True, eq=False)
class KeyTask:
    """One key task (or subtask, with `parent_id`) with its lead department and deadline."""

    id: int | None = None
    plan_id: int = 0
    parent_id: int | None = None
    number: str = ""
    title: str = ""
    title_en: str = ""
    description: str = ""
    lead_org_id: int = 0
    starts_on: date | None = None
    deadline: date | None = None
    status: TaskStatus = TaskStatus.ON_TRACK  # as last computed and recorded in the history
    created_by: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(kw_only=True, eq=False)
class TaskPartner:
    """A co-responsible department or district (配合单位) of a task."""

    id: int | None = None
    task_id: int = 0
    org_id: int = 0


@dataclass(kw_only=True, eq=False)
class TaskMilestone:
    id: int | None = None
    task_id: int = 0
    position: int = 0
    title: str = ""
    due: date | None = None
    deliverable: str = ""
    completed_on: date | None = None


@dataclass(kw_only=True, eq=False)
class ProgressReport:
    """A department's progress report; the supervising officer accepts or returns it."""

    id: int | None = None
    task_id: int = 0
    progress: float = 0.0
    note: str = ""
    blockers: str = ""
    milestones_done: list[int] = field(default_factory=list)
    state: ReportState = ReportState.SUBMITTED
    author: str = ""
    author_org_id: int | None = None
    reviewed_by: str = ""
    reviewed_at: datetime | None = None
    return_reason: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(kw_only=True, eq=False)
class ReportEvidence:
    """A file attached to a report as evidence (a meeting minute, a signed agreement, a photo)."""

    id: int | None = None
    report_id: int = 0
    filename: str = ""
    media_type: str = ""
    size: int = 0
    content: bytes = b""
    created_at: datetime | None = None


@dataclass(kw_only=True, eq=False)
class StatusChange:
    """One entry of a task's status history: when the computed status changed, and why."""

    id: int | None = None
    task_id: int = 0
    status: TaskStatus = TaskStatus.ON_TRACK
    code: str = ""
    reason_zh: str = ""
    reason_en: str = ""
    at: datetime | None = None


@dataclass(kw_only=True, eq=False)
class IndicatorLink:
    """The outcome a task is meant to move: a measure or indicator code, its target and baseline."""

    id: int | None = None
    task_id: int = 0
    kind: LinkKind = LinkKind.MEASURE
    code: str = ""
    unit_code: str = ""
    target: float | None = None
    baseline: float | None = None
    baseline_year: int | None = None


@dataclass(kw_only=True, eq=False)
class TaskAlert:
    """An alert sent once: the unique (task, milestone, kind, due date) makes the daily job idempotent."""

    id: int | None = None
    task_id: int = 0
    milestone_key: int = 0  # the milestone's id, 0 for the task's own deadline
    kind: AlertKind = AlertKind.DUE_SOON
    due: date | None = None
    recipients: int = 0
    sent_at: datetime | None = None


add_labels(
    [
        (TaskStatus.ON_TRACK, ("正常推进", "On track")),
        (TaskStatus.AT_RISK, ("存在风险", "At risk")),
        (TaskStatus.OVERDUE, ("逾期", "Overdue")),
        (TaskStatus.DONE, ("已完成", "Done")),
        (PlanVisibility.INTERNAL, ("内部（仅政府用户）", "Internal (government users)")),
        (PlanVisibility.PUBLISHED, ("已公开", "Published")),
        (ReportState.SUBMITTED, ("待确认", "Awaiting review")),
        (ReportState.ACCEPTED, ("已确认", "Accepted")),
        (ReportState.RETURNED, ("已退回", "Returned")),
        (AlertKind.DUE_SOON, ("即将到期", "Due soon")),
        (AlertKind.OVERDUE, ("已逾期", "Overdue")),
        (AlertKind.ESCALATION, ("逾期上报督办", "Escalated to the supervisor")),
        (LinkKind.MEASURE, ("平台指标", "Platform measure")),
        (LinkKind.INDICATOR, ("决策指标", "Indicator")),
    ]
)
