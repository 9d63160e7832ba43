"""The index pages in both languages: public once published, drafts and forms for officers only."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from kechuang.app import create_app
from kechuang.config import Settings
from kechuang.services.indicators.sample import load_indicators_sample
from kechuang.services.market_sample import load_market_sample
from kechuang.services.sample import DEMO_PASSWORD, load_demo_accounts, load_sample

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
KEY_LEFT = re.compile(r">\s*indicators\.[a-z_.]+\s*<|\bindicators\.[a-z]+\.[a-z_]+\b(?![\w/])")


@pytest.fixture
def app(uow, tmp_path, fast_passwords):
    load_sample(uow)
    load_demo_accounts(uow)
    load_market_sample(uow)
    load_indicators_sample(uow)
    return create_app(Settings(data_dir=tmp_path, embedder="hashing"), uow)


def _client(app, lang: str = "zh", user: str | None = None) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    client.cookies.set("kechuang_lang", lang)
    if user:
        token = CSRF.search(client.get("/login").text).group(1)
        client.post(
            "/login", data={"username": user, "password": DEMO_PASSWORD, "csrf_token": token, "next": "/"}
        )
        token = CSRF.search(client.get("/").text).group(1)
        client.post("/language", data={"lang": lang, "csrf_token": token})
    return client


@pytest.mark.parametrize(
    "lang, words",
    [
        ("zh", ["科技创新综合指数", "排名", "海淀区"]),
        ("en", ["Composite innovation index", "Rank", "Haidian"]),
    ],
)
def test_published_edition_pages_read_in_both_languages_without_an_account(app, lang, words):
    client = _client(app, lang)
    home = client.get("/indicators")
    assert home.status_code == 200 and words[0] in home.text
    edition = re.search(r'href="/indicators/editions/(\d+)"', home.text).group(1)
    for path in ("", "/audit", "/sensitivity", "/report"):
        page = client.get(f"/indicators/editions/{edition}{path}")
        assert page.status_code == 200, path
        assert not KEY_LEFT.search(page.text.replace("indicators.sens", "")), (
            path,
            KEY_LEFT.search(page.text),
        )
    ranking = client.get(f"/indicators/editions/{edition}?year=2023").text
    assert words[1] in ranking and words[2] in ranking and 'id="indicators-data"' in ranking
    report = client.get(f"/indicators/editions/{edition}/report").text
    assert '"normalise": "minmax"' in report and (
        "合成样例数据" in report or "Synthetic sample data" in report
    )
    assert client.get("/indicators/charts.js").headers["content-type"].startswith("text/javascript")
    framework = client.get("/indicators/frameworks/beijing-districts")
    assert framework.status_code == 200 and 'id="framework-form"' not in framework.text


def test_officer_sees_measure_values_saves_a_framework_version_and_computes_a_draft(app):
    officer = _client(app, "en", "officer")
    measures = officer.get("/indicators/measures?year=2025")
    assert (
        measures.status_code == 200 and 'id="measure-values"' in measures.text and "Haidian" in measures.text
    )
    page = officer.get("/indicators/frameworks/beijing-districts").text
    token = CSRF.search(page).group(1)
    csv_text = re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S).group(1)
    import html

    edited = html.unescape(csv_text).replace("RAD,BJ,0.25", "RAD,BJ,0.3")
    saved = officer.post(
        "/indicators/frameworks/beijing-districts", data={"csv": edited, "csrf_token": token}
    )
    assert saved.status_code == 303 and saved.headers["location"].endswith("version=2")
    made = officer.post(
        "/indicators/editions",
        data={
            "framework": "beijing-districts",
            "dataset": "beijing-districts-synthetic",
            "normalise": "zscore",
            "aggregate": "arithmetic",
            "impute": "none",
            "weights": "equal",
            "range": "0,100",
            "runs": "60",
            "csrf_token": token,
        },
    )
    assert made.status_code == 303, made.text
    draft = made.headers["location"]
    assert 'id="publish"' in officer.get(draft).text
    assert _client(app, "en").get(draft).status_code == 404  # outsiders do not know a draft exists
    assert _client(app, "en", "enterprise_a").get(draft).status_code == 404
    outsider = _client(app, "en", "enterprise_a").get("/indicators/measures").text
    assert 'id="measure-values"' not in outsider


def test_the_report_prints_to_pdf_for_officers_where_chromium_is_installed(app):
    from kechuang.web.routes.indicators import pdf_engine

    if pdf_engine() is None:
        pytest.skip("no chromium: the HTML report prints itself")
    anonymous = _client(app, "zh")
    edition = re.search(r'href="/indicators/editions/(\d+)"', anonymous.get("/indicators").text).group(1)
    assert anonymous.get(f"/indicators/editions/{edition}/report.pdf").status_code in {403, 404}
    pdf = _client(app, "en", "officer").get(f"/indicators/editions/{edition}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-") and len(pdf.content) > 10_000


@pytest.mark.parametrize(
    "path",
    [
        "/indicators/editions/99999999999999999999",
        "/indicators/editions/0/audit",
        "/indicators/frameworks/beijing-districts?version=99999999999999999999",
        "/indicators/frameworks/none",
    ],
)
def test_ids_and_versions_that_cannot_exist_are_404_not_a_database_error(app, path):
    assert TestClient(app, raise_server_exceptions=False).get(path).status_code == 404


def test_officer_imports_values_through_the_page_with_located_errors(app):
    officer = _client(app, "en", "officer")
    token = CSRF.search(officer.get("/indicators").text).group(1)
    bad = officer.post(
        "/indicators/values",
        data={"dataset": "pages", "csrf_token": token},
        files={"file": ("v.csv", b"unit,year,indicator,value\nA,20x4,x,1\nB,2024,x,oops\n")},
    )
    assert bad.status_code == 422 and 'id="import-errors"' in bad.text and "2 errors" in bad.text
    good = officer.post(
        "/indicators/values",
        data={"dataset": "pages", "csrf_token": token},
        files={"file": ("v.csv", b"unit,year,x,y\nA,2024,1,2\nB,2024,3,4\n")},
    )
    assert good.status_code == 303 and good.headers["location"] == "/indicators?imported=pages:4:0"
    assert "4 values added" in officer.get(good.headers["location"]).text
    member = _client(app, "en", "enterprise_a")
    token = CSRF.search(member.get("/indicators").text).group(1)
    refused = member.post(
        "/indicators/values",
        data={"dataset": "pages", "csrf_token": token},
        files={"file": ("v.csv", b"unit,year,x\nA,2024,1\n")},
    )
    assert refused.status_code == 403
