"""What the market pages show around the services' records: party names, the stage path, event notes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kechuang.domain import registration as reg
from kechuang.domain.access import Actor
from kechuang.domain.errors import NotFound
from kechuang.domain.market import AuditEvent, ContractType, DealStage, Party
from kechuang.services import market, registry
from kechuang.store.db import UnitOfWork

from .render import Show

STEPS = (
    DealStage.INQUIRY,
    DealStage.NDA,
    DealStage.NEGOTIATION,
    DealStage.CONTRACT,
    DealStage.REGISTRATION,
    DealStage.PERFORMANCE,
    DealStage.CLOSED,
)


@dataclass(frozen=True)
class Step:
    """One stage of the progress bar: done, current, stopped (where a deal ended) or still to come."""

    stage: DealStage
    state: str


def progress(view: market.DealView) -> list[Step]:
    """The path inquiry → closed; a withdrawn or rejected deal stops where its last step started."""
    stage = view.deal.stage
    reached, state = stage, "current"
    if stage not in STEPS:
        last = str(view.events[-1].payload.get("from", "")) if view.events else ""
        reached = DealStage(last) if last in {s.value for s in STEPS} else DealStage.INQUIRY
        state = "stopped"
    if stage is DealStage.CLOSED:
        return [Step(s, "done") for s in STEPS]
    at = STEPS.index(reached)
    return [Step(s, "done" if i < at else state if i == at else "todo") for i, s in enumerate(STEPS)]


def organizations(actor: Actor, uow: UnitOfWork, ids: list[int]) -> dict[int, Any]:
    """The parties' organization records the actor may see (a hidden one shows as its number)."""
    found: dict[int, Any] = {}
    for org_id in dict.fromkeys(ids):
        try:
            found[org_id] = registry.get_record(actor, "organization", org_id, uow)
        except NotFound:
            continue
    return found


def event_note(event: AuditEvent, show: Show) -> str:
    """The figures or words of one audit event worth a line in the timeline."""
    data = event.payload
    parts: list[str] = []
    if data.get("party") in {p.value for p in Party}:
        parts.append(show.label(Party(data["party"])))
    if isinstance(data.get("price"), int | float):
        parts.append(show.money(data["price"]))
    if data.get("type") in {t.value for t in ContractType}:
        parts.append(show.label(ContractType(data["type"])))
    if isinstance(data.get("amount"), int | float):
        parts.append(show.money(data["amount"]))
    for name in ("registration_number", "title", "reason"):
        if data.get(name):
            parts.append(str(data[name]))
    if data.get("nda_sha256"):  # which NDA text was accepted
        parts.append(f"NDA {data.get('nda', '')} sha256 {str(data['nda_sha256'])[:12]}")
    return " · ".join(parts)


@dataclass(frozen=True)
class ListingMarket:
    """The market controls of a listing's detail page: the inquiry button and the owner's disclosure."""

    can_inquire: bool
    owner: bool
    disclosure: str | None
    nda_text: str = ""  # the listing's own NDA ("" : the platform's)


def listing_market(actor: Actor, uow: UnitOfWork, entity: str, item: Any) -> ListingMarket | None:
    """Whether this visitor may open a deal on the listing, or edit its confidential disclosure."""
    if entity not in market.LISTINGS or not actor.authenticated:
        return None
    mine = actor.organization_id
    owner = mine is not None and mine == item.owner_org_id
    can_inquire = mine is not None and item.owner_org_id is not None and not owner
    if not (owner or actor.is_admin):
        return ListingMarket(can_inquire, False, None)
    disclosure = market.get_disclosure(actor, uow, entity, item.id)
    nda_text = market.get_listing_nda(actor, uow, entity, item.id)
    return ListingMarket(can_inquire, True, disclosure, nda_text)


# the contract type an offer defaults to, from the first of the listing's transfer modes that maps to one
MODE_TO_CONTRACT = {
    "assignment": "transfer",
    "license": "license",
    "joint_development": "development",
    "commissioned_development": "development",
    "consulting": "consulting",
    "service": "service",
}


def offer_defaults(view: market.DealView, listing: Any) -> dict[str, str]:
    """What the offer form starts with: the last open offer's price (a counter-offer starts from it),
    else the listing's asking price in yuan; the contract type the listing's transfer modes suggest."""
    defaults: dict[str, str] = {}
    open_offers = [o for o in view.offers if o.status.value == "open"]
    if open_offers:
        latest = max(open_offers, key=lambda o: o.id or 0)
        defaults["price"] = f"{latest.price:.0f}"
        defaults["contract_type"] = latest.contract_type.value
    elif listing is not None and getattr(listing, "asking_price_min", None):
        defaults["price"] = f"{listing.asking_price_min * 10_000:.0f}"
    if "contract_type" not in defaults and listing is not None:
        modes = [str(m) for m in getattr(listing, "transfer_modes", None) or []]
        defaults["contract_type"] = next((MODE_TO_CONTRACT[m] for m in modes if m in MODE_TO_CONTRACT), "")
    return defaults


@dataclass(frozen=True)
class RegistrationForm:
    """The registrar form's choices (sub-types of this contract's type) and its suggested party kinds."""

    subtypes: tuple[Any, ...]
    tech_fields: tuple[Any, ...]
    party_kinds: tuple[Any, ...]
    seller_kind: str
    buyer_kind: str


def registration_form(view: market.DealView, orgs: dict[int, Any]) -> RegistrationForm:
    deal, contract = view.deal, view.contract

    def kind(org_id: int) -> str:
        org = orgs.get(org_id)
        return reg.PARTY_KIND_OF_ORG.get(str(getattr(org, "kind", "")), "") if org is not None else ""

    contract_type = str(contract.contract_type) if contract is not None else ""
    return RegistrationForm(reg.subtypes(contract_type), reg.tech_fields(), reg.party_kinds(),
                            kind(deal.seller_org_id), kind(deal.buyer_org_id))
