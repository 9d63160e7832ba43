"""JSON API of decision support views (M7): networks, the trend radar and industry-chain maps.

Officers and admins only; to anyone else (signed in or not) these views do not exist (404). Chain
writes accept an `Idempotency-Key` header and a `version` guard against concurrent edits.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from kechuang.domain.access import Actor
from kechuang.domain.insights import MAX_CODES, MAX_KEYWORDS, MAX_NODES, ChainStage
from kechuang.services.insights import chain_map, chains, exports, networks, trends
from kechuang.store.db import UnitOfWork

from ..deps import current_actor, get_uow
from ..params import IdemKey, ItemId, LongText

router = APIRouter(prefix="/api/insights", tags=["insights"])
Lang = Literal["zh", "en"]


class NodeIn(BaseModel):
    stage: ChainStage
    name_zh: str = Field("", max_length=200)
    name_en: str = Field("", max_length=200)
    industry_codes: list[str] = Field(default_factory=list, max_length=MAX_CODES)
    keywords_zh: list[str] = Field(default_factory=list, max_length=MAX_KEYWORDS)
    keywords_en: list[str] = Field(default_factory=list, max_length=MAX_KEYWORDS)


class ChainIn(BaseModel):
    code: str = Field(max_length=60, description="lowercase letters, digits and hyphens, e.g. nev-battery")
    name_zh: str = Field("", max_length=200)
    name_en: str = Field("", max_length=200)
    description_zh: LongText = ""
    description_en: LongText = ""
    nodes: list[NodeIn] = Field(min_length=1, max_length=MAX_NODES)
    version: int | None = Field(None, ge=1, le=2**31 - 1, description="On update: the version you edited")


def _network_filter(
    sector: str = Query("", max_length=20),
    region: str = Query("", max_length=20),
    field: str = Query("", max_length=20, description="i:39 (GB/T 4754 division) or d:520 (discipline)"),
    kind: str = Query("", max_length=20, description="ownership, authorship, deal, contract or project"),
    year_from: int | None = Query(None, ge=1900, le=2100),
    year_to: int | None = Query(None, ge=1900, le=2100),
) -> networks.NetworkFilter:
    return networks.NetworkFilter(sector, region, field, kind, year_from, year_to)


def _network(
    actor: Actor, uow: UnitOfWork, where: networks.NetworkFilter, lang: str, window: int, limit: int
) -> networks.NetworkView:
    return networks.network_view(actor, uow, where, lang=lang, window=window, limit=limit)


@router.get("/networks", summary="Collaboration network: fragmentation measures, yearly series, graph")
def network(
    where: networks.NetworkFilter = Depends(_network_filter),
    lang: Lang = "zh",
    window: int = Query(1, ge=1, le=10, description="Years of ties in each yearly summary"),
    limit: int = Query(networks.VIEW_NODES, ge=1, le=2000, description="Most nodes drawn"),
    actor: Actor = Depends(current_actor),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    view = _network(actor, uow, where, lang, window, limit)
    return view.__dict__


@router.get("/networks.xlsx", summary="The network tables as XLSX")
def network_xlsx(
    where: networks.NetworkFilter = Depends(_network_filter),
    lang: Lang = "zh",
    window: int = Query(1, ge=1, le=10),
    actor: Actor = Depends(current_actor),
    uow: UnitOfWork = Depends(get_uow),
) -> Response:
    view = _network(actor, uow, where, lang, window, 2000)
    return _xlsx(exports.network_workbook(view), "insights-networks.xlsx")


@router.get("/networks/breadth", summary="Collaboration breadth: distinct partner organizations per district")
def breadth(actor: Actor = Depends(current_actor), uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    found = networks.collaboration_breadth_by_district(actor, uow)
    return {"data": found, "count": len(found)}


def _radar(
    actor: Actor,
    uow: UnitOfWork,
    sources: str,
    field: str,
    top: int,
    min_documents: int,
    recent_years: int,
    lang: str,
) -> list[trends.FieldRadar]:
    chosen = tuple(s.strip() for s in sources.split(",") if s.strip())
    return trends.radar(
        actor,
        uow,
        sources=chosen,
        field=field,
        top=top,
        min_documents=min_documents,
        recent_years=recent_years,
        lang=lang,
    )


@router.get("/trends", summary="Technology trend radar: emerging topics per field, with evidence")
def trend_radar(
    sources: str = Query(",".join(trends.SOURCES), max_length=60, description="Comma-separated record kinds"),
    field: str = Query("", max_length=20),
    top: int = Query(10, ge=1, le=100),
    min_documents: int = Query(2, ge=1, le=1000),
    recent_years: int = Query(2, ge=1, le=20),
    lang: Lang = "zh",
    actor: Actor = Depends(current_actor),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    found = _radar(actor, uow, sources, field, top, min_documents, recent_years, lang)
    data = [
        {
            "field": f.field,
            "label": f.label,
            "documents": f.documents,
            "topics": [t.as_dict() for t in f.topics],
        }
        for f in found
    ]
    return {"data": data, "count": len(data)}


@router.get("/trends.xlsx", summary="The trend radar as XLSX")
def trend_xlsx(
    sources: str = Query(",".join(trends.SOURCES), max_length=60),
    field: str = Query("", max_length=20),
    top: int = Query(10, ge=1, le=100),
    lang: Lang = "zh",
    actor: Actor = Depends(current_actor),
    uow: UnitOfWork = Depends(get_uow),
) -> Response:
    found = _radar(actor, uow, sources, field, top, 2, 2, lang)
    return _xlsx(exports.radar_workbook(found), "insights-trends.xlsx")


@router.get("/chains", summary="Industry chains")
def list_chains(actor: Actor = Depends(current_actor), uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    found = [c.as_dict() for c in chains.list_chains(actor, uow)]
    return {"data": found, "count": len(found)}


@router.post("/chains", status_code=201, summary="Create an industry chain")
def create_chain(
    body: ChainIn,
    actor: Actor = Depends(current_actor),
    uow: UnitOfWork = Depends(get_uow),
    idempotency_key: str | None = IdemKey,
) -> dict[str, Any]:
    data = body.model_dump(mode="json", exclude={"version"})
    return chains.save_chain(actor, uow, data, idempotency_key=idempotency_key).as_dict()


@router.get("/chains/{chain_id}", summary="One industry chain")
def get_chain(
    chain_id: ItemId, actor: Actor = Depends(current_actor), uow: UnitOfWork = Depends(get_uow)
) -> Any:
    return chains.get_chain(actor, uow, chain_id).as_dict()


@router.put("/chains/{chain_id}", summary="Replace an industry chain (send the version you edited)")
def update_chain(
    chain_id: ItemId,
    body: ChainIn,
    actor: Actor = Depends(current_actor),
    uow: UnitOfWork = Depends(get_uow),
    idempotency_key: str | None = IdemKey,
) -> dict[str, Any]:
    data = body.model_dump(mode="json", exclude={"version"})
    saved = chains.save_chain(
        actor, uow, data, chain_id=chain_id, expected_version=body.version, idempotency_key=idempotency_key
    )
    return saved.as_dict()


@router.delete("/chains/{chain_id}", status_code=204, summary="Delete an industry chain")
def delete_chain(
    chain_id: ItemId, actor: Actor = Depends(current_actor), uow: UnitOfWork = Depends(get_uow)
) -> Response:
    chains.delete_chain(actor, uow, chain_id)
    return Response(status_code=204)


@router.get("/chains/{chain_id}/map", summary="Chain map: suppliers, records and gaps with candidates")
def chain_map_view(
    chain_id: ItemId,
    request: Request,
    actor: Actor = Depends(current_actor),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    return chain_map.chain_map(actor, uow, chain_id, request.app.state.indexes)


@router.get("/chains/{chain_id}/map.xlsx", summary="A chain map as XLSX")
def chain_map_xlsx(
    chain_id: ItemId,
    request: Request,
    lang: Lang = "zh",
    actor: Actor = Depends(current_actor),
    uow: UnitOfWork = Depends(get_uow),
) -> Response:
    found = chain_map.chain_map(actor, uow, chain_id, request.app.state.indexes)
    return _xlsx(exports.chain_workbook(found, lang), f"insights-chain-{found['code']}.xlsx")


def _xlsx(content: bytes, filename: str) -> Response:
    return Response(
        content,
        media_type=exports.XLSX_MEDIA,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
