"""Home (your listings and news, or an introduction with counts) and search across the registry."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response

from kechuang.services import registry
from kechuang.services.search import RELATED, related_achievements

from .. import notify
from ..pages import PAGES
from ..render import STATIC_DIR, render
from ..session import csrf_guard, uow_of, visitor

router = APIRouter(dependencies=[Depends(csrf_guard)], include_in_schema=False)
OWN = ("demands", "achievements", "scenarios")


@router.get("/")
def home(request: Request) -> Response:
    who, uow = visitor(request), uow_of(request)
    if not who.signed_in:
        counts = {
            plural: registry.list_records(who.actor, page.entity, uow, limit=1).count
            for plural, page in PAGES.items()
        }
        return render(request, "home.html", counts=counts, own={}, news=None)
    own = {}
    if who.actor.organization_id is not None:
        own = {
            plural: registry.list_records(
                who.actor, PAGES[plural].entity, uow, limit=10,
                filters={"owner_org_id": who.actor.organization_id},
            )
            for plural in OWN
        }
    news = notify.listing(request, who, limit=8)
    return render(request, "home.html", counts={}, own=own, news=news)


@router.get("/search")
def search(request: Request, q: str = "") -> Response:
    """The same visibility-checked, relevance-ranked list service for every entity, the best few each."""
    who, uow, indexes = visitor(request), uow_of(request), request.app.state.indexes
    results, related = {}, []
    if q.strip():
        results = {
            plural: registry.list_records(who.actor, page.entity, uow, q=q, indexes=indexes, limit=5)
            for plural, page in PAGES.items()
        }
        exact = results["achievements"]
        if exact.count < RELATED:  # few records hold the words: show what is near in meaning
            listed = frozenset(item.id for item in exact.items)
            related = related_achievements(who.actor, q, uow, indexes, exclude=listed)
    return render(request, "search.html", q=q, results=results, related=related)


@router.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico whatever the page links; answer with the site's icon, not a 404."""
    return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml",
                        headers={"Cache-Control": "public, max-age=86400"})
