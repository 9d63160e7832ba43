"""Network measures checked against hand-made graphs and networkx's own reference functions."""

from __future__ import annotations

import networkx as nx
import pytest

from kechuang.analytics.networks import (
    Edge,
    NodeInfo,
    brokers,
    bth_links,
    build_graph,
    collaboration_breadth,
    communities,
    component_sizes,
    cross_sector_share,
    fragmentation_by_year,
    international_partners,
    modularity,
)

# Two triangles joined by a bridge c-d, a separate pair x-y, and an isolate z.
HAND_MADE = [
    Edge("a", "b"),
    Edge("b", "c"),
    Edge("a", "c"),
    Edge("c", "d", weight=2.0),
    Edge("d", "e"),
    Edge("e", "f"),
    Edge("d", "f"),
    Edge("x", "y"),
]


def test_components_of_a_hand_made_graph() -> None:
    graph = build_graph(HAND_MADE, nodes=["z"])
    assert component_sizes(graph) == [6, 2, 1]


def test_parallel_edges_are_summed_and_self_loops_dropped() -> None:
    graph = build_graph([Edge(1, 2, 1.5, "contract"), Edge(2, 1, 2.0, "ownership"), Edge(3, 3)])
    assert graph.number_of_edges() == 1
    assert graph[1][2]["weight"] == 3.5
    assert graph[1][2]["kinds"] == ["contract", "ownership"]
    assert 3 not in graph


@pytest.mark.parametrize("resolution", [1.0, 0.5, 2.0])
def test_modularity_matches_networkx_on_karate_club(resolution: float) -> None:
    graph = nx.karate_club_graph()  # weighted (number of shared activities)
    groups = communities(graph, seed=3)
    ours = modularity(graph, groups, resolution=resolution)
    theirs = nx.community.modularity(graph, groups, weight="weight", resolution=resolution)
    assert ours == pytest.approx(theirs, abs=1e-12)
    assert len(groups) >= 2


def test_modularity_of_two_joined_triangles_by_hand() -> None:
    # m = 6 + 2 = 8; each triangle: inside 3, degree sum 3*2 + 2 = 8 -> Q = 2 * (3/8 - (8/16)^2) = 0.25
    graph = build_graph(HAND_MADE[:7])
    assert modularity(graph, [{"a", "b", "c"}, {"d", "e", "f"}]) == pytest.approx(0.25)
    light_bridge = build_graph([*HAND_MADE[:3], Edge("c", "d"), *HAND_MADE[4:7]])
    assert communities(light_bridge) == [{"a", "b", "c"}, {"d", "e", "f"}]


def test_the_bridge_ends_are_the_brokers() -> None:
    graph = build_graph(HAND_MADE[:7])
    top = brokers(graph, top=2)
    assert {node for node, _ in top} == {"c", "d"}
    assert top[0][1] == pytest.approx(nx.betweenness_centrality(graph)["c"])


def test_sampled_brokers_on_a_big_star_find_the_hub() -> None:
    graph = build_graph([Edge("hub", i) for i in range(3000)])
    assert brokers(graph, top=1, samples=50)[0][0] == "hub"


INFO = {
    "uni": NodeInfo(sector="academia", region="beijing"),
    "ent": NodeInfo(sector="enterprise", region="tianjin"),
    "ent2": NodeInfo(sector="enterprise", region="hebei"),
    "ent3": NodeInfo(sector="enterprise", region="other_cn"),
    "mit": NodeInfo(sector="academia", region="abroad", country="US"),
}


def test_cross_sector_bth_and_international_shares() -> None:
    graph = build_graph(
        [
            Edge("uni", "ent", 3.0),
            Edge("uni", "ent2", 1.0),
            Edge("uni", "ent3", 4.0),
            Edge("uni", "mit", 2.0),
            Edge("ent", "ent2", 1.0),
        ]
    )
    assert cross_sector_share(graph, INFO) == pytest.approx(8.0 / 11.0)
    links = bth_links(graph, INFO)
    assert links["beijing-tianjin"] == 3.0 and links["beijing-hebei"] == 1.0 and links["hebei-tianjin"] == 1.0
    assert links["bth_share_of_beijing_external"] == pytest.approx(4.0 / 10.0)
    partners = international_partners(graph, INFO)
    assert partners == [
        {"country": "US", "weight": 2.0, "foreign_partners": ["mit"], "domestic_partners": ["uni"]}
    ]


def test_collaboration_breadth_counts_distinct_partners_per_unit() -> None:
    edges = [
        Edge("a1", "b1"),
        Edge("a1", "b1"),
        Edge("a2", "b1"),
        Edge("a1", "a2"),
        Edge("a2", "c1"),
        Edge("b2", "b2"),
    ]
    unit_of = {"a1": "A", "a2": "A", "b1": "B", "b2": "B"}
    # A's orgs tie to b1, a2 (for a1), a1 (for a2), c1 -> {b1, a1, a2, c1}; B's b1 ties to a1, a2
    assert collaboration_breadth(edges, unit_of) == {"A": 4, "B": 2}


def test_fragmentation_by_year_uses_the_window() -> None:
    edges = [
        Edge("uni", "ent", 1.0, year=2021),
        Edge("ent2", "ent3", 1.0, year=2021),
        Edge("uni", "ent2", 1.0, year=2022),
        Edge("x", "y", year=None),
    ]
    yearly = {f.year: f for f in fragmentation_by_year(edges, INFO, window=2)}
    assert yearly[2021].components == 2 and yearly[2021].largest_component_share == 0.5
    assert yearly[2022].components == 1 and yearly[2022].nodes == 4
    assert yearly[2022].cross_sector_share == pytest.approx(2 / 3)
    assert yearly[2022].as_dict()["top_brokers"][0][0] in {"uni", "ent2"}
