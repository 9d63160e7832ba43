"""Deals from inquiry to closed contract: every step one audited transaction, refused when out of turn.

Each step runs `_step`: lock the audit chain (which serializes concurrent steps), honour an
idempotency key, reload the deal, check the domain's transition rule for the actor's party, apply the
change, append the audit event, all in one transaction: a crash anywhere leaves the previous state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from kechuang.domain.access import Actor, can_see
from kechuang.domain.accounts import Notification, User
from kechuang.domain.entities import Achievement, Demand, Organization
from kechuang.domain.enums import NotificationKind, Role
from kechuang.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from kechuang.domain.limits import LONG_TEXT, MAX_ID, SHORT_TEXT, check_number, check_text
from kechuang.domain.market import (
    TRANSITIONS,
    AuditEvent,
    Contract,
    ContractStatus,
    ContractType,
    Deal,
    DealMessage,
    DealStage,
    Disclosure,
    Milestone,
    Offer,
    OfferStatus,
    Party,
    check_transition,
)
from kechuang.domain.nda import PLATFORM_NDA, PLATFORM_NDA_VERSION, nda_digest
from kechuang.store.db import UnitOfWork

from . import audit
from .contract_registration import Registration, apply_registration
from .parties import party_page

T = TypeVar("T")
Deals: Any = Deal
Offers: Any = Offer
Contracts: Any = Contract
Messages: Any = DealMessage
Milestones: Any = Milestone
Disclosures: Any = Disclosure
Users: Any = User
LISTINGS: dict[str, Any] = {"achievement": Achievement, "demand": Demand}
MESSAGE_CHARS = 5000


def _text(value: str, field: str, max_length: int = LONG_TEXT, multiline: bool = True) -> str:
    """Free text of a step (terms, reasons, messages) under the one text rule, stripped."""
    try:
        return check_text(value.strip(), max_length=max_length, multiline=multiline)
    except ValueError as exc:
        raise InvalidInput(str(exc), field=field) from None


def _yuan(value: float | None, field: str, *, positive: bool = False) -> float | None:
    """An amount in yuan: finite, not negative (or positive), at most MAX_AMOUNT_YUAN."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput("must be a number of yuan", field=field)
    try:
        amount = check_number(float(value))
    except ValueError as exc:
        raise InvalidInput(str(exc), field=field) from None
    if positive and amount <= 0:
        raise InvalidInput("must be a positive amount (yuan)", field=field)
    return amount


def _deal_id(deal_id: int) -> int:
    if not 1 <= deal_id <= MAX_ID:
        raise NotFound(f"deal {deal_id} not found")
    return deal_id


def _must(item: T | None, what: str) -> T:
    """A row the deal refers to; missing means the database was edited behind the service's back."""
    if item is None:
        raise NotFound(f"the {what} of this deal is missing")
    return item


def party_of(actor: Actor, deal: Deal) -> Party | None:
    """The actor's side of the deal; registrars act as the registrar; others have no part."""
    party = deal.party_of(actor.organization_id)
    if party is None and ("registrar" in actor.roles or actor.is_admin):
        return Party.REGISTRAR
    return party


def may_see_deal(actor: Actor, deal: Deal) -> bool:
    """A deal is visible to its parties, registrars, officers and admins only."""
    return deal.party_of(actor.organization_id) is not None or actor.is_overseer


def _require_member(actor: Actor) -> None:
    if not actor.authenticated or actor.organization_id is None:
        raise PermissionDenied("sign in as a member of an organization to trade")






# --- opening a deal -------------------------------------------------------------------------------------


def open_deal(
    actor: Actor,
    uow: UnitOfWork,
    listing_entity: str,
    listing_id: int,
    *,
    message: str = "",
    idempotency_key: str | None = None,
) -> Deal:
    """Inquire about a listing: an achievement's owner sells to the inquirer, a demand's owner buys."""
    _require_member(actor)
    cls = LISTINGS.get(listing_entity)
    if cls is None:
        raise InvalidInput("listing_entity must be 'achievement' or 'demand'", field="listing_entity")
    message = _text(message, "message")
    with uow() as session:
        head = audit.lock_chain(session)
        done = audit.replayed(session, actor, idempotency_key, "deal.open")
        if done is not None:
            return _must(session.get(Deals, done.result_id), "deal")
        listing = session.get(cls, listing_id) if 1 <= listing_id <= MAX_ID else None
        if listing is None or not can_see(actor, listing.visibility, listing.owner_org_id):
            raise NotFound(f"{listing_entity} {listing_id} not found")
        if listing.owner_org_id is None or listing.owner_org_id == actor.organization_id:
            raise InvalidInput("you cannot open a deal on your own listing", field="listing_id")
        mine = actor.organization_id or 0
        seller, buyer = (listing.owner_org_id, mine) if cls is Achievement else (mine, listing.owner_org_id)
        running = session.scalar(
            select(Deals.id).where(
                Deals.listing_entity == listing_entity,
                Deals.listing_id == listing_id,
                Deals.seller_org_id == seller,
                Deals.buyer_org_id == buyer,
                Deals.stage.not_in([DealStage.CLOSED, DealStage.WITHDRAWN, DealStage.REJECTED]),
            )
        )
        if running is not None:
            raise Conflict(f"deal {running} on this listing is already open between you", field="listing_id")
        stamp = audit.now()
        deal = Deal(
            listing_entity=listing_entity,
            listing_id=listing_id,
            title=listing.title_zh or listing.title_en,
            seller_org_id=seller,
            buyer_org_id=buyer,
            created_by=actor.name,
            created_at=stamp,
            updated_at=stamp,
        )
        session.add(deal)
        session.flush()
        party = deal.party_of(actor.organization_id) or Party.BUYER
        if message.strip():
            session.add(
                DealMessage(
                    deal_id=deal.id or 0,
                    party=party,
                    author=actor.name,
                    text=message.strip(),
                    created_at=stamp,
                )
            )
        audit.append(
            session,
            head,
            actor,
            "deal.open",
            "deal",
            deal.id,
            {"listing": f"{listing_entity}/{listing_id}", "seller": seller, "buyer": buyer},
        )
        _notify(session, actor, deal, "open")
        audit.remember(session, actor, idempotency_key, "deal.open", "deal", deal.id)
    return deal


def _notify(
    session: Session, actor: Actor, deal: Deal, action: str, details: dict[str, Any] | None = None
) -> None:
    """Tell the other side of a step (and registrars when a contract awaits them), in the same transaction.

    The notice keeps what happened (the step, and the amount a step put on the table) so that it can say
    "北京芯衡智能: 报价 ¥2,400,000" rather than only the stage the deal is in.
    """
    amount = (details or {}).get("price", (details or {}).get("amount"))
    orgs = {deal.seller_org_id, deal.buyer_org_id} - {actor.organization_id}
    audience = [Users.organization_id.in_(orgs)]
    if deal.stage is DealStage.REGISTRATION:
        audience.append(Users.role == Role.REGISTRAR)
    stamp = audit.now()
    for user_id in session.scalars(select(Users.id).where(Users.active.is_(True), or_(*audience))):
        if user_id == actor.user_id:
            continue
        session.add(
            Notification(
                user_id=user_id,
                kind=NotificationKind.DEAL,
                subject_entity="deal",
                subject_id=deal.id,
                text=deal.stage.value,
                sender_user_id=actor.user_id,
                created_at=stamp,
                data={"action": action, **({"amount": float(amount)} if amount is not None else {})},
            )
        )


# --- one audited step -----------------------------------------------------------------------------------


@dataclass
class StepResult:
    """What a step produced: the deal after it, and the offer or contract it created, if any."""

    deal: Deal
    created: Any = None
    replayed: bool = False


def _step(
    actor: Actor,
    uow: UnitOfWork,
    deal_id: int,
    action: str,
    apply: Callable[[Session, Deal, Party], tuple[Any, dict[str, Any]]],
    idempotency_key: str | None = None,
) -> StepResult:
    _deal_id(deal_id)
    with uow() as session:
        head = audit.lock_chain(session)
        done = audit.replayed(session, actor, idempotency_key, f"deal.{action}")
        deal: Deal | None = session.get(Deals, deal_id, populate_existing=True)
        if deal is None or not may_see_deal(actor, deal):
            raise NotFound(f"deal {deal_id} not found")
        if done is not None:
            created = (
                session.get(_RESULT_TYPES[done.result_entity], done.result_id) if done.result_id else None
            )
            return StepResult(deal, created, replayed=True)
        check_transition(action, deal.stage, party_of(actor, deal))
        before = deal.stage
        created, payload = apply(session, deal, party_of(actor, deal) or Party.BUYER)
        deal.version += 1
        deal.updated_at = audit.now()
        session.flush()
        payload = {"from": before.value, "to": deal.stage.value, **payload}
        audit.append(session, head, actor, f"deal.{action}", "deal", deal.id, payload)
        _notify(session, actor, deal, action, payload)
        entity = type(created).__name__.lower() if created is not None else "deal"
        audit.remember(
            session,
            actor,
            idempotency_key,
            f"deal.{action}",
            entity,
            created.id if created is not None else deal.id,
        )
    return StepResult(deal, created)


_RESULT_TYPES: dict[str, Any] = {
    "deal": Deal,
    "offer": Offer,
    "contract": Contract,
    "milestone": Milestone,
    "dealmessage": DealMessage,
}


def _once(deal: Deal, party: Party, step: str, what: str) -> datetime:
    """Record a once-per-party step now; a second time is refused."""
    if deal.done_by(party, step):
        raise Conflict(f"you have already {what}", field="stage")
    stamp = audit.now()
    deal.mark(party, step, stamp)
    return stamp


def accept_nda(actor: Actor, uow: UnitOfWork, deal_id: int, *, idempotency_key: str | None = None) -> Deal:
    """Each party accepts the NDA; when both have, the listing's confidential disclosure opens to them.

    The audit event keeps the SHA-256 of the exact text accepted (the listing's own or the platform's)."""

    def apply(session: Session, deal: Deal, party: Party) -> tuple[Any, dict[str, Any]]:
        _once(deal, party, "nda", "accepted the NDA of this deal")
        deal.stage = DealStage.NEGOTIATION if deal.nda_complete else DealStage.NDA
        text, source = nda_of(session, deal)
        return None, {"party": party.value, "nda_sha256": nda_digest(text), "nda": source}

    return _step(actor, uow, deal_id, "accept_nda", apply, idempotency_key).deal


def make_offer(
    actor: Actor,
    uow: UnitOfWork,
    deal_id: int,
    *,
    price: float,
    contract_type: str = "transfer",
    payment_terms: str = "",
    ip_terms: str = "",
    idempotency_key: str | None = None,
) -> Offer:
    """Put a price and terms on the table; an open offer from either side becomes 'countered'."""
    price = _yuan(price, "price", positive=True) or 0.0
    payment_terms, ip_terms = _text(payment_terms, "payment_terms"), _text(ip_terms, "ip_terms")
    kind = _contract_type(contract_type)

    def apply(session: Session, deal: Deal, party: Party) -> tuple[Any, dict[str, Any]]:
        for open_offer in session.scalars(
            select(Offers).where(Offers.deal_id == deal.id, Offers.status == OfferStatus.OPEN)
        ):
            open_offer.status = OfferStatus.COUNTERED
        offer = Offer(
            deal_id=deal.id or 0,
            from_party=party,
            price=float(price),
            contract_type=kind,
            payment_terms=payment_terms.strip(),
            ip_terms=ip_terms.strip(),
            created_by=actor.name,
            created_at=audit.now(),
        )
        session.add(offer)
        session.flush()
        return offer, {"offer": offer.id, "price": offer.price, "type": kind.value, "party": party.value}

    created: Offer = _step(actor, uow, deal_id, "offer", apply, idempotency_key).created
    return created


def _contract_type(raw: str) -> ContractType:
    try:
        return ContractType(ContractType.parse(raw))
    except ValueError as exc:
        raise InvalidInput(str(exc), field="contract_type") from None


def accept_offer(
    actor: Actor, uow: UnitOfWork, deal_id: int, offer_id: int, *, idempotency_key: str | None = None
) -> Contract:
    """The other party accepts the open offer: its terms become the draft contract to sign."""

    def apply(session: Session, deal: Deal, party: Party) -> tuple[Any, dict[str, Any]]:
        offer: Offer | None = session.get(Offers, offer_id) if 1 <= offer_id <= MAX_ID else None
        if offer is None or offer.deal_id != deal.id:
            raise NotFound(f"offer {offer_id} not found on deal {deal.id}")
        if offer.status is not OfferStatus.OPEN:
            raise Conflict(f"offer {offer_id} is {offer.status.value}, not open", field="offer_id")
        if offer.from_party is party:
            raise PermissionDenied("the other party must accept your offer")
        offer.status = OfferStatus.ACCEPTED
        contract = _draft_contract(session, deal, offer)
        deal.contract_id = contract.id
        deal.stage = DealStage.CONTRACT
        return contract, {"offer": offer.id, "contract": contract.id, "amount": offer.price}

    created: Contract = _step(actor, uow, deal_id, "accept_offer", apply, idempotency_key).created
    return created


def _draft_contract(session: Session, deal: Deal, offer: Offer) -> Contract:
    seller: Organization = _must(session.get(Organization, deal.seller_org_id), "seller")
    buyer: Organization = _must(session.get(Organization, deal.buyer_org_id), "buyer")
    listing = session.get(LISTINGS[deal.listing_entity], deal.listing_id)
    contract = Contract(
        external_id=f"deal-{deal.id}",
        deal_id=deal.id,
        contract_type=offer.contract_type,
        title=deal.title,
        seller_org_id=seller.id,
        buyer_org_id=buyer.id,
        seller_name=seller.name_zh or seller.name_en,
        buyer_name=buyer.name_zh or buyer.name_en,
        seller_region_code=seller.region_code,
        buyer_region_code=buyer.region_code,
        seller_country_code=seller.country_code or "CN",
        buyer_country_code=buyer.country_code or "CN",
        contract_amount=offer.price,
        transaction_amount=offer.price,
        payment_terms=offer.payment_terms,
        ip_terms=offer.ip_terms,
        discipline_codes=list(getattr(listing, "discipline_codes", []) or []),
        industry_codes=list(getattr(listing, "industry_codes", []) or []),
        source="deal",
        created_at=audit.now(),
    )
    session.add(contract)
    session.flush()
    return contract


def sign(actor: Actor, uow: UnitOfWork, deal_id: int, *, idempotency_key: str | None = None) -> Deal:
    """Each party signs; the second signature submits the contract for registration."""

    def apply(session: Session, deal: Deal, party: Party) -> tuple[Any, dict[str, Any]]:
        stamp = _once(deal, party, "signed", "signed this contract")
        if deal.done_by(Party.SELLER, "signed") and deal.done_by(Party.BUYER, "signed"):
            contract: Contract = _must(session.get(Contracts, deal.contract_id), "contract")
            contract.status = ContractStatus.SUBMITTED
            contract.signed_on = stamp.date()
            contract.return_reason = ""
            deal.stage = DealStage.REGISTRATION
        return None, {"party": party.value}

    return _step(actor, uow, deal_id, "sign", apply, idempotency_key).deal


def approve(
    actor: Actor,
    uow: UnitOfWork,
    deal_id: int,
    *,
    transaction_amount: float | None = None,
    registration: Registration | None = None,
    idempotency_key: str | None = None,
) -> Contract:
    """The registrar registers the contract (技术合同登记), records its registration fields (sub-type,
    technical field, party kinds, amount breakdown, tax-relief eligibility) and gives it its number."""
    transaction_amount = _yuan(transaction_amount, "transaction_amount")
    fields = registration or Registration()

    def apply(session: Session, deal: Deal, _party: Party) -> tuple[Any, dict[str, Any]]:
        contract: Contract = _must(session.get(Contracts, deal.contract_id), "contract")
        apply_registration(contract, fields, transaction_amount)
        today = audit.now().date()
        contract.status = ContractStatus.REGISTERED
        contract.registered_on = today
        contract.registrar = actor.name
        contract.registration_number = next_registration_number(session, contract, today)
        deal.stage = DealStage.PERFORMANCE
        payload = {"contract": contract.id, "registration_number": contract.registration_number}
        return contract, payload | fields.recorded()

    created: Contract = _step(actor, uow, deal_id, "approve", apply, idempotency_key).created
    return created


def next_registration_number(session: Session, contract: Contract, on: date) -> str:
    """Year + the seller's region code + a sequence within the year (unique under the chain lock)."""
    count = (
        session.scalar(
            select(func.count())
            .select_from(Contracts)
            .where(Contracts.registration_number.like(f"{on.year}%"))
        )
        or 0
    )
    region = (contract.seller_region_code or "110000")[:6].ljust(6, "0")
    return f"{on.year}{region}{count + 1:06d}"


def return_contract(
    actor: Actor, uow: UnitOfWork, deal_id: int, *, reason: str, idempotency_key: str | None = None
) -> Deal:
    """The registrar sends the contract back with reasons; the parties correct it and sign again."""
    reason = _text(reason, "reason")
    if not reason:
        raise InvalidInput("give the reason for returning the contract", field="reason")

    def apply(session: Session, deal: Deal, _party: Party) -> tuple[Any, dict[str, Any]]:
        contract: Contract = _must(session.get(Contracts, deal.contract_id), "contract")
        contract.status = ContractStatus.RETURNED
        contract.return_reason = reason.strip()
        deal.seller_signed_at = deal.buyer_signed_at = None
        deal.stage = DealStage.CONTRACT
        return None, {"reason": reason.strip()}

    return _step(actor, uow, deal_id, "return", apply, idempotency_key).deal


def record_performance(
    actor: Actor,
    uow: UnitOfWork,
    deal_id: int,
    *,
    kind: str,
    title: str = "",
    amount: float | None = None,
    on: date | None = None,
    idempotency_key: str | None = None,
) -> Milestone:
    """A delivered milestone or a received payment of a registered contract."""
    if kind not in {"milestone", "payment"}:
        raise InvalidInput("kind must be 'milestone' or 'payment'", field="kind")
    amount, title = _yuan(amount, "amount"), _text(title, "title", SHORT_TEXT, multiline=False)
    if kind == "payment" and not amount:
        raise InvalidInput("a payment needs a positive amount", field="amount")
    if kind == "milestone" and not title.strip():
        raise InvalidInput("a milestone needs a title", field="title")

    def apply(session: Session, deal: Deal, _party: Party) -> tuple[Any, dict[str, Any]]:
        item = Milestone(
            contract_id=deal.contract_id or 0,
            kind=kind,
            title=title.strip(),
            amount=amount,
            on=on or audit.now().date(),
            recorded_by=actor.name,
            created_at=audit.now(),
        )
        session.add(item)
        session.flush()
        return item, {"kind": kind, "title": item.title, "amount": amount}

    created: Milestone = _step(actor, uow, deal_id, kind, apply, idempotency_key).created
    return created


def close(actor: Actor, uow: UnitOfWork, deal_id: int, *, idempotency_key: str | None = None) -> Deal:
    """The contract has been performed: the deal is closed."""

    def apply(_s: Session, deal: Deal, _party: Party) -> tuple[Any, dict[str, Any]]:
        deal.stage = DealStage.CLOSED
        deal.ended_by = actor.name
        return None, {}

    return _step(actor, uow, deal_id, "close", apply, idempotency_key).deal


def end(
    actor: Actor,
    uow: UnitOfWork,
    deal_id: int,
    action: str,
    *,
    reason: str = "",
    idempotency_key: str | None = None,
) -> Deal:
    """Withdraw from (either party) or reject (the counterparty) a deal before registration."""
    if action not in {"withdraw", "reject"}:
        raise InvalidInput("action must be 'withdraw' or 'reject'", field="action")
    reason = _text(reason, "reason")

    def apply(_s: Session, deal: Deal, party: Party) -> tuple[Any, dict[str, Any]]:
        deal.stage = DealStage.WITHDRAWN if action == "withdraw" else DealStage.REJECTED
        deal.ended_by = actor.name
        deal.end_reason = reason.strip()
        return None, {"party": party.value, "reason": reason.strip()}

    return _step(actor, uow, deal_id, action, apply, idempotency_key).deal


def post_message(
    actor: Actor, uow: UnitOfWork, deal_id: int, text: str, *, idempotency_key: str | None = None
) -> DealMessage:
    """A message between the parties, kept with the deal."""
    text = _text(text, "text", MESSAGE_CHARS)
    if not text:
        raise InvalidInput("write a message", field="text")

    def apply(session: Session, deal: Deal, party: Party) -> tuple[Any, dict[str, Any]]:
        message = DealMessage(
            deal_id=deal.id or 0,
            party=party,
            author=actor.name,
            text=text,
            created_at=audit.now(),
        )
        session.add(message)
        session.flush()
        return message, {"message": message.id}

    created: DealMessage = _step(actor, uow, deal_id, "message", apply, idempotency_key).created
    return created


# --- reading --------------------------------------------------------------------------------------------


@dataclass
class DealView:
    """Everything a party (or the registrar) sees of one deal."""

    deal: Deal
    party: Party | None
    offers: list[Offer] = field(default_factory=list)
    contract: Contract | None = None
    messages: list[DealMessage] = field(default_factory=list)
    performance: list[Milestone] = field(default_factory=list)
    events: list[AuditEvent] = field(default_factory=list)
    disclosure: str | None = None
    next_actions: list[str] = field(default_factory=list)
    nda: str = ""  # the NDA text the parties accept, and its SHA-256 (what the audit records)
    nda_sha256: str = ""


def get_deal(actor: Actor, uow: UnitOfWork, deal_id: int) -> DealView:
    _deal_id(deal_id)
    with uow() as session:
        deal: Deal | None = session.get(Deals, deal_id)
        if deal is None or not may_see_deal(actor, deal):
            raise NotFound(f"deal {deal_id} not found")
        party = party_of(actor, deal)
        view = DealView(
            deal=deal,
            party=party,
            offers=list(session.scalars(select(Offers).where(Offers.deal_id == deal_id).order_by(Offers.id))),
            contract=session.get(Contracts, deal.contract_id) if deal.contract_id else None,
            # negotiation messages are the parties' own: registrars, officers and admins oversee the
            # steps and the contract, not the private conversation
            messages=list(
                session.scalars(select(Messages).where(Messages.deal_id == deal_id).order_by(Messages.id))
            )
            if party in (Party.SELLER, Party.BUYER)
            else [],
            events=audit.events_of(session, "deal", deal_id),
            next_actions=next_actions(deal, party),
        )
        if view.contract is not None:
            view.performance = list(
                session.scalars(
                    select(Milestones)
                    .where(Milestones.contract_id == view.contract.id)
                    .order_by(Milestones.id)
                )
            )
        view.disclosure = _disclosure_for(session, deal, party)
        view.nda = nda_of(session, deal)[0]
        view.nda_sha256 = nda_digest(view.nda)
    return view


def next_actions(deal: Deal, party: Party | None) -> list[str]:
    """The actions this party may take now (what the page shows as buttons)."""
    if party is None:
        return []
    once = {"accept_nda": "nda", "sign": "signed"}  # once-per-party steps this party may have taken
    taken = {action for action, step in once.items() if deal.done_by(party, step)}
    return [
        action
        for action, (stages, parties) in TRANSITIONS.items()
        if deal.stage in stages and party in parties and action not in taken
    ]


def _disclosure_for(session: Session, deal: Deal, party: Party | None) -> str | None:
    """The listing's confidential part: for its owner always, for the counterparty only after both NDAs."""
    item: Disclosure | None = session.scalar(
        select(Disclosures).where(
            Disclosures.listing_entity == deal.listing_entity, Disclosures.listing_id == deal.listing_id
        )
    )
    if item is None or party not in (Party.SELLER, Party.BUYER):
        return None
    owner_party = Party.SELLER if deal.listing_entity == "achievement" else Party.BUYER
    return item.text if party is owner_party or deal.nda_complete else None


def list_deals(
    actor: Actor, uow: UnitOfWork, *, stage: str = "", limit: int = 50, offset: int = 0
) -> tuple[list[Deal], int]:
    """Deals the actor may see (own organization's; all for registrars, officers, admins), newest first."""
    return party_page(
        actor, uow, Deals, "deals", state=("stage", DealStage, stage), limit=limit, offset=offset
    )


def nda_of(session: Session, deal: Deal) -> tuple[str, str]:
    """The NDA of a deal's listing as shown and accepted: (text, 'listing' or the platform version)."""
    own = session.scalar(
        select(Disclosures.nda_text).where(
            Disclosures.listing_entity == deal.listing_entity, Disclosures.listing_id == deal.listing_id
        )
    )
    return (own, "listing") if own else (PLATFORM_NDA, PLATFORM_NDA_VERSION)


def get_disclosure(actor: Actor, uow: UnitOfWork, listing_entity: str, listing_id: int) -> str | None:
    """The owner's own confidential disclosure of a listing, for its editor; None for anyone else."""
    cls = LISTINGS.get(listing_entity)
    if cls is None or not actor.authenticated:
        return None
    with uow() as session:
        listing = session.get(cls, listing_id)
        owner = (
            actor.organization_id is not None
            and listing is not None
            and (listing.owner_org_id == actor.organization_id)
        )
        if listing is None or not (owner or actor.is_admin):
            return None
        item: Disclosure | None = session.scalar(
            select(Disclosures).where(
                Disclosures.listing_entity == listing_entity, Disclosures.listing_id == listing_id
            )
        )
    return item.text if item is not None else None


def get_listing_nda(actor: Actor, uow: UnitOfWork, listing_entity: str, listing_id: int) -> str:
    """The listing's own NDA text for its owner's editor ("" when it uses the platform's)."""
    if get_disclosure(actor, uow, listing_entity, listing_id) is None:  # the owner's check, and a row exists
        return ""
    with uow() as session:
        own = session.scalar(
            select(Disclosures.nda_text).where(
                Disclosures.listing_entity == listing_entity, Disclosures.listing_id == listing_id
            )
        )
    return own or ""


def set_disclosure(
    actor: Actor,
    uow: UnitOfWork,
    listing_entity: str,
    listing_id: int,
    text: str,
    *,
    nda_text: str | None = None,
) -> Disclosure:
    """The owner writes the confidential part of a listing, disclosed to counterparties after the NDA,
    and may replace the platform's NDA with its own (`nda_text`; empty goes back to the platform's)."""
    cls = LISTINGS.get(listing_entity)
    if cls is None:
        raise InvalidInput("listing_entity must be 'achievement' or 'demand'", field="listing_entity")
    text = _text(text, "text")
    with uow() as session:
        listing = session.get(cls, listing_id) if 1 <= listing_id <= MAX_ID else None
        if listing is None or not can_see(actor, listing.visibility, listing.owner_org_id):
            raise NotFound(f"{listing_entity} {listing_id} not found")
        if listing.owner_org_id != actor.organization_id and not actor.is_admin:
            raise PermissionDenied("only the listing's owner writes its confidential disclosure")
        item: Disclosure | None = session.scalar(
            select(Disclosures).where(
                Disclosures.listing_entity == listing_entity, Disclosures.listing_id == listing_id
            )
        )
        if item is None:
            item = Disclosure(
                listing_entity=listing_entity, listing_id=listing_id, owner_org_id=listing.owner_org_id or 0
            )
            session.add(item)
        item.text = text.strip()
        if nda_text is not None:
            item.nda_text = _text(nda_text, "nda_text").strip()
        item.updated_at = audit.now()
        session.flush()
    return item
