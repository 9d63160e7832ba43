"""Collaboration networks from plain edge lists: how fragmented (碎片化) the innovation system is, per year.

Nodes are organizations (any hashable key); edges are weighted and typed (co-ownership, co-authorship,
contract, co-funded project) and dated by year. Everything here takes plain data, so a notebook, the CLI
or a batch job can run it. Community detection is networkx's Louvain (BSD): igraph and leidenalg are
GPL, which the project licence refuses; `bench/bench_networks.py` measures what that choice costs.
Modularity and the shares are one pass over the ties written here (checked against networkx's own
modularity in the tests); components use networkx's search, which measured faster than a union-find.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

__all__ = [
    "CROSS_SECTOR_PAIR",
    "Edge",
    "Fragmentation",
    "NodeInfo",
    "brokers",
    "bth_links",
    "build_graph",
    "collaboration_breadth",
    "communities",
    "component_sizes",
    "cross_sector_share",
    "fragmentation_by_year",
    "fragmentation_summary",
    "international_partners",
    "modularity",
]

Node = Any  # any hashable key: an organization id, 'org:12', a name
ACADEMIA = "academia"
ENTERPRISE = "enterprise"
CROSS_SECTOR_PAIR = frozenset({ACADEMIA, ENTERPRISE})
BTH = ("beijing", "tianjin", "hebei")
EXACT_BETWEENNESS_UP_TO = 2_000  # nodes; above this, brokers come from sampled sources
BROKER_SAMPLES = 100  # sampled sources; each is one breadth-first pass (bench: ~8 s at 1M ties, loaded)


@dataclass(frozen=True)
class Edge:
    """One tie between two organizations, e.g. they co-own an achievement or signed a contract."""

    source: Node
    target: Node
    weight: float = 1.0
    kind: str = ""
    year: int | None = None


@dataclass(frozen=True)
class NodeInfo:
    """What the measures need to know of a node: its sector, region group (see `domain.codes.region_group`)
    and country."""

    sector: str = "other"
    region: str = "other_cn"
    country: str = "CN"
    label: str = ""


@dataclass
class Fragmentation:
    """The per-year summary to track: fewer components, a larger giant and more cross-sector and
    Beijing-Tianjin-Hebei ties mean a less fragmented system."""

    year: int | None
    nodes: int
    edges: int
    total_weight: float
    components: int
    largest_component_share: float
    communities: int
    modularity: float
    cross_sector_share: float
    bth_share: float
    international_share: float
    isolates_share: float
    top_brokers: list[tuple[Node, float]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """Plain fields for JSON and spreadsheets."""
        data = dict(self.__dict__)
        data["top_brokers"] = [[str(node), round(score, 6)] for node, score in self.top_brokers]
        return data


def _merged(edges: Iterable[Edge]) -> dict[tuple[Node, Node], tuple[float, set[str]]]:
    """Undirected ties with parallel edges summed and self-loops dropped (an organization with itself
    is not collaboration)."""
    merged: dict[tuple[Node, Node], tuple[float, set[str]]] = {}
    for edge in edges:
        if edge.source == edge.target or not math.isfinite(edge.weight) or edge.weight <= 0:
            continue
        ordered = repr(edge.source) <= repr(edge.target)
        key = (edge.source, edge.target) if ordered else (edge.target, edge.source)
        weight, kinds = merged.get(key, (0.0, set()))
        if edge.kind:
            kinds = kinds | {edge.kind}
        merged[key] = (weight + edge.weight, kinds)
    return merged


def build_graph(edges: Iterable[Edge], nodes: Iterable[Node] = ()) -> nx.Graph:
    """An undirected weighted graph; `nodes` adds organizations with no tie (they count as isolates)."""
    graph = nx.Graph()
    graph.add_nodes_from(nodes)
    for (left, right), (weight, kinds) in _merged(edges).items():
        graph.add_edge(left, right, weight=weight, kinds=sorted(kinds))
    return graph


def component_sizes(graph: nx.Graph) -> list[int]:
    """Sizes of connected components, largest first (networkx's breadth-first search: 3-4 times faster than
    a union-find over the edge list in Python, bench_networks.py)."""
    return sorted((len(part) for part in nx.connected_components(graph)), reverse=True)


def modularity(graph: nx.Graph, groups: Sequence[Iterable[Node]], resolution: float = 1.0) -> float:
    """Newman's weighted modularity Q = Σ_c [W_c / m − γ (D_c / 2m)²] of a partition of the graph."""
    community_of = {node: index for index, group in enumerate(groups) for node in group}
    total = float(graph.size(weight="weight"))
    if total <= 0:
        return 0.0
    inside: dict[int, float] = defaultdict(float)
    degree: dict[int, float] = defaultdict(float)
    for left, right, weight in graph.edges(data="weight", default=1.0):
        a, b = community_of[left], community_of[right]
        degree[a] += weight
        degree[b] += weight
        if a == b:
            inside[a] += weight
    return sum(inside[c] / total - resolution * (degree[c] / (2 * total)) ** 2 for c in degree)


def communities(graph: nx.Graph, *, seed: int = 7, resolution: float = 1.0) -> list[set[Node]]:
    """Louvain communities (seeded, so a report regenerates the same ones), largest first."""
    if graph.number_of_edges() == 0:
        return [{node} for node in graph.nodes]
    found = nx.community.louvain_communities(graph, weight="weight", resolution=resolution, seed=seed)
    groups = [set(group) for group in found]
    return sorted(groups, key=lambda group: (-len(group), repr(min(group, key=repr))))


def brokers(
    graph: nx.Graph, *, top: int = 10, samples: int = BROKER_SAMPLES, seed: int = 7
) -> list[tuple[Node, float]]:
    """Organizations bridging otherwise separate groups: highest normalised betweenness first.

    Exact up to `EXACT_BETWEENNESS_UP_TO` nodes; above that Brandes' algorithm from `samples` random
    sources (an unbiased estimate), since the exact one is O(nodes × edges). Ties are unweighted hops:
    a stronger tie is not a longer path.
    """
    if graph.number_of_edges() == 0:
        return []
    n = graph.number_of_nodes()
    sample = None if n <= EXACT_BETWEENNESS_UP_TO else min(samples, n)
    scores = nx.betweenness_centrality(graph, k=sample, normalized=True, seed=seed)
    positive = [(node, score) for node, score in scores.items() if score > 0]
    ranked = sorted(positive, key=lambda pair: (-pair[1], repr(pair[0])))
    return ranked[:top]


def _share(graph: nx.Graph, keep: Callable[[Node, Node], bool]) -> float:
    total = float(graph.size(weight="weight"))
    if total <= 0:
        return 0.0
    chosen = sum(w for left, right, w in graph.edges(data="weight", default=1.0) if keep(left, right))
    return chosen / total


def cross_sector_share(graph: nx.Graph, info: Mapping[Node, NodeInfo]) -> float:
    """Share of tie weight between academia (universities, institutes) and enterprises."""
    unknown = NodeInfo()
    return _share(
        graph, lambda a, b: {info.get(a, unknown).sector, info.get(b, unknown).sector} == CROSS_SECTOR_PAIR
    )


def bth_links(graph: nx.Graph, info: Mapping[Node, NodeInfo]) -> dict[str, float]:
    """Beijing–Tianjin–Hebei link strength: tie weight between each pair of the three, and the share of
    Beijing's ties to outside Beijing that go to Tianjin or Hebei."""
    unknown = NodeInfo()
    pairs: dict[str, float] = defaultdict(float)
    beijing_external = 0.0
    for left, right, weight in graph.edges(data="weight", default=1.0):
        a, b = sorted((info.get(left, unknown).region, info.get(right, unknown).region))
        if a in BTH and b in BTH and a != b:
            pairs[f"{a}-{b}"] += weight
        if (a == "beijing") != (b == "beijing"):
            beijing_external += weight
    to_neighbours = pairs["beijing-tianjin"] + pairs["beijing-hebei"]
    return {
        "beijing-tianjin": pairs["beijing-tianjin"],
        "beijing-hebei": pairs["beijing-hebei"],
        "hebei-tianjin": pairs["hebei-tianjin"],
        "beijing_external": beijing_external,
        "bth_share_of_beijing_external": to_neighbours / beijing_external if beijing_external else 0.0,
    }


def international_partners(graph: nx.Graph, info: Mapping[Node, NodeInfo]) -> list[dict[str, Any]]:
    """The international partner network: per foreign country, tie weight, its partner organizations
    and the domestic organizations tied to them; strongest country first."""
    unknown = NodeInfo()
    weight_of: dict[str, float] = defaultdict(float)
    foreign: dict[str, set[Node]] = defaultdict(set)
    domestic: dict[str, set[Node]] = defaultdict(set)
    for left, right, weight in graph.edges(data="weight", default=1.0):
        for here, there in ((left, right), (right, left)):
            country = info.get(there, unknown).country or "CN"
            if country != "CN" and (info.get(here, unknown).country or "CN") == "CN":
                weight_of[country] += weight
                foreign[country].add(there)
                domestic[country].add(here)
    return [
        {
            "country": country,
            "weight": weight_of[country],
            "foreign_partners": sorted(foreign[country], key=repr),
            "domestic_partners": sorted(domestic[country], key=repr),
        }
        for country in sorted(weight_of, key=lambda c: (-weight_of[c], c))
    ]


def collaboration_breadth(edges: Iterable[Edge], unit_of: Mapping[Node, str]) -> dict[str, int]:
    """Collaboration breadth per unit (e.g. district): how many distinct organizations tie to at least
    one organization of the unit, not counting each organization itself. Organizations missing from
    `unit_of` count as partners but belong to no unit; units with no tie are absent (read them as 0)."""
    partners: dict[str, set[Node]] = defaultdict(set)
    for edge in edges:
        if edge.source == edge.target:
            continue
        for here, there in ((edge.source, edge.target), (edge.target, edge.source)):
            unit = unit_of.get(here)
            if unit is not None:
                partners[unit].add(there)
    return {unit: len(found) for unit, found in sorted(partners.items())}


def fragmentation_summary(
    edges: Sequence[Edge],
    info: Mapping[Node, NodeInfo],
    *,
    year: int | None = None,
    nodes: Iterable[Node] = (),
    seed: int = 7,
    top_brokers: int = 10,
) -> Fragmentation:
    """All fragmentation measures of one graph (e.g. one year's window of ties)."""
    graph = build_graph(edges, nodes)
    sizes = component_sizes(graph)
    groups = communities(graph, seed=seed)
    n = graph.number_of_nodes()
    unknown = NodeInfo()
    country = {node: info.get(node, unknown).country or "CN" for node in graph.nodes}
    foreign = _share(graph, lambda a, b: country[a] != country[b])
    return Fragmentation(
        year=year,
        nodes=n,
        edges=graph.number_of_edges(),
        total_weight=float(graph.size(weight="weight")),
        components=len(sizes),
        largest_component_share=sizes[0] / n if n else 0.0,
        communities=len(groups),
        modularity=modularity(graph, groups) if graph.number_of_edges() else 0.0,
        cross_sector_share=cross_sector_share(graph, info),
        bth_share=bth_links(graph, info)["bth_share_of_beijing_external"],
        international_share=foreign,
        isolates_share=sum(1 for size in sizes if size == 1) / n if n else 0.0,
        top_brokers=brokers(graph, top=top_brokers, seed=seed),
    )


def fragmentation_by_year(
    edges: Sequence[Edge],
    info: Mapping[Node, NodeInfo],
    *,
    window: int = 1,
    seed: int = 7,
) -> list[Fragmentation]:
    """One summary per year seen in the edges, each over ties dated in the `window` years ending then;
    undated ties are left out of the yearly series."""
    years = sorted({edge.year for edge in edges if edge.year is not None})
    summaries = []
    for year in years:
        chosen = [e for e in edges if e.year is not None and year - window < e.year <= year]
        summaries.append(fragmentation_summary(chosen, info, year=year, seed=seed))
    return summaries
