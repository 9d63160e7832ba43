"""An industry chain laid over the platform's data: per node its suppliers by region, achievements, demands
and contracts; nodes without a Beijing supplier are gaps, each with candidate suppliers elsewhere and the
achievements the matching engine finds for it, with the engine's reasons."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from kechuang.domain.access import Actor, can_see
from kechuang.domain.entities import Achievement, Demand, Organization
from kechuang.domain.enums import OrgKind
from kechuang.domain.insights import ChainNode, industry_matches
from kechuang.domain.market import Contract, ContractStatus
from kechuang.engine.features import Need, Offer, compatibility, text_reason
from kechuang.store.db import UnitOfWork, load_by_id

from ..match_index import MatchIndexes, dense_text, record_document
from ..matching import Explainer, access_filter
from .base import region_of, require_analyst
from .chains import get_chain, node_dict

Orgs: Any = Organization
Achievements: Any = Achievement
Demands: Any = Demand
Contracts: Any = Contract
SHOWN = 8
SUPPLIER_KINDS = (OrgKind.ENTERPRISE, OrgKind.HOSPITAL)  # who supplies a chain node's goods or services
REGION_RANK = {"beijing": 0, "tianjin": 1, "hebei": 1, "other_cn": 2, "abroad": 3}


@dataclass
class NodeMap:
    """What the platform holds for one chain node."""

    node: ChainNode
    suppliers: dict[str, list[dict[str, Any]]]
    achievements: list[dict[str, Any]]
    demands: list[dict[str, Any]]
    achievement_count: int
    demand_count: int
    contracts: int
    contract_amount: float
    gap: bool
    regional_gap: bool
    candidates: list[dict[str, Any]] = field(default_factory=list)
    matches: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "node": node_dict(self.node),
            "suppliers": self.suppliers,
            "achievements": self.achievements,
            "demands": self.demands,
            "achievement_count": self.achievement_count,
            "demand_count": self.demand_count,
            "contracts": self.contracts,
            "contract_amount": round(self.contract_amount, 2),
            "gap": self.gap,
            "regional_gap": self.regional_gap,
            "candidates": self.candidates,
            "matches": self.matches,
        }


def _mentions(node: ChainNode, *texts: str) -> bool:
    """A record names one of the node's keywords (case-folded) in its title or keywords."""
    words = [w.casefold() for w in [*node.keywords_zh, *node.keywords_en] if w]
    haystack = " ".join(texts).casefold()
    return any(word in haystack for word in words)


def _belongs(node: ChainNode, codes: list[str], *texts: str) -> bool:
    return industry_matches(node.industry_codes, codes) or _mentions(node, *texts)


def chain_map(
    actor: Actor, uow: UnitOfWork, chain_id: int, indexes: MatchIndexes | None = None, *, match_limit: int = 5
) -> dict[str, Any]:
    """The chain with, per node, what the platform holds and, for gaps, where to look instead."""
    require_analyst(actor)
    chain = get_chain(actor, uow, chain_id)
    with uow() as session:
        enterprises = list(
            session.scalars(select(Orgs).where(Orgs.kind.in_(SUPPLIER_KINDS), Orgs.merged_into_id.is_(None)))
        )
        achievements = [
            a
            for a in session.scalars(select(Achievements).where(Achievements.merged_into_id.is_(None)))
            if can_see(actor, a.visibility, a.owner_org_id)
        ]
        demands = [
            d
            for d in session.scalars(select(Demands).where(Demands.merged_into_id.is_(None)))
            if can_see(actor, d.visibility, d.owner_org_id)
        ]
        contracts = list(
            session.scalars(select(Contracts).where(Contracts.status == ContractStatus.REGISTERED))
        )
    maps = []
    for node in chain.nodes:
        suppliers: dict[str, list[dict[str, Any]]] = {"beijing": [], "tianjin_hebei": [], "elsewhere": []}
        for org in enterprises:
            if not industry_matches(node.industry_codes, org.industry_codes):
                continue
            region = region_of(org.region_code, org.country_code)
            bucket = (
                "beijing"
                if region == "beijing"
                else "tianjin_hebei"
                if region in ("tianjin", "hebei")
                else "elsewhere"
            )
            suppliers[bucket].append(
                {
                    "id": org.id,
                    "name_zh": org.name_zh,
                    "name_en": org.name_en,
                    "region": region,
                    "region_code": org.region_code,
                    "country": org.country_code,
                    "industry_codes": org.industry_codes,
                }
            )
        found = [
            a
            for a in achievements
            if _belongs(node, a.industry_codes, a.title_zh, a.title_en, *a.keywords_zh, *a.keywords_en)
        ]
        asked = [
            d
            for d in demands
            if _belongs(node, d.industry_codes, d.title_zh, d.title_en, *d.keywords_zh, *d.keywords_en)
        ]
        deals = [c for c in contracts if industry_matches(node.industry_codes, c.industry_codes)]
        gap = not suppliers["beijing"]
        item = NodeMap(
            node=node,
            suppliers=suppliers,
            achievements=[_brief(a) for a in found[:SHOWN]],
            demands=[_brief(d) for d in asked[:SHOWN]],
            achievement_count=len(found),
            demand_count=len(asked),
            contracts=len(deals),
            contract_amount=sum(c.contract_amount for c in deals),
            gap=gap,
            regional_gap=gap and not suppliers["tianjin_hebei"],
        )
        if gap:
            item.candidates = sorted(
                suppliers["tianjin_hebei"] + suppliers["elsewhere"],
                key=lambda s: (REGION_RANK[s["region"]], s["name_zh"] or s["name_en"]),
            )[:SHOWN]
            if indexes is not None:
                item.matches = engine_matches(actor, uow, indexes, node, match_limit)
        maps.append(item)
    data = chain.as_dict()
    data["nodes"] = [m.as_dict() for m in maps]
    data["gaps"] = sum(1 for m in maps if m.gap)
    return data


def _brief(record: Any) -> dict[str, Any]:
    return {"id": record.id, "title_zh": record.title_zh, "title_en": record.title_en}


def engine_matches(
    actor: Actor, uow: UnitOfWork, indexes: MatchIndexes, node: ChainNode, limit: int
) -> list[dict[str, Any]]:
    """Achievements the matching engine finds for a gap node, as if the node were a demand, with reasons."""
    query = Demand(
        id=0,
        title_zh=node.name_zh,
        title_en=node.name_en,
        keywords_zh=list(node.keywords_zh),
        keywords_en=list(node.keywords_en),
        industry_codes=list(node.industry_codes),
    )
    index = indexes.get("achievement", uow)
    hits = index.searcher.search(dense_text(record_document(query)), max(limit * 3, 15), access_filter(actor))
    items = load_by_id(uow, Achievement, [h.id for h in hits])
    need = Need(industry_codes=node.industry_codes)
    ranked = []
    for hit in hits:
        item = items.get(hit.id)
        if (
            item is None
            or item.merged_into_id is not None
            or not can_see(actor, item.visibility, item.owner_org_id)
        ):
            continue
        offer = Offer(
            discipline_codes=item.discipline_codes,
            industry_codes=item.industry_codes,
            trl=item.trl,
            region_code=item.region_code,
            price_min=item.asking_price_min,
            modes=item.transfer_modes,
        )
        reasons = [text_reason(hit.score, []), *compatibility(need, offer, hit.score)]
        ranked.append((round(sum(r.contribution for r in reasons), 4), item, reasons))
    ranked.sort(key=lambda entry: -entry[0])
    explainer = Explainer(indexes, index)
    out = []
    for score, item, reasons in ranked[:limit]:
        reasons = [
            text_reason(float(r.detail["score"]), explainer.concepts(query, item)) if r.code == "text" else r
            for r in reasons
        ]
        out.append(
            {
                "id": item.id,
                "title_zh": item.title_zh,
                "title_en": item.title_en,
                "score": score,
                "region_code": item.region_code,
                "reasons": [
                    {"code": r.code, "contribution": r.contribution, "zh": r.zh, "en": r.en} for r in reasons
                ],
            }
        )
    return out
