"""Indicators computed from the platform's own records, each with the definition shown beside its value.

`measure_series(session, code, years=..., unit=...)` answers one measure for one unit (a GB/T 2260 region
code: a Beijing district such as 110108, a province such as 130000; None means Beijing as a whole) per
year. Counts and amounts are 0.0 in a year with nothing; a share is absent in a year whose denominator is
zero (there is nothing to divide). `indicator_series` reads imported indicator values the same way.
Collaboration breadth comes from the insights module's platform network (its ties dated by year).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.domain.entities import Achievement, Demand, Organization, Project
from kechuang.domain.enums import ListingStatus
from kechuang.domain.errors import InvalidInput, NotFound
from kechuang.domain.indicators import IndicatorValue
from kechuang.domain.market import Contract, ContractStatus, Deal, FlowDirection, flow_direction

Contracts: Any = Contract
Deals: Any = Deal
Achievements: Any = Achievement
Demands: Any = Demand
Organizations: Any = Organization
Projects: Any = Project
Values: Any = IndicatorValue


@dataclass(frozen=True)
class PlatformMeasure:
    """What a platform measure means: bilingual name, definition and unit, and its usual direction."""

    code: str
    name_zh: str
    name_en: str
    definition_zh: str
    definition_en: str
    unit_zh: str
    unit_en: str
    direction: int = 1

    def name(self, lang: str = "zh") -> str:
        return self.name_zh if lang.startswith("zh") else self.name_en

    def definition(self, lang: str = "zh") -> str:
        return self.definition_zh if lang.startswith("zh") else self.definition_en

    def unit(self, lang: str = "zh") -> str:
        return self.unit_zh if lang.startswith("zh") else self.unit_en


def _m(code: str, zh: str, en: str, def_zh: str, def_en: str, unit_zh: str, unit_en: str) -> PlatformMeasure:
    return PlatformMeasure(code, zh, en, def_zh, def_en, unit_zh, unit_en)


_REGISTERED = "已登记技术合同（按登记日期所在年份、卖方所在区）"
_REGISTERED_EN = "registered technology contracts (by year of registration and the seller's district)"
PLATFORM_MEASURES: dict[str, PlatformMeasure] = {
    m.code: m
    for m in (
        _m(
            "platform.contract_amount",
            "登记技术合同成交额",
            "Registered contract amount",
            f"{_REGISTERED}的合同金额之和。",
            f"Sum of the contract amounts of {_REGISTERED_EN}.",
            "元",
            "yuan",
        ),
        _m(
            "platform.contract_count",
            "登记技术合同数",
            "Registered contracts",
            f"{_REGISTERED}的份数。",
            f"Number of {_REGISTERED_EN}.",
            "份",
            "contracts",
        ),
        _m(
            "platform.share_tianjin_hebei",
            "流向津冀的合同金额占比",
            "Share of contract amount to Tianjin-Hebei",
            f"{_REGISTERED}中买方在天津、河北的合同金额占全部合同金额的比例。",
            f"Of {_REGISTERED_EN}, the share of contract amount whose buyer is in Tianjin or Hebei.",
            "比例",
            "share",
        ),
        _m(
            "platform.share_other_provinces",
            "流向外省市的合同金额占比",
            "Share of contract amount to other provinces",
            f"{_REGISTERED}中买方在京津冀以外省份的合同金额占比。",
            f"Of {_REGISTERED_EN}, the share of contract amount whose buyer is in a province outside "
            "Beijing-Tianjin-Hebei.",
            "比例",
            "share",
        ),
        _m(
            "platform.share_abroad",
            "流向境外的合同金额占比",
            "Share of contract amount abroad",
            f"{_REGISTERED}中买方在境外的合同金额占比。",
            f"Of {_REGISTERED_EN}, the share of contract amount whose buyer is abroad.",
            "比例",
            "share",
        ),
        _m(
            "platform.achievements_listed",
            "发布成果数",
            "Achievements listed",
            "所在地在该区、成果年份为该年、非草稿且未被合并的科技成果数。",
            "Achievements located in the district, of that year, not drafts and not merged away.",
            "项",
            "items",
        ),
        _m(
            "platform.achievements_transferred",
            "转化成果数",
            "Achievements transferred",
            "所在地在该区、其交易在该年形成已登记技术合同的成果数（去重）。",
            "Distinct achievements located in the district whose deal produced a contract registered "
            "that year.",
            "项",
            "items",
        ),
        _m(
            "platform.demands_matched",
            "对接需求数",
            "Demands matched",
            "需求方机构在该区、当年至少开启一次洽谈的技术需求数（去重）。",
            "Distinct demands, of an organization in the district, on which at least one deal opened "
            "that year.",
            "项",
            "items",
        ),
        _m(
            "platform.demands_converted",
            "成交需求数",
            "Demands converted to deals",
            "需求方机构在该区、其洽谈在该年形成已登记技术合同的需求数（去重）。",
            "Distinct demands, of an organization in the district, whose deal produced a contract registered "
            "that year.",
            "项",
            "items",
        ),
        _m(
            "platform.funded_projects",
            "承担科技项目数",
            "Funded projects",
            "承担单位在该区、当年立项（开始日期所在年份）的科技项目数。",
            "Projects hosted by an organization in the district that started that year.",
            "项",
            "projects",
        ),
        _m(
            "platform.collaboration_breadth",
            "合作广度",
            "Collaboration breadth",
            "当年与该区至少一家机构有合作关系（共有成果、合著、洽谈、登记合同、共同承担项目）的不同机构数。",
            "Distinct organizations tied that year to at least one organization of the district (co-owned or "
            "co-authored achievements, deals, registered contracts, shared projects).",
            "家",
            "organizations",
        ),
        _m(
            "platform.project_funding",
            "科技项目经费",
            "Project funding",
            "承担单位在该区、当年立项的科技项目经费之和（按登记的金额单位，通常为万元）。",
            "Sum of the recorded amounts (usually 10k yuan) of projects hosted in the district that started "
            "that year.",
            "万元",
            "10k yuan",
        ),
    )
}


def in_unit(region_code: str, unit: str | None) -> bool:
    """Whether a region code lies in a unit: None is Beijing; a province or city code covers its children."""
    code = region_code or ""
    if unit is None:
        return code.startswith("11")
    if unit.endswith("0000"):
        return code[:2] == unit[:2]
    if unit.endswith("00"):
        return code[:4] == unit[:4]
    return code[:6] == unit[:6]


def measure_series(
    session: Session, code: str, *, years: Iterable[int], unit: str | None = None
) -> dict[int, float]:
    """One platform measure for one unit, per year asked for."""
    if code not in PLATFORM_MEASURES:
        raise NotFound(f"no platform measure '{code}'")
    wanted = sorted({int(year) for year in years})
    if not wanted:
        return {}
    if any(not 1900 <= year <= 2200 for year in wanted):
        raise InvalidInput("years must lie between 1900 and 2200", field="years")
    return _COMPUTE[code](session, wanted, unit)


def platform_values(
    session: Session, *, years: Iterable[int], units: Iterable[str], codes: Iterable[str] | None = None
) -> list[tuple[str, int, str, float]]:
    """Every measure for every unit and year as long rows (unit, year, code, value), ready to import."""
    rows: list[tuple[str, int, str, float]] = []
    year_list = list(years)
    for unit in units:
        for code in codes or PLATFORM_MEASURES:
            rows += [
                (unit, y, code, v)
                for y, v in measure_series(session, code, years=year_list, unit=unit).items()
            ]
    return rows


def indicator_series(
    session: Session, indicator_code: str, unit_code: str, *, dataset: str | None = None
) -> dict[int, float]:
    """Imported values of one indicator for one unit, by year (one data set, or all when not named)."""
    query = select(Values.year, Values.value).where(
        Values.indicator_code == indicator_code, Values.unit_code == unit_code
    )
    if dataset is not None:
        query = query.where(Values.dataset == dataset)
    return {int(year): float(value) for year, value in session.execute(query.order_by(Values.id))}


def _registered(session: Session, years: list[int]) -> list[Contract]:
    return list(
        session.scalars(
            select(Contracts).where(
                Contracts.status == ContractStatus.REGISTERED,
                Contracts.registered_on >= date(years[0], 1, 1),
                Contracts.registered_on <= date(years[-1], 12, 31),
            )
        )
    )


def _sellers_in(session: Session, years: list[int], unit: str | None) -> list[Contract]:
    return [c for c in _registered(session, years) if _seller_in(c, unit) and c.registered_on]


def _seller_in(contract: Contract, unit: str | None) -> bool:
    return (contract.seller_country_code or "CN") == "CN" and in_unit(contract.seller_region_code, unit)


def _contract_amount(session: Session, years: list[int], unit: str | None) -> dict[int, float]:
    totals = dict.fromkeys(years, 0.0)
    for contract in _sellers_in(session, years, unit):
        year = contract.registered_on.year  # type: ignore[union-attr]
        if year in totals:
            totals[year] += contract.contract_amount
    return totals


def _contract_count(session: Session, years: list[int], unit: str | None) -> dict[int, float]:
    totals = dict.fromkeys(years, 0.0)
    for contract in _sellers_in(session, years, unit):
        year = contract.registered_on.year  # type: ignore[union-attr]
        if year in totals:
            totals[year] += 1
    return totals


def _flow_share(*flows: FlowDirection) -> Callable[[Session, list[int], str | None], dict[int, float]]:
    def compute(session: Session, years: list[int], unit: str | None) -> dict[int, float]:
        whole = dict.fromkeys(years, 0.0)
        part = dict.fromkeys(years, 0.0)
        for c in _sellers_in(session, years, unit):
            year = c.registered_on.year  # type: ignore[union-attr]
            if year not in whole:
                continue
            whole[year] += c.contract_amount
            direction = flow_direction(
                c.seller_region_code, c.seller_country_code, c.buyer_region_code, c.buyer_country_code
            )
            if direction in flows:
                part[year] += c.contract_amount
        return {year: part[year] / whole[year] for year in years if whole[year] > 0}

    return compute


def _org_regions(session: Session) -> dict[int, tuple[str, str]]:
    rows = session.execute(select(Organizations.id, Organizations.region_code, Organizations.country_code))
    return {int(i): (region or "", country or "CN") for i, region, country in rows}


def _org_in(regions: dict[int, tuple[str, str]], org_id: int | None, unit: str | None) -> bool:
    if org_id is None or org_id not in regions:
        return False
    region, country = regions[org_id]
    return country == "CN" and in_unit(region, unit)


def _achievements_listed(session: Session, years: list[int], unit: str | None) -> dict[int, float]:
    totals = dict.fromkeys(years, 0.0)
    rows = session.execute(
        select(Achievements.year, Achievements.region_code).where(
            Achievements.merged_into_id.is_(None),
            Achievements.status != ListingStatus.DRAFT,
            Achievements.year.in_(years),
        )
    )
    for year, region in rows:
        if in_unit(region, unit):
            totals[int(year)] += 1
    return totals


def _converted(session: Session, years: list[int], entity: str) -> list[tuple[Deal, Contract]]:
    """Deals on listings of one kind that produced a contract registered in one of the years."""
    contracts = {c.id: c for c in _registered(session, years)}
    deals = session.scalars(
        select(Deals).where(Deals.listing_entity == entity, Deals.contract_id.is_not(None))
    )
    return [(deal, contracts[deal.contract_id]) for deal in deals if deal.contract_id in contracts]


def _achievements_transferred(session: Session, years: list[int], unit: str | None) -> dict[int, float]:
    pairs = _converted(session, years, "achievement")
    ids = {deal.listing_id for deal, _ in pairs}
    regions: dict[int, str] = (
        dict(
            session.execute(
                select(Achievements.id, Achievements.region_code).where(Achievements.id.in_(ids))
            ).all()
        )
        if ids
        else {}
    )
    seen: dict[int, set[int]] = {year: set() for year in years}
    for deal, contract in pairs:
        year = contract.registered_on.year  # type: ignore[union-attr]
        if year in seen and in_unit(regions.get(deal.listing_id, ""), unit):
            seen[year].add(deal.listing_id)
    return {year: float(len(ids_)) for year, ids_ in seen.items()}


def _demand_owners(session: Session, ids: set[int]) -> dict[int, int | None]:
    if not ids:
        return {}
    return dict(session.execute(select(Demands.id, Demands.owner_org_id).where(Demands.id.in_(ids))).all())


def _demands_matched(session: Session, years: list[int], unit: str | None) -> dict[int, float]:
    start, end = datetime(years[0], 1, 1), datetime(years[-1] + 1, 1, 1)
    deals = list(
        session.scalars(
            select(Deals).where(
                Deals.listing_entity == "demand", Deals.created_at >= start, Deals.created_at < end
            )
        )
    )
    owners = _demand_owners(session, {d.listing_id for d in deals})
    regions = _org_regions(session)
    seen: dict[int, set[int]] = {year: set() for year in years}
    for deal in deals:
        year = deal.created_at.year
        if year in seen and _org_in(regions, owners.get(deal.listing_id), unit):
            seen[year].add(deal.listing_id)
    return {year: float(len(ids)) for year, ids in seen.items()}


def _demands_converted(session: Session, years: list[int], unit: str | None) -> dict[int, float]:
    pairs = _converted(session, years, "demand")
    owners = _demand_owners(session, {deal.listing_id for deal, _ in pairs})
    regions = _org_regions(session)
    seen: dict[int, set[int]] = {year: set() for year in years}
    for deal, contract in pairs:
        year = contract.registered_on.year  # type: ignore[union-attr]
        if year in seen and _org_in(regions, owners.get(deal.listing_id), unit):
            seen[year].add(deal.listing_id)
    return {year: float(len(ids)) for year, ids in seen.items()}


def _projects(amounts: bool) -> Callable[[Session, list[int], str | None], dict[int, float]]:
    def compute(session: Session, years: list[int], unit: str | None) -> dict[int, float]:
        totals = dict.fromkeys(years, 0.0)
        regions = _org_regions(session)
        rows = session.execute(
            select(Projects.host_org_id, Projects.start_date, Projects.amount).where(
                Projects.merged_into_id.is_(None),
                Projects.start_date >= date(years[0], 1, 1),
                Projects.start_date <= date(years[-1], 12, 31),
            )
        )
        for host, started, amount in rows:
            if started.year in totals and _org_in(regions, host, unit):
                totals[started.year] += float(amount or 0.0) if amounts else 1.0
        return totals

    return compute


def _collaboration_breadth(session: Session, years: list[int], unit: str | None) -> dict[int, float]:
    from kechuang.analytics.networks import collaboration_breadth
    from kechuang.domain.access import Actor
    from kechuang.store.db import UnitOfWork

    from ..insights.networks import platform_network

    network = platform_network(Actor.system("indicators"), UnitOfWork(session.get_bind().engine))
    members = {
        key: "unit"
        for key, node in network.nodes.items()
        if node.info.country == "CN" and in_unit(node.region_code, unit)
    }
    out = {}
    for year in years:
        edges = [tie.edge for tie in network.ties if tie.edge.year == year]
        out[year] = float(collaboration_breadth(edges, members).get("unit", 0))
    return out


_COMPUTE: dict[str, Callable[[Session, list[int], str | None], dict[int, float]]] = {
    "platform.contract_amount": _contract_amount,
    "platform.contract_count": _contract_count,
    "platform.share_tianjin_hebei": _flow_share(FlowDirection.TO_TIANJIN_HEBEI),
    "platform.share_other_provinces": _flow_share(FlowDirection.TO_OTHER_PROVINCES),
    "platform.share_abroad": _flow_share(FlowDirection.TO_ABROAD),
    "platform.achievements_listed": _achievements_listed,
    "platform.achievements_transferred": _achievements_transferred,
    "platform.demands_matched": _demands_matched,
    "platform.demands_converted": _demands_converted,
    "platform.funded_projects": _projects(amounts=False),
    "platform.project_funding": _projects(amounts=True),
    "platform.collaboration_breadth": _collaboration_breadth,
}
