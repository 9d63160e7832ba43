"""Sign-in and sign-out, CSRF on every form post, the language switch and its memory."""

from __future__ import annotations

from web_client import csrf_of, sign_in, token_of

from kechuang.services import accounts


def test_anonymous_home_is_chinese_with_public_counts(client):
    page = client.get("/")
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text and "让创新资源高效流动" in page.text
    assert "技术需求" in page.text and "登录" in page.text


def test_sign_in_sets_a_safe_session_cookie_and_sign_out_ends_it(client):
    response = sign_in(client, "enterprise_a")
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith(accounts.SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    home = client.get("/")
    assert "芯衡智能 李经理" in home.text and "本机构的技术需求" in home.text
    out = client.post("/logout", data={"csrf_token": csrf_of(home.text)})
    assert out.status_code == 303
    assert "让创新资源高效流动" in client.get("/").text
    assert client.get("/import").headers["location"].startswith("/login")


def test_wrong_password_and_lockout_are_shown_in_the_visitors_language(client):
    response = sign_in(client, "tto", "wrong-password")
    assert response.status_code == 401 and "用户名或密码错误" in response.text
    for _ in range(5):
        response = sign_in(client, "tto", "wrong-password")
    locked = sign_in(client, "tto")
    assert locked.status_code == 401 and "登录失败次数过多" in locked.text


def test_posts_without_the_csrf_token_are_refused_with_a_403_page(client):
    assert client.post("/login", data={"username": "tto", "password": "x"}).status_code == 403
    sign_in(client, "enterprise_a")
    refused = client.post("/demands/new", data={"title_zh": "不该写入的需求", "visibility": "public"})
    assert refused.status_code == 403 and "CSRF" in refused.text and "text/html" in refused.headers["content-type"]
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert "芯衡智能 李经理" in client.get("/").text  # still signed in
    assert "不该写入的需求" not in client.get("/demands", params={"q": "不该写入"}).text


def test_htmx_requests_pass_the_token_as_a_header(client):
    sign_in(client, "enterprise_a")
    token = token_of(client)
    assert f'"X-CSRF-Token": "{token}"' in client.get("/").text
    ok = client.post("/notifications/read", headers={"X-CSRF-Token": token, "HX-Request": "true"})
    assert ok.status_code == 200 and 'id="notifications"' in ok.text
    assert client.post("/notifications/read", headers={"X-CSRF-Token": "nope"}).status_code == 403


def test_language_switch_is_remembered_for_the_account(app, client):
    from fastapi.testclient import TestClient

    sign_in(client, "enterprise_a")
    switched = client.post("/language", data={"lang": "en", "next": "/demands", "csrf_token": token_of(client)})
    assert switched.status_code == 303 and switched.headers["location"] == "/demands"
    page = client.get("/demands")
    assert '<html lang="en">' in page.text and "Demands" in page.text
    elsewhere = TestClient(app, follow_redirects=False)  # another browser: no cookies at all
    assert '<html lang="zh-CN">' in elsewhere.get("/").text
    sign_in(elsewhere, "enterprise_a")
    assert '<html lang="en">' in elsewhere.get("/").text
    back = elsewhere.post("/language", data={"lang": "zh", "next": "/", "csrf_token": token_of(elsewhere)})
    assert back.status_code == 303 and '<html lang="zh-CN">' in elsewhere.get("/").text


def test_anonymous_language_lives_in_a_cookie(client):
    client.post("/language", data={"lang": "en", "next": "/", "csrf_token": token_of(client)})
    home = client.get("/")
    assert '<html lang="en">' in home.text and "Innovation resources that flow and meet" in home.text
    assert "Page not found" not in home.text
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and "Not found" in missing.text


def test_next_after_sign_in_stays_on_this_site(client):
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"username": "tto", "password": "kechuang-demo", "csrf_token": token,
                                           "next": "//evil.example/"})
    assert response.headers["location"] == "/"


def test_the_api_keeps_its_json_errors(client):
    missing = client.get("/api/demands/999999")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert client.get("/docs").status_code == 200
