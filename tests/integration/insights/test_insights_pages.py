"""The officer pages: sign-in redirect, 404 for other roles, both languages, chain editing through the form."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from kechuang.app import create_app
from kechuang.config import Settings
from kechuang.services.insights.sample import load_insights_sample
from kechuang.services.market_sample import load_market_sample
from kechuang.services.sample import DEMO_PASSWORD, load_demo_accounts, load_sample

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PAGES = ["/insights/networks", "/insights/trends", "/insights/chains", "/insights/chains/1",
         "/insights/chains/new/edit", "/insights/chains/1/edit"]


@pytest.fixture
def client(uow, tmp_path, fast_passwords):
    load_sample(uow)
    load_market_sample(uow)
    load_demo_accounts(uow)
    load_insights_sample(uow)
    return TestClient(create_app(Settings(data_dir=tmp_path, embedder="hashing"), uow), follow_redirects=False)


def sign_in(client: TestClient, username: str) -> None:
    token = CSRF.search(client.get("/login").text).group(1)
    response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD, "csrf_token": token,
                                           "next": "/"})
    assert response.status_code == 303


def switch_language(client: TestClient, lang: str) -> None:
    token = CSRF.search(client.get("/").text).group(1)
    client.post("/language", data={"lang": lang, "csrf_token": token, "next": "/"})


def test_anonymous_visitors_are_sent_to_sign_in(client) -> None:
    for path in ["/insights", *PAGES]:
        response = client.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/login?next=/insights")


@pytest.mark.parametrize("username", ["enterprise_a", "registrar", "partner"])
def test_other_roles_get_not_found(client, username) -> None:
    sign_in(client, username)
    for path in PAGES:
        assert client.get(path).status_code == 404, path
    assert 'id="nav-insights"' not in client.get("/").text


@pytest.mark.parametrize("lang,words", [("zh", ["协同创新网络", "技术趋势研判", "产业链图谱"]),
                                        ("en", ["Collaboration network", "Technology trend radar", "Industry-chain maps"])])
def test_officer_pages_in_both_languages(client, lang, words) -> None:
    sign_in(client, "officer")
    switch_language(client, lang)
    assert 'id="nav-insights"' in client.get("/").text
    network = client.get("/insights/networks")
    assert network.status_code == 200 and words[0] in network.text
    data = json.loads(re.search(r'<script type="application/json" id="insights-data">(.*?)</script>', network.text, re.S).group(1))
    assert data["kind"] == "network" and data["nodes"] and data["links"]
    assert all(set(n["links"]) <= {""} | {link for link in n["links"] if link.startswith("/")} for n in data["nodes"])
    trends = client.get("/insights/trends")
    assert trends.status_code == 200 and words[1] in trends.text and "radar-chart" in trends.text
    chains = client.get("/insights/chains")
    assert chains.status_code == 200 and words[2] in chains.text
    mapped = client.get("/insights/chains/2")
    assert mapped.status_code == 200 and 'class="chain-node gap"' in mapped.text
    filtered = client.get("/insights/networks", params={"region": "hebei", "kind": "contract", "year_from": "2024"})
    assert filtered.status_code == 200


def test_officers_create_and_edit_chains_through_the_form(client) -> None:
    sign_in(client, "officer")
    form = client.get("/insights/chains/new/edit")
    token = CSRF.search(form.text).group(1)
    lines = "components | 量子芯片 | Quantum chips | 3921 | 量子 | quantum\nsystems | 量子计算机 | Quantum computers | 391 | 量子计算 |"
    bad = client.post("/insights/chains/new/edit", data={"csrf_token": token, "code": "Bad code", "nodes": lines})
    assert bad.status_code == 422 and 'id="form-errors"' in bad.text and "Bad code" in bad.text
    created = client.post("/insights/chains/new/edit", data={"csrf_token": token, "code": "quantum", "name_zh": "量子信息",
                                                             "nodes": lines})
    assert created.status_code == 303
    location = created.headers["location"]
    page = client.get(location)
    assert "量子芯片" in page.text and "量子计算机" in page.text
    edit = client.get(f"{location}/edit")
    assert "components | 量子芯片 | Quantum chips | 3921 | 量子 | quantum" in edit.text
    saved = client.post(f"{location}/edit", data={"csrf_token": token, "code": "quantum", "name_zh": "量子", "version": "1",
                                                   "nodes": lines})
    assert saved.status_code == 303
    stale = client.post(f"{location}/edit", data={"csrf_token": token, "code": "quantum", "name_zh": "量子", "version": "1",
                                                   "nodes": lines})
    assert stale.status_code == 409
