"""Match feedback (useful / not relevant) by a listing's owner, the officer's funnel, and "still current"."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from kechuang.domain.access import Actor
from kechuang.domain.limits import MAX_ID
from kechuang.services import feedback, listings
from kechuang.store.db import UnitOfWork

from ..deps import current_actor, get_uow, signed_in
from ..params import BodyId, IdemKey, ItemId
from ..schemas import UtcDatetime

router = APIRouter(prefix="/api", tags=["feedback"])


class FeedbackPut(BaseModel):
    """One verdict: the listing (yours), the matched record (an achievement for a demand, a demand for an
    achievement: the adopter match's `evidence[0]`) and what you found."""

    model_config = ConfigDict(extra="forbid")
    listing_entity: Literal["demand", "achievement"]
    listing_id: BodyId
    matched_id: BodyId
    verdict: Literal["useful", "not_relevant"]
    score: float | None = Field(None, ge=0, le=10, allow_inf_nan=False, description="The score you saw")


class FeedbackPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    listing_entity: str
    listing_id: int
    matched_entity: str
    matched_id: int
    organization_id: int
    verdict: str
    score: float | None
    created_at: UtcDatetime | None
    updated_at: UtcDatetime | None


class Verdicts(BaseModel):
    """Your organization's current verdicts on a listing's matches, by matched record id."""

    data: dict[int, str]


class FunnelRowPublic(BaseModel):
    period: str
    counts: dict[str, int] = Field(description="rated, useful, inquiry, deal, registered")
    ratios: dict[str, float | None] = Field(description="Each stage's share of the one before (None: 0/0)")


class FunnelPublic(BaseModel):
    period: str
    date_from: date | None
    date_to: date | None
    rows: list[FunnelRowPublic]
    total: FunnelRowPublic


class Confirmed(BaseModel):
    id: int
    confirmed_at: UtcDatetime | None


@router.put("/matches/feedback", response_model=FeedbackPublic, summary="Mark a match useful or not relevant")
def put_feedback(
    body: FeedbackPut,
    key: str | None = IdemKey,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    """The listing's owner organization gives (or changes) its one current verdict on a match; a new
    "useful" notifies the matched record's owner. Audited."""
    return feedback.set_feedback(
        actor, body.listing_entity, body.listing_id, body.matched_id, body.verdict, uow,
        score=body.score, idempotency_key=key,
    )


@router.get("/matches/feedback", response_model=Verdicts, summary="Your verdicts on a listing's matches")
def get_feedback(
    listing_entity: Literal["demand", "achievement"],
    listing_id: int = Query(ge=1, le=MAX_ID),
    actor: Actor = Depends(current_actor),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    return {"data": feedback.verdicts_for(actor, listing_entity, listing_id, uow) or {}}


@router.get("/funnel", response_model=FunnelPublic, summary="Match funnel (officers and admins)")
def get_funnel(
    period: Literal["month", "quarter", "year"] = "month",
    date_from: date | None = None,
    date_to: date | None = None,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    """Matches rated by their listing's owner per period of the first verdict, and how many were found
    useful, led to an inquiry, a deal (both signed) and a registered contract, with conversion ratios."""
    return _funnel_body(feedback.funnel(actor, uow, period=period, date_from=date_from, date_to=date_to))


@router.get("/funnel.csv", summary="Match funnel as CSV", response_class=Response)
def get_funnel_csv(
    period: Literal["month", "quarter", "year"] = "month",
    date_from: date | None = None,
    date_to: date | None = None,
    lang: Literal["zh", "en"] = "zh",
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Response:
    result = feedback.funnel(actor, uow, period=period, date_from=date_from, date_to=date_to)
    return Response(
        feedback.funnel_csv(result, lang),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="match-funnel-{period}.csv"'},
    )


def _funnel_body(result: feedback.Funnel) -> dict[str, Any]:
    def row(r: feedback.FunnelRow) -> dict[str, Any]:
        return {"period": r.period, "counts": r.counts, "ratios": r.ratios}

    return {"period": result.period, "date_from": result.date_from, "date_to": result.date_to,
            "rows": [row(r) for r in result.rows], "total": row(result.total)}


def _add_confirm(plural: str, entity: str) -> None:
    @router.post(f"/{plural}/{{item_id}}/confirm", response_model=Confirmed, tags=[plural],
                 name=f"confirm_{entity}", summary=f'Confirm a {entity} is "still current"')
    def confirm(
        item_id: ItemId,
        key: str | None = IdemKey,
        actor: Actor = Depends(signed_in),
        uow: UnitOfWork = Depends(get_uow),
    ) -> Any:
        """The owner organization confirms the listing: it is current (in matching and search) again for
        listing_stale_months (a demand: at least until its deadline). Audited."""
        return listings.confirm_listing(actor, entity, item_id, uow, idempotency_key=key)


for _plural, _entity in (("achievements", "achievement"), ("demands", "demand")):
    _add_confirm(_plural, _entity)
