"""The daily job: recompute every task's status (keeping the history) and send each alert exactly once.

Reminders go to the users of the lead department N days (the plan's `alert_days`) before a milestone or
the deadline; an overdue item is told to them the day after, and escalated to the supervising officers
once it is `escalate_days` late. Each alert is one row keyed by (task, milestone, kind, due date) under
a unique constraint, written in the same transaction as its notifications: running the job twice, or
two jobs at once (the audit chain's lock serializes them), sends nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.domain.access import Actor
from kechuang.domain.accounts import Notification, User
from kechuang.domain.clock import now
from kechuang.domain.enums import NotificationKind, Role
from kechuang.domain.tasks import AlertKind, Plan, TaskAlert, TaskStatus
from kechuang.store.db import UnitOfWork

from .. import audit
from .base import Plans, Tasks, TaskView, record_status, task_views, today

Alerts: Any = TaskAlert
Users: Any = User
JOB = Actor.system("tasks-alerts")


@dataclass
class AlertRun:
    """What one run did: statuses whose value changed, alerts sent by kind, notifications written."""

    day: date
    tasks: int = 0
    status_changes: int = 0
    alerts: dict[str, int] = field(default_factory=lambda: {k.value: 0 for k in AlertKind})
    notifications: int = 0

    @property
    def sent(self) -> int:
        return sum(self.alerts.values())


def run_alerts(uow: UnitOfWork, *, on: date | None = None, actor: Actor = JOB) -> AlertRun:
    """Compute statuses for `on` (today by default) and send the alerts that are due and not yet sent."""
    day = on or today()
    run = AlertRun(day)
    with uow() as session:
        head = audit.lock_chain(session)
        for plan in session.scalars(select(Plans).order_by(Plans.id)):
            tasks = list(session.scalars(select(Tasks).where(Tasks.plan_id == plan.id).order_by(Tasks.id)))
            views = task_views(session, plan, tasks, day)
            run.tasks += len(views)
            sent = (
                {
                    (a.task_id, a.milestone_key, a.kind, a.due)
                    for a in session.scalars(select(Alerts).where(Alerts.task_id.in_([t.id for t in tasks])))
                }
                if tasks
                else set()
            )
            for view in views:
                run.status_changes += record_status(session, view)
                if view.verdict.status != TaskStatus.DONE:
                    _alert_task(session, plan, view, day, sent, run)
        if run.status_changes or run.sent:
            audit.append(
                session,
                head,
                actor,
                "tasks.alerts",
                "task_plan",
                None,
                {
                    "day": day.isoformat(),
                    "status_changes": run.status_changes,
                    "alerts": run.alerts,
                    "notifications": run.notifications,
                },
            )
    return run


def _due_items(view: TaskView) -> list[tuple[int, str, date]]:
    """(milestone key, title, due) of what is still open: the milestones not done, then the deadline."""
    items = [
        (m.id or 0, m.title, m.due) for m in view.milestones if m.due and m.id not in view.milestone_done
    ]
    if view.task.deadline:
        items.append((0, "", view.task.deadline))
    return items


def _alert_task(
    session: Session, plan: Plan, view: TaskView, day: date, sent: set[tuple[Any, ...]], run: AlertRun
) -> None:
    for key, milestone, due in _due_items(view):
        days = (due - day).days
        kinds = []
        if 0 <= days <= plan.alert_days:
            kinds.append(AlertKind.DUE_SOON)
        elif days < 0:
            kinds.append(AlertKind.OVERDUE)
            if -days >= plan.escalate_days:
                kinds.append(AlertKind.ESCALATION)
        for kind in kinds:
            if (view.task.id, key, kind, due) in sent:
                continue
            users = _supervisors(session, plan) if kind == AlertKind.ESCALATION else _members(session, view)
            for user in users:
                session.add(_notice(user, plan, view, kind, milestone, due, days))
            session.add(
                TaskAlert(
                    task_id=view.task.id or 0,
                    milestone_key=key,
                    kind=kind,
                    due=due,
                    recipients=len(users),
                    sent_at=now(),
                )
            )
            sent.add((view.task.id, key, kind, due))
            run.alerts[kind.value] += 1
            run.notifications += len(users)


def _members(session: Session, view: TaskView) -> list[User]:
    """The lead department's active users: they answer for the task."""
    return list(
        session.scalars(
            select(Users)
            .where(Users.organization_id == view.task.lead_org_id, Users.active.is_(True))
            .order_by(Users.id)
        )
    )


def _supervisors(session: Session, plan: Plan) -> list[User]:
    """The issuing department's active officers (every officer when the plan names no issuer)."""
    officers = [Users.role == Role.OFFICER, Users.active.is_(True)]
    if plan.issuer_org_id is not None:
        officers.append(Users.organization_id == plan.issuer_org_id)
    return list(session.scalars(select(Users).where(*officers).order_by(Users.id)))


def _notice(
    user: User, plan: Plan, view: TaskView, kind: AlertKind, milestone: str, due: date, days: int
) -> Notification:
    """The alert in the reader's language: what is due, when, and the task's status and reason."""
    task, zh = view.task, user.language != "en"
    title = task.title if zh or not task.title_en else task.title_en
    what = (
        (f"里程碑「{milestone}」" if milestone else "完成时限")
        if zh
        else (f"milestone '{milestone}'" if milestone else "the deadline")
    )
    if kind == AlertKind.DUE_SOON:
        body = (
            f"【督办提醒】任务「{title}」的{what}将于 {due} 到期（还有 {days} 天）"
            if zh
            else f"Reminder: {what} of task '{title}' is due {due} (in {days} day(s))"
        )
    elif kind == AlertKind.OVERDUE:
        body = (
            f"【逾期提醒】任务「{title}」的{what}已于 {due} 到期，逾期 {-days} 天"
            if zh
            else f"Overdue: {what} of task '{title}' was due {due}, {-days} day(s) ago"
        )
    else:
        body = (
            f"【督办上报】任务「{title}」的{what}已逾期 {-days} 天（应于 {due} 完成），请督办"
            if zh
            else f"Escalation: {what} of task '{title}' is {-days} day(s) overdue (due {due}); follow it up"
        )
    reason = view.verdict.reason("zh" if zh else "en")
    return Notification(
        user_id=user.id or 0,
        kind=NotificationKind.MESSAGE,
        subject_entity="task",
        subject_id=task.id,
        text=f"{body}。{reason}" if zh else f"{body}. {reason}",
        created_at=now(),
        data={"alert": kind.value, "plan_id": plan.id, "due": due.isoformat(), "milestone": milestone},
    )
