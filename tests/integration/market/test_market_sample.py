"""The sample market: a year of registered contracts across every flow, deals at every stage, a valid chain."""

from __future__ import annotations

from kechuang.domain.access import Actor
from kechuang.domain.market import DealStage, FlowDirection
from kechuang.services import audit, market
from kechuang.services.market_sample import load_market_sample
from kechuang.services.market_stats import contract_statistics
from kechuang.services.sample import load_sample

OFFICER = Actor(name="officer", roles=frozenset({"officer"}), authenticated=True)


def test_sample_year_has_every_flow_and_deals_at_every_stage(uow):
    load_sample(uow)
    loaded = load_market_sample(uow)
    assert loaded["contracts"] == 480 and loaded["deals"] == 9
    stats = contract_statistics(OFFICER, uow, year=2025)
    assert stats.total.count == 480
    assert {b.key for b in stats.groups["flow"]} == {f.value for f in FlowDirection} - {"outside_beijing"}
    assert {b.key for b in stats.groups["type"]} == {"development", "transfer", "license", "consulting", "service"}
    assert len(stats.groups["month"]) == 12
    assert any(b.key.startswith("1101") for b in stats.groups["buyer_region"])  # Beijing districts one by one
    deals, count = market.list_deals(OFFICER, uow, limit=50)
    assert count == 9 and {d.stage for d in deals} == set(DealStage)
    assert audit.verify(OFFICER, uow).ok
    again = load_market_sample(uow)
    assert again == {"contracts": 0, "deals": 0}  # idempotent
