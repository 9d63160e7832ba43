"""Explained matches of a demand (achievements, experts, organizations, investors) or an achievement."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import Field

from kechuang.domain.access import Actor
from kechuang.services.matching import (
    AchievementFilter,
    demand_sources,
    index_state,
    match_achievement,
    match_demand,
)
from kechuang.store.db import UnitOfWork

from ..deps import current_actor, get_settings, get_uow
from ..params import ItemId
from ..schemas import MatchPage

router = APIRouter(prefix="/api", tags=["matching"])


class FlooredMatchPage(MatchPage):
    """Matches down to the relevance floor: there may be fewer than `limit`."""

    below_floor: bool = Field(
        False,
        description="True when candidates were left out because their relevance fell below the floor: "
        "with fewer than `limit` results, there are no more good matches",
    )
    expired: bool = Field(
        False,
        description="True when the listing matched from is stale (past its deadline or not re-confirmed): it "
        "has no matches until its owner confirms it (POST .../confirm)",
    )


def _page(found: Any, index: Any) -> dict[str, Any]:
    return {"data": found, "count": len(found), "index": index,
            "below_floor": bool(getattr(found, "below_floor", False)),
            "expired": bool(getattr(found, "expired", False))}


@router.get("/demands/{demand_id}/matches", response_model=FlooredMatchPage)
def demand_matches(
    request: Request,
    demand_id: ItemId,
    kind: Literal["achievement", "expert", "organization", "investor"] = "achievement",
    limit: int = Query(10, ge=1, le=100),
    achievement_kind: list[str] = Query(
        [], description="Only achievements of these types (patent, software...)"
    ),
    min_trl: int | None = Query(None, ge=1, le=9, description="Only achievements at this TRL or above"),
    region: str = Query("", pattern=r"^\d{0,6}$", description="Region code prefix, e.g. 11 (Beijing)"),
    discipline: str = Query("", pattern=r"^[0-9A-E]{0,7}$", description="GB/T 13745 code prefix"),
    year_from: int | None = Query(None, ge=1900, le=2100),
    actor: Actor = Depends(current_actor),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    """Ranked candidates for a demand, each with its reasons (in Chinese and English) and their weights, down
    to a relevance floor (fewer than `limit` when the rest fall below it: see `below_floor`)."""
    where = AchievementFilter(tuple(achievement_kind), min_trl, region, discipline, year_from)
    indexes = request.app.state.indexes
    found = match_demand(actor, demand_id, uow, indexes, kind=kind, limit=limit, where=where,
                         freshness=get_settings(request).freshness)
    return _page(found, index_state(indexes, uow, demand_sources(kind)))


@router.get("/achievements/{achievement_id}/matches", response_model=FlooredMatchPage)
def achievement_matches(
    request: Request,
    achievement_id: ItemId,
    limit: int = Query(10, ge=1, le=100),
    actor: Actor = Depends(current_actor),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    """Likely adopters of an achievement: organizations whose demands ask for it, with reasons."""
    indexes = request.app.state.indexes
    found = match_achievement(actor, achievement_id, uow, indexes, limit=limit,
                              freshness=get_settings(request).freshness)
    return _page(found, index_state(indexes, uow, ("demand",)))
