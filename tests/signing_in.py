"""Sign-in helpers for tests over HTTP (importable: pytest puts this folder on sys.path for its conftest)."""

from __future__ import annotations

from typing import Any

from kechuang.services.sample import DEMO_PASSWORD


def sign_in(client: Any, username: str, password: str = DEMO_PASSWORD) -> Any:
    return client.post("/api/auth/token", json={"username": username, "password": password})


def bearer(client: Any, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    """Authorization headers of an account whose sign-in must succeed."""
    response = sign_in(client, username, password)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
