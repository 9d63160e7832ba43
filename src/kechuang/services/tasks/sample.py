"""The tasks part of the built-in sample, played through the real services.

Departments missing from the registry sample are imported as sample organizations; the plan, its tasks
and the departments' reports go through the same audited services as real ones. Dates are set relative
to the day of loading, so each task reaches the status its entry aims at (every status occurs) whenever
the sample is loaded. A district user (`dept_haidian`) joins the demo accounts on demo installations.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from kechuang.domain.access import Actor
from kechuang.domain.accounts import User
from kechuang.domain.entities import Organization
from kechuang.domain.passwords import DEMO_PASSWORD
from kechuang.domain.tasks import Plan, elapsed_share
from kechuang.store.db import UnitOfWork

from ..accounts import create_user
from ..entity_fields import spec_for
from ..importing import Stage, import_stages
from ..tabular.readers import Sheet
from . import plans, reports
from .base import today
from .sample_plan import DEPARTMENTS, SAMPLE_NOTE_EN, SAMPLE_NOTE_ZH, TASKS, SampleTask

SYSTEM = Actor.system("sample")
Orgs: Any = Organization
Users: Any = User
DEPARTMENT_USER = ("dept_haidian", "org-haidian-kw", "海淀区科信局 张科长")


def load_tasks_sample(uow: UnitOfWork) -> dict[str, int]:
    """Load this module's sample on an installation that has none yet; returns counts of what it made."""
    with uow() as session:
        if session.scalar(select(func.count()).select_from(Plan)):
            return {}
    departments = _load_departments(uow)
    with uow() as session:
        orgs: dict[str, int] = dict(session.execute(select(Orgs.external_id, Orgs.id)).all())
    if "org-officer" not in orgs:
        return {"departments": departments}  # the registry sample is not loaded: nothing to lead the plan
    day = today()
    plan = plans.create_plan(
        SYSTEM,
        uow,
        {
            "year": day.year,
            "title": f"{day.year}年北京国际科技创新中心建设工作要点{SAMPLE_NOTE_ZH}",
            "title_en": f"Key tasks {day.year}: Beijing international innovation center{SAMPLE_NOTE_EN}",
            "visibility": "published",
            "issuer_org_id": orgs["org-officer"],
        },
        is_sample=True,
    )
    start = min(date(day.year, 1, 1), day - timedelta(days=90))
    created: dict[str, int] = {}
    report_count = 0
    for entry in sorted(TASKS, key=lambda t: t.number.count(".")):
        data, done_milestones = _task_data(entry, orgs, day, start)
        data["parent_id"] = created.get(entry.number.rsplit(".", 1)[0]) if "." in entry.number else None
        view = plans.add_task(SYSTEM, uow, plan.id or 0, data)
        created[entry.number] = view.task.id or 0
        milestone_ids = [m.id for m in view.milestones if m.title in done_milestones]
        report_count += _play_reports(
            uow,
            entry,
            view.task.id or 0,
            orgs[entry.lead],
            milestone_ids,
            elapsed_share(start, data["deadline"], day),
        )
    _department_user(uow, orgs)
    return {"departments": departments, "plans": 1, "tasks": len(created), "reports": report_count}


def _load_departments(uow: UnitOfWork) -> int:
    """Beijing departments and districts the plan names, as sample organizations (idempotent import)."""
    rows = [
        (
            number,
            {
                "external_id": ext,
                "name_zh": zh,
                "name_en": en,
                "aliases": list(aliases),
                "kind": "government",
                "region_code": region,
                "country_code": "CN",
                "description_zh": f"政府部门{SAMPLE_NOTE_ZH}",
                "description_en": f"Government body{SAMPLE_NOTE_EN}",
                "visibility": "public",
            },
        )
        for number, (ext, zh, en, aliases, region) in enumerate(DEPARTMENTS, start=1)
    ]
    sheet = Sheet("sample/tasks_departments", rows=rows)
    result = import_stages(
        SYSTEM, [Stage(spec_for("organization"), sheet)], uow, source="sample", is_sample=True
    )
    return result.counts.get("organization", {}).get("created", 0)


def _task_data(
    entry: SampleTask, orgs: dict[str, int], day: date, start: date
) -> tuple[dict[str, Any], set[str]]:
    """Dates moved around `day` so the task can reach its aim; returns the milestones to mark done."""
    month, dom = (int(p) for p in entry.deadline.split("-"))
    planned = date(day.year, month, dom)
    milestones = [
        (date(day.year, *(int(p) for p in md.split("-"))), title, deliverable)
        for md, title, deliverable in entry.milestones
    ]
    if entry.aim == "done":
        deadline = planned
    elif entry.aim == "overdue" and planned < day:
        deadline = planned  # the deadline itself has passed
    else:
        deadline = (
            planned if planned >= day + timedelta(days=30) else day + timedelta(days=30 + len(entry.number))
        )
    if entry.aim == "overdue" and deadline >= day:  # a milestone is late instead
        first = milestones[0]
        milestones[0] = (min(first[0], day - timedelta(days=7)), first[1], first[2])
    milestones = [(min(due, deadline), title, deliverable) for due, title, deliverable in milestones]
    if entry.aim == "done":
        done = {title for _, title, _ in milestones}
    elif entry.aim == "overdue":
        done = (
            {title for due, title, _ in milestones if due < day} - {milestones[0][1]}
            if deadline >= day
            else set()
        )
    else:
        done = {title for due, title, _ in milestones if due < day}
    data = {
        "number": entry.number,
        "title": entry.title,
        "title_en": entry.title_en,
        "lead_department": orgs[entry.lead],
        "co_departments": [orgs[p] for p in entry.partners if p in orgs],
        "starts_on": start,
        "deadline": deadline,
        "milestones": [
            {"title": title, "due": due, "deliverable": deliverable} for due, title, deliverable in milestones
        ],
        "indicators": [
            {
                "kind": "measure",
                "code": link.code,
                "unit_code": link.unit_code,
                "target": link.target,
                "baseline_year": day.year - link.baseline_years_back,
            }
            for link in entry.links
        ],
    }
    return data, done


def _play_reports(
    uow: UnitOfWork, entry: SampleTask, task_id: int, lead: int, done: list[int], share: float
) -> int:
    """The lead department reports; the supervisor accepts or returns where the entry says so."""
    department = Actor(
        name=f"sample-{entry.lead}", organization_id=lead, roles=frozenset({"sample"}), authenticated=True
    )
    blocker = entry.blocker
    if entry.aim == "done":
        progress = 100.0
    elif entry.aim == "on_track":
        progress = min(95.0, round(share + 5))
    elif entry.aim == "at_risk":
        progress = max(0.0, round(share - 35))
        if share - progress <= 20 and not blocker:  # too early in the year to be behind: a blocker instead
            blocker = "关键环节推进滞后，需协调解决"
    else:
        progress = 60.0
    count = 0
    if entry.review == "return":
        first, _ = reports.file_report(
            department, uow, task_id, {"progress": min(100.0, progress + 40), "note": "主体工作基本完成。"}
        )
        reports.review_report(
            SYSTEM, uow, first.id or 0, "return", "进度与现场核查情况不符，请补充佐证材料后重新报送。"
        )
        count += 1
    note = {
        "done": "任务已全部完成，相关成果已报送。",
        "on_track": "按计划推进，阶段性成果已形成。",
        "at_risk": "部分环节进度滞后，正在协调。",
        "overdue": "受多方因素影响，尚未按期完成。",
    }[entry.aim]
    report, _ = reports.file_report(
        department,
        uow,
        task_id,
        {"progress": progress, "note": note, "blockers": blocker, "milestones_done": done},
    )
    if entry.review == "accept":
        reports.review_report(SYSTEM, uow, report.id or 0, "accept")
    return count + 1


def _department_user(uow: UnitOfWork, orgs: dict[str, int]) -> None:
    """On a demo installation (the demo officer exists), a district user who reports on its tasks."""
    username, org, display = DEPARTMENT_USER
    with uow() as session:
        names = set(session.scalars(select(Users.username).where(Users.username.in_(["officer", username]))))
    if "officer" in names and username not in names and org in orgs:
        create_user(
            SYSTEM,
            uow,
            username=username,
            password=DEMO_PASSWORD,
            organization_id=orgs[org],
            role="officer",
            display_name=display,
            language="zh",
            is_sample=True,
        )
