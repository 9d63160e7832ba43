"""Sign-in over HTTP: rate limits with 429 + Retry-After, one answer for every failure, password changes."""

from __future__ import annotations

from signing_in import bearer, sign_in

from kechuang.domain.accounts import MAX_FAILED_LOGINS
from kechuang.services.sample import DEMO_PASSWORD


def assert_throttled(response):
    assert response.status_code == 429, response.text
    assert int(response.headers["retry-after"]) >= 1
    error = response.json()["error"]
    assert error["code"] == "rate_limited" and set(error) == {"code", "message", "field"}


def test_sign_in_is_limited_per_account(make_client):
    client = make_client(sign_in_limit_per_account=3, sign_in_limit_per_ip=100)
    for _ in range(3):
        assert sign_in(client, "tto", "not the password").status_code == 401
    assert_throttled(sign_in(client, "tto"))
    assert_throttled(sign_in(client, "TTO "))  # the same account however it is spelled
    assert sign_in(client, "enterprise_a").status_code == 200
    for _ in range(3):  # unknown usernames are limited alike: a 429 tells nothing about existence
        sign_in(client, "no-such-user")
    assert_throttled(sign_in(client, "no-such-user"))


def test_sign_in_is_limited_per_address(make_client):
    client = make_client(sign_in_limit_per_account=100, sign_in_limit_per_ip=4)
    for name in ("tto", "investor", "officer", "partner"):
        assert sign_in(client, name, "not the password").status_code == 401
    assert_throttled(sign_in(client, "researcher"))


def test_password_change_is_limited_and_counts_toward_the_lockout(make_client):
    client = make_client(sign_in_limit_per_account=100, sign_in_limit_per_ip=100)
    headers = bearer(client, "researcher")
    body = {"old_password": "a wrong guess", "new_password": "a brand new passphrase"}
    for _ in range(MAX_FAILED_LOGINS):
        wrong = client.post("/api/me/password", json=body, headers=headers)
        assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "old_password"
    right = {"old_password": DEMO_PASSWORD, "new_password": "a brand new passphrase"}
    assert client.post("/api/me/password", json=right, headers=headers).status_code == 401
    assert sign_in(client, "researcher").status_code == 401
    limited = make_client(sign_in_limit_per_account=2, sign_in_limit_per_ip=100)
    headers = bearer(limited, "investor")
    assert limited.post("/api/me/password", json=body, headers=headers).status_code == 422
    assert_throttled(limited.post("/api/me/password", json=body, headers=headers))


def test_unknown_user_wrong_password_and_deactivated_answer_alike(make_client):
    client = make_client()
    admin = bearer(client, "admin")
    victim = client.get("/api/me", headers=bearer(client, "investor")).json()
    assert client.post(f"/api/users/{victim['id']}/deactivate", headers=admin).status_code == 200
    answers = [sign_in(client, "nobody-here"), sign_in(client, "tto", "not the password"), sign_in(client, "investor")]
    assert {r.status_code for r in answers} == {401}
    assert len({r.text for r in answers}) == 1, [r.text for r in answers]


def test_password_change_ends_other_tokens_and_keeps_this_one(make_client):
    client = make_client()
    mine, other = bearer(client, "tto"), bearer(client, "tto")
    change = {"old_password": DEMO_PASSWORD, "new_password": "a brand new passphrase"}
    assert client.post("/api/me/password", json=change, headers=mine).status_code == 204
    assert client.get("/api/me", headers=mine).status_code == 200
    assert client.get("/api/me", headers=other).status_code == 401


def test_one_length_bound_for_new_and_presented_passwords(make_client):
    client = make_client()
    admin = bearer(client, "admin")
    longest = "abcdefghij" * 12 + "klmnopqr"
    user = {"username": "long_pw", "password": longest, "role": "admin"}
    assert client.post("/api/users", json=user, headers=admin).status_code == 201
    signed = sign_in(client, "long_pw", longest)
    assert signed.status_code == 200
    too_long = {**user, "username": "longer_pw", "password": longest + "r"}
    refused = client.post("/api/users", json=too_long, headers=admin)
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "password"
    change = {"old_password": longest, "new_password": "x" * 500}
    headers = {"Authorization": f"Bearer {signed.json()['access_token']}"}
    refused = client.post("/api/me/password", json=change, headers=headers)
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "new_password"
