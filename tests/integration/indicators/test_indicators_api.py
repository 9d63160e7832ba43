"""The indicators API: frameworks, imports with located errors, editions visible by role, exports, audit."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from signing_in import bearer
from sqlalchemy import select

from kechuang.domain.access import Actor
from kechuang.domain.market import AuditEvent
from kechuang.services import audit
from kechuang.services.indicators.sample import DATASET, FRAMEWORK_KEY, load_indicators_sample
from kechuang.services.indicators.sample import default_framework as sample_nodes
from kechuang.services.market_sample import load_market_sample

VALUES = (
    "unit,year,indicator,value\nA,2024,x,1\nB,2024,x,3\nC,2024,x,2\nA,2024,y,10\nB,2024,y,30\nC,2024,y,5\n"
)
NODES = [
    {"code": "R"},
    {"code": "x", "parent": "R", "weight": 2, "direction": 1},
    {"code": "y", "parent": "R", "weight": 1, "direction": -1},
]


@pytest.fixture
def client(make_client, uow):
    load_market_sample(uow)
    load_indicators_sample(uow)
    return make_client()


def test_published_sample_edition_is_public_with_ranking_audit_sensitivity_and_export(client):
    listed = client.get("/api/indicators/editions").json()
    assert len(listed) == 1 and listed[0]["status"] == "published" and len(listed[0]["units"]) == 16
    edition = listed[0]["id"]
    ranking = client.get(f"/api/indicators/editions/{edition}/ranking").json()
    assert [r["rank"] for r in ranking] == sorted(r["rank"] for r in ranking) and ranking[0]["rank"] == 1
    assert set(ranking[0]["scores"]) >= {"BJ", "CAP", "COMP", "RAD"}
    by_pillar = client.get(
        f"/api/indicators/editions/{edition}/ranking", params={"code": "RAD", "year": 2021}
    )
    assert by_pillar.status_code == 200
    audit_report = client.get(f"/api/indicators/editions/{edition}/audit").json()
    assert "CAP" in audit_report["alphas"] and audit_report["correlations"]
    analysis = client.get(f"/api/indicators/editions/{edition}/sensitivity").json()
    assert analysis["runs"] >= 1000 and set(analysis["total"]) == {
        "normalisation",
        "aggregation",
        "imputation",
        "weights",
    }
    book = load_workbook(io.BytesIO(client.get(f"/api/indicators/editions/{edition}/export.xlsx").content))
    assert {"scores", "audit", "uncertainty", "sensitivity", "config"} <= set(book.sheetnames)
    assert book["scores"].max_row == 1 + 5 * 16 * len(sample_nodes())
    again = client.post(f"/api/indicators/editions/{edition}/regenerate").json()
    assert again["same"] and again["same_uncertainty"]
    measures = client.get("/api/indicators/measures").json()
    assert any(m["code"] == "platform.share_tianjin_hebei" for m in measures)


def test_officer_builds_a_framework_imports_values_and_publishes_an_edition(client, uow):
    officer = bearer(client, "officer")
    saved = client.put(
        "/api/indicators/frameworks/tiny", json={"name_en": "Tiny", "nodes": NODES}, headers=officer
    )
    assert saved.status_code == 200 and saved.json()["version"] == 1
    edited = client.put(
        "/api/indicators/frameworks/tiny",
        headers=officer,
        json={"nodes": [NODES[0], NODES[1], {**NODES[2], "weight": 3}]},
    )
    assert edited.json()["version"] == 2
    assert (
        client.get("/api/indicators/frameworks/tiny", params={"version": 1}).json()["nodes"][2]["weight"] == 1
    )
    bad = client.post(
        "/api/indicators/datasets/tiny/values",
        headers=officer,
        files={"file": ("v.csv", b"unit,year,indicator,value\nA,year,x,1\nB,2024,x,oops\n")},
    )
    assert bad.status_code == 422
    imported = client.post(
        "/api/indicators/datasets/tiny/values", headers=officer, files={"file": ("v.csv", VALUES.encode())}
    )
    assert imported.json()["created"] == 6
    made = client.post(
        "/api/indicators/editions",
        headers=officer,
        json={"framework_key": "tiny", "dataset": "tiny", "uncertainty": {"runs": 50}},
    )
    assert made.status_code == 201, made.text
    edition = made.json()["id"]
    assert client.get(f"/api/indicators/editions/{edition}").status_code == 404  # a draft, to outsiders
    enterprise = bearer(client, "enterprise_a")
    assert client.get(f"/api/indicators/editions/{edition}", headers=enterprise).status_code == 404
    assert client.post(f"/api/indicators/editions/{edition}/publish", headers=enterprise).status_code == 403
    ranking = client.get(f"/api/indicators/editions/{edition}/ranking", headers=officer).json()
    # version 2: x weight 2, y weight 3 and reversed; x -> A 0, B 100, C 50; -y -> A 80, B 0, C 100
    expected = [("C", 1, 0.4 * 50 + 0.6 * 100), ("A", 2, 0.6 * 80), ("B", 3, 0.4 * 100)]
    assert [(r["unit"], r["rank"]) for r in ranking] == [(u, k) for u, k, _ in expected]
    assert [r["score"] for r in ranking] == pytest.approx([s for _, _, s in expected])
    for _ in range(2):
        published = client.post(f"/api/indicators/editions/{edition}/publish", headers=officer)
        assert published.json()["status"] == "published"
    assert client.get(f"/api/indicators/editions/{edition}").status_code == 200
    with uow() as session:
        actions = [(e.action, e.entity_id) for e in session.scalars(select(AuditEvent))]
    assert (
        actions.count(("indicators.edition.publish", edition)) == 1
        and ("indicators.values.import", None) in actions
    )
    assert audit.verify(Actor.system("t"), uow).ok


def test_outsiders_cannot_edit_frameworks_and_bad_frameworks_say_why(client):
    enterprise = bearer(client, "enterprise_a")
    assert (
        client.put("/api/indicators/frameworks/x", json={"nodes": NODES}, headers=enterprise).status_code
        == 403
    )
    officer = bearer(client, "officer")
    cyclic = [{"code": "R"}, {"code": "x", "parent": "nowhere", "direction": 1}]
    answer = client.put("/api/indicators/frameworks/x", json={"nodes": cyclic}, headers=officer)
    assert answer.status_code == 422 and "unknown parent" in answer.json()["error"]["message"]
    sample = client.get(f"/api/indicators/frameworks/{FRAMEWORK_KEY}").json()
    assert sample["nodes"][0]["code"] == "BJ" and DATASET


@pytest.mark.parametrize(
    "body",
    [
        {"nodes": [{"code": "R"}, {"code": "x", "parent": "R", "weight": "Infinity", "direction": 1}]},
        {"nodes": [{"code": "R", "name_zh": "坏\x07名字"}, {"code": "x", "parent": "R", "direction": 1}]},
        {"nodes": [{"code": "R"}, {"code": "x y", "parent": "R", "direction": 1}]},
        {"nodes": [{"code": "R"}, {"code": "x", "parent": "R", "direction": 2}]},
    ],
)
def test_bad_framework_fields_are_422_naming_the_field(client, body):
    answer = client.put("/api/indicators/frameworks/bad", json=body, headers=bearer(client, "officer"))
    assert answer.status_code == 422 and answer.json()["error"]["field"]


def test_bad_edition_settings_are_422_not_500(client):
    officer = bearer(client, "officer")
    base = {"framework_key": FRAMEWORK_KEY, "dataset": DATASET}
    geometric = client.post(
        "/api/indicators/editions",
        headers=officer,
        json={**base, "index": {"aggregate": "geometric"}, "uncertainty": {"runs": 0}},
    )
    assert geometric.status_code == 422 and "1,100" in geometric.json()["error"]["message"]
    assert (
        client.post(
            "/api/indicators/editions", headers=officer, json={**base, "uncertainty": {"runs": 100000}}
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/api/indicators/editions",
            headers=officer,
            json={**base, "index": {"years": [1999]}, "uncertainty": {"runs": 0}},
        ).status_code
        == 422
    )
    missing = client.post("/api/indicators/editions", headers=officer, json={**base, "dataset": "nothing"})
    assert missing.status_code == 404
