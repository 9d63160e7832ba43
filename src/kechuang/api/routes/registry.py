"""Registry endpoints: list, search, show, create and edit records, export files and blank templates."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, BackgroundTasks, Body, Depends, Query, Request
from fastapi.responses import Response

from kechuang.domain.access import Actor
from kechuang.domain.entities import REGISTRY_ENTITIES
from kechuang.services import exporting, notifications, registry
from kechuang.store.db import UnitOfWork

from ..deps import current_actor, get_settings, get_uow, signed_in
from ..params import After, ItemId, Offset, SearchText
from ..registry_schemas import body_models
from ..schemas import Page, public_model

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
# what members create and edit through the API; investor profiles and projects come from imports
WRITABLE = ("organizations", "people", "achievements", "demands", "scenarios")
MATCHED_ON_CREATE = ("demand", "achievement")
FIELDS_BODY = Body(
    ...,
    description="Fields of the record. `title`, `name` and `description` in Chinese or English go to the "
    "_zh or _en field by their script (for achievements `description` is the abstract); the bilingual fields "
    "(title_zh, title_en...) work too. visibility: public, members or confidential.",
    examples=[
        {
            "title": "小样本缺陷检测算法授权",
            "description": "需要5张样本即可上线的算法",
            "visibility": "members",
        }
    ],
)
FILTERS = ("kind", "visibility", "region_code", "country_code", "status", "source", "trl", "year")
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jsonl": "application/x-ndjson",
}
Format = Literal["csv", "xlsx", "jsonl"]
Lang = Literal["zh", "en"]


def _add_entity_routes(plural: str, entity: str) -> None:
    model: Any = public_model(REGISTRY_ENTITIES[entity])
    tag = plural

    @router.get(
        f"/{plural}",
        response_model=Page[model],
        tags=[tag],
        name=f"list_{plural}",
        summary=f"List and search {plural}",
        description=f"`count` is exact up to {registry.COUNT_CAP:,}; when more match, it is "
        f"{registry.COUNT_CAP:,} and the response carries the header `X-Count-Capped: true`; paging goes on.",
    )
    def list_items(
        request: Request,
        response: Response,
        q: SearchText = "",
        sort: str = Query(
            "", max_length=20, description=f"relevance (default with q), newest (default), or: "
            f"{', '.join(registry.sort_options(entity)[2:]) or 'none'}"
        ),
        limit: int = Query(20, ge=1, le=200),
        offset: Offset = 0,
        after: After = None,
        expired: Literal["hide", "show", "only"] = Query(
            "hide", description="Stale demands and achievements (past their deadline, or not re-confirmed "
            "for listing_stale_months): hidden (default), shown too, or alone; other records never expire"
        ),
        actor: Actor = Depends(current_actor),
        uow: UnitOfWork = Depends(get_uow),
    ) -> dict[str, Any]:
        limit = min(limit, get_settings(request).page_size_max)
        filters = {k: v for k, v in request.query_params.items() if k in FILTERS}
        page = registry.list_records(
            actor, entity, uow, q=q, sort=sort, indexes=request.app.state.indexes, limit=limit, offset=offset,
            filters=filters, after=after, expired=expired, freshness=get_settings(request).freshness,
        )
        if page.capped:
            response.headers["X-Count-Capped"] = "true"
        return {"data": page.items, "count": page.count}

    @router.get(
        f"/{plural}/{{item_id}}",
        response_model=model,
        tags=[tag],
        name=f"get_{entity}",
        summary=f"One {entity}",
    )
    def get_item(
        item_id: ItemId, actor: Actor = Depends(current_actor), uow: UnitOfWork = Depends(get_uow)
    ) -> Any:
        return registry.get_record(actor, entity, item_id, uow)


def _add_write_routes(plural: str, entity: str) -> None:
    model: Any = public_model(REGISTRY_ENTITIES[entity])
    create_body, update_body = body_models(entity)

    def create_item(
        request: Request,
        background: BackgroundTasks,
        data: Any = FIELDS_BODY,
        actor: Actor = Depends(signed_in),
        uow: UnitOfWork = Depends(get_uow),
    ) -> Any:
        """New demands and achievements are matched afterwards and the people concerned are notified."""
        item = registry.create_record(actor, entity, data.model_dump(exclude_unset=True), uow)
        if entity in MATCHED_ON_CREATE:
            background.add_task(
                notifications.announce_new_listing, uow, request.app.state.indexes, entity, item.id
            )
        return item

    def update_item(
        item_id: ItemId,
        data: Any = FIELDS_BODY,
        actor: Actor = Depends(signed_in),
        uow: UnitOfWork = Depends(get_uow),
    ) -> Any:
        """Only the fields sent change; 404 for what you cannot see, 403 for what you cannot edit."""
        return registry.update_record(actor, entity, item_id, data.model_dump(exclude_unset=True), uow)

    # the body models are generated per entity, and this module's annotations are strings: set them here
    create_item.__annotations__["data"] = create_body
    update_item.__annotations__["data"] = update_body
    router.post(
        f"/{plural}",
        response_model=model,
        status_code=201,
        tags=[plural],
        name=f"create_{entity}",
        summary=f"Create a {entity} owned by your organization",
    )(create_item)
    router.patch(
        f"/{plural}/{{item_id}}",
        response_model=model,
        tags=[plural],
        name=f"update_{entity}",
        summary=f"Change fields of a {entity} of your organization",
    )(update_item)


for _plural, _entity in PLURALS.items():
    _add_entity_routes(_plural, _entity)
    if _plural in WRITABLE:
        _add_write_routes(_plural, _entity)


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
