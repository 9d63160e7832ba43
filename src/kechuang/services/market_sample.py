"""The market part of the built-in sample: a year of registered contracts and deals at every stage.

Everything goes through the real services (contract import, deal steps), so the sample's audit chain
is genuine and `kechuang audit verify` passes on a fresh installation.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from sqlalchemy import func, select

from kechuang.domain.access import Actor
from kechuang.domain.entities import Achievement, Demand, Organization
from kechuang.domain.market import Deal
from kechuang.store.db import UnitOfWork

from . import contracts, market

Orgs: Any = Organization
Achievements: Any = Achievement
Demands: Any = Demand
Deals: Any = Deal
# (listing kind, the stage the sample deal is left in); sellers are the demo research organizations
STAGES = (
    "inquiry",
    "nda",
    "negotiation",
    "contract",
    "registration",
    "performance",
    "closed",
    "withdrawn",
    "rejected",
)


def load_market_sample(uow: UnitOfWork) -> dict[str, int]:
    """Import the sample register and, on an installation without deals, play the sample deals."""
    system = Actor.system("sample")
    register = (files("kechuang.sample") / "contracts.jsonl").read_bytes()
    imported = contracts.import_contracts(system, uow, "sample/contracts.jsonl", register, source="sample")
    with uow() as session:
        if session.scalar(select(func.count()).select_from(Deals)):
            return {"contracts": imported.created, "deals": 0}
    return {"contracts": imported.created, "deals": _play_deals(uow)}


def _org_actor(uow: UnitOfWork, external_id: str, name: str) -> Actor:
    with uow() as session:
        org_id = session.scalar(select(Orgs.id).where(Orgs.external_id == external_id))
    return Actor(name=name, organization_id=org_id, roles=frozenset({"sample"}), authenticated=True)


def _listings(uow: UnitOfWork, owner: Actor, count: int) -> list[int]:
    with uow() as session:
        return list(
            session.scalars(
                select(Achievements.id)
                .where(
                    Achievements.owner_org_id == owner.organization_id, Achievements.visibility == "public"
                )
                .order_by(Achievements.id)
                .limit(count)
            )
        )


def _play_deals(uow: UnitOfWork) -> int:
    seller = _org_actor(uow, "org-researcher-inst", "researcher")
    buyers = [
        _org_actor(uow, "org-enterprise-a", "enterprise_a"),
        _org_actor(uow, "org-enterprise-b", "enterprise_b"),
    ]
    registrar = Actor(name="registrar", roles=frozenset({"registrar"}), authenticated=True)
    listings = _listings(uow, seller, len(STAGES))
    played = 0
    for i, stage in enumerate(STAGES if listings else ()):
        listing = listings[i % len(listings)]  # 5 listings x 2 buyers: every pair distinct
        buyer = buyers[i % 2]
        deal = market.open_deal(
            buyer, uow, "achievement", listing, message="希望进一步了解技术细节与合作方式"
        )
        _advance(uow, deal.id or 0, stage, seller, buyer, registrar, price=300_000 + 150_000 * i)
        played += 1
    return played


def _advance(
    uow: UnitOfWork, deal_id: int, stage: str, seller: Actor, buyer: Actor, registrar: Actor, price: float
) -> None:
    """Drive one deal from inquiry to `stage` with the same steps a user would take."""
    if stage in {"inquiry", "withdrawn", "rejected"}:
        if stage == "withdrawn":
            market.end(buyer, uow, deal_id, "withdraw", reason="预算调整，暂缓合作")
        if stage == "rejected":
            market.end(seller, uow, deal_id, "reject", reason="该成果已独占许可给其他企业")
        return
    market.accept_nda(seller, uow, deal_id)
    if stage == "nda":
        return
    market.accept_nda(buyer, uow, deal_id)
    offer = market.make_offer(
        seller,
        uow,
        deal_id,
        price=price * 1.3,
        contract_type="transfer",
        ip_terms="专利权转让，卖方保留科研使用权",
    )
    if stage == "negotiation":
        market.make_offer(
            buyer, uow, deal_id, price=price, contract_type="transfer", payment_terms="分两期支付"
        )
        return
    market.accept_offer(buyer, uow, deal_id, offer.id or 0)
    if stage == "contract":
        return
    market.sign(seller, uow, deal_id)
    market.sign(buyer, uow, deal_id)
    if stage == "registration":
        return
    market.approve(registrar, uow, deal_id)
    market.record_performance(buyer, uow, deal_id, kind="payment", amount=round(price * 0.4, 2))
    if stage == "performance":
        return
    market.record_performance(seller, uow, deal_id, kind="milestone", title="技术资料与样机交付")
    market.close(seller, uow, deal_id)
