"""What every key-task use case shares: who may do what, input checks, idempotency, and computed views.

A task's status is never stored as a fact: `task_views` gathers the facts (milestones, the latest
report that stands, blockers) and asks the domain rule; the stored `status` is only the last value the
history recorded, kept so the daily job can tell a change from a repeat.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from kechuang.domain.access import Actor
from kechuang.domain.clock import now
from kechuang.domain.entities import Organization
from kechuang.domain.enums import OrgKind
from kechuang.domain.errors import InvalidInput, NotFound
from kechuang.domain.limits import LONG_TEXT, MAX_ID, SHORT_TEXT, check_text
from kechuang.domain.tasks import (
    COUNTED_REPORTS,
    IndicatorLink,
    KeyTask,
    MilestoneFact,
    Plan,
    PlanVisibility,
    ProgressReport,
    ReportState,
    StatusChange,
    StatusFacts,
    StatusVerdict,
    TaskMilestone,
    TaskPartner,
    compute_status,
)

Plans: Any = Plan
Tasks: Any = KeyTask
Partners: Any = TaskPartner
Milestones: Any = TaskMilestone
Reports: Any = ProgressReport
Links: Any = IndicatorLink
Changes: Any = StatusChange
Orgs: Any = Organization
GOVERNMENT_ROLES = frozenset({"officer", "admin", "system"})


def today() -> date:
    """The platform's date (UTC), the day statuses are computed for unless a caller names another."""
    return now().date()


def text(
    value: str | None,
    field: str,
    *,
    max_length: int = SHORT_TEXT,
    multiline: bool = False,
    required: bool = False,
) -> str:
    """Free text under the platform's one text rule, stripped; a required one may not be empty."""
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise InvalidInput("must not be empty", field=field)
    try:
        return check_text(cleaned, max_length=max_length, multiline=multiline)
    except ValueError as exc:
        raise InvalidInput(str(exc), field=field) from None


def long_text(value: str | None, field: str) -> str:
    return text(value, field, max_length=LONG_TEXT, multiline=True)


def checked_id(value: int, what: str) -> int:
    """An id that can exist in the database; others are simply not found."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise NotFound(f"{what} {value} not found")
    return value


# --- who may do what ------------------------------------------------------------------------------------


def is_government(session: Session, actor: Actor) -> bool:
    """Officers and admins, and members of government organizations (departments, districts)."""
    if GOVERNMENT_ROLES & actor.roles:
        return True
    if not actor.authenticated or actor.organization_id is None:
        return False
    org = session.get(Orgs, actor.organization_id)
    return org is not None and org.kind == OrgKind.GOVERNMENT


def may_see_plan(session: Session, actor: Actor, plan: Plan) -> bool:
    return plan.visibility == PlanVisibility.PUBLISHED or is_government(session, actor)


def is_supervisor(actor: Actor, plan: Plan) -> bool:
    """Admins, and officers of the issuing department (or any officer if the plan names none)."""
    if actor.is_admin:
        return True
    if "officer" not in actor.roles:
        return False
    return plan.issuer_org_id is None or actor.organization_id == plan.issuer_org_id


def responsible_orgs(task: KeyTask, partner_ids: Iterable[int]) -> set[int]:
    return {task.lead_org_id, *partner_ids}


def load_plan(session: Session, actor: Actor, plan_id: int) -> Plan:
    """The plan if the actor may know it exists, else NotFound (never a 403 that confirms it)."""
    plan: Plan | None = session.get(Plans, checked_id(plan_id, "plan"))
    if plan is None or not may_see_plan(session, actor, plan):
        raise NotFound(f"plan {plan_id} not found")
    return plan


def load_task(session: Session, actor: Actor, task_id: int) -> tuple[KeyTask, Plan]:
    task: KeyTask | None = session.get(Tasks, checked_id(task_id, "task"))
    if task is None:
        raise NotFound(f"task {task_id} not found")
    plan: Plan | None = session.get(Plans, task.plan_id)
    if plan is None or not may_see_plan(session, actor, plan):
        raise NotFound(f"task {task_id} not found")
    return task, plan


def department(session: Session, org_id: Any, field: str) -> Organization:
    """A lead or co-responsible department: an existing government organization (department or district)."""
    if isinstance(org_id, bool) or not isinstance(org_id, int) or not 1 <= org_id <= MAX_ID:
        raise InvalidInput("must be the id of a government department or district", field=field)
    org: Organization | None = session.get(Orgs, org_id)
    if org is None:
        raise InvalidInput(f"organization {org_id} does not exist", field=field)
    if org.kind != OrgKind.GOVERNMENT:
        raise InvalidInput(
            f"organization {org_id} is a {org.kind.value}, not a government department or district",
            field=field,
        )
    return org


# --- computed views -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MilestoneRow:
    """A milestone as read for a view (plain columns: lists of thousands of tasks build no ORM objects)."""

    id: int
    title: str
    due: date
    deliverable: str
    completed_on: date | None


@dataclass(frozen=True)
class ReportRow:
    """The latest counted report of a task, as a view needs it."""

    id: int
    progress: float
    note: str
    blockers: str
    state: ReportState
    created_at: datetime | None


@dataclass
class TaskView:
    """A task with what the rule made of it, and the facts behind that."""

    task: KeyTask
    verdict: StatusVerdict
    progress: float
    partners: list[int] = field(default_factory=list)
    milestones: list[MilestoneRow] = field(default_factory=list)
    milestone_done: dict[int, date] = field(default_factory=dict)
    latest_report: ReportRow | None = None
    children: list[int] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.verdict.status.value


def default_start(plan_year: int, created: date, deadline: date) -> date:
    """Without a stated start, a task runs from the start of its plan's year (or from today, if later
    plans are entered early, or the deadline falls before that year)."""
    start = date(plan_year, 1, 1)
    if start > created or start > deadline:
        start = min(created, deadline)
    return start


def task_views(session: Session, plan: Plan, tasks: list[KeyTask], on: date | None = None) -> list[TaskView]:
    """Status, reason and progress of each task, in four queries whatever the number of tasks."""
    day = on or today()
    ids = [t.id for t in tasks]
    partners: dict[int, list[int]] = defaultdict(list)
    milestones: dict[int, list[MilestoneRow]] = defaultdict(list)
    latest: dict[int, ReportRow] = {}
    done_by_report: dict[int, date] = {}
    for chunk in _chunks(ids):
        for task_id, org_id in session.execute(
            select(Partners.task_id, Partners.org_id).where(Partners.task_id.in_(chunk)).order_by(Partners.id)
        ):
            partners[task_id].append(org_id)
        for task_id, *columns in session.execute(
            select(
                Milestones.task_id,
                Milestones.id,
                Milestones.title,
                Milestones.due,
                Milestones.deliverable,
                Milestones.completed_on,
            )
            .where(Milestones.task_id.in_(chunk))
            .order_by(Milestones.position, Milestones.id)
        ):
            milestones[task_id].append(MilestoneRow(*columns))
        counted = select(
            Reports.task_id,
            Reports.id,
            Reports.progress,
            Reports.note,
            Reports.blockers,
            Reports.state,
            Reports.created_at,
            cast(Reports.milestones_done, String),  # parsed below only when not empty: most are []
        )
        counted = counted.where(Reports.task_id.in_(chunk), Reports.state.in_(list(COUNTED_REPORTS)))
        for task_id, *columns, milestones_done in session.execute(counted.order_by(Reports.id)):
            report = ReportRow(*columns)
            latest[task_id] = report  # ascending ids: the last one seen is the latest
            stamp = (report.created_at or now()).date()
            for milestone_id in json.loads(milestones_done) if milestones_done not in (None, "[]") else []:
                done_by_report.setdefault(int(milestone_id), stamp)
    children: dict[int, list[int]] = defaultdict(list)
    for task in tasks:
        if task.parent_id is not None:
            children[task.parent_id].append(task.id or 0)
    progress = _progress(tasks, latest, children)
    views = []
    for task in tasks:
        ident = task.id or 0
        latest_report = latest.get(ident)
        done = {
            m.id or 0: m.completed_on or done_by_report[m.id or 0]
            for m in milestones[ident]
            if m.completed_on is not None or (m.id or 0) in done_by_report
        }
        deadline = task.deadline or date(plan.year, 12, 31)
        facts = StatusFacts(
            starts_on=task.starts_on or default_start(plan.year, (task.created_at or now()).date(), deadline),
            deadline=deadline,
            progress=progress[ident],
            reported_on=(
                latest_report.created_at.date()
                if latest_report is not None and latest_report.created_at
                else None
            ),
            pending_review=latest_report is not None and latest_report.state == ReportState.SUBMITTED,
            blocker=latest_report.blockers if latest_report is not None else "",
            milestones=tuple(
                MilestoneFact(m.title, m.due, done.get(m.id or 0)) for m in milestones[ident] if m.due
            ),
        )
        verdict = compute_status(facts, day, plan.rule)
        views.append(
            TaskView(
                task,
                verdict,
                progress[ident],
                partners[ident],
                milestones[ident],
                done,
                latest_report,
                children[ident],
            )
        )
    return views


def _progress(
    tasks: list[KeyTask], latest: dict[int, ReportRow], children: dict[int, list[int]]
) -> dict[int, float]:
    """A task's own latest report, or for a parent without one, the mean progress of its subtasks."""
    result: dict[int, float] = {}

    def of(task_id: int, depth: int = 0) -> float:
        if task_id in result:
            return result[task_id]
        report = latest.get(task_id)
        if report is not None or not children.get(task_id) or depth > 20:
            value = report.progress if report is not None else 0.0
        else:
            kids = children[task_id]
            value = sum(of(kid, depth + 1) for kid in kids) / len(kids)
        result[task_id] = value
        return value

    for task in tasks:
        of(task.id or 0)
    return result


def record_status(session: Session, view: TaskView) -> bool:
    """Append to the task's history when its computed status differs from the last one recorded."""
    task = view.task
    first = session.scalar(select(Changes.id).where(Changes.task_id == task.id).limit(1)) is None
    if not first and task.status == view.verdict.status:
        return False
    task.status = view.verdict.status
    session.add(
        StatusChange(
            task_id=task.id or 0,
            status=view.verdict.status,
            code=view.verdict.code,
            reason_zh=view.verdict.zh,
            reason_en=view.verdict.en,
            at=now(),
        )
    )
    return True


def refresh_status(session: Session, plan: Plan, task: KeyTask) -> TaskView:
    """Recompute one task (and its parent, whose progress may follow it) after a write, keeping history."""
    session.flush()
    family = [task]
    if task.parent_id is not None:
        parent = session.get(Tasks, task.parent_id)
        if parent is not None:
            siblings = list(session.scalars(select(Tasks).where(Tasks.parent_id == parent.id)))
            family = [parent, *siblings]
    views = task_views(session, plan, family)
    for view in views:
        record_status(session, view)
    return next(v for v in views if v.task.id == task.id)


def org_names(session: Session, ids: Iterable[int]) -> dict[int, Organization]:
    wanted = sorted(set(ids))
    found: dict[int, Organization] = {}
    for chunk in _chunks(wanted):
        found.update({o.id: o for o in session.scalars(select(Orgs).where(Orgs.id.in_(chunk)))})
    return found


def _chunks(ids: list[Any], size: int = 900) -> Iterable[list[Any]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
