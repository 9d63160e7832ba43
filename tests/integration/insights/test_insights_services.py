"""Networks, radar and chain maps fed from the platform sample, checked against the analytics by hand."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kechuang.analytics import networks as nets
from kechuang.domain.access import Actor
from kechuang.domain.entities import Achievement, Organization, Ownership
from kechuang.domain.enums import OrgKind, Visibility
from kechuang.domain.errors import Conflict, InvalidInput, NotFound
from kechuang.domain.insights import SHIPPED_CHAINS, Chain
from kechuang.domain.market import Contract, ContractStatus
from kechuang.services import audit
from kechuang.services.insights import chain_map, chains, networks, trends
from kechuang.services.insights.sample import load_insights_sample
from kechuang.services.match_index import MatchIndexes

OFFICER = Actor(name="officer", roles=frozenset({"officer"}), authenticated=True)
ENTERPRISE = Actor(name="ent", roles=frozenset({"enterprise"}), authenticated=True, organization_id=1)


def org_id(uow, external_id: str) -> int:
    with uow() as session:
        return session.scalar(select(Organization.id).where(Organization.external_id == external_id))


def test_sample_installs_three_chains_once(sampled) -> None:
    assert load_insights_sample(sampled) == {"chains": 0}
    codes = [c.chain.code for c in chains.list_chains(OFFICER, sampled)]
    assert codes == ["nev-battery", "integrated-circuits", "biomedicine"]
    with sampled() as session:
        assert session.scalar(select(func.count()).select_from(Chain)) == len(SHIPPED_CHAINS)


def test_outsiders_are_told_nothing_exists(sampled) -> None:
    for call in (
        lambda: networks.network_view(ENTERPRISE, sampled),
        lambda: trends.radar(ENTERPRISE, sampled),
        lambda: chains.list_chains(ENTERPRISE, sampled),
        lambda: chains.list_chains(Actor(), sampled),
    ):
        with pytest.raises(NotFound):
            call()


def test_network_measures_match_the_analytics_on_the_same_ties(sampled) -> None:
    network = networks.platform_network(OFFICER, sampled)
    edges = [tie.edge for tie in network.ties]
    view = networks.network_view(OFFICER, sampled)
    graph = nets.build_graph(edges)
    assert view.summary["nodes"] == graph.number_of_nodes()
    assert view.summary["components"] == len(nets.component_sizes(graph))
    assert view.summary["cross_sector_share"] == pytest.approx(nets.cross_sector_share(graph, network.info))
    assert {tie.edge.kind for tie in network.ties} >= {"ownership", "authorship", "contract", "project"}
    # every registered contract is one tie, between organizations or named parties
    with sampled() as session:
        registered = session.scalar(
            select(func.count()).select_from(Contract).where(Contract.status == ContractStatus.REGISTERED)
        )
    assert sum(1 for tie in network.ties if tie.edge.kind == "contract") == registered
    assert 0 < view.summary["largest_component_share"] <= 1
    assert view.international and all(row["country"] != "CN" for row in view.international)
    assert len(view.nodes) <= networks.VIEW_NODES and view.links


def test_contract_parties_named_like_registered_organizations_join_their_node(sampled) -> None:
    network = networks.platform_network(OFFICER, sampled)
    tianling = f"org:{org_id(sampled, 'org-ent-tianling')}"
    assert not any(key == "name:北京天翎航天科技有限公司" for key in network.nodes)
    assert any(tianling in (t.edge.source, t.edge.target) and t.edge.kind == "contract" for t in network.ties)


def test_confidential_co_ownership_is_left_out_for_officers(sampled, admin) -> None:
    left, right = org_id(sampled, "org-f-kiam"), org_id(sampled, "org-hb-zhuxin")
    with sampled() as session:
        secret = Achievement(title_zh="保密成果", visibility=Visibility.CONFIDENTIAL, owner_org_id=left, year=2024)
        session.add(secret)
        session.flush()
        session.add_all([Ownership(achievement_id=secret.id, organization_id=left),
                         Ownership(achievement_id=secret.id, organization_id=right)])
    pair = {f"org:{left}", f"org:{right}"}

    def tied(actor: Actor) -> bool:
        ties = networks.platform_network(actor, sampled).ties
        return any({t.edge.source, t.edge.target} == pair and t.edge.kind == "ownership" for t in ties)

    assert not tied(OFFICER)
    assert tied(admin)


def test_filters_narrow_the_network_and_bad_values_name_the_field(sampled) -> None:
    everything = networks.network_view(OFFICER, sampled)
    hebei = networks.network_view(OFFICER, sampled, networks.NetworkFilter(region="hebei"))
    assert 0 < hebei.summary["edges"] < everything.summary["edges"]
    assert all("hebei" in {n["region"] for n in hebei.nodes if n["id"] in (link["source"], link["target"])}
               for link in hebei.links)
    contracts = networks.network_view(OFFICER, sampled, networks.NetworkFilter(kind="contract", year_from=2025))
    assert all(row["year"] >= 2025 for row in contracts.by_year)
    with pytest.raises(InvalidInput) as refused:
        networks.network_view(OFFICER, sampled, networks.NetworkFilter(sector="aliens"))
    assert refused.value.field == "sector"


def test_breadth_per_district_counts_distinct_partners(sampled) -> None:
    breadth = networks.collaboration_breadth_by_district(OFFICER, sampled)
    assert breadth["110108"] > 0 and all(code.startswith("11") for code in breadth)


def test_radar_topics_carry_their_evidence_and_curve(sampled) -> None:
    found = trends.radar(OFFICER, sampled, top=50)
    assert found
    for radar in found:
        for topic in radar.topics:
            assert len(topic.counts) == len(topic.years) and sum(topic.counts) == topic.volume
            assert topic.evidence and all(ref.split(":")[0] in trends.SOURCES for ref in topic.evidence)
            assert topic.term not in trends.FORM_WORDS
    achievements_only = trends.radar(OFFICER, sampled, sources=("achievement",), top=50)
    refs = {ref for radar in achievements_only for t in radar.topics for ref in t.evidence}
    assert refs and all(ref.startswith("achievement:") for ref in refs)
    with pytest.raises(InvalidInput):
        trends.radar(OFFICER, sampled, sources=("gossip",))


CHAIN = {
    "code": "test-chain",
    "name_zh": "测试链",
    "name_en": "Test chain",
    "nodes": [
        {"stage": "components", "name_zh": "电芯", "name_en": "Cells", "industry_codes": ["3841"],
         "keywords_zh": ["锂电池"], "keywords_en": []},
        {"stage": "materials", "name_zh": "特钢", "name_en": "Special steel", "industry_codes": ["31"],
         "keywords_zh": ["特钢"], "keywords_en": ["special steel"]},
    ],
}


def test_chain_edits_are_versioned_audited_and_idempotent(sampled) -> None:
    saved = chains.save_chain(OFFICER, sampled, CHAIN, idempotency_key="k1")
    again = chains.save_chain(OFFICER, sampled, CHAIN, idempotency_key="k1")
    assert again.chain.id == saved.chain.id and saved.chain.version == 1
    assert [n.stage.value for n in saved.nodes] == ["materials", "components"]  # stage order, upstream first
    with pytest.raises(Conflict):
        chains.save_chain(OFFICER, sampled, CHAIN)  # same code
    edited = dict(CHAIN, name_en="Edited")
    updated = chains.save_chain(OFFICER, sampled, edited, chain_id=saved.chain.id, expected_version=1)
    assert updated.chain.version == 2 and updated.chain.name_en == "Edited"
    with pytest.raises(Conflict):
        chains.save_chain(OFFICER, sampled, edited, chain_id=saved.chain.id, expected_version=1)
    with pytest.raises(InvalidInput) as refused:
        chains.save_chain(OFFICER, sampled, dict(CHAIN, code="Bad Code", nodes=[{"stage": "x"}]))
    assert set(refused.value.problems) >= {"code", "nodes[0].stage", "nodes[0].name_zh"}
    chains.delete_chain(OFFICER, sampled, saved.chain.id)
    with pytest.raises(NotFound):
        chains.get_chain(OFFICER, sampled, saved.chain.id)
    assert audit.verify(OFFICER, sampled).ok


def test_gaps_have_candidates_elsewhere_and_engine_matches_with_reasons(sampled, tmp_path) -> None:
    chain = chains.save_chain(OFFICER, sampled, CHAIN)
    found = chain_map.chain_map(OFFICER, sampled, chain.chain.id, MatchIndexes(tmp_path / "idx", "none"))
    steel, cells = found["nodes"]
    # Beijing has battery-cell makers (e.g. Haochu, 3849 is not 3841 but Yichi is 3841); steel only in Tangshan
    assert not cells["gap"] and cells["suppliers"]["beijing"]
    assert steel["gap"] and not steel["suppliers"]["beijing"] and not steel["regional_gap"]
    assert steel["candidates"][0]["name_en"].startswith("Tangshan")
    assert steel["matches"] and all(m["reasons"] and m["reasons"][0]["zh"] for m in steel["matches"])
    assert found["gaps"] == 1
    with sampled() as session:
        steel_makers = session.scalars(select(Organization).where(Organization.kind == OrgKind.ENTERPRISE)).all()
    assert any("31" in o.industry_codes and o.region_code.startswith("13") for o in steel_makers)


def test_shipped_chains_show_gaps_in_the_sample(sampled, tmp_path) -> None:
    indexes = MatchIndexes(tmp_path / "idx", "none")
    for item in chains.list_chains(OFFICER, sampled):
        found = chain_map.chain_map(OFFICER, sampled, item.chain.id, indexes)
        assert found["gaps"] == sum(1 for node in found["nodes"] if not node["suppliers"]["beijing"])
        assert any(node["achievement_count"] for node in found["nodes"])
    ic = next(c for c in chains.list_chains(OFFICER, sampled) if c.chain.code == "integrated-circuits")
    equipment = chain_map.chain_map(OFFICER, sampled, ic.chain.id, indexes)["nodes"][1]
    assert equipment["gap"] and equipment["candidates"][0]["name_en"].startswith("Shanghai Puxin")


def test_industry_codes_match_under_a_node_or_as_a_group_above_it() -> None:
    from kechuang.domain.insights import industry_matches

    assert industry_matches(["384"], ["3841"])  # a class under the node's group
    assert industry_matches(["3841"], ["384"])  # a group above a finer node
    assert not industry_matches(["3841"], ["38"])  # a division is too broad to say it supplies cells
    assert not industry_matches(["3841"], ["3842", "P"])
    assert not industry_matches(["3841"], [""])
