"""JSON API of the review of open calls (M4): reviewer suggestions and conflicts, the panel, blind scoring,
the published result (公示) and appeals.

Every POST accepts an `Idempotency-Key` header: a retried request acts once. A conflicted reviewer is
refused with 409 `conflict_of_interest` naming the reasons, unless `override_justification` is given.
Reviews and the panel are the officers' and the reviewers' only (404 to anyone else); the result is
public once published, for anyone the call's visibility admits.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from kechuang.domain.access import Actor
from kechuang.services.calls import blind, review, review_results, reviewers
from kechuang.store.db import UnitOfWork

from ..deps import current_actor, get_uow, signed_in
from ..params import BodyId, IdemKey, ItemId, LongText
from ..schemas import ReasonPublic

router = APIRouter(prefix="/api", tags=["reviews"])


class ConflictOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str = Field(
        description="affiliation, coauthorship, co_ownership, shared_project, deal, contract, "
        "team_member or declared"
    )
    reason: str
    evidence: list[dict[str, Any]] = Field(default=[], description="The registry records behind it")


class SuggestionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    person_id: int
    name_zh: str
    name_en: str
    organization_id: int | None
    organization: str
    score: float
    reasons: list[ReasonPublic]
    evidence: list[int] = Field(default=[], description="Achievements behind the expertise")
    conflicts: list[ConflictOut]
    assigned: bool


class AssignmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    call_id: int
    person_id: int
    user_id: int | None
    status: str = Field(description="assigned or recused")
    conflicts: list[ConflictOut]
    override_justification: str
    declared_reason: str
    assigned_by: str
    assigned_at: Any = None


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: BodyId
    user_id: BodyId | None = Field(
        None, description="The account that scores; default: the one with the person's e-mail"
    )
    override_justification: LongText = Field("", description="Required to assign a conflicted reviewer")


class DeclareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: LongText
    assignment_id: BodyId | None = Field(None, description="An officer recording a reviewer's declaration")


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    application_id: BodyId
    scores: dict[str, Any] = Field(description="Criterion id -> score from 0 to 10, every criterion once")
    comments: dict[str, Any] = Field({}, description="Criterion id -> comment")
    comment: LongText = ""
    assignment_id: BodyId | None = Field(None, description="An officer entering a reviewer's paper form")


class ReviewOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    call_id: int
    assignment_id: int
    application_id: int
    scores: dict[str, float]
    comments: dict[str, str]
    comment: str
    total: float
    submitted_at: Any = None
    updated_at: Any = None


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule: Literal["mean", "median", "trimmed_mean"] | None = None
    conflict_years: int | None = Field(None, ge=0, le=30)


class PlanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    call_id: int
    rule: str
    conflict_years: int


class AppealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    application_id: BodyId
    text: LongText


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["upheld", "rejected"]
    reason: LongText


class AppealOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    call_id: int
    application_id: int
    text: str
    status: str = Field(description="open, upheld or rejected")
    decision_reason: str
    filed_at: Any = None
    decided_at: Any = None


def _assignment(row: Any) -> dict[str, Any]:
    return {**AssignmentOut.model_validate(row).model_dump(), "status": row.status.value}


@router.get(
    "/calls/{call_id}/reviewer-suggestions", summary="Experts ranked to review a call, with conflicts"
)
def reviewer_suggestions(
    request: Request,
    call_id: ItemId,
    limit: int = Query(10, ge=1, le=reviewers.MAX_SUGGESTIONS),
    actor: Actor = Depends(current_actor),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    """Officers only: each expert with `score`, `reasons` and `conflicts` (kind, reason, evidence)."""
    found = reviewers.suggest_reviewers(actor, call_id, uow, request.app.state.indexes, limit=limit)
    data = [SuggestionOut.model_validate(s).model_dump() for s in found]
    return {"data": data, "count": len(data)}


@router.get("/calls/{call_id}/reviewers", summary="The review panel with conflicts and overrides")
def list_reviewers(
    call_id: ItemId, actor: Actor = Depends(current_actor), uow: UnitOfWork = Depends(get_uow)
) -> dict[str, Any]:
    members = review.panel(actor, uow, call_id)
    data = [
        {
            **_assignment(m.assignment),
            "name_zh": m.person.name_zh if m.person else "",
            "name_en": m.person.name_en if m.person else "",
            "reviews": [ReviewOut.model_validate(r).model_dump() for r in m.reviews],
        }
        for m in members
    ]
    return {"data": data, "count": len(data)}


@router.post("/calls/{call_id}/reviewers", status_code=201, summary="Assign a reviewer (409 if conflicted)")
def assign_reviewer(
    call_id: ItemId,
    body: AssignIn,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    row = review.assign_reviewer(
        actor,
        uow,
        call_id,
        body.person_id,
        user_id=body.user_id,
        override_justification=body.override_justification,
        idempotency_key=key,
    )
    return {"data": _assignment(row)}


@router.post("/calls/{call_id}/review/conflict", summary="A reviewer declares a conflict and recuses")
def declare_conflict(
    call_id: ItemId,
    body: DeclareIn,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    row = review.declare_conflict(
        actor, uow, call_id, body.reason, assignment_id=body.assignment_id, idempotency_key=key
    )
    return {"data": _assignment(row)}


@router.get("/calls/{call_id}/review", summary="A reviewer's applications (coded, names cut when blind)")
def reviewer_packet(
    call_id: ItemId,
    assignment_id: int | None = Query(None, ge=1),
    actor: Actor = Depends(current_actor),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    packet = blind.reviewer_packet(actor, uow, call_id, assignment_id=assignment_id)
    return {
        "data": {
            "call_id": call_id,
            "title_zh": packet.call.title_zh,
            "title_en": packet.call.title_en,
            "blind": packet.blind,
            "assignment": {"id": packet.assignment.id, "status": packet.assignment.status.value},
            "criteria": [
                {
                    "id": c.id,
                    "name_zh": c.name_zh,
                    "name_en": c.name_en,
                    "weight": c.weight,
                    "description_zh": c.description_zh,
                    "description_en": c.description_en,
                }
                for c in packet.criteria
            ],
            "applications": packet.applications,
        }
    }


@router.post("/calls/{call_id}/reviews", status_code=201, summary="Score an application (0-10 per criterion)")
def submit_review(
    call_id: ItemId,
    body: ReviewIn,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    row = review.submit_review(
        actor,
        uow,
        call_id,
        body.application_id,
        body.scores,
        comments=body.comments,
        comment=body.comment,
        assignment_id=body.assignment_id,
        idempotency_key=key,
    )
    return {"data": ReviewOut.model_validate(row).model_dump()}


@router.get("/calls/{call_id}/reviews", summary="The ranking as it stands, outliers flagged (officers)")
def review_preview(
    call_id: ItemId, actor: Actor = Depends(current_actor), uow: UnitOfWork = Depends(get_uow)
) -> dict[str, Any]:
    ranked = review_results.preview(actor, uow, call_id)
    data = [
        {
            "application_id": r.application.id,
            "lead_org_id": r.application.lead_org_id,
            "title": r.application.title,
            "rank": r.rank,
            "score": r.aggregate.score,
            "criteria": r.aggregate.criteria,
            "totals": {str(k): v for k, v in r.aggregate.totals.items()},
            "outlier_review_ids": list(r.aggregate.outlier_review_ids),
            "reasons": r.reasons,
        }
        for r in ranked
    ]
    return {"data": data, "count": len(data)}


@router.put(
    "/calls/{call_id}/review-plan", response_model=PlanOut, summary="Aggregation rule, conflict window"
)
def set_plan(
    call_id: ItemId,
    body: PlanIn,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    plan = review.set_plan(
        actor, uow, call_id, rule=body.rule, conflict_years=body.conflict_years, idempotency_key=key
    )
    return {"call_id": plan.call_id, "rule": plan.rule.value, "conflict_years": plan.conflict_years}


@router.post("/calls/{call_id}/result", summary="Publish the result (公示): ranking written, appeals open")
def publish_result(
    call_id: ItemId,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    call = review_results.publish_result(actor, uow, call_id, idempotency_key=key)
    ends = call.appeal_window_ends()
    return {
        "data": {
            "call_id": call.id,
            "status": call.status.value,
            "appeals_until": ends.isoformat() if ends else None,
        }
    }


@router.get("/calls/{call_id}/result", summary="The published result: ranking, criteria, reasons")
def get_result(
    call_id: ItemId, actor: Actor = Depends(current_actor), uow: UnitOfWork = Depends(get_uow)
) -> dict[str, Any]:
    """Readable without an account once published (for a public call); 404 before."""
    rows = review_results.published_result(actor, uow, call_id)
    data = []
    for row in rows:
        item: dict[str, Any] = {
            "rank": row.entry.rank,
            "score": row.entry.score,
            "criteria": row.entry.criteria,
            "reasons": row.entry.reasons,
            "reviews": row.entry.reviews,
            "rule": row.entry.rule.value,
            "application_id": row.entry.application_id,
            "code": row.code,
            "title": row.title,
        }
        if row.applicant is not None:
            item["applicant"] = row.applicant
        data.append(item)
    return {"data": data, "count": len(data)}


@router.post("/calls/{call_id}/appeals", status_code=201, response_model=AppealOut, summary="Appeal a result")
def file_appeal(
    call_id: ItemId,
    body: AppealIn,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    row = review_results.file_appeal(actor, uow, call_id, body.application_id, body.text, idempotency_key=key)
    return {**AppealOut.model_validate(row).model_dump(), "status": row.status.value}


@router.get("/calls/{call_id}/appeals", summary="Appeals: all for officers, its own for an applicant")
def list_appeals(
    call_id: ItemId, actor: Actor = Depends(current_actor), uow: UnitOfWork = Depends(get_uow)
) -> dict[str, Any]:
    rows = review_results.appeals_of(actor, uow, call_id)
    data = [{**AppealOut.model_validate(a).model_dump(), "status": a.status.value} for a in rows]
    return {"data": data, "count": len(data)}


@router.post(
    "/calls/{call_id}/appeals/{appeal_id}/answer", response_model=AppealOut, summary="Answer an appeal"
)
def answer_appeal(
    call_id: ItemId,
    appeal_id: ItemId,
    body: AnswerIn,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    row = review_results.answer_appeal(
        actor, uow, call_id, appeal_id, body.decision, body.reason, idempotency_key=key
    )
    return {**AppealOut.model_validate(row).model_dump(), "status": row.status.value}
