"""Call pages: posting, stepping, applying with an attachment, refusals shown translated, outsiders 404."""

from __future__ import annotations

import re

import pytest
from calls_cast import actor_of, call_data
from fastapi.testclient import TestClient

from kechuang.app import create_app
from kechuang.config import Settings
from kechuang.services.calls.calls import create_call, transition
from kechuang.services.calls.sample import load_calls_sample
from kechuang.services.sample import DEMO_PASSWORD, load_demo_accounts, load_sample

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PDF = b"%PDF-1.5\n%%EOF"


@pytest.fixture
def app(uow, tmp_path, fast_passwords):
    load_sample(uow)
    load_demo_accounts(uow)
    return create_app(Settings(data_dir=tmp_path, embedder="none"), uow)


def browser(app, username: str | None = None, lang: str = "zh") -> TestClient:
    client = TestClient(app, follow_redirects=False)
    if username:
        token = CSRF.search(client.get("/login").text).group(1)
        done = client.post("/login", data={"username": username, "password": DEMO_PASSWORD, "csrf_token": token,
                                           "next": "/"})
        assert done.status_code == 303
    if lang == "en":
        token = CSRF.search(client.get("/calls").text).group(1)
        client.post("/language", data={"lang": "en", "csrf_token": token, "next": "/calls"})
    return client


def post(client: TestClient, page: str, action: str, data: dict | None = None, files=None):
    token = CSRF.search(client.get(page).text).group(1)
    return client.post(action, data={"csrf_token": token, "idempotency_key": f"k-{action}-{len(data or {})}",
                                     **(data or {})}, files=files)


FORM = {
    "title_zh": "高精度MEMS惯性传感器揭榜",
    "title_en": "High-precision MEMS inertial sensors",
    "problem_zh": "零偏稳定性优于0.1°/h。",
    "budget": "500",
    "indicators": "零偏稳定性 | Bias stability | 0.1 | °/h | 第三方检测 | 12",
    "criteria": "技术 | Technology | 0.6\n团队 | Team | 0.4",
    "eligible_regions": "jingjinji",
    "joint_allowed": "on",
    "blind_review": "on",
    "visibility": "public",
}


def test_an_officer_posts_and_publishes_a_call_through_the_forms(app):
    officer = browser(app, "officer")
    made = post(officer, "/calls/new", "/calls/new", FORM)
    assert made.status_code == 303, made.text
    page = made.headers["location"].split("?")[0]
    assert "高精度MEMS惯性传感器揭榜" in officer.get(page).text
    assert browser(app).get(page).status_code == 404  # a draft is invisible to the anonymous
    published = post(officer, page, f"{page}/do/publish")
    assert published.status_code == 303
    listing = browser(app).get("/calls").text
    assert "高精度MEMS惯性传感器揭榜" in listing and "揭榜中" in listing


def test_a_bad_weight_is_refused_with_the_reason_translated(app):
    officer = browser(app, "officer", lang="en")
    refused = post(officer, "/calls/new", "/calls/new", {**FORM, "criteria": "技术 | Technology | 0.6"})
    assert refused.status_code == 422 and "sum to 1" in refused.text
    assert 'value="高精度MEMS惯性传感器揭榜"' in refused.text  # what was typed is kept


def test_a_wrong_stage_is_shown_with_the_allowed_stages(app, uow):
    officer_actor = actor_of(uow, "officer")
    call = create_call(officer_actor, call_data(), uow)
    officer = browser(app, "officer")
    refused = post(officer, f"/calls/{call.id}", f"/calls/{call.id}/do/close")
    assert refused.status_code == 409 and "published" in refused.text


def test_an_applicant_applies_attaches_and_submits_and_others_get_404(app, uow):
    call = create_call(actor_of(uow, "officer"), call_data(), uow)
    transition(actor_of(uow, "officer"), call.id, "publish", uow)
    applicant = browser(app, "enterprise_a", lang="en")
    page = f"/calls/{call.id}"
    assert "Apply" in applicant.get(page).text
    started = post(applicant, page, f"{page}/apply")
    assert started.status_code == 303
    app_page = started.headers["location"]
    from sqlalchemy import select

    from kechuang.domain.entities import Organization, Person

    with uow() as session:
        org = session.scalars(select(Organization.id).where(Organization.external_id == "org-enterprise-a")).one()
        team = list(session.scalars(select(Person.id).where(Person.organization_id == org)))[:2]
        from kechuang.services.calls.calls import indicators_of

        indicators = [i.id for i in indicators_of(session, call.id)]
    form = {"title": "MEMS方案", "proposal": "两年攻关", "team_person_ids": ", ".join(map(str, team)),
            "requested_budget": "400", **{f"commit_{i}": "12" for i in indicators}}
    assert post(applicant, app_page, f"{app_page}/save", form).status_code == 303
    uploaded = post(applicant, app_page, f"{app_page}/attach", {}, files={"file": ("plan.pdf", PDF, "application/pdf")})
    assert uploaded.status_code == 303, uploaded.text
    fake = post(applicant, app_page, f"{app_page}/attach", {"x": "1"}, files={"file": ("x.pdf", b"GIF89a", "image/gif")})
    assert fake.status_code == 422 and "PDF, DOCX or XLSX" in fake.text
    assert post(applicant, app_page, f"{app_page}/submit", {"y": "1"}).status_code == 303
    html = applicant.get(app_page).text
    assert "Submitted" in html and "plan.pdf" in html
    file_link = re.search(r'href="(/calls/\d+/applications/\d+/files/\d+)"', html).group(1)
    assert applicant.get(file_link).content == PDF
    for outsider in (browser(app, "enterprise_b"), browser(app, "researcher")):
        assert outsider.get(app_page).status_code == 404
        assert outsider.get(file_link).status_code == 404
    assert browser(app).get(file_link).status_code == 404
    officer_view = browser(app, "officer").get(page).text
    assert "MEMS方案" in officer_view


def test_the_sample_calls_render_in_both_languages_with_milestones(app, uow):
    load_calls_sample(uow)
    officer = browser(app, "officer")
    listing = officer.get("/calls").text
    ids = [int(x) for x in re.findall(r'data-call="(\d+)"', listing)]
    assert len(ids) == 5
    for lang in ("zh", "en"):
        client = browser(app, "officer", lang=lang)
        for ident in ids:
            response = client.get(f"/calls/{ident}")
            assert response.status_code == 200, response.text
        assert browser(app, lang=lang).get(f"/calls/{ids[0]}").status_code == 200
    in_progress = next(i for i in ids if 'data-status="in_progress"' in officer.get(f"/calls/{i}").text)
    assert 'id="milestones"' in officer.get(f"/calls/{in_progress}").text
    in_review = next(i for i in ids if 'data-status="review"' in officer.get(f"/calls/{i}").text)
    page = officer.get(f"/calls/{in_review}").text  # the officer reaches the review from the call
    assert f'href="/calls/{in_review}/review"' in page and 'id="result-link"' not in page
    assert f'href="/calls/{in_progress}/result"' in officer.get(f"/calls/{in_progress}").text


def test_an_enterprise_posts_a_call_that_waits_for_the_officers_approval(app):
    poster = browser(app, "enterprise_a")
    made = post(poster, "/calls/new", "/calls/new", FORM)
    assert made.status_code == 303
    page = made.headers["location"].split("?")[0]
    html = poster.get(page).text
    assert 'id="awaiting-approval"' in html and 'id="step-submit"' in html and 'id="step-publish"' not in html
    assert post(poster, page, f"{page}/do/submit").status_code == 303
    assert browser(app, "enterprise_b").get(page).status_code == 404
    officer = browser(app, "officer")
    assert post(officer, page, f"{page}/do/approve").status_code == 303
    assert post(officer, page, f"{page}/do/publish").status_code == 303
    assert browser(app).get(page).status_code == 200


def test_a_scenario_through_its_page(app, uow):
    from sqlalchemy import select

    from kechuang.domain.entities import Person, Scenario

    with uow() as session:
        scenario = session.scalars(select(Scenario.id).where(Scenario.external_id == "scn-0001")).one()
        judge = session.scalars(select(Person.id).where(Person.external_id == "per-weiran-hebut")).one()
    page = f"/scenarios/{scenario}/applications"
    owner = browser(app, "officer")
    assert post(owner, page, f"{page}/open", {"closes_on": "2099-01-01"}).status_code == 303
    assert "开放申报中" in browser(app).get(page).text
    assert scenario_link(browser(app).get("/calls").text, page)
    company = browser(app, "enterprise_b", lang="en")
    assert post(company, page, f"{page}/apply", {"solution": "航站楼引导机器人"}).status_code == 303
    html = owner.get(page).text
    application = re.search(r'data-application="(\d+)"', html).group(1)
    no_reason = post(owner, page, f"{page}/decide", {"application_id": application, "decision": "select"})
    assert no_reason.status_code == 422
    chosen = post(owner, page, f"{page}/decide",
                  {"application_id": application, "decision": "select", "reason": "唯一可落地方案",
                   "reviewers": str(judge)})
    assert chosen.status_code == 303
    assert post(owner, page, f"{page}/pilot", {"application_id": application, "starts_on": "2027-03-01",
                                                "outcome": "pending"}).status_code == 303
    seen = company.get(page).text
    assert "Selected" in seen and "2027-03-01" in seen
    assert "航站楼引导机器人" not in browser(app, "enterprise_a").get(page).text


def scenario_link(html: str, page: str) -> bool:
    return f'href="{page}"' in html
