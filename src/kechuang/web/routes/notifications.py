"""Notifications page, mark-as-read, and the unread badge that htmx refreshes in the header."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from .. import notify
from ..render import is_htmx, render
from ..session import csrf_guard, visitor

router = APIRouter(dependencies=[Depends(csrf_guard)], include_in_schema=False)


@router.get("/notifications")
def notifications_page(request: Request, unread: int = 0) -> Response:
    who = visitor(request)
    if not who.signed_in:
        return RedirectResponse("/login?next=/notifications", status_code=303)
    items = notify.listing(request, who, unread_only=bool(unread))
    template = "_notifications.html" if is_htmx(request) else "notifications.html"
    return render(request, template, items=items, unread_only=bool(unread))


@router.get("/notifications/badge")
def badge(request: Request) -> Response:
    return render(request, "_badge.html")


@router.post("/notifications/read")
async def read(request: Request) -> Response:
    who = visitor(request)
    if not who.signed_in:
        return RedirectResponse("/login?next=/notifications", status_code=303)
    form = await request.form()
    raw = str(form.get("id", ""))
    notify.mark_read(request, who, int(raw) if raw.isdigit() else None)
    if is_htmx(request):
        return render(request, "_notifications.html", items=notify.listing(request, who), unread_only=False)
    return RedirectResponse("/notifications", status_code=303)
