"""Pages of open calls (揭榜挂帅): the list, posting a call, one call with the steps its reader may take,
candidates and invitations (officer), an application with its attachments (applicant), milestones.

Every step posts a form with a one-time idempotency key; a refusal re-renders the page with the
translated reason. What a page shows follows the services: outsiders get the same 404 as in the API.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from starlette.datastructures import UploadFile

from kechuang.domain.access import can_see
from kechuang.domain.calls import ApplicationStatus, CallParty, CallStatus, MilestoneStatus
from kechuang.domain.entities import Organization, Person
from kechuang.domain.enums import OrgKind
from kechuang.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied, http_status
from kechuang.services.calls import applications, attachments, awards, candidates, scenarios
from kechuang.services.calls import calls as service
from kechuang.store.db import load_by_id

from .. import call_forms
from ..render import render
from ..session import csrf_guard, settings_of, uow_of, visitor
from . import scenario_applications

router = APIRouter(dependencies=[Depends(csrf_guard)], include_in_schema=False)
People: Any = Person
Refusal = (Conflict, PermissionDenied, InvalidInput, NotFound)
STEP_ACTIONS = (
    "submit",
    "approve",
    "publish",
    "close",
    "start_review",
    "start",
    "accept",
    "fail",
    "withdraw",
)
MAIN_PATH = [s for s in CallStatus if s not in (CallStatus.FAILED, CallStatus.WITHDRAWN)]


def _key(form: Any) -> str | None:
    value = form.get("idempotency_key")
    return value if isinstance(value, str) and value else None


def _new_key() -> str:
    return uuid4().hex


def _sign_in(path: str) -> RedirectResponse:
    return RedirectResponse(f"/login?next={path}", status_code=303)


@router.get("/calls")
def calls_page(request: Request, status: str = "", p: int = 1) -> Response:
    who = visitor(request)
    chosen = status if status in {s.value for s in CallStatus} else ""
    number = max(p, 1)
    items, count = service.list_calls(
        who.actor, uow_of(request), status=chosen, limit=30, offset=(number - 1) * 30
    )
    may_post = service.is_officer(who.actor) or bool(service.POSTING_ROLES & who.actor.roles)
    return render(
        request,
        "calls/list.html",
        calls=items,
        count=count,
        status=chosen,
        statuses=list(CallStatus),
        number=number,
        pages=max(1, -(-count // 30)),
        may_post=may_post,
        open_scenarios=scenarios.open_scenarios(who.actor, uow_of(request)),
    )


def _form_page(
    request: Request,
    *,
    call: Any = None,
    values: dict[str, Any] | None = None,
    problem: str = "",
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "calls/form.html",
        status_code=status_code,
        call=call,
        values=values or {},
        problem=problem,
        kinds=list(OrgKind),
        new_key=_new_key,
    )


@router.get("/calls/new")
def new_call_page(request: Request) -> Response:
    if not visitor(request).signed_in:
        return _sign_in("/calls/new")
    return _form_page(request)


@router.post("/calls/new")
async def create_call(request: Request) -> Response:
    who = visitor(request)
    form = await request.form()
    try:
        call = service.create_call(
            who.actor, call_forms.call_from(form), uow_of(request), idempotency_key=_key(form)
        )
    except Refusal as exc:
        return _form_page(request, values=_kept(form), problem=_problem(exc), status_code=http_status(exc))
    return RedirectResponse(f"/calls/{call.id}?done=create", status_code=303)


@router.get("/calls/{call_id}/edit")
def edit_call_page(request: Request, call_id: int) -> Response:
    detail = service.call_detail(visitor(request).actor, call_id, uow_of(request))
    values = {name: getattr(detail.call, name) for name in call_forms.CALL_TEXT}
    for name in ("eligible_regions", "discipline_codes", "industry_codes", "keywords_zh", "keywords_en"):
        values[name] = "; ".join(values[name])
    values.update(
        indicators=call_forms.indicators_text(detail.indicators),
        criteria=call_forms.criteria_text(detail.criteria),
        eligible_org_kinds=detail.call.eligible_org_kinds,
        joint_allowed=detail.call.joint_allowed,
        blind_review=detail.call.blind_review,
        visibility=detail.call.visibility.value,
    )
    return _form_page(request, call=detail.call, values=values)


@router.post("/calls/{call_id}/edit")
async def edit_call(request: Request, call_id: int) -> Response:
    who = visitor(request)
    form = await request.form()
    try:
        service.edit_call(
            who.actor, call_id, call_forms.call_from(form), uow_of(request), idempotency_key=_key(form)
        )
    except Refusal as exc:
        call = service.get_call(who.actor, call_id, uow_of(request))
        return _form_page(
            request, call=call, values=_kept(form), problem=_problem(exc), status_code=http_status(exc)
        )
    return RedirectResponse(f"/calls/{call_id}?done=edit", status_code=303)


def _kept(form: Any) -> dict[str, Any]:
    values: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
    values["eligible_org_kinds"] = form.getlist("eligible_org_kinds")
    values["joint_allowed"] = form.get("joint_allowed") == "on"
    values["blind_review"] = form.get("blind_review") == "on"
    return values


def _problem(exc: Any) -> str:
    field = getattr(exc, "field", None)
    return f"{field}: {exc.message}" if field else str(exc.message)


@router.get("/calls/{call_id}")
def call_page(request: Request, call_id: int, done: str = "") -> Response:
    return _call(request, call_id, done=done)


def _call(
    request: Request,
    call_id: int,
    *,
    done: str = "",
    problem: tuple[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    who = visitor(request)
    uow = uow_of(request)
    detail = service.call_detail(who.actor, call_id, uow)
    call = detail.call
    officer = CallParty.OFFICER in detail.parties
    mine = applications.list_applications(who.actor, call_id, uow) if who.signed_in else []
    orgs = load_by_id(uow, Organization, {a.lead_org_id for a in mine} | {call.poster_org_id or 0})
    proposals: dict[str, list[Any]] = {}
    invited: list[Any] = []
    if (officer or CallParty.POSTER in detail.parties) and call.status == CallStatus.PUBLISHED:
        indexes = request.app.state.indexes
        proposals = {
            kind: candidates.propose_candidates(who.actor, call_id, uow, indexes, kind=kind, limit=5)
            for kind in candidates.KINDS
        }
        invited = candidates.invitations_of(who.actor, call_id, uow)
    milestones = awards.milestones_of(who.actor, call_id, uow) if who.signed_in and call.awarded_at else []
    may_apply = (
        who.signed_in
        and not officer
        and who.actor.organization_id is not None
        and call.status == CallStatus.PUBLISHED
        and who.actor.organization_id != call.poster_org_id
        and not any(
            a.lead_org_id == who.actor.organization_id and a.status != ApplicationStatus.WITHDRAWN
            for a in mine
        )
    )
    steps, stopped = _progress(call), call.status in (CallStatus.FAILED, CallStatus.WITHDRAWN)
    return render(
        request,
        "calls/detail.html",
        status_code=status_code,
        detail=detail,
        call=call,
        officer=officer,
        applications=mine,
        orgs=orgs,
        proposals=proposals,
        invited=invited,
        milestones=milestones,
        may_apply=may_apply,
        steps=steps,
        stopped=stopped,
        done=done,
        problem=problem,
        new_key=_new_key,
        step_actions=[a for a in detail.actions if a in STEP_ACTIONS],
        reason_actions={"fail", "withdraw"},
        MilestoneStatus=MilestoneStatus,
        ApplicationStatus=ApplicationStatus,
        OrgKind=OrgKind,
        awardee=CallParty.AWARDEE in detail.parties,
    )


def _progress(call: Any) -> list[tuple[CallStatus, str]]:
    """Each stage of the main path as done, current, todo or stopped (a failed or withdrawn call)."""
    if call.status in MAIN_PATH:
        here = MAIN_PATH.index(call.status)
        return [
            (s, "done" if i < here else "current" if i == here else "todo") for i, s in enumerate(MAIN_PATH)
        ]
    reached = {
        CallStatus.DRAFT: True,
        CallStatus.PUBLISHED: call.published_at,
        CallStatus.CLOSED: call.closed_at,
        CallStatus.REVIEW: call.result_at or call.status == CallStatus.FAILED,
        CallStatus.RESULT: call.result_at,
        CallStatus.AWARDED: call.awarded_at,
        CallStatus.IN_PROGRESS: call.status == CallStatus.FAILED,
    }
    return [(s, "done" if reached.get(s) else "stopped") for s in MAIN_PATH]


@router.post("/calls/{call_id}/do/{action}")
async def call_step(request: Request, call_id: int, action: str) -> Response:
    if action not in STEP_ACTIONS:
        raise NotFound(f"no call step '{action}'")
    form = await request.form()
    try:
        service.transition(
            visitor(request).actor,
            call_id,
            action,
            uow_of(request),
            reason=str(form.get("reason") or ""),
            idempotency_key=_key(form),
        )
    except Refusal as exc:
        return _call(request, call_id, problem=(action, exc.message), status_code=http_status(exc))
    return RedirectResponse(f"/calls/{call_id}?done={action}", status_code=303)


@router.post("/calls/{call_id}/invite")
async def invite(request: Request, call_id: int) -> Response:
    form = await request.form()
    try:
        raw_id = str(form.get("entity_id") or "")
        entity_id = int(raw_id) if raw_id.isdigit() else 0
        candidates.invite(
            visitor(request).actor,
            call_id,
            str(form.get("entity") or ""),
            entity_id,
            uow_of(request),
            reasons=[str(form.get("reason") or "")][:1],
            idempotency_key=_key(form),
        )
    except Refusal as exc:
        return _call(request, call_id, problem=("invite", exc.message), status_code=http_status(exc))
    return RedirectResponse(f"/calls/{call_id}?done=invite#candidates", status_code=303)


@router.post("/calls/{call_id}/award")
async def award(request: Request, call_id: int) -> Response:
    form = await request.form()
    try:
        chosen = [int(v) for v in form.getlist("application_ids") if isinstance(v, str) and v.isdigit()]
        awards.award(
            visitor(request).actor,
            call_id,
            chosen,
            uow_of(request),
            early_reason=str(form.get("early_reason") or ""),
            idempotency_key=_key(form),
        )
    except Refusal as exc:
        return _call(request, call_id, problem=("award", exc.message), status_code=http_status(exc))
    return RedirectResponse(f"/calls/{call_id}?done=award#milestones", status_code=303)


@router.post("/calls/{call_id}/milestones/{milestone_id}/{action}")
async def milestone_step(request: Request, call_id: int, milestone_id: int, action: str) -> Response:
    who, uow = visitor(request), uow_of(request)
    form = await request.form()
    if milestone_id not in {v.milestone.id for v in awards.milestones_of(who.actor, call_id, uow)}:
        raise NotFound(f"milestone {milestone_id} not found")
    try:
        if action == "evidence":
            value = call_forms.number(str(form.get("achieved_value") or ""), "achieved_value")
            awards.report_evidence(
                who.actor,
                milestone_id,
                str(form.get("evidence") or ""),
                uow,
                achieved_value=value,
                idempotency_key=_key(form),
            )
        elif action in ("accept", "return"):
            awards.decide_milestone(
                who.actor,
                milestone_id,
                action == "accept",
                uow,
                reason=str(form.get("reason") or ""),
                idempotency_key=_key(form),
            )
        elif action == "payment":
            amount = call_forms.number(str(form.get("amount") or ""), "amount") or 0.0
            awards.record_payment(
                who.actor,
                milestone_id,
                amount,
                uow,
                note=str(form.get("note") or ""),
                idempotency_key=_key(form),
            )
        else:
            raise NotFound(f"no milestone step '{action}'")
    except Refusal as exc:
        return _call(
            request, call_id, problem=(f"milestone-{milestone_id}", exc.message), status_code=http_status(exc)
        )
    return RedirectResponse(f"/calls/{call_id}?done=milestone#milestones", status_code=303)


# --- applications ---------------------------------------------------------------------------------------


@router.post("/calls/{call_id}/apply")
async def apply(request: Request, call_id: int) -> Response:
    who = visitor(request)
    form = await request.form()
    if not who.signed_in:
        return _sign_in(f"/calls/{call_id}")
    try:
        made = applications.create_application(
            who.actor, call_id, {}, uow_of(request), idempotency_key=_key(form)
        )
    except Refusal as exc:
        return _call(request, call_id, problem=("apply", exc.message), status_code=http_status(exc))
    return RedirectResponse(f"/calls/{call_id}/applications/{made.id}", status_code=303)


def _application_page(
    request: Request,
    call_id: int,
    application_id: int,
    *,
    done: str = "",
    problem: tuple[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    who, uow = visitor(request), uow_of(request)
    application = applications.get_application(who.actor, application_id, uow)
    if application.call_id != call_id:
        raise NotFound(f"application {application_id} not found")
    detail = service.call_detail(who.actor, call_id, uow)
    files = attachments.list_attachments(who.actor, application_id, uow)
    people = load_by_id(uow, Person, application.team_person_ids)
    members = (
        _members(who.actor, uow, application.organization_ids) if editable_for(who.actor, application) else []
    )
    orgs = load_by_id(uow, Organization, application.organization_ids)
    committed = {c["indicator_id"]: c for c in application.commitments}
    lead = who.actor.organization_id == application.lead_org_id
    editable = (
        lead and application.status == ApplicationStatus.DRAFT and detail.call.status == CallStatus.PUBLISHED
    )
    return render(
        request,
        "calls/application.html",
        status_code=status_code,
        application=application,
        detail=detail,
        call=detail.call,
        files=files,
        people=people,
        orgs=orgs,
        committed=committed,
        lead=lead,
        editable=editable,
        members=members,
        done=done,
        problem=problem,
        values=values or {},
        new_key=_new_key,
        ApplicationStatus=ApplicationStatus,
    )


def editable_for(actor: Any, application: Any) -> bool:
    return actor.organization_id == application.lead_org_id and application.status == ApplicationStatus.DRAFT


def _members(actor: Any, uow: Any, org_ids: list[int]) -> list[Any]:
    """Registry people of the applying organizations, offered as team members (ids shown beside names)."""
    with uow() as session:
        found = session.scalars(
            select(People)
            .where(People.organization_id.in_(org_ids), People.merged_into_id.is_(None))
            .order_by(People.id)
            .limit(60)
        )
        return [p for p in found if can_see(actor, p.visibility, p.owner_org_id)]


@router.get("/calls/{call_id}/applications/{application_id}")
def application_page(request: Request, call_id: int, application_id: int, done: str = "") -> Response:
    if not visitor(request).signed_in:
        return _sign_in(f"/calls/{call_id}/applications/{application_id}")
    return _application_page(request, call_id, application_id, done=done)


@router.post("/calls/{call_id}/applications/{application_id}/{action}")
async def application_step(request: Request, call_id: int, application_id: int, action: str) -> Response:
    who, uow = visitor(request), uow_of(request)
    application = applications.get_application(who.actor, application_id, uow)
    if application.call_id != call_id:
        raise NotFound(f"application {application_id} not found")
    form = await request.form()
    try:
        if action == "save":
            with uow() as session:
                indicator_ids = [i.id or 0 for i in service.indicators_of(session, call_id)]
            data = call_forms.application_from(form, indicator_ids)
            applications.update_application(who.actor, application_id, data, uow, idempotency_key=_key(form))
        elif action == "submit":
            applications.submit_application(who.actor, application_id, uow, idempotency_key=_key(form))
        elif action == "withdraw":
            applications.withdraw_application(
                who.actor,
                application_id,
                uow,
                reason=str(form.get("reason") or ""),
                idempotency_key=_key(form),
            )
        elif action == "attach":
            upload = form.get("file")
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise InvalidInput("choose a PDF, DOCX or XLSX file", field="file")
            settings = settings_of(request)
            limit = min(attachments.MAX_ATTACHMENT_BYTES, settings.max_upload_bytes)
            content = await upload.read(limit + 1)
            attachments.add_attachment(
                who.actor,
                application_id,
                upload.filename,
                content,
                uow,
                data_dir=settings.data_dir,
                max_bytes=limit,
                idempotency_key=_key(form),
            )
        else:
            raise NotFound(f"no application step '{action}'")
    except Refusal as exc:
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        return _application_page(
            request,
            call_id,
            application_id,
            problem=(action, exc.message),
            values=values,
            status_code=http_status(exc),
        )
    return RedirectResponse(f"/calls/{call_id}/applications/{application_id}?done={action}", status_code=303)


@router.get("/calls/{call_id}/applications/{application_id}/files/{attachment_id}")
def download(request: Request, call_id: int, application_id: int, attachment_id: int) -> Response:
    who = visitor(request)
    application = applications.get_application(who.actor, application_id, uow_of(request))
    if application.call_id != call_id:
        raise NotFound(f"application {application_id} not found")
    row, content = attachments.read_attachment(
        who.actor, application_id, attachment_id, uow_of(request), data_dir=settings_of(request).data_dir
    )
    name = row.filename.encode("ascii", "ignore").decode().replace('"', "") or f"attachment.{row.kind}"
    return Response(
        content,
        media_type=attachments.MEDIA_TYPES[row.kind],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


router.include_router(scenario_applications.router)
