"""The review pages: the officer's panel with conflicts shown, refusal and assignment, blind scoring, the
published result for the anonymous, an appeal and its answer, outsiders refused; in both languages."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from review_cast import A_NAME, ReviewCase, case_fixture  # noqa: F401

from kechuang.app import create_app
from kechuang.config import Settings
from kechuang.services.sample import DEMO_PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def browser(uow, tmp_path, username: str | None = None, password: str = DEMO_PASSWORD) -> TestClient:
    client = TestClient(create_app(Settings(data_dir=tmp_path, embedder="none"), uow), follow_redirects=False)
    if username:
        token = CSRF.search(client.get("/login").text).group(1)
        signed = client.post(
            "/login", data={"username": username, "password": password, "csrf_token": token, "next": "/"}
        )
        assert signed.status_code == 303, signed.text
    return client


def post(client: TestClient, page: str, action: str, **fields) -> object:
    token = CSRF.search(client.get(page).text).group(1)
    return client.post(action, data={"csrf_token": token, **{k: str(v) for k, v in fields.items()}})


@pytest.fixture
def pages(uow, tmp_path, case: ReviewCase):
    return lambda *who: browser(uow, tmp_path, *who)


def test_the_review_pages_from_panel_to_answered_appeal(uow, case: ReviewCase, pages) -> None:
    call = case.call_id
    officer, liu = pages("officer"), pages("rev-liuyang-thu", "review-pass-123")
    panel = officer.get(f"/calls/{call}/review")
    assert panel.status_code == 200 and 'id="suggestions"' in panel.text
    assert "任职于申报单位" in panel.text or "与团队成员合著" in panel.text  # conflicts shown with their kind

    refused = post(
        officer,
        f"/calls/{call}/review",
        f"/calls/{call}/review/assign",
        person_id=case.people["per-zhangwei-thu"],
    )
    assert refused.status_code == 409 and 'id="refused-conflicts"' in refused.text and A_NAME in refused.text
    done = post(
        officer,
        f"/calls/{call}/review",
        f"/calls/{call}/review/assign",
        person_id=case.people["per-liuyang-thu"],
        username="rev-liuyang-thu",
    )
    assert done.status_code == 303, done.text

    scoring = liu.get(f"/calls/{call}/review")
    assert scoring.status_code == 200 and 'id="application-P01"' in scoring.text
    for name in (A_NAME, "黄涛", "Huang Tao", "北京亦驰动力科技有限公司"):
        assert name not in scoring.text
    for app, value in ((case.app_a, 9), (case.app_b, 6)):
        fields = {f"score-{c}": value for c in case.criteria}
        scored = post(
            liu,
            f"/calls/{call}/review",
            f"/calls/{call}/review/score",
            application_id=app,
            comment=f"意见{value}",
            idempotency_key=f"page-{app}",
            **fields,
        )
        assert scored.status_code == 303, scored.text
    assert "已评分" in liu.get(f"/calls/{call}/review").text

    assert pages().get(f"/calls/{call}/result").status_code == 404
    published = post(officer, f"/calls/{call}/review", f"/calls/{call}/review/publish")
    assert published.status_code == 303 and published.headers["location"].endswith("/result?done=publish")

    public = pages().get(f"/calls/{call}/result")
    assert (
        public.status_code == 200
        and A_NAME in public.text
        and "评审专家 1 / Reviewer 1: 意见9" in public.text
    )
    assert A_NAME not in liu.get(f"/calls/{call}/result").text  # a blind reviewer still sees no names

    firm_b = pages("enterprise_b")
    appealed = post(
        firm_b,
        f"/calls/{call}/result",
        f"/calls/{call}/result/appeal",
        application_id=case.app_b,
        text="预算评分偏低，请复核",
    )
    assert appealed.status_code == 303, appealed.text
    listed = officer.get(f"/calls/{call}/result")
    appeal_id = re.search(r'id="appeal-(\d+)"', listed.text).group(1)
    answered = post(
        officer,
        f"/calls/{call}/result",
        f"/calls/{call}/result/answer",
        appeal_id=appeal_id,
        decision="rejected",
        reason="复核后维持原评分",
    )
    assert answered.status_code == 303
    assert "复核后维持原评分" in firm_b.get(f"/calls/{call}/result").text

    outsider = pages("tto")
    assert outsider.get(f"/calls/{call}/review").status_code == 404
    assert pages().get(f"/calls/{call}/review").status_code == 303  # sign in first
    english = pages()
    english.cookies.set("kechuang_lang", "en")
    assert "Published result" in english.get(f"/calls/{call}/result").text
    assert (
        'id="nav-reviews"' in liu.get("/reviews").text and f"/calls/{call}/review" in liu.get("/reviews").text
    )
