"""Registry endpoints: list, search and show every entity, export files and blank templates."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from kechuang.domain.access import Actor
from kechuang.domain.entities import REGISTRY_ENTITIES
from kechuang.services import exporting, registry
from kechuang.store.db import UnitOfWork

from ..deps import current_actor, get_settings, get_uow
from ..schemas import Page

router = APIRouter(prefix="/api")
PLURALS = {
    "organizations": "organization",
    "people": "person",
    "achievements": "achievement",
    "demands": "demand",
    "scenarios": "scenario",
    "investors": "investor",
    "projects": "project",
}
FILTERS = ("kind", "visibility", "region_code", "country_code", "status", "source", "trl", "year")
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jsonl": "application/x-ndjson",
}
Format = Literal["csv", "xlsx", "jsonl"]
Lang = Literal["zh", "en"]


def _add_entity_routes(plural: str, entity: str) -> None:
    model: Any = REGISTRY_ENTITIES[entity]
    tag = plural

    @router.get(
        f"/{plural}",
        response_model=Page[model],
        tags=[tag],
        name=f"list_{plural}",
        summary=f"List and search {plural}",
    )
    def list_items(
        request: Request,
        q: str = Query("", description="Text in names, titles or keywords (Chinese or English)."),
        limit: int = Query(20, ge=1, le=200),
        offset: int = Query(0, ge=0),
        actor: Actor = Depends(current_actor),
        uow: UnitOfWork = Depends(get_uow),
    ) -> dict[str, Any]:
        limit = min(limit, get_settings(request).page_size_max)
        filters = {k: v for k, v in request.query_params.items() if k in FILTERS}
        page = registry.list_records(actor, entity, uow, q=q, limit=limit, offset=offset, filters=filters)
        return {"data": page.items, "count": page.count}

    @router.get(
        f"/{plural}/{{item_id}}",
        response_model=model,
        tags=[tag],
        name=f"get_{entity}",
        summary=f"One {entity}",
    )
    def get_item(
        item_id: int, actor: Actor = Depends(current_actor), uow: UnitOfWork = Depends(get_uow)
    ) -> Any:
        return registry.get_record(actor, entity, item_id, uow)


for _plural, _entity in PLURALS.items():
    _add_entity_routes(_plural, _entity)


@router.get("/export/{entity}.{fmt}", tags=["files"], summary="Export what you may see")
def export_file(
    entity: str,
    fmt: Format,
    lang: Lang = "zh",
    actor: Actor = Depends(current_actor),
    uow: UnitOfWork = Depends(get_uow),
) -> Response:
    content = exporting.export_records(actor, PLURALS.get(entity, entity), fmt, uow, lang=lang)
    return Response(
        content,
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{entity}.{fmt}"'},
    )


@router.get("/templates/{entity}.{fmt}", tags=["files"], summary="Blank import template")
def template_file(entity: str, fmt: Format, lang: Lang = "zh") -> Response:
    content = exporting.export_template(PLURALS.get(entity, entity), fmt, lang)
    return Response(
        content,
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{entity}-template-{lang}.{fmt}"'},
    )
