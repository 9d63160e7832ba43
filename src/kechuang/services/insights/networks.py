"""Collaboration networks from the platform's own records, and the views officers read them through.

Ties: organizations co-owning an achievement (`ownership`); organizations whose people co-author one
(`authorship`); the two sides of a deal not yet under contract (`deal`) and of a registered contract
(`contract`; a party known only by name joins the organization of that name or alias, else becomes a
`name:` node); a funded project's host and the other organizations its principal investigator belongs to
(`project`). Records the actor may not see are left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.analytics import networks as nets
from kechuang.domain.access import Actor, can_see
from kechuang.domain.entities import Achievement, Affiliation, Authorship, Ownership, Person, Project
from kechuang.domain.errors import InvalidInput
from kechuang.domain.market import Contract, ContractStatus, Deal, DealStage
from kechuang.store.db import UnitOfWork

from .base import (
    REGIONS,
    SECTORS,
    OrgNode,
    field_label,
    field_of,
    name_index,
    org_key,
    organization_nodes,
    region_of,
    require_analyst,
    sector_of_name,
)

Achievements: Any = Achievement
Owners: Any = Ownership
Authors: Any = Authorship
People: Any = Person
Projects: Any = Project
Affiliations: Any = Affiliation
Deals: Any = Deal
Contracts: Any = Contract
TIE_KINDS = ("ownership", "authorship", "deal", "contract", "project")
TIE_COLUMNS = (
    "id", "seller_org_id", "seller_name", "seller_region_code", "seller_country_code", "buyer_org_id",
    "buyer_name", "buyer_region_code", "buyer_country_code", "signed_on", "registered_on", "industry_codes",
    "discipline_codes",
)  # fmt: skip
"""What a contract tie reads of a contract."""
VIEW_NODES = 300  # the drawn graph keeps the strongest organizations; measures use every tie


@dataclass
class Tie:
    """One tie with what it came from: the record (e.g. 'achievement:12') and its field."""

    edge: nets.Edge
    field: str
    record: str


@dataclass
class PlatformNetwork:
    """All ties the actor may see, and every node they touch."""

    ties: list[Tie]
    nodes: dict[str, OrgNode]

    @property
    def info(self) -> dict[Any, nets.NodeInfo]:
        return {key: node.info for key, node in self.nodes.items()}


def _pairs(keys: set[str]) -> list[tuple[str, str]]:
    return list(combinations(sorted(keys), 2))


def party_key(org_id: int | None, name: str, known: Collection[int], names: dict[str, int]) -> str | None:
    """A contract party's node: its organization (by id, else by name or alias, `name_index`), else a node of
    its name (`name:...`); None for a party with neither."""
    org_id = org_id if org_id in known else names.get(name.strip().casefold())
    if org_id in known:
        return org_key(org_id)  # type: ignore[arg-type]
    return f"name:{name.strip()}" if name.strip() else None


def contract_year(contract: Any) -> int | None:
    """The year a contract tie carries: signed, else registered."""
    day = contract.signed_on or contract.registered_on
    return day.year if day else None


def _named_node(nodes: dict[str, OrgNode], name: str, region_code: str, country: str) -> str:
    key = f"name:{name.strip()}"
    if key not in nodes:
        info = nets.NodeInfo(
            sector=sector_of_name(name),
            region=region_of(region_code, country),
            country=country or "CN",
            label=name.strip(),
        )
        nodes[key] = OrgNode(key, name.strip(), info, region_code)
    return key


def platform_network(actor: Actor, uow: UnitOfWork, lang: str = "zh") -> PlatformNetwork:
    """Read every kind of tie from the registry and the market."""
    with uow() as session:
        by_id = organization_nodes(session, lang)
        nodes = {node.key: node for node in by_id.values()}
        ties = _achievement_ties(session, actor, by_id) + _market_ties(
            session, by_id, nodes, name_index(session)
        )
        ties += _project_ties(session, actor, by_id)
    return PlatformNetwork(ties, nodes)


def _achievement_ties(session: Session, actor: Actor, by_id: dict[int, OrgNode]) -> list[Tie]:
    visible = {
        a.id: a
        for a in session.scalars(select(Achievements).where(Achievements.merged_into_id.is_(None)))
        if can_see(actor, a.visibility, a.owner_org_id)
    }
    owners: dict[int, set[str]] = defaultdict(set)
    for row in session.scalars(select(Owners)):
        if row.achievement_id in visible and row.organization_id in by_id:
            owners[row.achievement_id].add(org_key(row.organization_id))
    person_org = {p.id: p.organization_id for p in session.scalars(select(People))}
    authors: dict[int, set[str]] = defaultdict(set)
    for row in session.scalars(select(Authors)):
        org_id = person_org.get(row.person_id)
        if row.achievement_id in visible and org_id in by_id:
            authors[row.achievement_id].add(org_key(org_id))  # type: ignore[arg-type]
    ties = []
    for kind, groups in (("ownership", owners), ("authorship", authors)):
        for achievement_id, keys in groups.items():
            item = visible[achievement_id]
            topic = field_of(item.industry_codes, item.discipline_codes)
            for left, right in _pairs(keys):
                ties.append(
                    Tie(nets.Edge(left, right, 1.0, kind, item.year), topic, f"achievement:{achievement_id}")
                )
    return ties


def _market_ties(
    session: Session, by_id: dict[int, OrgNode], nodes: dict[str, OrgNode], names: dict[str, int]
) -> list[Tie]:
    ties = []
    columns = (getattr(Contracts, name) for name in TIE_COLUMNS)  # plain rows: no object per contract
    for contract in session.execute(select(*columns).where(Contracts.status == ContractStatus.REGISTERED)):
        sides = []
        for org_id, name, region, country in (
            (
                contract.seller_org_id,
                contract.seller_name,
                contract.seller_region_code,
                contract.seller_country_code,
            ),
            (
                contract.buyer_org_id,
                contract.buyer_name,
                contract.buyer_region_code,
                contract.buyer_country_code,
            ),
        ):
            key = party_key(org_id, name, by_id, names)
            if key is not None and key.startswith("name:"):
                _named_node(nodes, name, region, country)
            if key is not None:
                sides.append(key)
        if len(sides) == 2:
            topic = field_of(contract.industry_codes, contract.discipline_codes)
            edge = nets.Edge(sides[0], sides[1], 1.0, "contract", contract_year(contract))
            ties.append(Tie(edge, topic, f"contract:{contract.id}"))
    for deal in session.scalars(select(Deals).where(Deals.contract_id.is_(None))):
        if (
            deal.stage == DealStage.REJECTED
            or deal.seller_org_id not in by_id
            or deal.buyer_org_id not in by_id
        ):
            continue
        year = deal.created_at.year if deal.created_at else None
        edge = nets.Edge(org_key(deal.seller_org_id), org_key(deal.buyer_org_id), 1.0, "deal", year)
        ties.append(Tie(edge, "other", f"deal:{deal.id}"))
    return ties


def _project_ties(session: Session, actor: Actor, by_id: dict[int, OrgNode]) -> list[Tie]:
    """A project ties its host to every other organization its principal investigator belongs to while it
    runs (main organization and affiliations): the partners that co-fund and co-staff it."""
    person_org = {p.id: p.organization_id for p in session.scalars(select(People))}
    affiliations: dict[int, list[Affiliation]] = defaultdict(list)
    for row in session.scalars(select(Affiliations)):
        affiliations[row.person_id].append(row)
    ties = []
    for project in session.scalars(select(Projects).where(Projects.merged_into_id.is_(None))):
        if project.host_org_id not in by_id or not can_see(actor, project.visibility, project.owner_org_id):
            continue
        year = project.start_date.year if project.start_date else None
        partners = {person_org.get(project.pi_person_id)}
        for row in affiliations.get(project.pi_person_id, []):
            ended = row.end_year is not None and year is not None and row.end_year < year
            started_late = row.start_year is not None and year is not None and row.start_year > year
            if not (ended or started_late):
                partners.add(row.organization_id)
        for partner in sorted(p for p in partners if p in by_id and p != project.host_org_id):
            edge = nets.Edge(org_key(project.host_org_id), org_key(partner), 1.0, "project", year)
            ties.append(Tie(edge, field_of([], project.discipline_codes), f"project:{project.id}"))
    return ties


@dataclass
class NetworkFilter:
    """What the officer narrowed the view to; empty means everything."""

    sector: str = ""
    region: str = ""
    field: str = ""
    kind: str = ""
    year_from: int | None = None
    year_to: int | None = None

    def check(self) -> None:
        for name, value, allowed in (
            ("sector", self.sector, SECTORS),
            ("region", self.region, REGIONS),
            ("kind", self.kind, TIE_KINDS),
        ):
            if value and value not in allowed:
                raise InvalidInput(f"{name} must be one of: {', '.join(allowed)}", field=name)
        if len(self.field) > 20:
            raise InvalidInput("field is a code such as i:39 or d:520", field="field")
        for name, year in (("year_from", self.year_from), ("year_to", self.year_to)):
            if year is not None and not 1900 <= year <= 2100:
                raise InvalidInput("a year between 1900 and 2100", field=name)

    def keeps(self, tie: Tie, info: dict[Any, nets.NodeInfo]) -> bool:
        edge = tie.edge
        if (self.field and tie.field != self.field) or (self.kind and edge.kind != self.kind):
            return False
        if (self.year_from or self.year_to) and edge.year is None:
            return False
        if self.year_from and edge.year is not None and edge.year < self.year_from:
            return False
        if self.year_to and edge.year is not None and edge.year > self.year_to:
            return False
        ends = (info[edge.source], info[edge.target])
        if self.sector and not any(end.sector == self.sector for end in ends):
            return False
        return not (self.region and not any(end.region == self.region for end in ends))


@dataclass
class NetworkView:
    """What the network page and API show: the measures, the yearly series and a drawable graph."""

    summary: dict[str, Any]
    by_year: list[dict[str, Any]]
    bth: dict[str, float]
    international: list[dict[str, Any]]
    nodes: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)
    fields: list[dict[str, str]] = field(default_factory=list)


def network_view(
    actor: Actor,
    uow: UnitOfWork,
    where: NetworkFilter | None = None,
    *,
    lang: str = "zh",
    window: int = 1,
    limit: int = VIEW_NODES,
) -> NetworkView:
    """The measures of the (filtered) platform network and its strongest part for drawing."""
    require_analyst(actor)
    where = where or NetworkFilter()
    where.check()
    network = platform_network(actor, uow, lang)
    info = network.info
    fields = sorted({tie.field for tie in network.ties})
    chosen = [tie for tie in network.ties if where.keeps(tie, info)]
    edges = [tie.edge for tie in chosen]
    summary = nets.fragmentation_summary(edges, info)
    graph = nets.build_graph(edges)
    groups = nets.communities(graph)
    community_of = {node: index for index, group in enumerate(groups) for node in group}
    records: dict[str, list[str]] = defaultdict(list)
    for tie in chosen:
        for end in (tie.edge.source, tie.edge.target):
            if len(records[end]) < 20 and tie.record not in records[end]:
                records[end].append(tie.record)
    strength = dict(graph.degree(weight="weight"))
    shown = sorted(strength, key=lambda key: (-strength[key], key))[:limit]
    kept = set(shown)
    brokers = dict(summary.top_brokers)
    nodes = [
        {
            "id": key,
            "name": network.nodes[key].label,
            "sector": info[key].sector,
            "region": info[key].region,
            "country": info[key].country,
            "degree": graph.degree(key),
            "strength": strength[key],
            "community": community_of.get(key, -1),
            "broker": round(brokers.get(key, 0.0), 6),
            "records": records[key],
        }
        for key in shown
    ]
    links = [
        {"source": a, "target": b, "weight": data["weight"], "kinds": data["kinds"]}
        for a, b, data in graph.edges(data=True)
        if a in kept and b in kept
    ]
    return NetworkView(
        summary=summary.as_dict(),
        by_year=[f.as_dict() for f in nets.fragmentation_by_year(edges, info, window=window)],
        bth=nets.bth_links(graph, info),
        international=[
            {
                **row,
                "foreign_partners": [network.nodes[k].label for k in row["foreign_partners"]],
                "domestic_partners": [network.nodes[k].label for k in row["domestic_partners"]],
            }
            for row in nets.international_partners(graph, info)
        ],
        nodes=nodes,
        links=links,
        fields=[{"code": code, "label": field_label(code, lang)} for code in fields],
    )


def collaboration_breadth_by_district(actor: Actor, uow: UnitOfWork) -> dict[str, int]:
    """Distinct partner organizations per Beijing district (GB/T 2260 code), from every platform tie."""
    require_analyst(actor)
    network = platform_network(actor, uow)
    unit_of = {
        key: node.region_code
        for key, node in network.nodes.items()
        if node.region_code.startswith("11") and len(node.region_code) == 6
    }
    return nets.collaboration_breadth([tie.edge for tie in network.ties], unit_of)
