"""Pages of key-task supervision (m6): plans, the dashboard, the timeline, a department's list, a task."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from kechuang.domain.codes import code_table
from kechuang.domain.errors import (
    Conflict,
    ImportRejected,
    InvalidInput,
    NotFound,
    PermissionDenied,
    http_status,
)
from kechuang.domain.tasks import AlertKind, ReportState, TaskStatus
from kechuang.services.tasks import importing, plans, reports
from kechuang.services.tasks.base import org_names, today
from kechuang.services.tasks.outcomes import Outcome, done_but_not_moved, task_outcomes

from ..i18n import Translator
from ..pdf import html_to_pdf, pdf_available
from ..render import ECHARTS_FILE, render
from ..session import csrf_guard, settings_of, uow_of, visitor

router = APIRouter(dependencies=[Depends(csrf_guard)], include_in_schema=False)
STATUSES = list(TaskStatus)
COLORS = {"on_track": "#1f5fa8", "at_risk": "#d08b1f", "overdue": "#b3261e", "done": "#216e3a"}


def _title(item: Any, lang: str) -> str:
    """A plan's or task's title in the visitor's language (the English one where it was given)."""
    return item.title_en if lang == "en" and item.title_en else item.title


def number(value: float | None, unit_en: str = "") -> str:
    """An indicator value as people read it: shares in percent, large amounts with separators."""
    if value is None:
        return "—"
    if unit_en == "share":
        return f"{value * 100:.1f}%"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def _org(orgs: dict[int, Any], org_id: int, lang: str) -> str:
    org = orgs.get(org_id)
    if org is None:
        return f"#{org_id}"
    return (org.name_en or org.name_zh) if lang == "en" else (org.name_zh or org.name_en)


@router.get("/tasks")
def plans_page(request: Request) -> Response:
    who = visitor(request)
    found = plans.list_plans(who.actor, uow_of(request))
    return render(request, "tasks/plans.html", plans=found, title_of=_title)


@router.get("/tasks/mine")
def my_tasks(request: Request) -> Response:
    """A department user's shortcut: their own list in the newest plan they may see."""
    who = visitor(request)
    if not who.signed_in:
        return RedirectResponse("/login?next=/tasks/mine", status_code=303)
    found = plans.list_plans(who.actor, uow_of(request))
    if not found or who.actor.organization_id is None:
        return RedirectResponse("/tasks", status_code=303)
    return RedirectResponse(
        f"/tasks/plans/{found[0][0].id}/departments/{who.actor.organization_id}", status_code=303
    )


@router.get("/tasks/plans/{plan_id}")
def dashboard_page(request: Request, plan_id: int, status: str = "") -> Response:
    who = visitor(request)
    uow = uow_of(request)
    board = plans.dashboard(who.actor, uow, plan_id)
    outcomes = task_outcomes(uow, board.plan, [v.task.id or 0 for v in board.views])
    chosen = status if status in {s.value for s in STATUSES} else ""
    shown = [v for v in board.views if not chosen or v.status == chosen]
    _ = Translator(who.lang)
    chart = {
        "labels": {s.value: s.label(who.lang) for s in STATUSES},
        "colors": COLORS,
        "status": [
            {"name": s.label(who.lang), "value": board.by_status[s.value], "key": s.value} for s in STATUSES
        ],
        "departments": [
            {"name": _org(board.orgs, org, who.lang), "counts": counts}
            for org, counts in board.by_department[:12]
        ],
        "count_label": _("tasks.count"),
    }
    return render(
        request,
        "tasks/dashboard.html",
        number=number,
        board=board,
        views=shown,
        chosen=chosen,
        statuses=STATUSES,
        orgs=board.orgs,
        org_name=lambda o: _org(board.orgs, o, who.lang),
        title_of=_title,
        stalled=done_but_not_moved(board.views, outcomes),
        outcomes=outcomes,
        data=chart,
        charts=ECHARTS_FILE.is_file(),
        region_name=lambda code: _region(code, who.lang),
        today=today(),
        pdf=pdf_available(),
    )


@router.get("/tasks/plans/{plan_id}/report.pdf")
def dashboard_pdf(request: Request, plan_id: int) -> Response:
    """The plan's dashboard as a PDF report (the print styles, without the charts' scripts)."""
    if not pdf_available():
        raise NotFound("PDF output is not installed here; print the dashboard from the browser")
    page = dashboard_page(request, plan_id)  # the same access rule: internal plans for government users
    return Response(
        html_to_pdf(bytes(page.body).decode("utf-8")),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="plan-{plan_id}-report.pdf"'},
    )


def _region(code: str, lang: str) -> str:
    found = code_table("region").get(code)
    return found.label(lang) if found else code


@router.get("/tasks/plans/{plan_id}/timeline")
def timeline_page(request: Request, plan_id: int) -> Response:
    who = visitor(request)
    _, views = plans.list_tasks(who.actor, uow_of(request), plan_id)
    plan = plans.get_plan(who.actor, uow_of(request), plan_id)
    day = today()
    rows = []
    for view in reversed(views):  # ECharts draws the first category at the bottom
        task = view.task
        rows.append(
            {
                "id": task.id,
                "name": f"{task.number} {_title(task, who.lang)}".strip()[:40],
                "start": (task.starts_on or day).isoformat(),
                "end": (task.deadline or day).isoformat(),
                "status": view.status,
                "label": view.verdict.status.label(who.lang),
                "progress": round(view.progress),
                "milestones": [
                    {
                        "title": m.title,
                        "due": m.due.isoformat(),
                        "state": "done"
                        if m.id in view.milestone_done
                        else ("late" if m.due < day else "open"),
                    }
                    for m in view.milestones
                    if m.due
                ],
            }
        )
    _ = Translator(who.lang)
    data = {
        "rows": rows,
        "today": day.isoformat(),
        "colors": COLORS,
        "labels": {
            "today": _("tasks.today"),
            "progress": _("tasks.progress"),
            "deadline": _("tasks.deadline"),
            "milestone": _("tasks.milestone"),
            "done": _("tasks.milestone_done"),
            "late": _("tasks.milestone_late"),
            "open": _("tasks.milestone_open"),
        },
    }
    return render(
        request,
        "tasks/timeline.html",
        plan=plan,
        views=views,
        data=data,
        title_of=_title,
        charts=ECHARTS_FILE.is_file(),
    )


@router.get("/tasks/plans/{plan_id}/departments/{org_id}")
def department_page(request: Request, plan_id: int, org_id: int) -> Response:
    who = visitor(request)
    plan, views = plans.department_tasks(who.actor, uow_of(request), plan_id, org_id)
    with uow_of(request)() as session:
        orgs = org_names(session, [org_id, *(o for v in views for o in (v.task.lead_org_id, *v.partners))])
    counts = {s.value: sum(1 for v in views if v.status == s.value) for s in STATUSES}
    return render(
        request,
        "tasks/department.html",
        plan=plan,
        views=views,
        org_id=org_id,
        counts=counts,
        statuses=STATUSES,
        org_name=lambda o: _org(orgs, o, who.lang),
        title_of=_title,
    )


@router.get("/tasks/{task_id}")
def task_page(request: Request, task_id: int, done: str = "") -> Response:
    return _task(request, task_id, done=done if done in ("report", "accept", "return") else "")


def _task(
    request: Request,
    task_id: int,
    *,
    status_code: int = 200,
    done: str = "",
    problem: tuple[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    who = visitor(request)
    uow = uow_of(request)
    detail = plans.get_task(who.actor, uow, task_id)
    found = reports.list_reports(who.actor, uow, task_id)
    outcomes = task_outcomes(uow, detail.plan, [task_id]).get(task_id, [])
    lang = who.lang
    trend = [_trend(o, lang) for o in outcomes]
    return render(
        request,
        "tasks/task.html",
        number=number,
        status_code=status_code,
        detail=detail,
        view=detail.view,
        plan=detail.plan,
        reports=found,
        outcomes=outcomes,
        trend={"charts": trend, "colors": COLORS},
        org_name=lambda o: _org(detail.orgs, o, lang),
        title_of=_title,
        done=done,
        problem=problem,
        values=values or {},
        key=uuid4().hex,
        ReportState=ReportState,
        AlertKind=AlertKind,
        charts=ECHARTS_FILE.is_file() and bool(trend),
        today=today(),
    )


def _trend(outcome: Outcome, lang: str) -> dict[str, Any]:
    _ = Translator(lang)
    return {
        "id": f"trend-{outcome.link.id}",
        "name": outcome.name(lang),
        "unit": outcome.unit(lang),
        "years": [str(y) for y in outcome.years],
        "values": outcome.values,
        "baseline": outcome.baseline,
        "target": outcome.link.target,
        "labels": {"baseline": _("tasks.baseline"), "target": _("tasks.target"), "value": _("tasks.current")},
    }


async def _form(request: Request) -> tuple[dict[str, str], list[UploadFile], list[str]]:
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    files = [f for f in form.getlist("evidence") if isinstance(f, UploadFile) and f.filename]
    ticked = [v for v in form.getlist("milestones_done") if isinstance(v, str)]
    return values, files, ticked


@router.post("/tasks/{task_id}/reports")
async def report_action(request: Request, task_id: int) -> Response:
    """File a report (with evidence files); a refusal re-renders the page with the reason beside the form."""
    who = visitor(request)
    values, files, ticked = await _form(request)
    try:
        try:
            progress: Any = float(values.get("progress", ""))
        except ValueError:
            raise InvalidInput("must be a number from 0 to 100", field="progress") from None
        data = {
            "progress": progress,
            "note": values.get("note", ""),
            "blockers": values.get("blockers", ""),
            "milestones_done": [int(m) for m in ticked if m.isdigit()],
        }
        limit = settings_of(request).max_upload_bytes
        contents = [(f, await f.read(limit + 1)) for f in files]
        if any(len(content) > limit for _, content in contents):
            raise InvalidInput(f"a file may hold at most {limit:,} bytes", field="evidence")
        report, _ = reports.file_report(
            who.actor, uow_of(request), task_id, data, idempotency_key=values.get("key") or None
        )
        for upload, content in contents:
            reports.attach_evidence(
                who.actor,
                uow_of(request),
                report.id or 0,
                upload.filename or "evidence",
                upload.content_type or "",
                content,
            )
    except (Conflict, PermissionDenied, InvalidInput) as exc:
        return _task(
            request, task_id, status_code=http_status(exc), problem=("report", exc.message), values=values
        )
    return RedirectResponse(f"/tasks/{task_id}?done=report#reports", status_code=303)


@router.post("/tasks/reports/{report_id}/{action}")
async def review_action(request: Request, report_id: int, action: str) -> Response:
    if action not in ("accept", "return"):
        raise NotFound(f"no report action '{action}'")
    who = visitor(request)
    values, _, _ = await _form(request)
    task_id = int(values.get("task_id", "0") or 0) if values.get("task_id", "").isdigit() else 0
    try:
        _, view = reports.review_report(
            who.actor,
            uow_of(request),
            report_id,
            action,
            values.get("reason", ""),
            idempotency_key=values.get("key") or None,
        )
    except (Conflict, PermissionDenied, InvalidInput) as exc:
        if not task_id:
            raise
        return _task(
            request,
            task_id,
            status_code=http_status(exc),
            problem=(f"review-{report_id}", exc.message),
            values=values,
        )
    return RedirectResponse(f"/tasks/{view.task.id}?done={action}#reports", status_code=303)


@router.get("/tasks/plans/{plan_id}/import")
def import_page(request: Request, plan_id: int) -> Response:
    who = visitor(request)
    if not who.signed_in:
        return RedirectResponse(f"/login?next=/tasks/plans/{plan_id}/import", status_code=303)
    plan = plans.get_plan(who.actor, uow_of(request), plan_id)
    return render(request, "tasks/import.html", plan=plan, title_of=_title, errors=None, result=None)


@router.post("/tasks/plans/{plan_id}/import")
async def import_action(request: Request, plan_id: int) -> Response:
    """Check (dry run) or import an uploaded workbook; every bad row is listed, nothing is written."""
    who = visitor(request)
    plan = plans.get_plan(who.actor, uow_of(request), plan_id)
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return render(
            request,
            "tasks/import.html",
            status_code=422,
            plan=plan,
            title_of=_title,
            errors=None,
            result=None,
            problem="tasks.import_choose",
        )
    limit = settings_of(request).max_upload_bytes
    content = await upload.read(limit + 1)
    if len(content) > limit:
        return render(
            request,
            "tasks/import.html",
            status_code=413,
            plan=plan,
            title_of=_title,
            errors=None,
            result=None,
            problem="tasks.import_too_large",
        )
    run = importing.preview_tasks if form.get("dry_run") else importing.import_tasks
    try:
        result = run(who.actor, uow_of(request), plan_id, upload.filename, content)
    except ImportRejected as exc:
        return render(
            request,
            "tasks/import.html",
            status_code=422,
            plan=plan,
            title_of=_title,
            errors=exc.errors,
            result=None,
        )
    return render(
        request,
        "tasks/import.html",
        plan=plan,
        title_of=_title,
        errors=None,
        result=result,
        dry_run=bool(form.get("dry_run")),
    )
