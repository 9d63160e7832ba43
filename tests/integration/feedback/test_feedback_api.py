"""The feedback, funnel and confirmation API: shapes, permissions, located errors, the OpenAPI entries."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from kechuang.domain.clock import now
from kechuang.domain.entities import Achievement
from kechuang.services.registry import id_of_external
from kechuang.services.sample import DEMO_PASSWORD


def bearer(client, username: str) -> dict[str, str]:
    response = client.post("/api/auth/token", json={"username": username, "password": DEMO_PASSWORD})
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def researcher_achievements(uow) -> list[int]:
    org = id_of_external("organization", "org-researcher-inst", uow)
    with uow() as session:
        return list(session.scalars(select(Achievement.id).where(Achievement.owner_org_id == org)))


def test_feedback_is_put_changed_read_and_counted_in_the_funnel(make_client, uow):
    client = make_client()
    owner, officer = bearer(client, "enterprise_a"), bearer(client, "officer")
    demand = id_of_external("demand", "dem-0001", uow)
    matched = researcher_achievements(uow)[0]
    body = {"listing_entity": "demand", "listing_id": demand, "matched_id": matched, "verdict": "useful"}
    put = client.put("/api/matches/feedback", json=body, headers={**owner, "Idempotency-Key": "f1"})
    assert put.status_code == 200, put.text
    assert put.json()["verdict"] == "useful" and put.json()["matched_entity"] == "achievement"
    assert put.json()["created_at"].endswith("Z") or put.json()["created_at"].endswith("+00:00")
    again = client.put("/api/matches/feedback", json=body, headers={**owner, "Idempotency-Key": "f1"})
    assert again.json()["id"] == put.json()["id"]
    read = client.get(f"/api/matches/feedback?listing_entity=demand&listing_id={demand}", headers=owner)
    assert read.json() == {"data": {str(matched): "useful"}}
    notes = client.get("/api/notifications", headers=bearer(client, "researcher")).json()["data"]
    assert [n["subject_id"] for n in notes if n["kind"] == "feedback"] == [matched]

    funnel = client.get("/api/funnel?period=quarter", headers=officer)
    assert funnel.status_code == 200 and funnel.json()["total"]["counts"]["useful"] == 1
    assert funnel.json()["total"]["ratios"]["useful"] == 1.0
    csv = client.get("/api/funnel.csv?lang=en&period=year", headers=officer)
    assert csv.status_code == 200 and csv.text.startswith("Period,Matches rated,Useful")
    assert "Total,1,1,0,0,0" in csv.text
    assert client.get("/api/funnel.csv", headers=officer).text.startswith("期间,已评价匹配")
    assert client.get("/api/funnel", headers=owner).status_code == 403
    assert client.get("/api/funnel").status_code == 401

    bad = client.put("/api/matches/feedback", json={**body, "verdict": "meh"}, headers=owner)
    assert bad.status_code == 422 and "verdict" in bad.text
    assert client.put("/api/matches/feedback", json=body, headers=bearer(client, "enterprise_b")).status_code == 403
    assert client.put("/api/matches/feedback", json=body).status_code == 401
    missing = client.put("/api/matches/feedback", json={**body, "matched_id": 999999}, headers=owner)
    assert missing.status_code == 404
    assert client.get("/api/funnel?date_from=2026-02-01&date_to=2026-01-01", headers=officer).status_code == 422


def test_confirm_brings_an_expired_demand_back_into_lists_and_matches(make_client, uow, age):
    client = make_client(index_sync="inline")
    owner = bearer(client, "enterprise_a")
    demand = id_of_external("demand", "dem-0001", uow)
    age("demand", demand, deadline=now().date() - timedelta(days=2), confirmed_at=None)
    listed = {d["id"] for d in client.get("/api/demands?limit=200").json()["data"]}
    assert demand not in listed
    assert demand in {d["id"] for d in client.get("/api/demands?limit=200&expired=only").json()["data"]}
    assert client.get("/api/demands?expired=later").status_code == 422
    matches = client.get(f"/api/demands/{demand}/matches").json()
    assert matches["expired"] is True and matches["data"] == []
    assert client.post(f"/api/demands/{demand}/confirm", headers=bearer(client, "enterprise_b")).status_code == 403
    assert client.post(f"/api/demands/{demand}/confirm").status_code == 401
    assert client.post("/api/demands/999999/confirm", headers=owner).status_code == 404
    done = client.post(f"/api/demands/{demand}/confirm", headers=owner)
    assert done.status_code == 200 and done.json()["id"] == demand and done.json()["confirmed_at"]
    assert demand in {d["id"] for d in client.get("/api/demands?limit=200").json()["data"]}
    assert client.get(f"/api/demands/{demand}/matches").json()["expired"] is False


def test_the_openapi_documents_the_new_routes(make_client):
    spec = make_client().get("/openapi.json").json()
    assert "put" in spec["paths"]["/api/matches/feedback"]
    assert {"/api/funnel", "/api/funnel.csv", "/api/achievements/{item_id}/confirm",
            "/api/demands/{item_id}/confirm"} <= set(spec["paths"])
    params = {p["name"] for p in spec["paths"]["/api/demands"]["get"]["parameters"]}
    assert "expired" in params
