"""The acceptance shapes of the talent API on the sample, and who may see what."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from talent_helpers import person_id, scheme_id


def test_schemes_are_published_with_weights_that_sum_to_one(talent):
    response = talent.get("/api/talent/schemes")
    assert response.status_code == 200
    data = response.json()["data"]
    assert {s["category"] for s in data} == {"basic_research", "applied_research", "transfer", "young_talent"}
    for scheme in data:
        assert isinstance(scheme["id"], int)
        assert all({"code", "weight"} <= set(d) for d in scheme["dimensions"])
        assert sum(d["weight"] for d in scheme["dimensions"]) == pytest.approx(1.0, abs=1e-9)
        capped = sum(d["weight"] for d in scheme["dimensions"] if d["code"] in ("paper_count", "title"))
        assert capped <= 0.10 + 1e-9


def test_officers_get_ranked_evaluations_whose_contributions_add_up(talent, heads):
    for category in ("basic_research", "applied_research", "transfer", "young_talent"):
        sid = scheme_id(talent, category)
        response = talent.get(f"/api/talent/evaluations?scheme={sid}&limit=7", headers=heads("officer"))
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["data"]) == 7 and body["count"] >= 7
        ranks = [item["rank"] for item in body["data"]]
        assert ranks == sorted(ranks) and ranks[0] == 1
        for item in body["data"]:
            low, high = item["rank_interval"]
            assert low <= item["rank"] <= high
            assert isinstance(item["person_id"], int)
            assert abs(sum(c["value"] for c in item["contributions"]) - item["score"]) <= 1e-6
            assert all({"dimension", "value", "evidence"} <= set(c) for c in item["contributions"])
            assert any(c["evidence"] for c in item["contributions"])


def test_outsiders_see_no_evaluation(talent, heads, uow):
    sid = scheme_id(talent, "transfer")
    assert talent.get(f"/api/talent/evaluations?scheme={sid}&limit=5").status_code == 401
    for user in ("enterprise_a", "investor", "registrar", "researcher"):
        response = talent.get(f"/api/talent/evaluations?scheme={sid}&limit=5", headers=heads(user))
        assert response.status_code == 404, user
        assert talent.get("/api/talent/young?limit=3", headers=heads(user)).status_code == 404
        assert talent.get("/api/talent/gaps?limit=3", headers=heads(user)).status_code == 404
        assert (
            talent.get(f"/api/talent/evaluations.xlsx?scheme={sid}", headers=heads(user)).status_code == 404
        )
    someone = person_id(uow, "per-zhangwei-thu")
    path = f"/api/talent/people/{someone}/evaluation?scheme={sid}"
    assert talent.get(path, headers=heads("enterprise_a")).status_code == 404
    assert talent.get(path, headers=heads("researcher")).status_code == 404  # linked to someone else
    assert talent.get(path).status_code == 401


def test_the_person_sees_their_own_evaluation_and_evidence(talent, heads, uow):
    me = talent.get("/api/talent/me", headers=heads("researcher")).json()["person_id"]
    assert me == person_id(uow, "per-linyue-casia")
    sid = scheme_id(talent, "young_talent")
    response = talent.get(f"/api/talent/people/{me}/evaluation?scheme={sid}", headers=heads("researcher"))
    assert response.status_code == 200
    item = response.json()
    works = next(c for c in item["contributions"] if c["dimension"] == "representative_works")
    assert works["value"] > 0 and {e["entity"] for e in works["evidence"]} == {"work"}
    projects = next(c for c in item["contributions"] if c["dimension"] == "projects")
    assert any(e.get("young_fund") for e in projects["evidence"])
    assert talent.get("/api/talent/me", headers=heads("enterprise_a")).status_code == 404


def test_transfer_evidence_names_the_registered_contract_of_a_sold_achievement(talent, heads):
    sid = scheme_id(talent, "transfer")
    data = talent.get(f"/api/talent/evaluations?scheme={sid}&limit=200", headers=heads("officer")).json()[
        "data"
    ]
    transfers = [
        c for item in data for c in item["contributions"] if c["dimension"] == "transfer" and c["value"]
    ]
    assert transfers, "the sample's registered deals credit their inventors"
    evidence = transfers[0]["evidence"][0]
    assert evidence["entity"] == "contract" and evidence["amount_wan"] > 0 and evidence["inventors"] >= 1


def test_young_talent_and_gaps_come_with_reasons(talent, heads):
    young = talent.get("/api/talent/young?limit=5", headers=heads("officer"))
    assert young.status_code == 200
    assert young.json()["data"] and all(item["reasons"] for item in young.json()["data"])
    assert all(r["zh"] and r["en"] for item in young.json()["data"] for r in item["reasons"])
    gaps = talent.get("/api/talent/gaps?limit=5", headers=heads("officer"))
    assert gaps.status_code == 200
    data = gaps.json()["data"]
    assert data and all(item["reasons"] for item in data)
    assert [g["gap"] for g in data] == sorted((g["gap"] for g in data), reverse=True)
    assert all(g["demand_share"] > g["local_share"] for g in data)
    candidates = [c for g in data for c in g["candidates"]]
    assert candidates and all(c["reasons"] for c in candidates)
    assert talent.get("/api/talent/young?limit=5").status_code == 401


def test_a_scheme_giving_paper_counts_thirty_percent_is_refused_with_the_reason(talent, heads):
    before = len(talent.get("/api/talent/schemes").json()["data"])
    body = {
        "key": "paper-heavy",
        "category": "basic_research",
        "name_zh": "论文为主",
        "dimensions": [
            {"code": "paper_count", "weight": 0.3},
            {"code": "projects", "weight": 0.4},
            {"code": "representative_works", "weight": 0.3},
        ],
    }
    response = talent.post("/api/talent/schemes", json=body, headers=heads("officer"))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == "weights" and "30%" in error["message"] and "10%" in error["message"]
    assert len(talent.get("/api/talent/schemes").json()["data"]) == before
    body["dimensions"][0]["weight"] = 0.1
    body["dimensions"][1]["weight"] = 0.6
    assert talent.post("/api/talent/schemes", json=body, headers=heads("enterprise_a")).status_code == 404
    assert talent.post("/api/talent/schemes", json=body, headers=heads("officer")).status_code == 201


def test_a_changed_scheme_is_a_new_version_and_runs_record_it(talent, heads):
    sid = scheme_id(talent, "transfer")
    scheme = talent.get(f"/api/talent/schemes/{sid}").json()
    weights = [{"code": d["code"], "weight": d["weight"]} for d in scheme["dimensions"]]
    weights[0]["weight"] -= 0.05
    weights[1]["weight"] += 0.05
    officer = heads("officer")
    saved = talent.put(
        f"/api/talent/schemes/{sid}",
        json={"version": scheme["version"], "dimensions": weights},
        headers=officer,
    )
    assert saved.status_code == 200 and saved.json()["version"] == scheme["version"] + 1
    stale = talent.put(
        f"/api/talent/schemes/{sid}",
        json={"version": scheme["version"], "dimensions": weights},
        headers=officer,
    )
    assert stale.status_code == 409
    listed = talent.get(f"/api/talent/evaluations?scheme={sid}&limit=3", headers=officer).json()
    assert listed["stored"] is False  # the stored run used the previous version
    assert (
        talent.get(f"/api/talent/aggregates?scheme={sid}").json()["data"] == []
    )  # nothing computed for anyone
    run = talent.post(f"/api/talent/schemes/{sid}/runs", json={"draws": 50}, headers=officer)
    assert run.status_code == 201 and run.json()["scheme_version"] == scheme["version"] + 1
    listed = talent.get(f"/api/talent/evaluations?scheme={sid}&limit=3", headers=officer).json()
    assert listed["run_id"] == run.json()["id"]
    assert [v["version"] for v in talent.get(f"/api/talent/schemes/{sid}").json()["versions"]] == [1, 2]


def test_officers_export_the_ranked_list(talent, heads):
    sid = scheme_id(talent, "applied_research")
    response = talent.get(f"/api/talent/evaluations.xlsx?scheme={sid}&lang=en", headers=heads("officer"))
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    count = talent.get(f"/api/talent/evaluations?scheme={sid}&limit=1", headers=heads("officer")).json()[
        "count"
    ]
    assert rows[0][:2] == ("Rank", "Interval low") and len(rows) == count + 1


def test_aggregates_are_public_and_withhold_small_fields(talent):
    sid = scheme_id(talent, "basic_research")
    data = talent.get(f"/api/talent/aggregates?scheme={sid}").json()["data"]
    assert all(row["people"] >= 5 or row["field"] == "other" for row in data)
    assert "person_id" not in str(data)


def test_the_sample_keeps_the_audit_chain_intact(talent, heads):
    response = talent.get("/api/audit/verify", headers=heads("officer"))
    assert response.status_code == 200 and response.json()["ok"] is True
