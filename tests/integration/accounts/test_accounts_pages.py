"""Account pages in Chinese and English: registration to approval to sign-in, reset links, the account page,
user administration (admins only), saved searches and the list download buttons."""

from __future__ import annotations

import csv
import io
import re

import pytest
from signing_in import bearer
from web_client import csrf_of, sign_in, token_of

from kechuang.services.sample import DEMO_PASSWORD

PASSWORD = "a fine long passphrase"


def _register(client, lang="zh", **extra):
    client.cookies.set("kechuang_lang", lang)
    page = client.get("/register")
    assert page.status_code == 200
    form = {"csrf_token": csrf_of(page.text), "username": "newcomer", "display_name": "新人",
            "password": PASSWORD, "password_again": PASSWORD, "language": lang, "role": "enterprise",
            "organization_id": "", "proposed_organization": "新星材料有限公司", **extra}
    return client.post("/register", data=form)


@pytest.mark.parametrize(("lang", "words"), [("zh", ("注册账户", "等待管理员审核")), ("en", ("Register", "awaits"))])
def test_registration_then_approval_then_sign_in(sample_client, lang, words):
    client = sample_client
    client.cookies.set("kechuang_lang", lang)
    assert words[0] in client.get("/register").text
    done = _register(client, lang)
    assert done.status_code == 200 and words[1] in done.text
    refused = sign_in(client, "newcomer", PASSWORD)
    assert refused.status_code == 401
    assert ("等待管理员审核" if lang == "zh" else "waiting for an administrator") in refused.text
    client.cookies.clear()
    sign_in(client, "admin")
    users = client.get("/admin/users?state=pending")
    assert users.status_code == 200 and "newcomer" in users.text and "新星材料有限公司" in users.text
    approve = re.search(r'action="(/admin/registrations/\d+/approve)"', users.text).group(1)
    answer = client.post(approve, data={"csrf_token": csrf_of(users.text), "state": "pending"})
    assert answer.status_code == 303
    assert "newcomer" in client.get("/admin/users?state=active").text
    client.cookies.clear()
    assert sign_in(client, "newcomer", PASSWORD).status_code == 303


def test_registration_errors_are_shown_by_field_in_the_visitors_language(sample_client):
    answer = _register(sample_client, "en", password_again="something else entirely", proposed_organization="")
    assert answer.status_code == 422 and "Choose your organization" in answer.text
    answer = _register(sample_client, "zh", password="short", password_again="short")
    assert answer.status_code == 422 and "密码至少需要 10 个字符" in answer.text


def test_user_administration_is_for_admins_only(sample_client):
    client = sample_client
    anonymous = client.get("/admin/users")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    sign_in(client, "enterprise_a")
    assert client.get("/admin/users").status_code == 403
    assert client.post("/admin/users/1/role", data={"csrf_token": token_of(client), "role": "admin"}).status_code == 403


def test_a_reset_link_from_the_admin_page_sets_a_new_password(sample_client):
    client = sample_client
    sign_in(client, "admin")
    page = client.get("/admin/users")
    action = re.search(r'action="(/admin/users/\d+/reset-link)"[^>]*>\s*<input[^>]*>\s*<input[^>]*>\s*'
                       r'<button class="link" id="reset-enterprise_b"', page.text).group(1)
    shown = client.post(action, data={"csrf_token": csrf_of(page.text)})
    link = re.search(r'<code id="reset-link">http://testserver(/reset/[^<]+)</code>', shown.text).group(1)
    client.cookies.clear()
    form = client.get(link)
    assert form.status_code == 200 and "赵工" in form.text
    answer = client.post(link, data={"csrf_token": csrf_of(form.text), "new_password": PASSWORD,
                                     "new_password_again": PASSWORD})
    assert answer.status_code == 303 and answer.headers["location"] == "/login?reset=1"
    assert client.get(link).status_code == 404  # used once
    assert sign_in(client, "enterprise_b", PASSWORD).status_code == 303


def test_the_account_page_changes_name_language_password_and_notification_kinds(sample_client):
    client = sample_client
    sign_in(client, "enterprise_a")
    page = client.get("/account")
    assert page.status_code == 200 and "我的账户" in page.text and "通知偏好" in page.text
    token = csrf_of(page.text)
    client.post("/account/profile", data={"csrf_token": token, "display_name": "李经理", "language": "en"})
    page = client.get("/account?saved=profile")
    assert "My account" in page.text and "李经理" in page.text and "Notification preferences" in page.text
    wrong = client.post("/account/password", data={"csrf_token": token, "old_password": "not it at all",
                                                   "new_password": PASSWORD, "new_password_again": PASSWORD})
    assert wrong.status_code == 422 and "current password is wrong" in wrong.text
    right = client.post("/account/password", data={"csrf_token": token, "old_password": DEMO_PASSWORD,
                                                   "new_password": PASSWORD, "new_password_again": PASSWORD})
    assert right.status_code == 303
    kinds = client.post("/account/notifications", data={"csrf_token": token, "kinds": ["deal", "message"]})
    assert kinds.status_code == 303
    page = client.get("/account").text
    assert 'value="deal" checked' in page and 'value="new_match" >' in page


def test_saving_a_list_search_and_listing_it(sample_client):
    client = sample_client
    sign_in(client, "enterprise_a")
    listing = client.get("/demands?q=电池&status=open")
    assert 'id="save-search"' in listing.text and 'id="export-csv"' in listing.text
    saved = client.post("/saved-searches", data={"csrf_token": csrf_of(listing.text), "list": "demands",
                                                  "q": "电池", "status": "open"})
    assert saved.status_code == 303
    page = client.get("/saved-searches")
    assert "电池" in page.text and "/demands?q=%E7%94%B5%E6%B1%A0&amp;status=open" in page.text
    search = client.get("/search?q=battery")
    assert 'id="save-search"' in search.text
    client.cookies.clear()
    assert 'id="save-search"' not in client.get("/demands?q=电池").text  # visitors cannot save
    assert client.get("/saved-searches").status_code == 303


def test_the_list_download_is_the_filtered_list_the_visitor_may_see(sample_client):
    client = sample_client
    anonymous = client.get("/demands/export?format=csv&status=open")
    assert anonymous.status_code == 200 and anonymous.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(anonymous.content.decode("utf-8-sig"))))
    sign_in(client, "admin")
    everything = list(csv.reader(io.StringIO(client.get("/demands/export?format=csv").content.decode("utf-8-sig"))))
    assert 1 < len(rows) < len(everything)
    xlsx = client.get("/people/export?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert client.get("/demands/export?format=pdf").status_code == 422
    client.cookies.clear()
    people = client.get("/people/export?format=csv").content.decode("utf-8-sig")
    assert "@" not in people  # no e-mail addresses for anonymous visitors


def test_header_links(sample_client):
    client = sample_client
    assert 'id="register-link"' in client.get("/").text
    sign_in(client, "admin")
    home = client.get("/").text
    assert 'id="account-link"' in home and 'id="users-link"' in home and 'id="register-link"' not in home
    client.cookies.clear()
    sign_in(client, "enterprise_a")
    assert 'id="users-link"' not in client.get("/").text


def test_the_registration_api(sample_client):
    client = sample_client
    body = {"username": "api_user", "password": PASSWORD, "display_name": "API User", "language": "en",
            "proposed_organization": "Api Labs"}
    created = client.post("/api/registrations", json=body)
    assert created.status_code == 201 and created.json() == {"username": "api_user", "status": "pending"}
    assert client.post("/api/registrations", json=body).status_code == 409
    bad = client.post("/api/registrations", json={**body, "username": "other", "organization_id": 1})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "organization_id"
    refused = client.post("/api/auth/token", json={"username": "api_user", "password": PASSWORD})
    assert refused.status_code == 401 and "waiting" in refused.json()["error"]["message"]
    assert client.get("/api/registrations", headers=bearer(client, "enterprise_a")).status_code == 403
    admin = bearer(client, "admin")
    [pending] = client.get("/api/registrations", headers=admin).json()["data"]
    approved = client.post(f"/api/registrations/{pending['id']}/approve", headers=admin, json={})
    assert approved.status_code == 200 and approved.json()["organization_id"]
    assert client.post("/api/auth/token", json={"username": "api_user", "password": PASSWORD}).status_code == 200
    user = bearer(client, "api_user", PASSWORD)
    saved = client.post("/api/saved-searches", headers=user, json={"entity": "demand", "q": "电池"})
    assert saved.status_code == 201 and saved.json()["q"] == "电池"
    assert client.get("/api/saved-searches", headers=user).json()["count"] == 1
    assert client.delete(f"/api/saved-searches/{saved.json()['id']}", headers=user).status_code == 204


def test_registration_is_rate_limited_like_sign_in(uow, tmp_path, fast_passwords):
    from fastapi.testclient import TestClient

    from kechuang.app import create_app
    from kechuang.config import Settings

    client = TestClient(create_app(Settings(data_dir=tmp_path, embedder="none", sign_in_limit_per_ip=2), uow))
    answers = [
        client.post("/api/registrations", json={"username": f"flood_{n}", "password": PASSWORD,
                                                "display_name": "F", "proposed_organization": "Flood Ltd"})
        for n in range(3)
    ]
    assert [a.status_code for a in answers] == [201, 201, 429]
