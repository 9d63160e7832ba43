"""POST /api/auth/token, bearer tokens, CSRF on cookie sessions, admin account endpoints."""

from __future__ import annotations

import pytest
from signing_in import bearer

from kechuang.services import accounts
from kechuang.services.sample import DEMO_PASSWORD


@pytest.fixture
def client(make_client):
    return make_client()


def token(client, username):
    return bearer(client, username)["Authorization"].removeprefix("Bearer ")


def test_token_then_me(client):
    headers = {"Authorization": f"Bearer {token(client, 'enterprise_a')}"}
    me = client.get("/api/me", headers=headers).json()
    assert me["username"] == "enterprise_a" and me["role"] == "enterprise" and "password_hash" not in me


def test_wrong_password_is_401_with_the_error_format(client):
    response = client.post("/api/auth/token", json={"username": "enterprise_a", "password": "nope"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_bad_or_revoked_token_is_401_not_anonymous(client):
    assert client.get("/api/demands", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    assert client.get("/api/demands", headers={"Authorization": "Basic abc"}).status_code == 401
    raw = token(client, "tto")
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.post("/api/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/me", headers=headers).status_code == 401


def test_deactivated_users_token_stops_working(client):
    admin = {"Authorization": f"Bearer {token(client, 'admin')}"}
    victim = {"Authorization": f"Bearer {token(client, 'investor')}"}
    me = client.get("/api/me", headers=victim).json()
    assert client.post(f"/api/users/{me['id']}/deactivate", headers=admin).status_code == 200
    assert client.get("/api/me", headers=victim).status_code == 401
    assert client.get("/api/demands", headers=victim).status_code == 401
    response = client.post("/api/auth/token", json={"username": "investor", "password": DEMO_PASSWORD})
    assert response.status_code == 401


def test_only_admins_manage_accounts(client):
    member = {"Authorization": f"Bearer {token(client, 'enterprise_b')}"}
    assert client.get("/api/users", headers=member).status_code == 403
    assert client.post("/api/users/1/deactivate", headers=member).status_code == 403


def test_invitation_round_trip(client):
    admin = {"Authorization": f"Bearer {token(client, 'admin')}"}
    org_id = client.get("/api/me", headers={"Authorization": f"Bearer {token(client, 'tto')}"}).json()["organization_id"]
    code = client.post("/api/invitations", json={"organization_id": org_id, "role": "institution"}, headers=admin).json()["code"]
    created = client.post("/api/invitations/accept", json={"code": code, "username": "newbie", "password": "long enough"})
    assert created.status_code == 201 and created.json()["organization_id"] == org_id
    signed = client.post("/api/auth/token", json={"username": "newbie", "password": "long enough"})
    assert signed.status_code == 200 and signed.json()["user"]["role"] == "institution"


def test_cookie_session_writes_need_the_csrf_header(client, uow):
    user = accounts.authenticate(uow, "enterprise_a", DEMO_PASSWORD)
    key, csrf = accounts.start_session(uow, user)
    client.cookies.set(accounts.SESSION_COOKIE, key)
    assert client.get("/api/me").json()["username"] == "enterprise_a"
    assert client.put("/api/me/language", json={"language": "en"}).status_code == 403
    ok = client.put("/api/me/language", json={"language": "en"}, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200 and ok.json()["language"] == "en"


def test_language_must_be_zh_or_en(client):
    headers = {"Authorization": f"Bearer {token(client, 'researcher')}"}
    response = client.put("/api/me/language", json={"language": "fr"}, headers=headers)
    assert response.status_code == 422 and response.json()["error"]["field"] == "language"
