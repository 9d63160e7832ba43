"""Pages of the review of open calls: the officer's panel (suggestions with their conflicts, assignment,
override, aggregation rule, ranking with outliers, publishing), the reviewer's blind scoring page, the
published result (公示) with appeals, and a reviewer's list of their reviews.

Every step posts a form with a one-time idempotency key; a refusal re-renders the page with the reason.
Who sees what follows the services: outsiders get the same 404 as in the API.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from kechuang.domain.calls import CallStatus
from kechuang.domain.conflicts import ConflictKind, ConflictOfInterestError
from kechuang.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied, http_status
from kechuang.domain.review import AggregationRule, AppealStatus
from kechuang.services.calls import blind, review, review_results, reviewers
from kechuang.services.calls.applications import list_applications
from kechuang.services.calls.calls import call_detail, is_officer

from ..render import render
from ..session import csrf_guard, uow_of, visitor

router = APIRouter(dependencies=[Depends(csrf_guard)], include_in_schema=False)
Refusal = (Conflict, PermissionDenied, InvalidInput, NotFound)
SUGGESTIONS = 10


def _new_key() -> str:
    return uuid4().hex


def _form_key(form: dict[str, str]) -> str | None:
    return form.get("idempotency_key", "").strip()[:200] or None


def _int(form: dict[str, str], name: str) -> int:
    raw = form.get(name, "").strip()
    if not raw.isdigit() or not 1 <= int(raw) <= 2**31 - 1:
        raise InvalidInput("required", field=name)
    return int(raw)


async def _form(request: Request) -> dict[str, str]:
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


@router.get("/reviews")
def my_reviews_page(request: Request) -> Response:
    who = visitor(request)
    if not who.signed_in:
        return RedirectResponse("/login?next=/reviews", status_code=303)
    return render(request, "reviews/mine.html", rows=review.my_reviews(who.actor, uow_of(request)))


@router.get("/calls/{call_id}/review")
def review_page(request: Request, call_id: int, done: str = "") -> Response:
    if not visitor(request).signed_in:
        return RedirectResponse(f"/login?next=/calls/{call_id}/review", status_code=303)
    return _review(request, call_id, done=done)


def _review(
    request: Request,
    call_id: int,
    *,
    done: str = "",
    problem: tuple[str, str] | None = None,
    conflicts: list[Any] | None = None,
    status_code: int = 200,
) -> Response:
    """The officer's panel page, or (for a reviewer of the call) the scoring page; anyone else 404."""
    who = visitor(request)
    uow = uow_of(request)
    detail = call_detail(who.actor, call_id, uow)
    common: dict[str, Any] = {
        "call": detail.call,
        "criteria": detail.criteria,
        "done": done,
        "problem": problem,
        "new_key": _new_key,
        "status_code": status_code,
        "ConflictKind": ConflictKind,
    }
    if not is_officer(who.actor):
        packet = blind.reviewer_packet(who.actor, uow, call_id)  # 404 unless on the panel
        return render(request, "reviews/score.html", packet=packet, **common)
    suggestions = []
    if detail.call.status in (CallStatus.CLOSED, CallStatus.REVIEW):
        suggestions = reviewers.suggest_reviewers(
            who.actor, call_id, uow, request.app.state.indexes, limit=SUGGESTIONS
        )
    return render(
        request,
        "reviews/panel.html",
        suggestions=suggestions,
        panel=review.panel(who.actor, uow, call_id),
        ranked=review_results.preview(who.actor, uow, call_id),
        plan=review.plan_of_call(uow, call_id),
        rules=list(AggregationRule),
        refused=conflicts or [],
        **common,
    )


@router.post("/calls/{call_id}/review/{action}")
async def review_action(request: Request, call_id: int, action: str) -> Response:
    """assign, plan, publish (officers); score, declare (reviewers)."""
    who = visitor(request)
    uow = uow_of(request)
    form = await _form(request)
    key = _form_key(form)
    try:
        if action == "assign":
            review.assign_reviewer(
                who.actor,
                uow,
                call_id,
                _int(form, "person_id"),
                user_id=review.account_id(uow, form.get("username", "")),
                override_justification=form.get("override_justification", ""),
                idempotency_key=key,
            )
        elif action == "plan":
            years = form.get("conflict_years", "").strip()
            review.set_plan(
                who.actor,
                uow,
                call_id,
                rule=form.get("rule") or None,
                conflict_years=int(years) if years.isdigit() else None,
                idempotency_key=key,
            )
        elif action == "publish":
            review_results.publish_result(who.actor, uow, call_id, idempotency_key=key)
            return RedirectResponse(f"/calls/{call_id}/result?done=publish", status_code=303)
        elif action == "score":
            application_id = _int(form, "application_id")
            scores = {k[6:]: _score(v, k[6:]) for k, v in form.items() if k.startswith("score-")}
            comments = {k[8:]: v for k, v in form.items() if k.startswith("comment-") and v.strip()}
            review.submit_review(
                who.actor,
                uow,
                call_id,
                application_id,
                scores,
                comments=comments,
                comment=form.get("comment", ""),
                idempotency_key=key,
            )
        elif action == "declare":
            review.declare_conflict(who.actor, uow, call_id, form.get("reason", ""), idempotency_key=key)
        else:
            raise NotFound(f"no review action '{action}'")
    except ConflictOfInterestError as exc:
        return _review(
            request, call_id, status_code=409, problem=(action, exc.message), conflicts=exc.conflicts
        )
    except Refusal as exc:
        return _review(request, call_id, status_code=http_status(exc), problem=(action, exc.message))
    return RedirectResponse(f"/calls/{call_id}/review?done={action}", status_code=303)


def _score(value: str, criterion: str) -> float:
    try:
        return float(value.strip())
    except ValueError:
        raise InvalidInput(
            f"the score of '{criterion}' must be a number from 0 to 10", field=f"scores.{criterion}"
        ) from None


@router.get("/calls/{call_id}/result")
def result_page(request: Request, call_id: int, done: str = "") -> Response:
    return _result(request, call_id, done=done)


def _result(
    request: Request,
    call_id: int,
    *,
    done: str = "",
    problem: tuple[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """The published ranking for all the call admits (404 before); appeals for applicants and officers."""
    who = visitor(request)
    uow = uow_of(request)
    rows = review_results.published_result(who.actor, uow, call_id)
    detail = call_detail(who.actor, call_id, uow)
    officer = is_officer(who.actor)
    appeals: list[Any] = []
    if who.signed_in:
        try:
            appeals = review_results.appeals_of(who.actor, uow, call_id)
        except NotFound:
            appeals = []
    mine = (
        {a.id for a in list_applications(who.actor, call_id, uow)} if who.signed_in and not officer else set()
    )
    own = [r for r in rows if r.entry.application_id in mine]
    ends = detail.call.appeal_window_ends()
    return render(
        request,
        "reviews/result.html",
        status_code=status_code,
        call=detail.call,
        criteria=detail.criteria,
        rows=rows,
        appeals=appeals,
        officer=officer,
        own=own,
        appeal_ends=ends,
        done=done,
        problem=problem,
        new_key=_new_key,
        may_appeal=bool(own) and detail.call.status == CallStatus.RESULT,
        AppealStatus=AppealStatus,
    )


@router.post("/calls/{call_id}/result/{action}")
async def result_action(request: Request, call_id: int, action: str) -> Response:
    """appeal (an applicant), answer (an officer)."""
    who = visitor(request)
    uow = uow_of(request)
    form = await _form(request)
    key = _form_key(form)
    try:
        if action == "appeal":
            review_results.file_appeal(
                who.actor,
                uow,
                call_id,
                _int(form, "application_id"),
                form.get("text", ""),
                idempotency_key=key,
            )
        elif action == "answer":
            review_results.answer_appeal(
                who.actor,
                uow,
                call_id,
                _int(form, "appeal_id"),
                form.get("decision", ""),
                form.get("reason", ""),
                idempotency_key=key,
            )
        else:
            raise NotFound(f"no result action '{action}'")
    except Refusal as exc:
        return _result(request, call_id, status_code=http_status(exc), problem=(action, exc.message))
    return RedirectResponse(f"/calls/{call_id}/result?done={action}#appeals", status_code=303)
