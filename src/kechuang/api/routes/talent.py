"""JSON API of talent evaluation (M5): published schemes, evaluations with rank intervals and evidence,
young talent, talent gaps, representative works and their review, contests.

Evaluations are personal data: officers and admins see all, a person sees their own (through the account
an officer linked to them), anyone else gets 404. Steps repeat safely: a repeated step returns its result.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from kechuang.domain.access import Actor
from kechuang.domain.errors import NotFound
from kechuang.domain.limits import MAX_ID
from kechuang.services.talent import access, discovery, evaluate, schemes, works
from kechuang.services.talent.aggregates import field_aggregates
from kechuang.store.db import UnitOfWork

from ..deps import get_uow, signed_in
from ..params import BodyId, ItemId, LongText, Offset, ShortText

router = APIRouter(prefix="/api", tags=["talent"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SchemeId = Query(..., ge=1, le=MAX_ID, description="A scheme id (GET /api/talent/schemes)")


class DimensionIn(BaseModel):
    code: ShortText
    weight: float = Field(allow_inf_nan=False)


class SchemeIn(BaseModel):
    key: ShortText = Field(description="2-80 lowercase letters, digits, hyphens")
    category: ShortText = Field(description="basic_research, applied_research, transfer, young_talent")
    name_zh: ShortText = ""
    name_en: ShortText = ""
    description_zh: LongText = ""
    description_en: LongText = ""
    dimensions: list[DimensionIn] = Field(max_length=12)
    count_cap: float = Field(0.10, allow_inf_nan=False, description="Most weight counts may carry in total")
    career_age_limit: int | None = Field(None, ge=1, le=100)
    age_limit: int | None = Field(None, ge=1, le=100)


class SchemeUpdate(BaseModel):
    version: int | None = Field(None, ge=1, description="The version you edited; refused if it moved on")
    category: ShortText | None = None
    name_zh: ShortText | None = None
    name_en: ShortText | None = None
    description_zh: LongText | None = None
    description_en: LongText | None = None
    dimensions: list[DimensionIn] | None = Field(None, max_length=12)
    count_cap: float | None = Field(None, allow_inf_nan=False)
    career_age_limit: int | None = Field(None, ge=1, le=100)
    age_limit: int | None = Field(None, ge=1, le=100)


class RunIn(BaseModel):
    draws: int = Field(evaluate.DEFAULT_DRAWS, ge=0, le=evaluate.MAX_DRAWS)
    seed: int = Field(evaluate.DEFAULT_SEED, ge=0, le=2**31 - 1)


class LinkIn(BaseModel):
    user_id: BodyId
    person_id: BodyId


class WorkIn(BaseModel):
    achievement_id: BodyId
    statement: LongText = ""


class ReviewerIn(BaseModel):
    person_id: BodyId


class ScoreIn(BaseModel):
    score: float = Field(ge=0, le=10, allow_inf_nan=False)
    comment: LongText = ""


class ContestIn(BaseModel):
    dimension: ShortText
    evidence_entity: ShortText = ""
    evidence_id: BodyId | None = None
    evaluation_id: BodyId | None = None
    reason: LongText = Field(min_length=1)


class ResolveIn(BaseModel):
    decision: Literal["upheld", "rejected"]
    note: LongText = ""


def _scheme(item: Any) -> dict[str, Any]:
    return {
        "id": item.id,
        "key": item.key,
        "category": str(item.category),
        "name_zh": item.name_zh,
        "name_en": item.name_en,
        "description_zh": item.description_zh,
        "description_en": item.description_en,
        "dimensions": item.dimensions,
        "count_cap": item.count_cap,
        "career_age_limit": item.career_age_limit,
        "age_limit": item.age_limit,
        "version": item.version,
        "updated_at": item.updated_at,
    }


def _evaluation(item: evaluate.Evaluated) -> dict[str, Any]:
    return dict(item.__dict__)


def _row(item: Any) -> dict[str, Any]:
    return {k: (str(v) if hasattr(v, "zh") else v) for k, v in item.__dict__.items() if not k.startswith("_")}


@router.get("/talent/schemes", summary="Published evaluation schemes and their weights")
def list_schemes(uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    return {"data": [_scheme(s) for s in schemes.list_schemes(uow)]}


@router.get("/talent/dimensions", summary="Dimensions a scheme may use (capped counts marked)")
def dimensions() -> dict[str, Any]:
    return {"data": schemes.dimension_catalogue()}


@router.get("/talent/schemes/{scheme_id}", summary="A scheme with its version history")
def get_scheme(scheme_id: ItemId, uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    versions = [_row(v) for v in schemes.scheme_versions(uow, schemes.get_scheme(uow, scheme_id).id or 0)]
    return {**_scheme(schemes.get_scheme(uow, scheme_id)), "versions": versions}


@router.post(
    "/talent/schemes", status_code=201, summary="Create a scheme (officers); the 10 % cap is enforced"
)
def create_scheme(
    body: SchemeIn, actor: Actor = Depends(signed_in), uow: UnitOfWork = Depends(get_uow)
) -> Any:
    return _scheme(schemes.create_scheme(actor, uow, body.model_dump()))


@router.put("/talent/schemes/{scheme_id}", summary="Save a scheme change as its next version (officers)")
def update_scheme(
    scheme_id: ItemId,
    body: SchemeUpdate,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    return _scheme(schemes.update_scheme(actor, uow, scheme_id, body.model_dump(exclude_unset=True)))


@router.post(
    "/talent/schemes/{scheme_id}/runs", status_code=201, summary="Evaluate and store a run (officers)"
)
def run(
    scheme_id: ItemId, body: RunIn, actor: Actor = Depends(signed_in), uow: UnitOfWork = Depends(get_uow)
) -> Any:
    return _row(evaluate.run_evaluation(actor, uow, scheme_id, draws=body.draws, seed=body.seed))


@router.get("/talent/evaluations", summary="Ranked evaluations with rank intervals and evidence (officers)")
def list_evaluations(
    scheme: int = SchemeId,
    limit: int = Query(50, ge=1, le=1000),
    offset: Offset = 0,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    items, count, stored = evaluate.list_evaluations(actor, uow, scheme, limit=limit, offset=offset)
    return {
        "data": [_evaluation(i) for i in items],
        "count": count,
        "run_id": stored.id if stored else None,
        "stored": stored is not None,
    }


@router.get("/talent/evaluations.xlsx", summary="The ranked list as a workbook (officers)")
def export_evaluations(
    scheme: int = SchemeId,
    lang: Literal["zh", "en"] = "zh",
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Response:
    content = evaluate.export_xlsx(actor, uow, scheme, lang)
    disposition = f'attachment; filename="talent-evaluations-{scheme}.xlsx"'
    return Response(content, media_type=XLSX, headers={"Content-Disposition": disposition})


@router.get("/talent/aggregates", summary="Published aggregates by field (groups under 5 people withheld)")
def aggregates(scheme: int = SchemeId, uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    return {"data": field_aggregates(uow, scheme)}


@router.get("/talent/me", summary="The registry person your account is linked to")
def me(actor: Actor = Depends(signed_in), uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    person_id = access.linked_person_id(uow, actor)
    if person_id is None:
        raise NotFound("your account is not linked to a person in the registry")
    return {"person_id": person_id}


@router.get("/talent/people/{person_id}/evaluation", summary="One person's evaluation with its evidence")
def person_evaluation(
    person_id: ItemId,
    scheme: int = SchemeId,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    return _evaluation(evaluate.person_evaluation(actor, uow, person_id, scheme))


@router.get("/talent/young", summary="Young talent with the reasons they stand out (officers)")
def young(
    limit: int = Query(20, ge=1, le=500),
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    found = discovery.young_talent(actor, uow, limit=limit)
    return {"data": [{**_evaluation(y.evaluation), "reasons": y.reasons} for y in found]}


@router.get("/talent/gaps", summary="Fields where demand exceeds local expertise, with candidates (officers)")
def gaps(
    limit: int = Query(20, ge=1, le=200),
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    return {"data": [dict(g.__dict__) for g in discovery.talent_gaps(actor, uow, limit=limit)]}


@router.post("/talent/links", status_code=201, summary="Link an account to the person it is (officers)")
def link(body: LinkIn, actor: Actor = Depends(signed_in), uow: UnitOfWork = Depends(get_uow)) -> Any:
    return _row(access.link_person(actor, uow, body.user_id, body.person_id))


@router.get("/talent/people/{person_id}/works", summary="A person's representative works and reviews")
def list_works(
    person_id: ItemId, actor: Actor = Depends(signed_in), uow: UnitOfWork = Depends(get_uow)
) -> dict[str, Any]:
    return {"data": works.list_works(actor, uow, person_id)}


@router.post("/talent/people/{person_id}/works", status_code=201, summary="Nominate a representative work")
def nominate(
    person_id: ItemId, body: WorkIn, actor: Actor = Depends(signed_in), uow: UnitOfWork = Depends(get_uow)
) -> Any:
    return _row(works.nominate_work(actor, uow, person_id, body.achievement_id, body.statement))


@router.post(
    "/talent/works/{work_id}/reviewers", status_code=201, summary="Assign a reviewer (conflict-checked)"
)
def assign(
    work_id: ItemId, body: ReviewerIn, actor: Actor = Depends(signed_in), uow: UnitOfWork = Depends(get_uow)
) -> Any:
    return _row(works.assign_reviewer(actor, uow, work_id, body.person_id))


@router.post("/talent/reviews/{review_id}", summary="Score a representative work (0-10)")
def score(
    review_id: ItemId, body: ScoreIn, actor: Actor = Depends(signed_in), uow: UnitOfWork = Depends(get_uow)
) -> Any:
    return _row(works.score_review(actor, uow, review_id, body.score, body.comment))


@router.post("/talent/people/{person_id}/contests", status_code=201, summary="Contest an evidence item")
def contest(
    person_id: ItemId, body: ContestIn, actor: Actor = Depends(signed_in), uow: UnitOfWork = Depends(get_uow)
) -> Any:
    return _row(
        works.raise_contest(
            actor,
            uow,
            person_id,
            dimension=body.dimension,
            evidence_entity=body.evidence_entity,
            evidence_id=body.evidence_id,
            reason=body.reason,
            evaluation_id=body.evaluation_id,
        )
    )


@router.get("/talent/contests", summary="Contests (officers: all; a person: ?person_id= their own)")
def contests(
    status: Literal["", "open", "upheld", "rejected"] = "",
    person_id: int | None = Query(None, ge=1, le=MAX_ID),
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    return {"data": [_row(c) for c in works.list_contests(actor, uow, person_id=person_id, status=status)]}


@router.post("/talent/contests/{contest_id}/resolve", summary="Uphold or reject a contest (officers)")
def resolve(
    contest_id: ItemId, body: ResolveIn, actor: Actor = Depends(signed_in), uow: UnitOfWork = Depends(get_uow)
) -> Any:
    return _row(works.resolve_contest(actor, uow, contest_id, body.decision, body.note))
