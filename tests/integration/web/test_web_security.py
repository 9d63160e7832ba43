"""Security headers on pages, API and docs; no inline script in the templates; Secure cookies; sign-in limits."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from web_client import csrf_of, sign_in

from kechuang.app import create_app
from kechuang.config import Settings
from kechuang.services import accounts
from kechuang.services.sample import DEMO_PASSWORD
from kechuang.web.session import ANON_CSRF_COOKIE

TEMPLATES = Path(__file__).resolve().parents[3] / "src" / "kechuang" / "web" / "templates"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)


@pytest.fixture
def make_client(uow, tmp_path, fast_passwords):
    from kechuang.services.sample import load_demo_accounts, load_sample

    load_sample(uow)
    load_demo_accounts(uow)

    def make(**settings: object) -> TestClient:
        app = create_app(Settings(data_dir=tmp_path, embedder="hashing", **settings), uow)
        return TestClient(app, follow_redirects=False)

    return make


def directives(response) -> dict[str, str]:
    policy = response.headers["content-security-policy"]
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


def assert_hardened(response):
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    policy = directives(response)
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert policy["object-src"] == "object-src 'none'"
    return policy


def test_pages_api_static_files_and_errors_carry_the_security_headers(make_client):
    client = make_client()
    for path in ("/", "/login", "/demands", "/api/health", "/api/demands", "/static/style.css", "/no-such-page",
                 "/api/no-such-thing", "/openapi.json"):
        policy = assert_hardened(client.get(path))
        assert policy["script-src"] == "script-src 'self'", path


def test_the_docs_pages_allow_exactly_their_own_inline_scripts(make_client):
    client = make_client()
    for path in ("/docs", "/docs/oauth2-redirect"):
        page = client.get(path)
        assert page.status_code == 200
        policy = assert_hardened(page)
        scripts = re.findall(r"<script>(.*?)</script>", page.text, re.S)
        assert scripts, path
        for script in scripts:
            digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in policy["script-src"], path
    redoc = client.get("/redoc")
    assert redoc.status_code == 200 and "blob:" in directives(redoc)["worker-src"]


def test_templates_have_no_inline_script_or_event_handler():
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not INLINE_SCRIPT.search(text), f"{template.name}: inline <script> (CSP forbids it)"
        assert not HANDLER.search(text), f"{template.name}: on* handler attribute (CSP forbids it)"


def session_cookie(response) -> str:
    return next(h for h in response.headers.get_list("set-cookie") if h.startswith(accounts.SESSION_COOKIE))


def test_session_cookie_is_secure_when_the_setting_says_so(make_client):
    plain = make_client()
    assert "Secure" not in session_cookie(sign_in(plain, "enterprise_a"))
    behind_tls_proxy = make_client(secure_cookies=True)  # the proxy speaks http to us: scheme says nothing
    form = behind_tls_proxy.get("/login")
    assert all("Secure" in h for h in form.headers.get_list("set-cookie"))
    token = csrf_of(form.text)  # the browser, on https, sends the Secure cookie back; httpx on http would not
    response = behind_tls_proxy.post(
        "/login",
        data={"username": "enterprise_a", "password": DEMO_PASSWORD, "csrf_token": token, "next": "/"},
        headers={"Cookie": f"{ANON_CSRF_COOKIE}={token}"},
    )
    assert response.status_code == 303 and "Secure" in session_cookie(response)


def test_sign_in_form_is_rate_limited_with_a_page_in_the_visitors_language(make_client):
    client = make_client(sign_in_limit_per_account=2, sign_in_limit_per_ip=100)
    for _ in range(2):
        assert sign_in(client, "tto", "not the password").status_code == 401
    limited = sign_in(client, "tto")
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert "尝试次数过多" in limited.text and "text/html" in limited.headers["content-type"]
    assert accounts.SESSION_COOKIE not in limited.headers.get("set-cookie", "")
