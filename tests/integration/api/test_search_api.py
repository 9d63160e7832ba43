"""Lists rank a text search by relevance and offer sort orders; a bad order is a 422 naming `sort`."""

from __future__ import annotations

import pytest


@pytest.fixture
def client(make_client):
    return make_client(embedder="none")


def titles(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["title_zh"] or item["title_en"] for item in response.json()["data"]]


def test_a_search_is_ranked_and_can_be_reordered(client):
    ranked = client.get("/api/achievements", params={"q": "钠离子电池"}).json()
    assert ranked["count"] >= 2 and "钠离子电池" in ranked["data"][0]["title_zh"]
    by_trl = client.get("/api/achievements", params={"q": "电池", "sort": "trl"}).json()["data"]
    trls = [item["trl"] for item in by_trl if item["trl"] is not None]
    assert trls == sorted(trls, reverse=True)
    by_price = client.get("/api/achievements", params={"sort": "price", "limit": 200}).json()["data"]
    prices = [item["asking_price_min"] for item in by_price]
    known = [price for price in prices if price is not None]
    assert known == sorted(known) and prices[: len(known)] == known  # missing prices come last


def test_every_list_searches_by_relevance(client):
    assert titles(client.get("/api/scenarios", params={"q": "自动驾驶"}))
    people = client.get("/api/people", params={"q": "张伟"}).json()["data"]
    assert people[0]["name_zh"] == "张伟"
    orgs = client.get("/api/organizations", params={"q": "清华"}).json()["data"]
    assert all("清华" in org["name_zh"] for org in orgs) and "清华大学" in [org["name_zh"] for org in orgs]


@pytest.mark.parametrize("sort", ["price", "cheapest", "id; drop table"])
def test_an_unknown_order_is_refused_with_its_field(client, sort):
    response = client.get("/api/demands", params={"sort": sort})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "sort"
