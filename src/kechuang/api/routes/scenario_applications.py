"""JSON API of application scenarios (场景清单): open a registry scenario, apply, decide, record the pilot.

Included by the calls router. Applications are 404 to everyone but the scenario's owner, officers and
the applying company; a conflicted judge is refused with 409 `conflict_of_interest` and its reasons.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from kechuang.domain.access import Actor
from kechuang.services.calls import scenarios
from kechuang.store.db import UnitOfWork

from ..deps import current_actor, get_uow, signed_in
from ..params import BodyId, IdemKey, ItemId, LongText

router = APIRouter(tags=["scenarios"])


class OpeningIn(BaseModel):
    closes_on: date | None = None


class OpeningOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    scenario_id: int
    open: bool
    closes_on: date | None
    opened_by: str
    opened_at: Any = None


class ScenarioApplicationIn(BaseModel):
    solution: LongText = Field(min_length=1)
    team_person_ids: list[BodyId] = Field([], max_length=200)


class ScenarioApplicationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    scenario_id: int
    applicant_org_id: int
    team_person_ids: list[int]
    solution: str
    status: str = Field(description="submitted, shortlisted, selected, declined or withdrawn")
    decision_reason: str
    reviewer_person_ids: list[int]
    conflicts: list[dict[str, Any]] = Field(description="Conflicts overridden by a written justification")
    override_justification: str
    decided_at: Any = None
    pilot_starts_on: date | None
    pilot_ends_on: date | None
    pilot_outcome: str
    pilot_note: str
    created_at: Any = None


class DecisionIn(BaseModel):
    decision: Literal["shortlist", "select", "decline"]
    reason: LongText = Field(min_length=1)
    reviewer_person_ids: list[BodyId] = Field(
        [], max_length=20, description="Who judged it (checked for COI)"
    )
    override_justification: LongText = ""


class PilotIn(BaseModel):
    starts_on: date
    ends_on: date | None = None
    outcome: Literal["pending", "succeeded", "partial", "failed"] = "pending"
    note: LongText = ""


def _opening(
    actor: Actor,
    uow: UnitOfWork,
    scenario_id: int,
    is_open: bool,
    key: str | None,
    closes_on: date | None = None,
) -> Any:
    return scenarios.set_open(actor, scenario_id, is_open, uow, closes_on=closes_on, idempotency_key=key)


@router.post(
    "/scenarios/{scenario_id}/open", response_model=OpeningOut, summary="Open a scenario (its owner)"
)
def open_scenario(
    scenario_id: ItemId,
    body: OpeningIn | None = None,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    return _opening(actor, uow, scenario_id, True, key, body.closes_on if body else None)


@router.post(
    "/scenarios/{scenario_id}/close", response_model=OpeningOut, summary="Close a scenario (its owner)"
)
def close_scenario(
    scenario_id: ItemId,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    return _opening(actor, uow, scenario_id, False, key)


@router.get("/scenarios/{scenario_id}/applications", summary="All (owner, officers) or your company's")
def list_applications(
    scenario_id: ItemId, actor: Actor = Depends(current_actor), uow: UnitOfWork = Depends(get_uow)
) -> dict[str, Any]:
    rows = scenarios.list_applications(actor, scenario_id, uow)
    return {"data": [ScenarioApplicationOut.model_validate(r) for r in rows], "count": len(rows)}


@router.post(
    "/scenarios/{scenario_id}/applications",
    response_model=ScenarioApplicationOut,
    status_code=201,
    summary="Apply with a solution (companies)",
)
def apply(
    scenario_id: ItemId,
    body: ScenarioApplicationIn,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    return scenarios.apply(actor, scenario_id, body.model_dump(), uow, idempotency_key=key)


@router.get(
    "/scenarios/{scenario_id}/applications/{application_id}",
    response_model=ScenarioApplicationOut,
    summary="One application (owner, officers, the company)",
)
def get_application(
    scenario_id: ItemId,
    application_id: ItemId,
    actor: Actor = Depends(current_actor),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    return scenarios.get_application(actor, scenario_id, application_id, uow)


@router.post(
    "/scenarios/{scenario_id}/applications/{application_id}/decision",
    response_model=ScenarioApplicationOut,
    summary="Shortlist, select or decline, with a reason",
)
def decide(
    scenario_id: ItemId,
    application_id: ItemId,
    body: DecisionIn,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    """409 `conflict_of_interest` when a judge is conflicted, unless `override_justification` is given."""
    return scenarios.decide(
        actor,
        scenario_id,
        application_id,
        body.decision,
        uow,
        reason=body.reason,
        reviewer_person_ids=body.reviewer_person_ids,
        override_justification=body.override_justification,
        idempotency_key=key,
    )


@router.post(
    "/scenarios/{scenario_id}/applications/{application_id}/pilot",
    response_model=ScenarioApplicationOut,
    summary="Record the pilot's dates and outcome (owner)",
)
def record_pilot(
    scenario_id: ItemId,
    application_id: ItemId,
    body: PilotIn,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    return scenarios.record_pilot(
        actor,
        scenario_id,
        application_id,
        uow,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        outcome=body.outcome,
        note=body.note,
        idempotency_key=key,
    )
