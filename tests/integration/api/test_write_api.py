"""POST and PATCH on the registry: the acceptance contract, field errors, and which entities take writes."""

from __future__ import annotations

import pytest
from signing_in import bearer


@pytest.fixture
def client(make_client):
    client = make_client(embedder="hashing")
    client.headers.update(bearer(client, "enterprise_a"))
    return client


def test_create_show_search_and_match_a_demand(client):
    body = {
        "title": "Few-shot weld seam defect inspection",
        "description": "We need a model that learns new weld defect classes from five images.",
        "visibility": "members",
    }
    created = client.post("/api/demands", json=body)
    assert created.status_code == 201
    item = created.json()
    assert item["id"] and item["title_en"] == body["title"] and item["description_en"] == body["description"]
    assert item["visibility"] == "members" and item["owner_org_id"]
    assert client.get(f"/api/demands/{item['id']}").json()["title_en"] == body["title"]
    found = client.get("/api/demands", params={"q": "weld seam", "limit": 5}).json()
    assert found["count"] == 1 and found["data"][0]["id"] == item["id"]
    matches = client.get(f"/api/demands/{item['id']}/matches", params={"kind": "achievement"})
    assert matches.status_code == 200 and matches.json()["data"]


def test_chinese_title_goes_to_title_zh_and_edits_are_partial(client):
    item = client.post(
        "/api/achievements", json={"title": "焊缝缺陷检测模型", "description": "五张样本即可"}
    ).json()
    assert (item["title_zh"], item["abstract_zh"], item["visibility"]) == (
        "焊缝缺陷检测模型",
        "五张样本即可",
        "public",
    )
    edited = client.patch(f"/api/achievements/{item['id']}", json={"title": "Weld model", "trl": 6})
    assert edited.status_code == 200
    assert (edited.json()["title_zh"], edited.json()["title_en"], edited.json()["trl"]) == (
        "焊缝缺陷检测模型",
        "Weld model",
        6,
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "x", "colour": "red"}, "colour"),
        ({"title": "x", "visibility": "secret"}, "visibility"),
        ({"description": "no title"}, "title_zh"),
        ({"title": "x", "budget_max": "lots"}, "budget_max"),
        ({"title": "电池", "title_zh": "电池"}, "title"),
    ],
)
def test_a_bad_field_is_422_with_the_field_named(client, body, field):
    before = client.get("/api/demands", params={"limit": 1}).json()["count"]
    response = client.post("/api/demands", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field and response.json()["error"]["message"]
    assert client.get("/api/demands", params={"limit": 1}).json()["count"] == before  # nothing written


def test_body_must_be_an_object_and_unknown_ids_are_404(client):
    other = client.post("/api/demands", json={"title": "x", "owner_org_id": 1})
    assert other.status_code == 403 and other.json()["error"]["field"] == "owner_org_id"
    assert client.post("/api/demands", json=["title"]).status_code == 422
    assert client.patch("/api/demands/987654", json={"title": "x"}).status_code == 404


@pytest.mark.parametrize(
    ("plural", "body", "field"),
    [
        ("organizations", {"name": "焊接技术研究院", "kind": "institute"}, "name_zh"),
        ("people", {"name": "Emma Hart", "description": "Welding engineer"}, "name_en"),
        ("scenarios", {"title": "港口焊接机器人试点", "visibility": "members"}, "title_zh"),
    ],
)
def test_other_entities_take_writes_too(client, plural, body, field):
    created = client.post(f"/api/{plural}", json=body)
    assert created.status_code == 201, created.text
    assert created.json()[field] == body.get("name", body.get("title"))


def test_investor_profiles_and_projects_are_read_only(client):
    assert client.post("/api/investors", json={"title": "x"}).status_code == 405
    assert client.post("/api/projects", json={"title": "x"}).status_code == 405
    paths = client.get("/openapi.json").json()["paths"]
    assert {"post", "get"} <= set(paths["/api/demands"]) and "patch" in paths["/api/demands/{item_id}"]
    assert "post" in paths["/api/demands/{item_id}/messages"] and "get" in paths["/api/notifications"]
