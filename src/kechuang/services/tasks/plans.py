"""Plans and their tasks: create them, read them with computed statuses, and the plan's dashboard figures."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kechuang.domain.access import Actor
from kechuang.domain.clock import now
from kechuang.domain.entities import Organization
from kechuang.domain.errors import InvalidInput, NotFound, PermissionDenied
from kechuang.domain.limits import check_number
from kechuang.domain.tasks import (
    IndicatorLink,
    KeyTask,
    LinkKind,
    Plan,
    PlanVisibility,
    StatusChange,
    TaskMilestone,
    TaskPartner,
    TaskStatus,
)
from kechuang.store.db import UnitOfWork

from .. import audit
from .base import (
    Changes,
    Links,
    Plans,
    Tasks,
    TaskView,
    checked_id,
    default_start,
    department,
    is_government,
    is_supervisor,
    load_plan,
    load_task,
    long_text,
    org_names,
    refresh_status,
    task_views,
    text,
)

MAX_MILESTONES = 50
MAX_PARTNERS = 50
MAX_LINKS = 10
YEARS = (2000, 2100)


def _year(value: Any, field: str = "year") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not YEARS[0] <= value <= YEARS[1]:
        raise InvalidInput(f"must be a year from {YEARS[0]} to {YEARS[1]}", field=field)
    return value


def _date(value: Any, field: str, *, required: bool = True) -> date | None:
    if value is None and not required:
        return None
    if not isinstance(value, date):
        raise InvalidInput("must be a date (YYYY-MM-DD)", field=field)
    if not YEARS[0] <= value.year <= YEARS[1]:
        raise InvalidInput(f"must fall between {YEARS[0]} and {YEARS[1]}", field=field)
    return value


# --- plans ----------------------------------------------------------------------------------------------


def create_plan(
    actor: Actor,
    uow: UnitOfWork,
    data: dict[str, Any],
    *,
    idempotency_key: str | None = None,
    is_sample: bool = False,
) -> Plan:
    """An officer (or admin) opens the year's plan for their department; it starts internal."""
    if not actor.is_admin and "officer" not in actor.roles:
        raise PermissionDenied("only government officers may create work plans")
    year = _year(data.get("year"))
    title = text(data.get("title"), "title", required=True)
    title_en = text(data.get("title_en"), "title_en")
    visibility = _visibility(data.get("visibility", PlanVisibility.INTERNAL.value))
    risk, alert, escalate = _thresholds(data)
    with uow() as session:
        head = audit.lock_chain(session)
        done = audit.replayed_id(session, actor, idempotency_key, "tasks.plan.create")
        if done is not None:
            return load_plan(session, actor, done)
        issuer = (
            data.get("issuer_org_id")
            if actor.is_admin and data.get("issuer_org_id")
            else actor.organization_id
        )
        if issuer is not None:
            department(session, issuer, "issuer_org_id")
        stamp = now()
        plan = Plan(
            year=year,
            title=title,
            title_en=title_en,
            issuer_org_id=issuer,
            visibility=visibility,
            risk_points=risk,
            alert_days=alert,
            escalate_days=escalate,
            is_sample=is_sample,
            created_by=actor.name,
            created_at=stamp,
            updated_at=stamp,
        )
        session.add(plan)
        session.flush()
        audit.append(
            session,
            head,
            actor,
            "tasks.plan.create",
            "task_plan",
            plan.id,
            {"year": year, "title": title, "visibility": visibility.value},
        )
        audit.remember(session, actor, idempotency_key, "tasks.plan.create", "task_plan", plan.id or 0)
    return plan


def _visibility(raw: Any) -> PlanVisibility:
    try:
        return PlanVisibility(raw)
    except ValueError:
        raise InvalidInput("must be 'internal' or 'published'", field="visibility") from None


def _thresholds(data: dict[str, Any], plan: Plan | None = None) -> tuple[float, int, int]:
    """The rule's thresholds: at-risk gap in points (0-100), reminder and escalation days (0-365)."""
    values = []
    for name, default, high in (
        ("risk_points", 20.0, 100),
        ("alert_days", 7, 365),
        ("escalate_days", 0, 365),
    ):
        raw = data.get(name, getattr(plan, name) if plan is not None else default)
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise InvalidInput("must be a number", field=name)
        try:
            values.append(check_number(float(raw), high=high))
        except ValueError as exc:
            raise InvalidInput(str(exc), field=name) from None
    return values[0], int(values[1]), int(values[2])


def update_plan(actor: Actor, uow: UnitOfWork, plan_id: int, data: dict[str, Any]) -> Plan:
    """The supervisor publishes or withdraws a plan, renames it, or tunes the rule's thresholds."""
    with uow() as session:
        head = audit.lock_chain(session)
        plan = load_plan(session, actor, plan_id)
        if not is_supervisor(actor, plan):
            raise PermissionDenied("only the plan's supervising officers may change it")
        before = {
            "visibility": plan.visibility.value,
            "risk_points": plan.risk_points,
            "alert_days": plan.alert_days,
            "escalate_days": plan.escalate_days,
        }
        if "title" in data:
            plan.title = text(data["title"], "title", required=True)
        if "title_en" in data:
            plan.title_en = text(data["title_en"], "title_en")
        if "visibility" in data:
            plan.visibility = _visibility(data["visibility"])
        plan.risk_points, plan.alert_days, plan.escalate_days = _thresholds(data, plan)
        plan.updated_at = now()
        after = {
            "visibility": plan.visibility.value,
            "risk_points": plan.risk_points,
            "alert_days": plan.alert_days,
            "escalate_days": plan.escalate_days,
        }
        audit.append(
            session,
            head,
            actor,
            "tasks.plan.update",
            "task_plan",
            plan.id,
            {"before": before, "after": after, "title": plan.title},
        )
    return plan


def list_plans(actor: Actor, uow: UnitOfWork) -> list[tuple[Plan, int]]:
    """Plans the actor may see, newest year first, with their number of tasks."""
    with uow() as session:
        stmt = select(Plans)
        if not is_government(session, actor):
            stmt = stmt.where(Plans.visibility == PlanVisibility.PUBLISHED)
        plans = list(session.scalars(stmt.order_by(Plans.year.desc(), Plans.id.desc())))
        counts: dict[int, int] = dict(
            session.execute(select(Tasks.plan_id, func.count()).group_by(Tasks.plan_id)).all()
        )
    return [(plan, counts.get(plan.id, 0)) for plan in plans]


def get_plan(actor: Actor, uow: UnitOfWork, plan_id: int) -> Plan:
    with uow() as session:
        return load_plan(session, actor, plan_id)


# --- tasks ----------------------------------------------------------------------------------------------


def add_task(
    actor: Actor, uow: UnitOfWork, plan_id: int, data: dict[str, Any], *, idempotency_key: str | None = None
) -> TaskView:
    """The supervisor adds a task (or a subtask, with parent_id) with its departments and milestones."""
    with uow() as session:
        head = audit.lock_chain(session)
        plan = load_plan(session, actor, plan_id)
        done = audit.replayed_id(session, actor, idempotency_key, "tasks.task.create")
        if done is not None:
            task, _ = load_task(session, actor, done)
            return task_views(session, plan, [task])[0]
        if not is_supervisor(actor, plan):
            raise PermissionDenied("only the plan's supervising officers may add tasks")
        task = insert_task(session, actor, plan, data)
        view = refresh_status(session, plan, task)
        audit.append(
            session,
            head,
            actor,
            "tasks.task.create",
            "key_task",
            task.id,
            {
                "plan_id": plan.id,
                "title": task.title,
                "lead_org_id": task.lead_org_id,
                "deadline": task.deadline.isoformat() if task.deadline else None,
                "milestones": len(view.milestones),
                "status": view.status,
            },
        )
        audit.remember(session, actor, idempotency_key, "tasks.task.create", "key_task", task.id or 0)
    return view


def insert_task(session: Session, actor: Actor, plan: Plan, data: dict[str, Any]) -> KeyTask:
    """Validate one task's fields and write it with partners, milestones and indicator links (no audit)."""
    title = text(data.get("title"), "title", required=True)
    lead = department(session, data.get("lead_department"), "lead_department").id or 0
    partner_ids = data.get("co_departments") or []
    if not isinstance(partner_ids, list) or len(partner_ids) > MAX_PARTNERS:
        raise InvalidInput(
            f"must be a list of at most {MAX_PARTNERS} organization ids", field="co_departments"
        )
    partners = list(dict.fromkeys(department(session, p, "co_departments").id or 0 for p in partner_ids))
    deadline = _date(data.get("deadline"), "deadline")
    assert deadline is not None
    starts_on = _date(data.get("starts_on"), "starts_on", required=False)
    if starts_on is not None and starts_on > deadline:
        raise InvalidInput("must not be after the deadline", field="starts_on")
    parent_id = data.get("parent_id")
    if parent_id is not None:
        parent = session.get(Tasks, checked_id(parent_id, "task")) if isinstance(parent_id, int) else None
        if parent is None or parent.plan_id != plan.id:
            raise InvalidInput("must be a task of the same plan", field="parent_id")
    milestones = _milestones(data.get("milestones") or [], deadline)
    links = _links(data.get("indicators") or [])
    stamp = now()
    task = KeyTask(
        plan_id=plan.id or 0,
        parent_id=parent_id,
        number=text(data.get("number"), "number", max_length=40),
        title=title,
        title_en=text(data.get("title_en"), "title_en"),
        description=long_text(data.get("description"), "description"),
        lead_org_id=lead,
        starts_on=starts_on or default_start(plan.year, stamp.date(), deadline),
        deadline=deadline,
        created_by=actor.name,
        created_at=stamp,
        updated_at=stamp,
    )
    session.add(task)
    session.flush()
    assert task.id is not None
    session.add_all(TaskPartner(task_id=task.id, org_id=org) for org in partners if org != lead)
    for position, milestone in enumerate(milestones):
        milestone.task_id, milestone.position = task.id, position
        session.add(milestone)
    for link in links:
        link.task_id = task.id
        session.add(link)
    return task


def _milestones(raw: Any, deadline: date) -> list[TaskMilestone]:
    if not isinstance(raw, list) or len(raw) > MAX_MILESTONES:
        raise InvalidInput(f"must be a list of at most {MAX_MILESTONES} milestones", field="milestones")
    found = []
    for index, item in enumerate(raw):
        where = f"milestones[{index}]"
        if not isinstance(item, dict):
            raise InvalidInput("must be an object with title and due", field=where)
        due = _date(item.get("due"), f"{where}.due")
        assert due is not None
        if due > deadline:
            raise InvalidInput(
                f"is due {due.isoformat()}, after the task's deadline {deadline.isoformat()}",
                field=f"{where}.due",
            )
        found.append(
            TaskMilestone(
                title=text(item.get("title"), f"{where}.title", required=True),
                due=due,
                deliverable=text(item.get("deliverable"), f"{where}.deliverable"),
                completed_on=_date(item.get("completed_on"), f"{where}.completed_on", required=False),
            )
        )
    return found


def _links(raw: Any) -> list[IndicatorLink]:
    """Outcome links; the code is checked against the measures and indicators the platform knows."""
    from .outcomes import check_code

    if not isinstance(raw, list) or len(raw) > MAX_LINKS:
        raise InvalidInput(f"must be a list of at most {MAX_LINKS} indicator links", field="indicators")
    found = []
    for index, item in enumerate(raw):
        where = f"indicators[{index}]"
        if not isinstance(item, dict):
            raise InvalidInput("must be an object with kind, code, target and baseline", field=where)
        try:
            kind = LinkKind(item.get("kind", "measure"))
        except ValueError:
            raise InvalidInput("must be 'measure' or 'indicator'", field=f"{where}.kind") from None
        code = text(item.get("code"), f"{where}.code", max_length=80, required=True)
        unit = text(item.get("unit_code"), f"{where}.unit_code", max_length=80)
        check_code(kind, code, f"{where}.code")
        numbers: dict[str, float | None] = {}
        for name in ("target", "baseline"):
            value = item.get(name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
                raise InvalidInput("must be a number", field=f"{where}.{name}")
            try:
                numbers[name] = None if value is None else check_number(float(value), low=-1e15, high=1e15)
            except ValueError as exc:
                raise InvalidInput(str(exc), field=f"{where}.{name}") from None
        base_year = item.get("baseline_year")
        found.append(
            IndicatorLink(
                kind=kind,
                code=code,
                unit_code=unit,
                target=numbers["target"],
                baseline=numbers["baseline"],
                baseline_year=None if base_year is None else _year(base_year, f"{where}.baseline_year"),
            )
        )
    return found


@dataclass
class TaskDetail:
    """A task page's content: the task and its status, plan, departments, subtasks, history, links."""

    view: TaskView
    plan: Plan
    orgs: dict[int, Organization]
    subtasks: list[TaskView] = field(default_factory=list)
    history: list[StatusChange] = field(default_factory=list)
    links: list[IndicatorLink] = field(default_factory=list)
    may_report: bool = False
    may_review: bool = False


def get_task(actor: Actor, uow: UnitOfWork, task_id: int, *, on: date | None = None) -> TaskDetail:
    with uow() as session:
        task, plan = load_task(session, actor, task_id)
        subtasks = list(session.scalars(select(Tasks).where(Tasks.parent_id == task.id).order_by(Tasks.id)))
        views = task_views(session, plan, [task, *subtasks], on)
        view = views[0]
        history = list(
            session.scalars(select(Changes).where(Changes.task_id == task.id).order_by(Changes.id))
        )
        links = list(session.scalars(select(Links).where(Links.task_id == task.id).order_by(Links.id)))
        orgs = org_names(session, [task.lead_org_id, *view.partners, *(v.task.lead_org_id for v in views)])
        responsible = actor.organization_id in {task.lead_org_id, *view.partners}
        return TaskDetail(
            view,
            plan,
            orgs,
            views[1:],
            history,
            links,
            may_report=is_supervisor(actor, plan) or (actor.authenticated and responsible),
            may_review=is_supervisor(actor, plan),
        )


def list_tasks(
    actor: Actor,
    uow: UnitOfWork,
    plan_id: int,
    *,
    status: str = "",
    department_id: int | None = None,
    on: date | None = None,
) -> tuple[Plan, list[TaskView]]:
    """The plan's tasks in their numbering order, filtered by status or by a department's involvement."""
    if status and status not in {s.value for s in TaskStatus}:
        raise InvalidInput("must be one of on_track, at_risk, overdue, done", field="status")
    with uow() as session:
        plan = load_plan(session, actor, plan_id)
        tasks = list(session.scalars(select(Tasks).where(Tasks.plan_id == plan.id).order_by(Tasks.id)))
        views = task_views(session, plan, tasks, on)
    if department_id is not None:
        views = [v for v in views if department_id in {v.task.lead_org_id, *v.partners}]
    if status:
        views = [v for v in views if v.status == status]
    return plan, sorted(views, key=lambda v: _number_key(v.task))


def _number_key(task: KeyTask) -> tuple[Any, ...]:
    """'1.10' after '1.9': numbers compare part by part; unnumbered tasks keep their creation order."""
    parts = [int(p) if p.isdigit() else 10**6 for p in task.number.split(".") if p] if task.number else []
    return (parts or [10**6], task.id or 0)


def org_ids_of(views: list[TaskView]) -> list[int]:
    return [org for v in views for org in (v.task.lead_org_id, *v.partners)]


@dataclass
class Dashboard:
    """The plan's figures: counts by status, by lead department and by district (lead or co-responsible)."""

    plan: Plan
    views: list[TaskView]
    orgs: dict[int, Organization]
    by_status: dict[str, int]
    by_department: list[tuple[int, dict[str, int]]]
    by_district: list[tuple[str, dict[str, int]]]


def dashboard(actor: Actor, uow: UnitOfWork, plan_id: int, *, on: date | None = None) -> Dashboard:
    plan, views = list_tasks(actor, uow, plan_id, on=on)
    with uow() as session:
        orgs = org_names(session, org_ids_of(views))
    by_status = Counter(v.status for v in views)
    departments: dict[int, Counter[str]] = defaultdict(Counter)
    districts: dict[str, Counter[str]] = defaultdict(Counter)
    for view in views:
        departments[view.task.lead_org_id][view.status] += 1
        for region in {district_of(orgs.get(o)) for o in (view.task.lead_org_id, *view.partners)} - {""}:
            districts[region][view.status] += 1
    ordered = sorted(departments.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    return Dashboard(
        plan,
        views,
        orgs,
        {s.value: by_status.get(s.value, 0) for s in TaskStatus},
        [(org, dict(c)) for org, c in ordered],
        [(code, dict(c)) for code, c in sorted(districts.items())],
    )


def district_of(org: Organization | None) -> str:
    """A district-level government body's region code (e.g. 110108 Haidian); '' for municipal ones."""
    if org is None or len(org.region_code) != 6 or org.region_code.endswith("0000"):
        return ""
    return org.region_code


def department_tasks(actor: Actor, uow: UnitOfWork, plan_id: int, org_id: int) -> tuple[Plan, list[TaskView]]:
    """A department's own list: tasks it leads or shares, across the plan."""
    with uow() as session:
        if session.get(Organization, checked_id(org_id, "organization")) is None:
            raise NotFound(f"organization {org_id} not found")
    return list_tasks(actor, uow, plan_id, department_id=org_id)
