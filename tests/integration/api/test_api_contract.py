"""The OpenAPI schema says what the API sends: timestamps with their UTC offset, one documented error shape."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from kechuang.api import create_app
from kechuang.api.schemas import ErrorOut
from kechuang.config import Settings
from kechuang.services.sample import DEMO_PASSWORD, load_demo_accounts, load_sample


@pytest.fixture
def client(uow, tmp_path, fast_passwords):
    load_sample(uow)
    load_demo_accounts(uow)
    return TestClient(create_app(Settings(data_dir=tmp_path, embedder="none"), uow))


def bearer(client: TestClient, username: str) -> dict[str, str]:
    response = client.post("/api/auth/token", json={"username": username, "password": DEMO_PASSWORD})
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def is_utc(text: str) -> bool:
    return datetime.fromisoformat(text).utcoffset() == timedelta(0)


def test_record_timestamps_carry_their_utc_offset(client):
    """RFC 3339 date-times need an offset: '2025-03-01T08:00:00' alone reads as local time in Beijing."""
    listed = client.get("/api/organizations?limit=1").json()["data"][0]
    assert is_utc(listed["created_at"]) and is_utc(listed["updated_at"])
    one = client.get(f"/api/organizations/{listed['id']}").json()
    assert one["created_at"] == listed["created_at"]
    schema = client.get("/openapi.json").json()["components"]["schemas"]["Organization"]["properties"]
    assert {"type": "string", "format": "date-time"} in schema["created_at"]["anyOf"]


def test_notification_timestamps_carry_their_utc_offset(client):
    reader, writer = bearer(client, "enterprise_a"), bearer(client, "enterprise_b")
    own_org = client.get("/api/me", headers=reader).json()["organization_id"]
    sent = client.post(f"/api/organizations/{own_org}/messages", headers=writer, json={"text": "你好"})
    assert sent.status_code == 201, sent.text
    notes = client.get("/api/notifications", headers=reader).json()["data"]
    assert notes and all(is_utc(n["created_at"]) for n in notes)


def test_client_errors_are_documented_with_the_shape_they_have(client):
    """Not FastAPI's default {detail: [...]}, which this API never sends."""
    spec = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            documented = operation["responses"]["4XX"]["content"]["application/json"]["schema"]
            assert documented == {"$ref": "#/components/schemas/ErrorOut"}, (method, path)
    for response in (client.get("/api/demands?limit=0"), client.get("/api/demands/999999"),
                     client.get("/api/notifications")):
        assert 400 <= response.status_code < 500
        ErrorOut.model_validate(response.json())
