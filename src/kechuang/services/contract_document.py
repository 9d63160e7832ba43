"""A deal's technology contract as a document: the parties, subject, price, IP, confidentiality, signatures.

It follows the structure of the model technology contracts (技术合同示范文本) and is assembled from what the
deal recorded (the accepted offer, the listing, the parties' registry records, the audit events of the NDA
acceptances and signatures), so the printed contract says exactly what the platform holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kechuang.domain.access import Actor
from kechuang.domain.errors import NotFound
from kechuang.domain.market import CONTRACT_SIDES, AuditEvent, Contract, Milestone
from kechuang.store.db import UnitOfWork

from . import market, registry


@dataclass
class Signature:
    side: str  # seller or buyer
    by: str
    at: Any


@dataclass
class ContractDocument:
    """Everything the contract document prints, already checked against the reader's right to see it."""

    deal_id: int
    contract: Contract
    seller: Any | None
    buyer: Any | None
    seller_side: tuple[str, str]
    buyer_side: tuple[str, str]
    listing: Any | None
    nda_digests: dict[str, str] = field(default_factory=dict)
    signatures: list[Signature] = field(default_factory=list)
    performance: list[Milestone] = field(default_factory=list)


def contract_document(actor: Actor, uow: UnitOfWork, deal_id: int) -> ContractDocument:
    """The contract of a deal the actor may see (its parties and overseers); 404 while there is none."""
    view = market.get_deal(actor, uow, deal_id)
    if view.contract is None:
        raise NotFound(f"deal {deal_id} has no contract yet")
    deal = view.deal
    sides = CONTRACT_SIDES[view.contract.contract_type.value]
    return ContractDocument(
        deal_id=deal_id,
        contract=view.contract,
        seller=_visible(actor, uow, "organization", deal.seller_org_id),
        buyer=_visible(actor, uow, "organization", deal.buyer_org_id),
        seller_side=sides[0],
        buyer_side=sides[1],
        listing=_visible(actor, uow, deal.listing_entity, deal.listing_id),
        nda_digests=_nda_digests(view.events),
        signatures=[
            Signature(str(e.payload.get("party", "")), e.actor, e.at)
            for e in view.events
            if e.action == "deal.sign"
        ],
        performance=view.performance,
    )


def _visible(actor: Actor, uow: UnitOfWork, entity: str, record_id: int | None) -> Any | None:
    if not record_id:
        return None
    try:
        return registry.get_record(actor, entity, record_id, uow)
    except NotFound:  # hidden from this reader since: the contract prints the name it recorded
        return None


def _nda_digests(events: list[AuditEvent]) -> dict[str, str]:
    """Each side's accepted NDA digest, from the audit events of the acceptances."""
    return {
        str(e.payload.get("party")): str(e.payload["nda_sha256"])
        for e in events
        if e.action == "deal.accept_nda" and e.payload.get("nda_sha256")
    }
