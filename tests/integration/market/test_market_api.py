"""The market through the API alone: listing → inquiry → NDA → offers → 技术转让 contract → registration."""

from __future__ import annotations

from datetime import date

import pytest
from signing_in import bearer
from sqlalchemy import text


@pytest.fixture
def client(make_client):
    return make_client()


def ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def test_listing_to_registered_contract_to_statistics_through_the_api(client, engine):
    tto, ent_a, ent_b = bearer(client, "tto"), bearer(client, "enterprise_a"), bearer(client, "enterprise_b")
    registrar, officer = bearer(client, "registrar"), bearer(client, "officer")
    listing = ok(client.post("/api/achievements", headers=tto, json={
        "title": "高通量钠离子电池正极材料制备技术", "description": "层状氧化物正极，循环 3000 次",
        "visibility": "public"}), 201)
    ok(client.put(f"/api/achievements/{listing['id']}/disclosure", headers=tto,
                  json={"text": "烧结温度曲线与掺杂配比（保密）"}))

    deal = ok(client.post("/api/deals", headers={**ent_a, "Idempotency-Key": "inq-1"},
                          json={"listing_entity": "achievement", "listing_id": listing["id"],
                                "message": "希望了解独占许可条件"}), 201)
    retry = ok(client.post("/api/deals", headers={**ent_a, "Idempotency-Key": "inq-1"},
                           json={"listing_entity": "achievement", "listing_id": listing["id"]}), 201)
    assert retry["id"] == deal["id"]
    path = f"/api/deals/{deal['id']}"
    assert client.get(path, headers=ent_b).status_code == 404
    assert ok(client.get(path, headers=ent_a))["disclosure"] is None

    ok(client.post(f"{path}/nda", headers=tto))
    after_nda = ok(client.post(f"{path}/nda", headers=ent_a))
    assert after_nda["deal"]["stage"] == "negotiation" and after_nda["disclosure"].startswith("烧结")

    first = ok(client.post(f"{path}/offers", headers=tto, json={"price": 3_000_000, "contract_type": "技术转让"}), 201)
    counter = ok(client.post(f"{path}/offers", headers={**ent_a, "Idempotency-Key": "off-1"},
                             json={"price": 2_400_000, "contract_type": "transfer", "payment_terms": "首付 40%"}), 201)
    again = ok(client.post(f"{path}/offers", headers={**ent_a, "Idempotency-Key": "off-1"},
                           json={"price": 2_400_000, "contract_type": "transfer"}), 201)
    assert again["id"] == counter["id"] and first["id"] != counter["id"]
    refused = client.post(f"{path}/offers/{counter['id']}/accept", headers=ent_a)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "permission_denied"
    contract = ok(client.post(f"{path}/offers/{counter['id']}/accept", headers=tto))
    assert contract["contract_type"] == "transfer" and contract["status"] == "draft"

    out_of_turn = client.post(f"{path}/approve", headers=registrar)
    assert out_of_turn.status_code == 409 and "stage" in out_of_turn.json()["error"]["message"]
    ok(client.post(f"{path}/sign", headers=tto))
    signed = ok(client.post(f"{path}/sign", headers=ent_a))
    assert signed["deal"]["stage"] == "registration"
    queue = ok(client.get("/api/contracts?status=submitted", headers=registrar))
    assert [c["id"] for c in queue["data"]] == [contract["id"]]
    assert ok(client.get(path, headers=ent_a))["messages"]  # the parties read their conversation
    for overseer in (registrar, officer):  # overseers read the steps and the contract, not the messages
        overseen = client.get(path, headers=overseer)
        assert overseen.json()["messages"] == [] and "希望了解独占许可条件" not in overseen.text
    registered = ok(client.post(f"{path}/approve", headers=registrar, json={"transaction_amount": 2_000_000}))
    assert registered["status"] == "registered" and registered["registration_number"]

    stats = ok(client.get(f"/api/market/statistics?year={date.today().year}", headers=officer))
    assert stats["total"]["count"] >= 1
    flows = {b["key"]: b for b in stats["groups"]["flow"]}
    assert flows["within_beijing"]["transaction_amount"] >= 2_000_000
    assert flows["within_beijing"]["label_en"] == "Within Beijing"
    assert client.get(f"/api/market/statistics?year={date.today().year}", headers=ent_a).status_code == 403
    xlsx = client.get(f"/api/market/statistics.xlsx?year={date.today().year}", headers=officer)
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"

    assert ok(client.get("/api/audit/verify", headers=officer))["ok"] is True
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_events SET payload = '{}' WHERE seq = 2"))
    broken = ok(client.get("/api/audit/verify", headers=officer))
    assert broken["ok"] is False and broken["broken_seq"] == 2


def test_contract_import_rejects_bad_rows_with_their_location(client):
    registrar = bearer(client, "registrar")
    good = ("外部编号,登记编号,合同类型,标题,卖方名称,买方名称,卖方地区代码,买方地区代码,合同金额（元）,登记日期\n"
            "h-1,2025110108000001,技术开发,储能系统联合开发,清华大学,天津某能源公司,110108,120116,500000,2025-03-02\n")
    bad = good + "h-2,2025110108000002,以物易物,x,甲,乙,110108,999999,-5,2025-13-01\n"
    rejected = client.post("/api/contracts/import", headers=registrar,
                           files={"file": ("register.csv", bad.encode("utf-8"), "text/csv")})
    assert rejected.status_code == 422
    columns = {(r["row"], r["column"]) for r in rejected.json()["error"]["rows"]}
    assert {(3, "contract_type"), (3, "buyer_region_code"), (3, "contract_amount"), (3, "registered_on")} <= columns
    assert ok(client.get("/api/contracts", headers=registrar))["count"] == 0  # nothing half-written
    created = ok(client.post("/api/contracts/import", headers=registrar,
                             files={"file": ("register.csv", good.encode("utf-8"), "text/csv")}))
    assert created == {"created": 1, "unchanged": 0}
    stats = ok(client.get("/api/market/statistics?year=2025", headers=registrar))
    assert {b["key"] for b in stats["groups"]["flow"]} == {"to_tianjin_hebei"}
    member = bearer(client, "enterprise_a")
    assert client.post("/api/contracts/import", headers=member,
                       files={"file": ("r.csv", good.encode("utf-8"), "text/csv")}).status_code == 403


def test_statistics_take_a_range_of_years(client, engine):
    from kechuang.services.market_sample import load_market_sample
    from kechuang.store.db import UnitOfWork

    load_market_sample(UnitOfWork(engine))
    officer = bearer(client, "officer")
    one = client.get("/api/market/statistics?year=2025", headers=officer).json()["total"]["count"]
    both = client.get("/api/market/statistics?year_from=2025&year_to=2026", headers=officer).json()
    assert both["period_from"] == "2025-01-01" and both["period_to"] == "2026-12-31"
    assert both["total"]["count"] >= one
    for query, field in (("year_from=2026&year_to=2025", "year_from"), ("", "year")):
        refused = client.get(f"/api/market/statistics?{query}", headers=officer)
        assert refused.status_code == 422 and refused.json()["error"]["field"] == field
    xlsx = client.get("/api/market/statistics.xlsx?year_from=2025&year_to=2026", headers=officer)
    assert xlsx.status_code == 200 and "2025-2026" in xlsx.headers["content-disposition"]
