"""Match pages: a demand's achievements, experts, organizations or investors; an achievement's adopters."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from kechuang.domain.enums import AchievementKind
from kechuang.domain.errors import InvalidInput
from kechuang.services import feedback, registry
from kechuang.services.matching import (
    KINDS,
    AchievementFilter,
    demand_sources,
    index_state,
    match_achievement,
    match_demand,
)

from ..pages import BY_ENTITY
from ..render import is_htmx, render
from ..session import csrf_guard, settings_of, uow_of, visitor

router = APIRouter(dependencies=[Depends(csrf_guard)], include_in_schema=False)
LIMIT = 10


def _where(request: Request) -> AchievementFilter:
    """Filters of the achievement kind, read leniently: a bad value is ignored, not an error page."""
    params = request.query_params
    kinds = tuple(k for k in params.getlist("achievement_kind") if k in {m.value for m in AchievementKind})
    min_trl = params.get("min_trl", "")
    region = params.get("region", "")
    return AchievementFilter(
        kinds=kinds,
        min_trl=int(min_trl) if min_trl.isdigit() and 1 <= int(min_trl) <= 9 else None,
        region=region if region.isdigit() and len(region) <= 6 else "",
    )


@router.get("/demands/{demand_id}/matches")
def demand_matches(request: Request, demand_id: int, kind: str = "achievement") -> Response:
    who, uow = visitor(request), uow_of(request)
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of: {', '.join(KINDS)}", field="kind")
    demand = registry.get_record(who.actor, "demand", demand_id, uow)
    where = _where(request) if kind != "investor" else None
    indexes = request.app.state.indexes
    results = match_demand(who.actor, demand_id, uow, indexes, kind=kind, limit=LIMIT, where=where,
                           freshness=settings_of(request).freshness)
    rated = feedback.verdicts_for(who.actor, "demand", demand_id, uow) if kind == "achievement" else None
    ids = [m.id for m in results] if rated is not None else []
    own = feedback.own_records(uow, "achievement", ids, demand.owner_org_id)
    template = "_matches.html" if is_htmx(request) else "matches.html"
    return render(request, template, subject=demand, page=BY_ENTITY["demand"], kind=kind, kinds=KINDS,
                  index=index_state(indexes, uow, demand_sources(kind)),
                  results=results, limit=LIMIT, where=where, result_kind=kind,
                  base=f"/demands/{demand_id}/matches",
                  achievement_kinds=list(AchievementKind), verdicts=rated, listing_entity="demand", own=own)


@router.get("/achievements/{achievement_id}/matches")
def achievement_matches(request: Request, achievement_id: int) -> Response:
    who, uow = visitor(request), uow_of(request)
    achievement = registry.get_record(who.actor, "achievement", achievement_id, uow)
    indexes = request.app.state.indexes
    results = match_achievement(who.actor, achievement_id, uow, indexes, limit=LIMIT,
                                freshness=settings_of(request).freshness)
    rated = feedback.verdicts_for(who.actor, "achievement", achievement_id, uow)
    return render(request, "matches.html", subject=achievement, page=BY_ENTITY["achievement"],
                  index=index_state(indexes, uow, ("demand",)),
                  kind="adopter", kinds=(), results=results, limit=LIMIT, where=None,
                  result_kind="organization",
                  base=f"/achievements/{achievement_id}/matches", achievement_kinds=[],
                  verdicts=rated, listing_entity="achievement", own=set())
