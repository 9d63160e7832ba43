"""Registry pages: lists with filters, search and paging; detail pages; create and edit forms."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from kechuang.domain.access import can_edit
from kechuang.domain.errors import InvalidInput, PermissionDenied, Unauthenticated
from kechuang.services import registry, relations
from kechuang.services.batch.output import visible_batch_adopters, visible_batch_matches
from kechuang.services.entity_fields import spec_for

from .. import forms, notify
from ..feedback_view import listing_upkeep
from ..market_view import listing_market
from ..pages import PAGES, EntityPage
from ..render import is_htmx, render
from ..session import csrf_guard, settings_of, uow_of, visitor

router = APIRouter(dependencies=[Depends(csrf_guard)], include_in_schema=False)
PAGE_SIZE = 20
NOTIFIED = {"demand", "achievement"}  # new listings that other members may be waiting for


def _filters(page: EntityPage, request: Request) -> dict[str, Any]:
    return chosen_filters(page, request.query_params)


def chosen_filters(page: EntityPage, params: Any) -> dict[str, Any]:
    """The list filters given in a query string or a posted form (unknown values are ignored)."""
    chosen: dict[str, Any] = {}
    for option in page.filters:
        raw = params.get(option.field, "")
        raw = raw if isinstance(raw, str) else ""
        if option.numbers:
            if raw.isdigit() and int(raw) in option.numbers:
                chosen[option.field] = int(raw)
        elif option.enum is not None and raw in {member.value for member in option.enum}:
            chosen[option.field] = raw
    return chosen


def _add_pages(page: EntityPage) -> None:
    spec = spec_for(page.entity)

    @router.get(f"/{page.plural}", name=f"page_list_{page.plural}")
    def list_page(request: Request, q: str = "", sort: str = "", p: int = 1) -> Response:
        who = visitor(request)
        number = max(p, 1)
        chosen = _filters(page, request)
        sorts = registry.sort_options(page.entity)[0 if q.strip() else 1 :]
        sort = sort if sort in sorts else ""
        expired = request.query_params.get("expired", "hide")
        expired = expired if expired in registry.EXPIRED_VIEWS else "hide"
        found = registry.list_records(who.actor, page.entity, uow_of(request), q=q, sort=sort,
                                      indexes=request.app.state.indexes, limit=PAGE_SIZE,
                                      offset=(number - 1) * PAGE_SIZE, filters=chosen, expired=expired,
                                      freshness=settings_of(request).freshness)
        rows_only = is_htmx(request) and request.headers.get("hx-target") == "rows"
        pages = max(1, -(-found.count // PAGE_SIZE))
        more = found.capped and len(found.items) == PAGE_SIZE  # pages go on past the counted ones
        return render(request, "_rows.html" if rows_only else "list.html", page=page, found=found, q=q,
                      sorts=sorts, sort=sort or sorts[0], chosen=chosen, number=number, pages=pages,
                      more=more, query=_query_without_page(request), expired=expired)

    if page.form:

        @router.get(f"/{page.plural}/new", name=f"page_new_{page.entity}")
        def new_form(request: Request) -> Response:
            who = visitor(request)
            if not who.signed_in:
                return RedirectResponse(f"/login?next=/{page.plural}/new", status_code=303)
            return _form(request, page, spec, None, {"visibility": "public"}, {})

        @router.post(f"/{page.plural}/new")
        async def create(request: Request) -> Response:
            who = visitor(request)
            form_fields = forms.fields(page, spec)
            data = forms.submitted(await request.form(), form_fields)
            try:
                item = registry.create_record(who.actor, page.entity, dict(data), uow_of(request))
            except InvalidInput as exc:  # every bad field at once, in the service's words
                return _form(request, page, spec, None, data, forms.field_errors(exc))
            news = notify.new_record(request, page.entity, item.id) if page.entity in NOTIFIED else None
            return RedirectResponse(f"/{page.plural}/{item.id}?saved=1", status_code=303, background=news)

    @router.get(f"/{page.plural}/{{item_id}}", name=f"page_{page.entity}")
    def detail(
        request: Request, item_id: int, saved: int = 0, disclosed: int = 0, confirmed: int = 0
    ) -> Response:
        return render_detail(request, page.plural, item_id, saved=bool(saved), disclosed=bool(disclosed),
                             confirmed=bool(confirmed))

    if page.form:

        @router.get(f"/{page.plural}/{{item_id}}/edit", name=f"page_edit_{page.entity}")
        def edit_form(request: Request, item_id: int) -> Response:
            who = visitor(request)
            if not who.signed_in:  # a visitor who is not signed in is asked to sign in first, not refused
                raise Unauthenticated("sign in to edit this listing")
            item = registry.get_record(who.actor, page.entity, item_id, uow_of(request))
            if not can_edit(who.actor, item.owner_org_id):
                raise PermissionDenied("only the owner organization may edit this listing")
            values = forms.initial(item, forms.fields(page, spec))
            return _form(request, page, spec, item, values, {})

        @router.post(f"/{page.plural}/{{item_id}}/edit")
        async def update(request: Request, item_id: int) -> Response:
            who = visitor(request)
            item = registry.get_record(who.actor, page.entity, item_id, uow_of(request))
            if not can_edit(who.actor, item.owner_org_id):
                raise PermissionDenied("only the owner organization may edit this listing")
            data = forms.submitted(await request.form(), forms.fields(page, spec))
            try:
                registry.update_record(who.actor, page.entity, item_id, dict(data), uow_of(request))
            except InvalidInput as exc:
                return _form(request, page, spec, item, data, forms.field_errors(exc))
            return RedirectResponse(f"/{page.plural}/{item_id}?saved=1", status_code=303)


def render_detail(request: Request, plural: str, item_id: int, status_code: int = 200,
                  **extra: Any) -> Response:
    """A record's page; achievements and demands add the market's inquiry and disclosure controls."""
    page = PAGES[plural]
    who = visitor(request)
    item = registry.get_record(who.actor, page.entity, item_id, uow_of(request))
    editable = bool(page.form) and can_edit(who.actor, item.owner_org_id) and who.signed_in
    deals = listing_market(who.actor, uow_of(request), page.entity, item)
    related = relations.relations_of(who.actor, page.entity, item, uow_of(request))
    upkeep = listing_upkeep(who.actor, page.entity, item, uow_of(request), settings_of(request).freshness)
    batch = visible_batch_matches(who.actor, item.id, uow_of(request)) if page.entity == "demand" else None
    adopters = (visible_batch_adopters(who.actor, item.id, uow_of(request))
                if page.entity == "achievement" else None)
    return render(request, "detail.html", status_code=status_code, page=page, item=item, relations=related,
                  batch=batch, adopters=adopters,
                  rows=_detail_rows(spec_for(page.entity), page), editable=editable, market=deals,
                  new_key=lambda: uuid4().hex, **upkeep,
                  **{"saved": False, "disclosed": False, "confirmed": False, **extra})


def _form(request: Request, page: EntityPage, spec: Any, item: Any, values: dict[str, Any],
          errors: dict[str, str]) -> Response:
    return render(request, "form.html", status_code=422 if errors else 200, page=page, item=item,
                  fields=forms.fields(page, spec), values=values, errors=errors)


def _detail_rows(spec: Any, page: EntityPage) -> list[str]:
    """Fields shown in the detail table: bilingual pairs once (by stem), the long summary left out."""
    rows: list[str] = []
    heading = "name" if "name_zh" in spec.parsers else "title"
    for name in spec.parsers:
        stem, _, suffix = name.rpartition("_")
        if suffix in ("zh", "en"):
            if stem in rows or stem in (heading, page.summary):
                continue
            rows.append(stem)
        else:
            rows.append(name)
    return rows


def _query_without_page(request: Request) -> str:
    from urllib.parse import urlencode

    return urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "p"])


for _page in PAGES.values():
    _add_pages(_page)
