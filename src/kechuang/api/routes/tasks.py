"""JSON API of key-task supervision (m6): plans, tasks with computed status and reason, reports, files.

Every POST accepts an `Idempotency-Key` header. Internal plans (and their tasks) are 404 to everyone but
government users; published plans are open to all. `status_reason` is in the caller's language (or
`?lang=`); `status_reason_zh` and `status_reason_en` are always both there.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import Response
from pydantic import AliasChoices, BaseModel, Field

from kechuang.config import Settings
from kechuang.domain.access import Actor
from kechuang.domain.errors import PermissionDenied
from kechuang.domain.tasks import Plan, ProgressReport, ReportEvidence
from kechuang.services.tasks import alerts, export, importing, plans, reports
from kechuang.services.tasks.base import TaskView
from kechuang.services.tasks.outcomes import Outcome, task_outcomes
from kechuang.store.db import UnitOfWork

from ..body_limit import BodyTooLarge
from ..deps import current_actor, get_settings, get_uow, signed_in
from ..params import BodyId, IdemKey, ItemId, LongText, ShortText

router = APIRouter(prefix="/api", tags=["tasks"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Lang = Query("", pattern="^(|zh|en)$", description="Language of status_reason: zh or en (default: yours)")
Points = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
Days = Annotated[int, Field(ge=0, le=365)]
Year = Annotated[int, Field(ge=2000, le=2100)]


class PlanIn(BaseModel):
    year: Year
    title: ShortText = Field(min_length=1)
    title_en: ShortText = ""
    visibility: Literal["internal", "published"] = "internal"
    risk_points: Points = Field(20.0, description="At risk when time elapsed exceeds progress by more points")
    alert_days: Days = Field(7, description="Days before a milestone or deadline that reminders go out")
    escalate_days: Days = Field(0, description="Days overdue before the supervising officers are told")


class PlanUpdate(BaseModel):
    title: ShortText | None = Field(None, min_length=1)
    title_en: ShortText | None = None
    visibility: Literal["internal", "published"] | None = None
    risk_points: Points | None = None
    alert_days: Days | None = None
    escalate_days: Days | None = None


class MilestoneIn(BaseModel):
    title: ShortText = Field(min_length=1)
    due: date
    deliverable: ShortText = ""
    completed_on: date | None = None


class LinkIn(BaseModel):
    kind: Literal["measure", "indicator"] = "measure"
    code: ShortText = Field(min_length=1, max_length=80, description="e.g. platform.share_tianjin_hebei")
    unit_code: ShortText = Field("", max_length=80, description="Region code (empty: Beijing) or M7 unit")
    target: float | None = Field(None, allow_inf_nan=False)
    baseline: float | None = Field(None, allow_inf_nan=False)
    baseline_year: Year | None = None


class TaskIn(BaseModel):
    title: ShortText = Field(min_length=1)
    title_en: ShortText = ""
    description: LongText = ""
    number: ShortText = Field("", max_length=40, description="序号, e.g. 3 or 3.1 for a subtask")
    parent_id: BodyId | None = None
    lead_department: BodyId = Field(description="Organization id of a government department or district")
    co_departments: list[BodyId] = Field(default_factory=list, max_length=50)
    starts_on: date | None = Field(None, validation_alias=AliasChoices("starts_on", "start", "start_date"))
    deadline: date
    milestones: list[MilestoneIn] = Field(default_factory=list, max_length=50)
    indicators: list[LinkIn] = Field(default_factory=list, max_length=10)


class ReportIn(BaseModel):
    progress: float = Field(ge=0, le=100, allow_inf_nan=False, description="Percent complete")
    note: LongText = ""
    blockers: LongText = Field("", description="What blocks the work; any blocker puts the task at risk")
    milestones_done: list[BodyId] = Field(default_factory=list, max_length=50)


class ReasonIn(BaseModel):
    reason: LongText = ""


def _lang(actor: Actor, lang: str) -> str:
    return lang or actor.language or "zh"


def plan_out(plan: Plan, tasks: int | None = None) -> dict[str, Any]:
    out = {
        name: getattr(plan, name)
        for name in (
            "id",
            "year",
            "title",
            "title_en",
            "issuer_org_id",
            "risk_points",
            "alert_days",
            "escalate_days",
            "is_sample",
            "created_by",
            "created_at",
        )
    }
    out["visibility"] = plan.visibility.value
    if tasks is not None:
        out["tasks"] = tasks
    return out


def _milestone(view: TaskView, m: Any) -> dict[str, Any]:
    return {
        "id": m.id,
        "title": m.title,
        "due": m.due,
        "deliverable": m.deliverable,
        "completed_on": view.milestone_done.get(m.id),
    }


def task_out(view: TaskView, lang: str) -> dict[str, Any]:
    """A task as the contract shows it: status with a non-empty reason, progress, departments, milestones."""
    task = view.task
    return {
        "id": task.id,
        "plan_id": task.plan_id,
        "parent_id": task.parent_id,
        "number": task.number,
        "title": task.title,
        "title_en": task.title_en,
        "description": task.description,
        "lead_department": task.lead_org_id,
        "co_departments": view.partners,
        "starts_on": task.starts_on,
        "deadline": task.deadline,
        "progress": view.progress,
        "status": view.status,
        "status_code": view.verdict.code,
        "status_reason": view.verdict.reason(lang),
        "status_reason_zh": view.verdict.zh,
        "status_reason_en": view.verdict.en,
        "milestones": [_milestone(view, m) for m in view.milestones],
        "subtasks": view.children,
        "latest_report_id": view.latest_report.id if view.latest_report is not None else None,
    }


def outcome_out(outcome: Outcome, lang: str) -> dict[str, Any]:
    link = outcome.link
    return {
        "kind": link.kind.value,
        "code": link.code,
        "unit_code": link.unit_code,
        "name": outcome.name(lang),
        "unit": outcome.unit(lang),
        "target": link.target,
        "baseline": outcome.baseline,
        "current": outcome.current,
        "current_year": outcome.current_year,
        "moved": outcome.moved,
        "trend": [{"year": y, "value": v} for y, v in zip(outcome.years, outcome.values, strict=True)],
    }


def report_out(report: ProgressReport, files: list[ReportEvidence] | None = None) -> dict[str, Any]:
    out = {
        name: getattr(report, name)
        for name in (
            "id",
            "task_id",
            "progress",
            "note",
            "blockers",
            "milestones_done",
            "author",
            "author_org_id",
            "reviewed_by",
            "reviewed_at",
            "return_reason",
            "created_at",
        )
    }
    out["state"] = report.state.value
    if files is not None:
        out["evidence"] = [
            {"id": f.id, "filename": f.filename, "media_type": f.media_type, "size": f.size} for f in files
        ]
    return out


@router.post("/plans", status_code=201, summary="Open a year's work plan (officers)")
def create_plan(
    body: PlanIn,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    return plan_out(plans.create_plan(actor, uow, body.model_dump(), idempotency_key=key))


@router.get("/plans", summary="Plans you may see, newest first")
def list_plans(actor: Actor = Depends(current_actor), uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    found = plans.list_plans(actor, uow)
    return {"data": [plan_out(plan, count) for plan, count in found], "count": len(found)}


@router.get("/plans/{plan_id}", summary="A plan with its counts by status, department and district")
def get_plan(
    plan_id: ItemId, actor: Actor = Depends(current_actor), uow: UnitOfWork = Depends(get_uow)
) -> dict[str, Any]:
    board = plans.dashboard(actor, uow, plan_id)
    return {
        **plan_out(board.plan, len(board.views)),
        "by_status": board.by_status,
        "by_department": [{"org_id": org, "counts": counts} for org, counts in board.by_department],
        "by_district": [{"region_code": code, "counts": counts} for code, counts in board.by_district],
    }


@router.patch("/plans/{plan_id}", summary="Publish a plan, rename it or tune its thresholds (supervisors)")
def update_plan(
    plan_id: ItemId, body: PlanUpdate, actor: Actor = Depends(signed_in), uow: UnitOfWork = Depends(get_uow)
) -> dict[str, Any]:
    return plan_out(plans.update_plan(actor, uow, plan_id, body.model_dump(exclude_none=True)))


@router.post("/plans/{plan_id}/tasks", status_code=201, summary="Add a task or subtask (supervisors)")
def add_task(
    plan_id: ItemId,
    body: TaskIn,
    key: str | None = IdemKey,
    lang: str = Lang,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    data = body.model_dump()
    data["milestones"] = [m.model_dump() for m in body.milestones]
    return task_out(plans.add_task(actor, uow, plan_id, data, idempotency_key=key), _lang(actor, lang))


@router.get("/plans/{plan_id}/tasks", summary="The plan's tasks with computed status and reason")
def list_tasks(
    plan_id: ItemId,
    status: Literal["", "on_track", "at_risk", "overdue", "done"] = "",
    department: int | None = Query(None, ge=1, le=2**31 - 1, description="Lead or co-responsible"),
    lang: str = Lang,
    actor: Actor = Depends(current_actor),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    _, views = plans.list_tasks(actor, uow, plan_id, status=status, department_id=department)
    return {"data": [task_out(v, _lang(actor, lang)) for v in views], "count": len(views)}


@router.get("/plans/{plan_id}/export.xlsx", summary="The plan with statuses as XLSX (the import layout)")
def export_plan(
    plan_id: ItemId,
    lang: str = Lang,
    actor: Actor = Depends(current_actor),
    uow: UnitOfWork = Depends(get_uow),
) -> Response:
    content = export.export_plan(actor, uow, plan_id, _lang(actor, lang))
    return Response(
        content,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="plan-{plan_id}.xlsx"'},
    )


@router.post("/plans/{plan_id}/import", summary="Import tasks from the XLSX layout (all rows or none)")
def import_tasks(
    plan_id: ItemId,
    file: UploadFile = File(...),
    dry_run: bool = False,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
    settings: Settings = Depends(get_settings),
) -> dict[str, Any]:
    """Any bad row rejects the file (422) with every located error; `dry_run` checks without writing."""
    content = file.file.read(settings.max_upload_bytes + 1)
    if len(content) > settings.max_upload_bytes:
        raise BodyTooLarge(settings.max_upload_bytes)
    run = importing.preview_tasks if dry_run else importing.import_tasks
    result = run(actor, uow, plan_id, file.filename or "tasks.xlsx", content)
    return {
        "created": result.created,
        "unchanged": result.unchanged,
        "task_ids": result.task_ids,
        "dry_run": dry_run,
    }


@router.get("/tasks/template.xlsx", summary="The blank XLSX template for importing tasks")
def template(lang: str = Lang) -> Response:
    return Response(
        export.template(lang or "zh"),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="key-tasks-template.xlsx"'},
    )


@router.get("/tasks/{task_id}", summary="A task: status and why, milestones, history, linked indicators")
def get_task(
    task_id: ItemId,
    lang: str = Lang,
    actor: Actor = Depends(current_actor),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    detail = plans.get_task(actor, uow, task_id)
    language = _lang(actor, lang)
    outcomes = task_outcomes(uow, detail.plan, [task_id]).get(task_id, [])
    return {
        **task_out(detail.view, language),
        "subtasks": [task_out(v, language) for v in detail.subtasks],
        "history": [
            {
                "status": c.status.value,
                "code": c.code,
                "reason_zh": c.reason_zh,
                "reason_en": c.reason_en,
                "at": c.at,
            }
            for c in detail.history
        ],
        "indicators": [outcome_out(o, language) for o in outcomes],
    }


@router.get("/tasks/{task_id}/reports", summary="A task's progress reports, newest first")
def list_reports(
    task_id: ItemId, actor: Actor = Depends(current_actor), uow: UnitOfWork = Depends(get_uow)
) -> dict[str, Any]:
    found = reports.list_reports(actor, uow, task_id)
    return {"data": [report_out(r, files) for r, files in found], "count": len(found)}


@router.post("/tasks/{task_id}/reports", status_code=201, summary="Report progress (responsible departments)")
def file_report(
    task_id: ItemId,
    body: ReportIn,
    key: str | None = IdemKey,
    lang: str = Lang,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    """A report by the supervising officer stands as accepted; the task's new status comes back with it."""
    report, view = reports.file_report(actor, uow, task_id, body.model_dump(), idempotency_key=key)
    return {**report_out(report), "task": task_out(view, _lang(actor, lang))}


@router.patch("/reports/{report_id}", summary="Revise your department's report (resubmits it)")
def revise_report(
    report_id: ItemId, body: ReportIn, actor: Actor = Depends(signed_in), uow: UnitOfWork = Depends(get_uow)
) -> dict[str, Any]:
    return report_out(reports.revise_report(actor, uow, report_id, body.model_dump()))


@router.post("/reports/{report_id}/accept", summary="Accept a report (supervisors)")
def accept_report(
    report_id: ItemId,
    key: str | None = IdemKey,
    lang: str = Lang,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    report, view = reports.review_report(actor, uow, report_id, "accept", idempotency_key=key)
    return {**report_out(report), "task": task_out(view, _lang(actor, lang))}


@router.post("/reports/{report_id}/return", summary="Return a report with the reason (supervisors)")
def return_report(
    report_id: ItemId,
    body: ReasonIn,
    key: str | None = IdemKey,
    lang: str = Lang,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    report, view = reports.review_report(actor, uow, report_id, "return", body.reason, idempotency_key=key)
    return {**report_out(report), "task": task_out(view, _lang(actor, lang))}


@router.post("/reports/{report_id}/evidence", status_code=201, summary="Attach an evidence file to a report")
def attach_evidence(
    report_id: ItemId,
    file: UploadFile = File(...),
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
    settings: Settings = Depends(get_settings),
) -> dict[str, Any]:
    content = file.file.read(settings.max_upload_bytes + 1)
    if len(content) > settings.max_upload_bytes:
        raise BodyTooLarge(settings.max_upload_bytes)
    item = reports.attach_evidence(
        actor,
        uow,
        report_id,
        file.filename or "evidence",
        file.content_type or "application/octet-stream",
        content,
    )
    return {"id": item.id, "report_id": item.report_id, "filename": item.filename, "size": item.size}


@router.get("/evidence/{evidence_id}", summary="Download an evidence file")
def get_evidence(
    evidence_id: ItemId, actor: Actor = Depends(signed_in), uow: UnitOfWork = Depends(get_uow)
) -> Response:
    found = reports.get_evidence(actor, uow, evidence_id)
    # served as a download, never rendered inline: an uploaded HTML file must not run in the site's origin
    return Response(
        found.content,
        media_type="application/octet-stream",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{_quote(found.filename)}"},
    )


@router.post("/tasks/alerts/run", summary="Run the daily status and alert job now (admins)")
def run_alerts(actor: Actor = Depends(signed_in), uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    if not actor.is_admin:
        raise PermissionDenied(
            "only administrators run the alert job by hand; cron runs `kechuang tasks alerts`"
        )
    run = alerts.run_alerts(uow, actor=actor)
    return {
        "day": run.day,
        "tasks": run.tasks,
        "status_changes": run.status_changes,
        "alerts": run.alerts,
        "notifications": run.notifications,
    }


def _quote(name: str) -> str:
    return quote(name, safe="")
