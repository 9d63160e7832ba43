"""GET /api/demands/{id}/matches and /api/achievements/{id}/matches: shape, explanations, no leaks."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kechuang.domain.entities import Achievement, Demand


@pytest.fixture
def client(make_client):
    return make_client(embedder="hashing")


def ids(uow, model, external_id):
    with uow() as session:
        return session.scalars(select(model.id).where(model.external_id == external_id)).one()


def test_demand_matches_carry_readable_reasons_in_both_languages(client, uow):
    response = client.get(f"/api/demands/{ids(uow, Demand, 'dem-0001')}/matches", params={"kind": "achievement"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == len(body["data"]) and 2 <= body["count"] < 10  # the rest fall below the floor
    assert body["below_floor"] is True
    first = body["data"][0]
    assert {"id", "kind", "title_zh", "title_en", "score", "reasons"} <= set(first)
    assert all(reason["zh"] and reason["en"] for reason in first["reasons"])
    assert first["reasons"][0]["code"] == "text"


@pytest.mark.parametrize("kind", ["expert", "organization", "investor"])
def test_every_kind_answers(client, uow, kind):
    body = client.get(f"/api/demands/{ids(uow, Demand, 'dem-0001')}/matches", params={"kind": kind}).json()
    assert body["data"] and all(item["kind"] == kind for item in body["data"])


def test_anonymous_caller_sees_no_confidential_demand_or_match(client, uow):
    secret_demand = ids(uow, Demand, "dem-7961da78")
    hidden = client.get(f"/api/demands/{secret_demand}/matches")
    assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "not_found"
    secret_achievement = ids(uow, Achievement, "ach-0ecd70a2")
    for demand in ("dem-0001", "dem-0002"):
        body = client.get(f"/api/demands/{ids(uow, Demand, demand)}/matches", params={"limit": 100}).json()
        assert secret_achievement not in {item["id"] for item in body["data"]}
        assert all(item["title_zh"] != "XH-2 存算一体视觉芯片架构方案（内部）" for item in body["data"])


def test_achievement_adopters_and_bad_kind(client, uow):
    body = client.get(f"/api/achievements/{ids(uow, Achievement, 'ach-0002')}/matches").json()
    assert body["data"] and body["data"][0]["kind"] == "organization"
    bad = client.get(f"/api/demands/{ids(uow, Demand, 'dem-0001')}/matches", params={"kind": "spaceship"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "kind"


def test_the_relevance_floor_is_reported_and_the_shape_is_kept(client, uow):
    demand = ids(uow, Demand, "dem-0006")  # thermal-runaway warning for battery packs (public)
    for kind in ("achievement", "expert", "organization", "investor"):
        body = client.get(f"/api/demands/{demand}/matches", params={"kind": kind, "limit": 50}).json()
        assert set(body) == {"data", "count", "index", "below_floor", "expired"}
        assert body["count"] == len(body["data"]) < 50 and body["below_floor"] is True
        assert all(0 <= item["score"] <= 1.2 for item in body["data"])
        if kind in ("expert", "organization"):
            assert all(item["score"] <= 1.0 for item in body["data"])
    full = client.get(f"/api/demands/{demand}/matches", params={"limit": 1}).json()
    assert full["count"] == 1  # a page at its limit: more good matches may exist
    adopters = client.get(f"/api/achievements/{ids(uow, Achievement, 'ach-0002')}/matches").json()
    assert set(adopters) == {"data", "count", "index", "below_floor", "expired"}
    documented = client.get("/openapi.json").json()["components"]["schemas"]["FlooredMatchPage"]["properties"]
    assert {"data", "count", "index", "below_floor"} <= set(documented)
