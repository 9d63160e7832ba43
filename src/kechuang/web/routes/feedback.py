"""Pages of the match feedback loop: verdict buttons (plain forms, htmx when present), the officer's funnel,
and a listing's "still current" confirmation."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from kechuang.domain.errors import InvalidInput, Unauthenticated
from kechuang.domain.feedback import PERIODS
from kechuang.services import feedback, listings

from ..render import is_htmx, render
from ..session import csrf_guard, uow_of, visitor

router = APIRouter(dependencies=[Depends(csrf_guard)], include_in_schema=False)
PLURALS = {"achievement": "achievements", "demand": "demands"}


def _number(raw: object, field: str) -> int:
    text = str(raw or "")
    if not text.isdigit():
        raise InvalidInput(f"{field} must be a whole number", field=field)
    return int(text)


def _back(raw: object, fallback: str) -> str:
    """Only a path on this site (never an open redirect)."""
    text = str(raw or "")
    return text if text.startswith("/") and not text.startswith("//") and "\\" not in text else fallback


@router.post("/matches/feedback")
async def give_feedback(request: Request) -> Response:
    who = visitor(request)
    form = await request.form()
    entity = str(form.get("listing_entity", ""))
    listing_id = _number(form.get("listing_id"), "listing_id")
    back = _back(form.get("back"), f"/{PLURALS.get(entity, 'demands')}/{listing_id}/matches")
    if not who.signed_in:
        raise Unauthenticated("sign in to give feedback on matches")
    matched_id = _number(form.get("matched_id"), "matched_id")
    score_raw = str(form.get("score", ""))
    try:
        score = float(score_raw) if score_raw else None
    except ValueError:
        raise InvalidInput("score must be a number", field="score") from None
    key = str(form.get("key", "")) or None
    row = feedback.set_feedback(who.actor, entity, listing_id, matched_id, str(form.get("verdict", "")),
                                uow_of(request), score=score, idempotency_key=key)
    if is_htmx(request):
        return render(request, "feedback/_buttons.html", listing_entity=entity, listing_id=listing_id,
                      matched_id=matched_id, verdict=row.verdict.value, score=score, back=back, saved=True)
    return RedirectResponse(back, status_code=303)


@router.get("/funnel")
def funnel_page(request: Request, period: str = "month", date_from: str = "", date_to: str = "") -> Response:
    who = visitor(request)
    if not who.signed_in:
        return RedirectResponse("/login?next=/funnel", status_code=303)
    start, end = _date(date_from, "date_from"), _date(date_to, "date_to")
    result = feedback.funnel(who.actor, uow_of(request), period=period if period in PERIODS else "month",
                             date_from=start, date_to=end)
    query = "&".join(f"{k}={v}" for k, v in (("period", result.period), ("date_from", date_from),
                                              ("date_to", date_to)) if v)
    return render(request, "feedback/funnel.html", result=result, periods=PERIODS, date_from=date_from,
                  date_to=date_to, query=query)


def _date(raw: str, field: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"'{raw}' is not a date (use YYYY-MM-DD)", field=field) from None


def _add_confirm(entity: str, plural: str) -> None:
    @router.post(f"/{plural}/{{item_id}}/confirm", name=f"page_confirm_{entity}")
    async def confirm(request: Request, item_id: int) -> Response:
        who = visitor(request)
        if not who.signed_in:
            return RedirectResponse(f"/login?next=/{plural}/{item_id}", status_code=303)
        form = await request.form()
        listings.confirm_listing(who.actor, entity, item_id, uow_of(request),
                                 idempotency_key=str(form.get("key", "")) or None)
        return RedirectResponse(f"/{plural}/{item_id}?confirmed=1", status_code=303)


for _entity, _plural in PLURALS.items():
    _add_confirm(_entity, _plural)

