"""Platform measures agree with sums taken straight from the sample files, not through the service."""

from __future__ import annotations

import json
from importlib.resources import files

import pytest

from kechuang.domain.errors import NotFound
from kechuang.services.indicators.platform import PLATFORM_MEASURES, indicator_series, measure_series
from kechuang.services.market_sample import load_market_sample
from kechuang.services.sample import load_sample


def _sample_contracts() -> list[dict]:
    text = (files("kechuang.sample") / "contracts.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture
def market(uow):
    load_sample(uow)
    load_market_sample(uow)
    return uow


def test_every_measure_has_bilingual_name_definition_and_unit():
    assert len(PLATFORM_MEASURES) >= 10
    for code, measure in PLATFORM_MEASURES.items():
        assert measure.code == code
        assert all(
            [
                measure.name_zh,
                measure.name_en,
                measure.definition_zh,
                measure.definition_en,
                measure.unit_zh,
                measure.unit_en,
            ]
        )


def test_contract_amount_count_and_flows_of_haidian_match_the_sample_register(market):
    rows = [
        c
        for c in _sample_contracts()
        if c["seller_region_code"] == "110108"
        and c.get("seller_country_code", "CN") == "CN"
        and c["registered_on"].startswith("2025")
    ]
    assert rows, "the sample has registered contracts sold from Haidian"
    amount = sum(c["contract_amount"] for c in rows)
    to_jj = sum(
        c["contract_amount"]
        for c in rows
        if c.get("buyer_country_code", "CN") == "CN" and c["buyer_region_code"][:2] in {"12", "13"}
    )
    abroad = sum(c["contract_amount"] for c in rows if c.get("buyer_country_code", "CN") != "CN")
    with market() as session:
        got_amount = measure_series(session, "platform.contract_amount", years=[2024, 2025], unit="110108")
        got_count = measure_series(session, "platform.contract_count", years=[2025], unit="110108")
        got_jj = measure_series(session, "platform.share_tianjin_hebei", years=[2024, 2025], unit="110108")
        got_abroad = measure_series(session, "platform.share_abroad", years=[2025], unit="110108")
        whole = measure_series(session, "platform.contract_count", years=[2025])
    assert got_amount == pytest.approx({2024: 0.0, 2025: amount})
    assert got_count == {2025: float(len(rows))}
    assert got_jj == pytest.approx({2025: to_jj / amount})  # 2024 has no contracts: no share at all
    assert got_abroad == pytest.approx({2025: abroad / amount})
    beijing = [
        c
        for c in _sample_contracts()
        if c["seller_region_code"].startswith("11") and c.get("seller_country_code", "CN") == "CN"
    ]
    assert whole == {2025: float(len(beijing))}


def test_listing_and_project_measures_count_records_of_the_district(market):
    with market() as session:
        listed = measure_series(session, "platform.achievements_listed", years=range(2018, 2027), unit=None)
        projects = measure_series(session, "platform.funded_projects", years=range(2018, 2027))
        matched = measure_series(session, "platform.demands_matched", years=range(2024, 2027))
    text = (files("kechuang.sample") / "achievements.jsonl").read_text(encoding="utf-8")
    achievements = [json.loads(line) for line in text.splitlines() if line.strip()]
    expected = sum(
        1
        for a in achievements
        if str(a.get("region_code", "")).startswith("11")
        and 2018 <= (a.get("year") or 0) <= 2026
        and a.get("status", "open") != "draft"
    )
    assert sum(listed.values()) == expected
    assert sum(projects.values()) > 0
    assert set(matched) == {2024, 2025, 2026}


def test_unknown_measure_is_not_found_and_imported_series_are_empty_without_data(uow):
    with uow() as session:
        with pytest.raises(NotFound):
            measure_series(session, "platform.nothing", years=[2025])
        assert indicator_series(session, "rd_intensity", "110108") == {}


def test_collaboration_breadth_per_year_is_bounded_by_the_all_years_breadth_of_the_insights_module(market):
    from kechuang.domain.access import Actor
    from kechuang.services.insights.networks import collaboration_breadth_by_district

    overall = collaboration_breadth_by_district(Actor.system("t"), market)
    with market() as session:
        yearly = measure_series(
            session, "platform.collaboration_breadth", years=range(2015, 2027), unit="110108"
        )
    assert max(yearly.values()) > 0
    assert all(0 <= v <= overall["110108"] for v in yearly.values())
