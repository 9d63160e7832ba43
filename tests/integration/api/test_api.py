"""The JSON API: health, list shape, paging, one error format, files, codes, OpenAPI."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from kechuang.api import create_app
from kechuang.config import Settings
from kechuang.services.registry import create_record


@pytest.fixture
def client(uow, admin, tmp_path):
    org = create_record(
        admin,
        "organization",
        {"name_zh": "北京大学", "name_en": "Peking University", "kind": "university"},
        uow,
    )
    for i in range(7):
        create_record(
            admin,
            "achievement",
            {
                "title_zh": f"固态电解质{i}",
                "title_en": f"Solid electrolyte {i}",
                "owner_org_id": org.id,
                "trl": 4,
            },
            uow,
        )
    create_record(
        admin,
        "achievement",
        {"title_zh": "保密成果", "visibility": "confidential", "owner_org_id": org.id},
        uow,
    )
    return TestClient(create_app(Settings(data_dir=tmp_path), uow))


def test_health_answers_json(client):
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_list_shape_with_ids_and_paging(client):
    body = client.get("/api/achievements", params={"limit": 5}).json()
    assert set(body) == {"data", "count"}
    assert body["count"] == 7 and len(body["data"]) == 5
    assert all(isinstance(item["id"], int) for item in body["data"])
    rest = client.get("/api/achievements", params={"limit": 5, "offset": 5}).json()
    assert len(rest["data"]) == 2
    assert {i["id"] for i in body["data"]}.isdisjoint(i["id"] for i in rest["data"])


def test_a_capped_count_is_said_in_a_header_and_the_shape_stays(client, monkeypatch):
    from kechuang.services import registry

    assert "x-count-capped" not in client.get("/api/achievements", params={"limit": 5}).headers
    monkeypatch.setattr(registry, "COUNT_CAP", 3)
    response = client.get("/api/achievements", params={"limit": 5})
    assert response.headers["x-count-capped"] == "true"
    assert set(response.json()) == {"data", "count"} and response.json()["count"] == 3
    assert len(response.json()["data"]) == 5


def test_search_in_either_language(client):
    assert client.get("/api/achievements", params={"q": "electrolyte 3"}).json()["count"] == 1
    assert client.get("/api/achievements", params={"q": "固态"}).json()["count"] == 7
    assert client.get("/api/achievements", params={"q": "保密"}).json()["count"] == 0


def test_errors_share_one_format(client):
    hidden = client.get("/api/achievements/8")
    assert hidden.status_code == 404
    assert hidden.json() == {
        "error": {"code": "not_found", "message": "achievement 8 not found", "field": None}
    }
    bad = client.get("/api/achievements", params={"limit": 0})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "limit"
    assert client.get("/api/nothing-here").json()["error"]["code"] == "not_found"
    assert client.get("/api/achievements", params={"colour": "red"}).status_code == 200


def test_export_hides_confidential_and_templates_download(client):
    exported = client.get("/api/export/achievements.csv").content.decode("utf-8-sig")
    assert "固态电解质0" in exported and "保密成果" not in exported
    template = client.get("/api/templates/demands.xlsx", params={"lang": "en"})
    assert template.status_code == 200 and template.content[:2] == b"PK"


def test_codes_are_searchable_in_both_languages(client):
    assert client.get("/api/codes/region", params={"q": "海淀"}).json()["data"][0]["code"] == "110108"
    assert client.get("/api/codes/country", params={"q": "Germany"}).json()["data"][0]["code"] == "DE"
    assert client.get("/api/codes/discipline/520").json()["name_zh"] == "计算机科学技术"
    assert client.get("/api/codes/discipline/999999").status_code == 404


def test_openapi_documents_every_registry_list(client):
    spec = client.get("/openapi.json").json()
    for plural in (
        "organizations",
        "people",
        "achievements",
        "demands",
        "scenarios",
        "investors",
        "projects",
    ):
        assert f"/api/{plural}" in spec["paths"] and f"/api/{plural}/{{item_id}}" in spec["paths"]
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "cdn" not in docs.text and "https://" not in docs.text  # air-gapped intranets reach no CDN
    assert client.get("/static-offline-docs/swagger-ui-bundle.js").status_code == 200
