"""Pages of decision support (M7): the collaboration network, the trend radar and industry-chain maps.

Officers and admins only: anonymous visitors are sent to sign in, everyone else gets the 404 page the
services answer with. Charts are drawn by static/insights-charts.js from a JSON block of the page.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from kechuang.domain.errors import InvalidFields, KechuangError, http_status
from kechuang.domain.insights import ChainStage
from kechuang.services.insights import chain_map, chains, networks, trends

from ..i18n import Translator
from ..render import ECHARTS_FILE, render
from ..session import csrf_guard, uow_of, visitor

router = APIRouter(dependencies=[Depends(csrf_guard)], include_in_schema=False)
RECORD_PAGES = {
    "achievement": "/achievements/",
    "demand": "/demands/",
    "project": "/projects/",
    "deal": "/deals/",
}
# registered contracts have no page of their own: their reference is shown without a link
SHOWN_FIELDS = 6


def _sign_in(path: str) -> RedirectResponse:
    return RedirectResponse(f"/login?next={path}", status_code=303)


def record_link(ref: str) -> str:
    """'achievement:12' → '/achievements/12' (the evidence behind a topic or a node)."""
    kind, _, number = ref.partition(":")
    return f"{RECORD_PAGES[kind]}{number}" if kind in RECORD_PAGES and number.isdigit() else ""


def _year(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and 1900 <= int(raw) <= 2100 else None


@router.get("/insights")
def insights_home(request: Request) -> Response:
    if not visitor(request).signed_in:
        return _sign_in("/insights")
    return RedirectResponse("/insights/networks", status_code=303)


@router.get("/insights/networks")
def network_page(
    request: Request,
    sector: str = "",
    region: str = "",
    field: str = "",
    kind: str = "",
    year_from: str = "",
    year_to: str = "",
) -> Response:
    who = visitor(request)
    if not who.signed_in:
        return _sign_in("/insights/networks")
    where = networks.NetworkFilter(
        sector[:20], region[:20], field[:20], kind[:20], _year(year_from), _year(year_to)
    )
    view = networks.network_view(who.actor, uow_of(request), where, lang=who.lang)
    _ = Translator(who.lang)
    data = {
        "kind": "network",
        "labels": {
            key: _(f"insights.net.{key}")
            for key in (
                "largest_component_share",
                "cross_sector_share",
                "bth_share",
                "modularity",
                "degree",
                "strength",
                "community",
                "broker",
                "records",
                "sector",
                "region",
                "empty",
            )
        },
        "sectors": {s: _(f"insights.sector.{s}") for s in networks.SECTORS},
        "regions": {r: _(f"insights.region.{r}") for r in networks.REGIONS},
        "nodes": [{**n, "links": [record_link(r) for r in n["records"]]} for n in view.nodes],
        "links": view.links,
        "by_year": view.by_year,
    }
    return render(
        request,
        "insights/networks.html",
        view=view,
        where=where,
        data=data,
        sectors=networks.SECTORS,
        regions=networks.REGIONS,
        kinds=networks.TIE_KINDS,
        charts=ECHARTS_FILE.is_file(),
        query=request.url.query,
        tab="networks",
    )


@router.get("/insights/trends")
def trends_page(request: Request, field: str = "", sources: str = "") -> Response:
    who = visitor(request)
    if not who.signed_in:
        return _sign_in("/insights/trends")
    chosen = tuple(s for s in sources.split(",") if s in trends.SOURCES) or trends.SOURCES
    found = trends.radar(who.actor, uow_of(request), sources=chosen, field=field[:20], lang=who.lang)
    _ = Translator(who.lang)
    data = {
        "kind": "radar",
        "labels": {key: _(f"insights.radar.{key}") for key in ("growth", "volume", "new", "burst", "empty")},
        "fields": [
            {
                "field": f.field,
                "label": f.label,
                "topics": [
                    {
                        "term": t.term,
                        "growth": round(t.growth, 4),
                        "volume": t.volume,
                        "is_new": t.is_new,
                        "burst": bool(t.bursts),
                        "years": t.years,
                        "counts": t.counts,
                    }
                    for t in f.topics
                ],
            }
            for f in found[:SHOWN_FIELDS]
        ],
    }
    return render(
        request,
        "insights/trends.html",
        fields=found,
        shown=found[:SHOWN_FIELDS],
        data=data,
        field=field,
        sources=chosen,
        all_sources=trends.SOURCES,
        link=record_link,
        charts=ECHARTS_FILE.is_file(),
        tab="trends",
    )


@router.get("/insights/chains")
def chains_page(request: Request) -> Response:
    who = visitor(request)
    if not who.signed_in:
        return _sign_in("/insights/chains")
    found = chains.list_chains(who.actor, uow_of(request))
    return render(request, "insights/chains.html", chains=found, tab="chains")


@router.get("/insights/chains/{chain_id}")
def chain_page(request: Request, chain_id: int) -> Response:
    who = visitor(request)
    if not who.signed_in:
        return _sign_in(f"/insights/chains/{chain_id}")
    found = chain_map.chain_map(who.actor, uow_of(request), chain_id, request.app.state.indexes)
    stages = [
        (stage, [n for n in found["nodes"] if n["node"]["stage"] == stage.value]) for stage in ChainStage
    ]
    return render(
        request, "insights/chain_map.html", chain=found, stages=stages, link=record_link, tab="chains"
    )


def node_lines(nodes: list[dict[str, Any]]) -> str:
    """Nodes as the edit form's lines: stage | 名称 | name | codes | 关键词 | keywords."""
    return "\n".join(
        " | ".join(
            [
                n["stage"],
                n["name_zh"],
                n["name_en"],
                ", ".join(n["industry_codes"]),
                ", ".join(n["keywords_zh"]),
                ", ".join(n["keywords_en"]),
            ]
        )
        for n in nodes
    )


def parse_lines(text: str) -> list[dict[str, Any]]:
    """The edit form's lines back into nodes (stage given by value or by its Chinese or English label)."""
    nodes = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")] + [""] * 6
        try:
            stage = ChainStage.parse(parts[0]).value
        except ValueError:
            stage = parts[0]
        listed = [[w.strip() for w in p.replace("，", ",").split(",") if w.strip()] for p in parts[3:6]]
        nodes.append(
            {
                "stage": stage,
                "name_zh": parts[1],
                "name_en": parts[2],
                "industry_codes": listed[0],
                "keywords_zh": listed[1],
                "keywords_en": listed[2],
            }
        )
    return nodes


def _form_page(
    request: Request, values: dict[str, Any], chain_id: int | None, errors: dict[str, str], status: int = 200
) -> Response:
    return render(
        request,
        "insights/chain_form.html",
        status_code=status,
        values=values,
        chain_id=chain_id,
        errors=errors,
        stages=list(ChainStage),
        tab="chains",
    )


@router.get("/insights/chains/new/edit")
def new_chain_form(request: Request) -> Response:
    who = visitor(request)
    if not who.signed_in:
        return _sign_in("/insights/chains/new/edit")
    chains.list_chains(who.actor, uow_of(request))  # the access check: 404 for non-officers
    return _form_page(request, {"version": "", "nodes": ""}, None, {})


@router.get("/insights/chains/{chain_id}/edit")
def edit_chain_form(request: Request, chain_id: int) -> Response:
    who = visitor(request)
    if not who.signed_in:
        return _sign_in(f"/insights/chains/{chain_id}/edit")
    found = chains.get_chain(who.actor, uow_of(request), chain_id).as_dict()
    return _form_page(request, {**found, "nodes": node_lines(found["nodes"])}, chain_id, {})


@router.post("/insights/chains/new/edit")
async def create_chain(request: Request) -> Response:
    return await _save(request, None)


@router.post("/insights/chains/{chain_id}/edit")
async def update_chain(request: Request, chain_id: int) -> Response:
    return await _save(request, chain_id)


async def _save(request: Request, chain_id: int | None) -> Response:
    who = visitor(request)
    if not who.signed_in:
        return _sign_in("/insights/chains")
    form = await request.form()
    values = {
        key: str(form.get(key) or "")
        for key in ("code", "name_zh", "name_en", "description_zh", "description_en", "nodes", "version")
    }
    data = {**values, "nodes": parse_lines(values["nodes"])}
    version = int(values["version"]) if values["version"].isdigit() else None
    try:
        saved = chains.save_chain(
            who.actor,
            uow_of(request),
            data,
            chain_id=chain_id,
            expected_version=version,
            idempotency_key=str(form.get("idempotency_key") or "")[:200] or None,
        )
    except InvalidFields as exc:
        return _form_page(request, values, chain_id, exc.problems, 422)
    except KechuangError as exc:
        if http_status(exc) == 404:
            raise
        return _form_page(request, values, chain_id, {exc.field or "code": str(exc)}, http_status(exc))
    return RedirectResponse(f"/insights/chains/{saved.chain.id}", status_code=303)
