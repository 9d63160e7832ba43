"""The decision-support API: officers and admins only (404 for everyone else), shapes, edits, XLSX."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from signing_in import bearer

from kechuang.services.insights.sample import load_insights_sample
from kechuang.services.market_sample import load_market_sample

READS = ["/api/insights/networks", "/api/insights/networks/breadth", "/api/insights/trends",
         "/api/insights/chains", "/api/insights/networks.xlsx", "/api/insights/trends.xlsx"]


@pytest.fixture
def client(make_client, uow):
    made = make_client()
    load_market_sample(uow)
    load_insights_sample(uow)
    return made


@pytest.mark.parametrize("username", [None, "enterprise_a", "researcher", "investor", "partner"])
def test_views_do_not_exist_for_outsiders(client, username) -> None:
    headers = bearer(client, username) if username else {}
    for path in [*READS, "/api/insights/chains/1", "/api/insights/chains/1/map"]:
        response = client.get(path, headers=headers)
        assert response.status_code == 404, (path, response.text)
        assert response.json()["error"]["code"]
    chain = {"code": "x-chain", "name_zh": "链", "nodes": [{"stage": "systems", "name_zh": "节点", "industry_codes": ["39"]}]}
    assert client.post("/api/insights/chains", json=chain, headers=headers).status_code in (401, 403, 404)


@pytest.mark.parametrize("username", ["officer", "admin"])
def test_officers_and_admins_read_every_view(client, username) -> None:
    headers = bearer(client, username)
    network = client.get("/api/insights/networks", params={"lang": "en"}, headers=headers).json()
    assert set(network) == {"summary", "by_year", "bth", "international", "nodes", "links", "fields"}
    assert network["summary"]["nodes"] > 0 and 0 <= network["summary"]["modularity"] <= 1
    node = network["nodes"][0]
    assert {"id", "name", "sector", "region", "country", "degree", "strength", "community", "records"} <= set(node)
    filtered = client.get("/api/insights/networks", params={"region": "tianjin", "kind": "contract"}, headers=headers)
    assert filtered.status_code == 200 and filtered.json()["summary"]["edges"] < network["summary"]["edges"]
    radar = client.get("/api/insights/trends", params={"top": 3}, headers=headers).json()
    assert radar["count"] == len(radar["data"]) > 0
    topic = radar["data"][0]["topics"][0]
    assert {"term", "years", "counts", "growth", "bursts", "is_new", "evidence", "score"} <= set(topic)
    chains = client.get("/api/insights/chains", headers=headers).json()
    assert chains["count"] == 3
    mapped = client.get(f"/api/insights/chains/{chains['data'][0]['id']}/map", headers=headers).json()
    assert mapped["gaps"] == sum(1 for n in mapped["nodes"] if n["gap"])
    gap = next(n for n in mapped["nodes"] if n["gap"])
    assert all(m["reasons"] for m in gap["matches"])


def test_exports_are_workbooks_with_every_table(client) -> None:
    headers = bearer(client, "officer")
    for path, sheets in (("/api/insights/networks.xlsx", {"summary", "by_year", "brokers", "organizations", "ties",
                                                          "bth", "international"}),
                         ("/api/insights/trends.xlsx", {"topics"}),
                         ("/api/insights/chains/1/map.xlsx", {"nodes", "gap_candidates"})):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, response.text
        book = load_workbook(io.BytesIO(response.content))
        assert set(book.sheetnames) == sheets
        assert book[book.sheetnames[0]].max_row > 1


def test_officers_edit_chains_with_versions_and_retry_keys(client) -> None:
    headers = bearer(client, "officer")
    chain = {"code": "quantum", "name_zh": "量子信息", "name_en": "Quantum information",
             "nodes": [{"stage": "components", "name_zh": "量子芯片", "name_en": "Quantum chips",
                        "industry_codes": ["3921"], "keywords_zh": ["量子"], "keywords_en": ["quantum"]}]}
    created = client.post("/api/insights/chains", json=chain, headers={**headers, "Idempotency-Key": "q1"})
    assert created.status_code == 201, created.text
    again = client.post("/api/insights/chains", json=chain, headers={**headers, "Idempotency-Key": "q1"})
    assert again.json()["id"] == created.json()["id"]
    chain_id = created.json()["id"]
    updated = client.put(f"/api/insights/chains/{chain_id}", json={**chain, "name_en": "Quantum", "version": 1},
                         headers=headers)
    assert updated.status_code == 200 and updated.json()["version"] == 2
    stale = client.put(f"/api/insights/chains/{chain_id}", json={**chain, "version": 1}, headers=headers)
    assert stale.status_code == 409
    bad = client.post("/api/insights/chains", json={**chain, "code": "ok-code", "nodes": [
        {"stage": "systems", "name_zh": "x", "industry_codes": ["not-a-code"]}]}, headers=headers)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "nodes[0].industry_codes"
    control = client.post("/api/insights/chains", json={**chain, "code": "ctl", "name_zh": "a\x07b"}, headers=headers)
    assert control.status_code == 422
    assert client.get("/api/insights/networks", params={"sector": "x"}, headers=headers).status_code == 422
    assert client.get("/api/insights/trends", params={"sources": "gossip"}, headers=headers).status_code == 422
    assert client.delete(f"/api/insights/chains/{chain_id}", headers=headers).status_code == 204
    assert client.get(f"/api/insights/chains/{chain_id}", headers=headers).status_code == 404
