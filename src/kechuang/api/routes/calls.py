"""JSON API of open calls (揭榜挂帅): the call and its steps, candidates and invitations, applications with
attachments, the award and its milestones. The review (reviewers, scores, result, appeals) is in reviews.py.

Every POST accepts an `Idempotency-Key` header: a retried request acts once. Drafts, applications and
attachments are 404 to anyone who may not know they exist (other organizations, the anonymous).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from kechuang.domain.access import Actor
from kechuang.domain.calls import TRANSITIONS
from kechuang.domain.errors import NotFound, PermissionDenied
from kechuang.services.calls import awards, candidates
from kechuang.services.calls import calls as service
from kechuang.store.db import UnitOfWork

from ..deps import current_actor, get_uow, signed_in
from ..params import BodyId, IdemKey, ItemId, LongText, Offset, SearchText, ShortText
from ..schemas import ReasonPublic
from . import call_applications, scenario_applications

router = APIRouter(prefix="/api", tags=["calls"])


class IndicatorIn(BaseModel):
    name_zh: ShortText = ""
    name_en: ShortText = ""
    target: float = Field(allow_inf_nan=False)
    unit: str = Field("", max_length=60)
    higher_is_better: bool = True
    verification_zh: LongText = ""
    verification_en: LongText = ""
    due_months: int = Field(12, ge=1, le=120, description="Months after the award the milestone is due")


class CriterionIn(BaseModel):
    name_zh: ShortText = ""
    name_en: ShortText = ""
    description_zh: LongText = ""
    description_en: LongText = ""
    weight: float = Field(gt=0, le=1, allow_inf_nan=False, description="The weights of a call sum to 1")


class CallIn(BaseModel):
    """A call's fields; on PATCH only those sent change. Codes and kinds are checked by the service."""

    title_zh: ShortText | None = None
    title_en: ShortText | None = None
    problem_zh: LongText | None = None
    problem_en: LongText | None = None
    visibility: Literal["public", "members", "confidential"] | None = None
    budget: float | None = Field(None, ge=0, allow_inf_nan=False, description="万元 (10k CNY)")
    award_zh: ShortText | None = None
    award_en: ShortText | None = None
    deadline: date | None = None
    eligible_org_kinds: list[ShortText] | None = Field(None, max_length=20)
    eligible_regions: list[ShortText] | None = Field(
        None, max_length=50, description="GB/T 2260 prefixes (11, 1201) or 'jingjinji' (京津冀)"
    )
    joint_allowed: bool | None = None
    max_team_size: int | None = Field(None, ge=1, le=500)
    discipline_codes: list[ShortText] | None = Field(None, max_length=50, description="GB/T 13745")
    industry_codes: list[ShortText] | None = Field(None, max_length=50, description="GB/T 4754")
    keywords_zh: list[ShortText] | None = Field(None, max_length=50)
    keywords_en: list[ShortText] | None = Field(None, max_length=50)
    blind_review: bool | None = None
    appeal_days: int | None = Field(None, ge=0, le=90, description="Days the result is open to appeal")
    indicators: list[IndicatorIn] | None = Field(None, max_length=30)
    criteria: list[CriterionIn] | None = Field(None, max_length=20)


class IndicatorOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    position: int
    name_zh: str
    name_en: str
    target: float
    unit: str
    higher_is_better: bool
    verification_zh: str
    verification_en: str
    due_months: int


class CriterionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    position: int
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    weight: float


class CallOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    status: str = Field(
        description="draft, published, closed, review, result, awarded, in_progress, "
        "accepted, failed or withdrawn"
    )
    title_zh: str
    title_en: str
    problem_zh: str
    problem_en: str
    visibility: str
    poster_org_id: int | None = Field(description="The enterprise that posted it; null when an officer did")
    budget: float | None
    award_zh: str
    award_en: str
    deadline: date | None
    eligible_org_kinds: list[str]
    eligible_regions: list[str]
    joint_allowed: bool
    max_team_size: int | None
    discipline_codes: list[str]
    industry_codes: list[str]
    keywords_zh: list[str]
    keywords_en: list[str]
    blind_review: bool
    appeal_days: int
    approved_at: Any = None
    published_at: Any = None
    closed_at: Any = None
    result_at: Any = None
    awarded_at: Any = None
    ended_at: Any = None
    end_reason: str
    created_at: Any = None
    updated_at: Any = None
    key_task_id: int | None = Field(None, description="The annual key task (M6) an awarded call serves")


class CallDetailOut(CallOut):
    indicators: list[IndicatorOut]
    criteria: list[CriterionOut]
    parties: list[str] = Field(description="Your parts in this call: officer, poster, awardee")
    actions: list[str] = Field(description="The steps you may take now")


class CallsPage(BaseModel):
    data: list[CallOut]
    count: int


class ReasonIn(BaseModel):
    reason: LongText = ""


class TransitionIn(BaseModel):
    action: str = Field(max_length=40, description=", ".join(TRANSITIONS))
    reason: LongText = ""


def _detail(actor: Actor, uow: UnitOfWork, call_id: int) -> dict[str, Any]:
    view = service.call_detail(actor, call_id, uow)
    return {
        **CallOut.model_validate(view.call).model_dump(),
        "indicators": view.indicators,
        "criteria": view.criteria,
        "parties": sorted(p.value for p in view.parties),
        "actions": view.actions,
    }


def _body(body: CallIn) -> dict[str, Any]:
    return body.model_dump(exclude_unset=True, mode="json")


@router.get("/calls", response_model=CallsPage, summary="Calls you may see (drafts to officers and posters)")
def list_calls(
    status: str = Query("", max_length=20),
    q: SearchText = "",
    limit: int = Query(50, ge=1, le=200),
    offset: Offset = 0,
    actor: Actor = Depends(current_actor),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    items, count = service.list_calls(actor, uow, status=status, q=q, limit=limit, offset=offset)
    return {"data": items, "count": count}


@router.post("/calls", response_model=CallDetailOut, status_code=201, summary="Post a call")
def create_call(
    body: CallIn,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    """An officer's call is approved at once; an enterprise's waits for an officer's approval."""
    call = service.create_call(actor, _body(body), uow, idempotency_key=key)
    return _detail(actor, uow, call.id or 0)


@router.get("/calls/{call_id}", response_model=CallDetailOut, summary="A call with indicators and criteria")
def get_call(
    call_id: ItemId, actor: Actor = Depends(current_actor), uow: UnitOfWork = Depends(get_uow)
) -> Any:
    return _detail(actor, uow, call_id)


@router.patch("/calls/{call_id}", response_model=CallDetailOut, summary="Edit a draft call")
def edit_call(
    call_id: ItemId,
    body: CallIn,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    service.edit_call(actor, call_id, _body(body), uow, idempotency_key=key)
    return _detail(actor, uow, call_id)


@router.post("/calls/{call_id}/transitions", response_model=CallDetailOut, summary="Take a named step")
def take_step(
    call_id: ItemId,
    body: TransitionIn,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    """Wrong stage: 409 naming the allowed stages; wrong party: 403. `fail` and `withdraw` need a reason."""
    service.transition(actor, call_id, body.action, uow, reason=body.reason, idempotency_key=key)
    return _detail(actor, uow, call_id)


def _add_step_route(action: str) -> None:
    """One fixed path per step (/calls/{id}/publish ...), so no path swallows another router's."""

    def step(
        call_id: ItemId,
        body: ReasonIn | None = None,
        key: str | None = IdemKey,
        actor: Actor = Depends(signed_in),
        uow: UnitOfWork = Depends(get_uow),
    ) -> Any:
        reason = body.reason if body else None
        service.transition(actor, call_id, action, uow, reason=reason, idempotency_key=key)
        return _detail(actor, uow, call_id)

    path = f"/calls/{{call_id}}/{action.replace('_', '-')}"
    router.add_api_route(
        path,
        step,
        methods=["POST"],
        response_model=CallDetailOut,
        summary=f"{action.replace('_', ' ').capitalize()} (see TRANSITIONS)",
        operation_id=f"call_{action}",
    )


for _action in (
    "submit",
    "approve",
    "publish",
    "close",
    "start_review",
    "start",
    "accept",
    "fail",
    "withdraw",
):
    _add_step_route(_action)


# --- candidates and invitations -------------------------------------------------------------------------


class CandidateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str = Field(description="organization or expert")
    id: int
    name_zh: str
    name_en: str
    score: float
    reasons: list[ReasonPublic]
    evidence: list[int] = Field(default=[], description="Achievements behind the proposal")
    invited: bool


class InvitationIn(BaseModel):
    entity: Literal["organization", "person"]
    entity_id: BodyId
    note: LongText = ""
    score: float | None = Field(None, ge=0, le=100, allow_inf_nan=False)
    reasons: list[ShortText] = Field([], max_length=20)


class InvitationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    call_id: int
    entity: str
    entity_id: int
    score: float | None
    reasons: list[str]
    note: str
    invited_by: str
    created_at: Any = None


@router.get("/calls/{call_id}/candidates", summary="Proposed organizations or experts, with reasons")
def list_candidates(
    call_id: ItemId,
    request: Request,
    kind: Literal["organization", "expert"] = "organization",
    limit: int = Query(10, ge=1, le=50),
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, list[CandidateOut]]:
    found = candidates.propose_candidates(
        actor, call_id, uow, request.app.state.indexes, kind=kind, limit=limit
    )
    return {"data": [CandidateOut.model_validate(c) for c in found]}


@router.post(
    "/calls/{call_id}/invitations",
    response_model=InvitationOut,
    status_code=201,
    summary="Invite a candidate to apply (officers); they are notified",
)
def invite(
    call_id: ItemId,
    body: InvitationIn,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    return candidates.invite(
        actor,
        call_id,
        body.entity,
        body.entity_id,
        uow,
        note=body.note,
        score=body.score,
        reasons=body.reasons,
        idempotency_key=key,
    )


@router.get("/calls/{call_id}/invitations", summary="Invitations sent (officers and the poster)")
def list_invitations(
    call_id: ItemId, actor: Actor = Depends(signed_in), uow: UnitOfWork = Depends(get_uow)
) -> dict[str, list[InvitationOut]]:
    rows = candidates.invitations_of(actor, call_id, uow)
    return {"data": [InvitationOut.model_validate(r) for r in rows]}


# --- award and milestones -------------------------------------------------------------------------------


class AwardIn(BaseModel):
    application_ids: list[BodyId] = Field(min_length=1, max_length=20)
    early_reason: LongText = Field("", description="Why the award cannot wait for the appeal window to end")


class MilestoneOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    call_id: int
    application_id: int
    indicator_id: int | None
    position: int
    title_zh: str
    title_en: str
    target: float | None
    unit: str
    evidence_required: str
    due_on: date | None
    status: str = Field(description="pending, reported, accepted or returned")
    evidence: str
    achieved_value: float | None
    reported_at: Any = None
    decision_reason: str
    decided_at: Any = None
    overdue_at: Any = None


class PaymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    milestone_id: int
    amount: float
    paid_on: date | None
    note: str
    recorded_by: str


class MilestoneViewOut(MilestoneOut):
    overdue: bool
    paid: float
    payments: list[PaymentOut]


class EvidenceIn(BaseModel):
    evidence: LongText = Field(min_length=1)
    achieved_value: float | None = Field(None, ge=0, allow_inf_nan=False)


class DecisionIn(BaseModel):
    accept: bool
    reason: LongText = ""


class PaymentIn(BaseModel):
    amount: float = Field(gt=0, allow_inf_nan=False, description="万元")
    paid_on: date | None = None
    note: LongText = ""


@router.post("/calls/{call_id}/award", response_model=CallDetailOut, summary="Award the winning applications")
def award(
    call_id: ItemId,
    body: AwardIn,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    """Milestones are created from the call's indicators for each winner."""
    awards.award(
        actor, call_id, body.application_ids, uow, early_reason=body.early_reason, idempotency_key=key
    )
    return _detail(actor, uow, call_id)


class KeyTaskLinkIn(BaseModel):
    key_task_id: BodyId | None = Field(description="The key task (M6) the awarded call serves; null to untie")


@router.put(
    "/calls/{call_id}/key-task", response_model=CallDetailOut, summary="Tie an awarded call to a key task"
)
def link_key_task(
    call_id: ItemId,
    body: KeyTaskLinkIn,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    """Officers, once the call is awarded; the task's page then lists the call."""
    awards.link_key_task(actor, call_id, body.key_task_id, uow, idempotency_key=key)
    return _detail(actor, uow, call_id)


@router.get("/calls/{call_id}/milestones", summary="Milestones with overdue flags and payments")
def list_milestones(
    call_id: ItemId, actor: Actor = Depends(signed_in), uow: UnitOfWork = Depends(get_uow)
) -> dict[str, list[MilestoneViewOut]]:
    views = awards.milestones_of(actor, call_id, uow)
    return {
        "data": [
            MilestoneViewOut(
                **MilestoneOut.model_validate(v.milestone).model_dump(),
                overdue=v.overdue,
                paid=v.paid,
                payments=[PaymentOut.model_validate(p) for p in v.payments],
            )
            for v in views
        ]
    }


def _milestone_in_call(actor: Actor, uow: UnitOfWork, call_id: int, milestone_id: int) -> None:
    if milestone_id not in {v.milestone.id for v in awards.milestones_of(actor, call_id, uow)}:
        raise NotFound(f"milestone {milestone_id} not found")


@router.post(
    "/calls/{call_id}/milestones/{milestone_id}/evidence",
    response_model=MilestoneOut,
    summary="Report evidence (the awarded lead organization)",
)
def report_evidence(
    call_id: ItemId,
    milestone_id: ItemId,
    body: EvidenceIn,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    _milestone_in_call(actor, uow, call_id, milestone_id)
    return awards.report_evidence(
        actor, milestone_id, body.evidence, uow, achieved_value=body.achieved_value, idempotency_key=key
    )


@router.post(
    "/calls/{call_id}/milestones/{milestone_id}/decision",
    response_model=MilestoneOut,
    summary="Accept the evidence, or return it with a reason (officers)",
)
def decide_milestone(
    call_id: ItemId,
    milestone_id: ItemId,
    body: DecisionIn,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    _milestone_in_call(actor, uow, call_id, milestone_id)
    return awards.decide_milestone(
        actor, milestone_id, body.accept, uow, reason=body.reason, idempotency_key=key
    )


@router.post(
    "/calls/{call_id}/milestones/{milestone_id}/payments",
    response_model=PaymentOut,
    status_code=201,
    summary="Record a payment against a milestone (officers)",
)
def record_payment(
    call_id: ItemId,
    milestone_id: ItemId,
    body: PaymentIn,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    _milestone_in_call(actor, uow, call_id, milestone_id)
    return awards.record_payment(
        actor, milestone_id, body.amount, uow, paid_on=body.paid_on, note=body.note, idempotency_key=key
    )


@router.post("/calls/milestones/check-overdue", summary="Flag overdue milestones now (officers); idempotent")
def check_overdue(actor: Actor = Depends(signed_in), uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    if not service.is_officer(actor):
        raise PermissionDenied("only officers run the overdue check")
    report = awards.check_overdue(uow, actor=actor)
    return {"flagged": report.flagged, "already_flagged": report.already_flagged}


router.include_router(call_applications.router)
router.include_router(scenario_applications.router)
