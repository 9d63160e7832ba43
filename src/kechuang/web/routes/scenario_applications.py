"""Pages of application scenarios (场景清单): the owner opens a scenario and decides on applications with
reasons (judges checked for conflicts of interest); companies apply; the pilot is recorded. Included by
the calls pages' router."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from kechuang.domain.calls import ScenarioApplicationStatus
from kechuang.domain.entities import Organization
from kechuang.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied, http_status
from kechuang.services.calls import scenarios
from kechuang.services.entity_fields import parse_date
from kechuang.store.db import load_by_id

from .. import call_forms
from ..render import render
from ..session import csrf_guard, uow_of, visitor

router = APIRouter(dependencies=[Depends(csrf_guard)], include_in_schema=False)
Refusal = (Conflict, PermissionDenied, InvalidInput, NotFound)


def _key(form: Any) -> str | None:
    value = form.get("idempotency_key")
    return value if isinstance(value, str) and value else None


def _day(form: Any, name: str) -> Any:
    try:
        return parse_date(str(form.get(name) or "").strip() or None)
    except ValueError as exc:
        raise InvalidInput(str(exc), field=name) from None


@router.get("/scenarios/{scenario_id}/applications")
def scenario_page(request: Request, scenario_id: int, done: str = "") -> Response:
    return _page(request, scenario_id, done=done)


def _page(
    request: Request, scenario_id: int, *, done: str = "", problem: str = "", status_code: int = 200
) -> Response:
    who, uow = visitor(request), uow_of(request)
    scenario, opening, owner = scenarios.scenario_view(who.actor, scenario_id, uow)
    rows = scenarios.list_applications(who.actor, scenario_id, uow) if who.signed_in else []
    orgs = load_by_id(uow, Organization, {a.applicant_org_id for a in rows})
    mine = any(a.applicant_org_id == who.actor.organization_id for a in rows)
    return render(
        request,
        "calls/scenario.html",
        status_code=status_code,
        scenario=scenario,
        opening=opening,
        owner=owner,
        applications=rows,
        orgs=orgs,
        may_apply=who.signed_in and not owner and not mine and opening is not None and opening.open,
        done=done,
        problem=problem,
        new_key=lambda: uuid4().hex,
        Status=ScenarioApplicationStatus,
    )


@router.post("/scenarios/{scenario_id}/applications/{action}")
async def scenario_step(request: Request, scenario_id: int, action: str) -> Response:
    who, uow = visitor(request), uow_of(request)
    form = await request.form()
    try:
        if action in ("open", "close"):
            scenarios.set_open(
                who.actor,
                scenario_id,
                action == "open",
                uow,
                closes_on=_day(form, "closes_on"),
                idempotency_key=_key(form),
            )
        elif action == "apply":
            team = call_forms.ids(str(form.get("team_person_ids") or ""), "team_person_ids")
            scenarios.apply(
                who.actor,
                scenario_id,
                {"solution": str(form.get("solution") or ""), "team_person_ids": team},
                uow,
                idempotency_key=_key(form),
            )
        elif action in ("decide", "pilot"):
            raw = str(form.get("application_id") or "")
            application_id = int(raw) if raw.isdigit() else 0
            if action == "decide":
                scenarios.decide(
                    who.actor,
                    scenario_id,
                    application_id,
                    str(form.get("decision") or ""),
                    uow,
                    reason=str(form.get("reason") or ""),
                    reviewer_person_ids=call_forms.ids(str(form.get("reviewers") or ""), "reviewers"),
                    override_justification=str(form.get("override_justification") or ""),
                    idempotency_key=_key(form),
                )
            else:
                starts = _day(form, "starts_on")
                if starts is None:
                    raise InvalidInput("give the pilot's start date", field="starts_on")
                scenarios.record_pilot(
                    who.actor,
                    scenario_id,
                    application_id,
                    uow,
                    starts_on=starts,
                    ends_on=_day(form, "ends_on"),
                    outcome=str(form.get("outcome") or "pending"),
                    note=str(form.get("note") or ""),
                    idempotency_key=_key(form),
                )
        else:
            raise NotFound(f"no scenario step '{action}'")
    except Refusal as exc:
        return _page(request, scenario_id, problem=exc.message, status_code=http_status(exc))
    return RedirectResponse(f"/scenarios/{scenario_id}/applications?done={action}", status_code=303)
