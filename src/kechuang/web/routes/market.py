"""Deal pages: the list, one deal with its history and the forms of its next steps, opening a deal."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from kechuang.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied, http_status
from kechuang.domain.market import ContractType, DealStage, OfferStatus, Party
from kechuang.services import accounts, market, registry
from kechuang.services.contract_document import contract_document

from .. import deal_forms, market_view
from ..pdf import html_to_pdf, pdf_available
from ..render import Show, render
from ..session import csrf_guard, uow_of, visitor
from .registry import render_detail

router = APIRouter(dependencies=[Depends(csrf_guard)], include_in_schema=False)
PAGE_SIZE = 30
LISTING_PAGES = {"achievements": "achievement", "demands": "demand"}
def _new_key() -> str:
    """A one-time key per rendered form: submitting the same form twice acts once."""
    return uuid4().hex


@router.get("/deals")
def deals_page(request: Request, stage: str = "", p: int = 1) -> Response:
    who = visitor(request)
    if not who.signed_in:
        return RedirectResponse("/login?next=/deals", status_code=303)
    chosen = stage if stage in {s.value for s in DealStage} else ""
    number = max(p, 1)
    items, count = market.list_deals(who.actor, uow_of(request), stage=chosen, limit=PAGE_SIZE,
                                     offset=(number - 1) * PAGE_SIZE)
    orgs = market_view.organizations(who.actor, uow_of(request),
                                     [i for d in items for i in (d.seller_org_id, d.buyer_org_id)])
    return render(request, "deal_list.html", deals=items, count=count, orgs=orgs, stage=chosen,
                  stages=list(DealStage), Party=Party, number=number, pages=max(1, -(-count // PAGE_SIZE)))


@router.get("/deals/{deal_id}")
def deal_page(request: Request, deal_id: int, done: str = "") -> Response:
    if not visitor(request).signed_in:
        return RedirectResponse(f"/login?next=/deals/{deal_id}", status_code=303)
    return _deal(request, deal_id, done=done in deal_forms.HANDLERS)


@router.post("/deals/{deal_id}/{action}")
async def deal_action(request: Request, deal_id: int, action: str) -> Response:
    """Run one step; a refusal re-renders the page with the translated reason beside the form."""
    if action not in deal_forms.HANDLERS:
        raise NotFound(f"no deal action '{action}'")
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    try:
        deal_forms.perform(visitor(request).actor, uow_of(request), deal_id, action, form)
    except (Conflict, PermissionDenied, InvalidInput, NotFound) as exc:
        return _deal(request, deal_id, status_code=http_status(exc), problem=(action, exc.message),
                     values=form, problems=getattr(exc, "problems", {}))
    return RedirectResponse(f"/deals/{deal_id}?done={action}#deal-actions", status_code=303)


def _deal(request: Request, deal_id: int, *, status_code: int = 200, done: bool = False,
          problem: tuple[str, str] | None = None, values: dict[str, str] | None = None,
          problems: dict[str, str] | None = None) -> Response:
    who = visitor(request)
    view = market.get_deal(who.actor, uow_of(request), deal_id)  # NotFound (404) unless a party or overseer
    deal = view.deal
    show = Show(who.lang)
    mine = view.party if view.party in (Party.SELLER, Party.BUYER) else None  # whose open offers to accept
    acceptable = [o for o in view.offers if mine and o.status is OfferStatus.OPEN and o.from_party != mine]
    try:
        listing = registry.get_record(who.actor, deal.listing_entity, deal.listing_id, uow_of(request))
    except NotFound:  # the listing was hidden or merged since: the deal goes on without its defaults
        listing = None
    orgs = market_view.organizations(who.actor, uow_of(request), [deal.seller_org_id, deal.buyer_org_id])
    return render(
        request, "deal.html", status_code=status_code, view=view, deal=deal, steps=market_view.progress(view),
        orgs=orgs,
        notes={e.seq: market_view.event_note(e, show) for e in view.events}, acceptable=acceptable,
        actions=view.next_actions, done=done, problem=problem, values=values or {}, new_key=_new_key,
        problems=problems or {}, registration=market_view.registration_form(view, orgs),
        Party=Party, contract_types=list(ContractType),
        offer_defaults=market_view.offer_defaults(view, listing), listing=listing,
        names=accounts.display_names(uow_of(request), {m.author for m in view.messages}
                                     | {e.actor for e in view.events}),
    )


@router.post("/{plural}/{listing_id}/inquire")
async def inquire(request: Request, plural: str, listing_id: int) -> Response:
    """Open a deal on someone else's listing and go to it; a refusal shows on the listing's page."""
    entity = _listing_entity(plural)
    who = visitor(request)
    form = await request.form()
    message, key = str(form.get("message", "")), str(form.get("idempotency_key", "")).strip()[:200]
    try:
        deal = market.open_deal(who.actor, uow_of(request), entity, listing_id, message=message,
                                idempotency_key=key or None)
    except (Conflict, PermissionDenied, InvalidInput) as exc:
        return render_detail(request, plural, listing_id, status_code=http_status(exc),
                             market_problem=exc.message)
    return RedirectResponse(f"/deals/{deal.id}", status_code=303)


@router.post("/{plural}/{listing_id}/disclosure")
async def disclosure(request: Request, plural: str, listing_id: int) -> Response:
    """The owner saves the confidential part that counterparties see after both accept the NDA."""
    entity = _listing_entity(plural)
    form = await request.form()
    text, nda_text = str(form.get("text", "")), str(form.get("nda_text", ""))
    who = visitor(request)
    market.set_disclosure(who.actor, uow_of(request), entity, listing_id, text, nda_text=nda_text)
    return RedirectResponse(f"/{plural}/{listing_id}?disclosed=1#disclosure", status_code=303)


def _listing_entity(plural: str) -> str:
    entity: Any = LISTING_PAGES.get(plural)
    if entity is None:
        raise NotFound(f"no listings called '{plural}'")
    return str(entity)


@router.get("/deals/{deal_id}/contract")
def contract_page(request: Request, deal_id: int) -> Response:
    """The deal's contract as a printable document (its parties, registrars and officers)."""
    if not visitor(request).signed_in:
        return RedirectResponse(f"/login?next=/deals/{deal_id}/contract", status_code=303)
    document = contract_document(visitor(request).actor, uow_of(request), deal_id)
    return render(request, "contract_document.html", doc=document, pdf=pdf_available())


@router.get("/deals/{deal_id}/contract.pdf")
def contract_pdf(request: Request, deal_id: int) -> Response:
    if not visitor(request).signed_in:
        return RedirectResponse(f"/login?next=/deals/{deal_id}/contract", status_code=303)
    if not pdf_available():
        raise NotFound("PDF output is not installed here; print the contract page from the browser")
    document = contract_document(visitor(request).actor, uow_of(request), deal_id)
    html = render(request, "contract_document.html", doc=document, pdf=False, printing=True).body
    return Response(
        html_to_pdf(bytes(html).decode("utf-8")),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="contract-{deal_id}.pdf"'},
    )
