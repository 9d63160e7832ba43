"""The key-task pages over HTTP in both languages: dashboard, timeline, department list, task, report, import."""

from __future__ import annotations

import io
import re

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from tasks_helpers import actor

from kechuang.app import create_app
from kechuang.config import Settings
from kechuang.services.market_sample import load_market_sample
from kechuang.services.sample import DEMO_PASSWORD
from kechuang.services.tasks import export
from kechuang.services.tasks.sample import load_tasks_sample
from kechuang.web.pdf import pdf_available


@pytest.fixture
def site(registry, tmp_path):
    load_market_sample(registry)
    load_tasks_sample(registry)
    return TestClient(create_app(Settings(data_dir=tmp_path, embedder="none"), registry))


def sign_in(client, username: str):
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    data = {"username": username, "password": DEMO_PASSWORD}
    if token:
        data["csrf_token"] = token.group(1)
    response = client.post("/login", data=data, follow_redirects=False)
    assert response.status_code in (302, 303), response.text[:500]


def csrf(page_text: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page_text).group(1)


def plan_id(client) -> int:
    return client.get("/api/plans").json()["data"][0]["id"]


@pytest.mark.parametrize(("lang", "words"), [("zh", ["重点任务督办", "为什么是这个状态", "按牵头单位"]),
                                             ("en", ["Key-task supervision", "Why this status", "By lead department"])])
def test_pages_render_in_both_languages(site, lang, words):
    sign_in(site, "officer")
    site.cookies.set("lang", lang)
    if lang == "en":
        home = site.get("/tasks")
        site.post("/language", data={"lang": "en", "csrf_token": csrf(home.text)})
    plan = plan_id(site)
    pages = [site.get("/tasks"), site.get(f"/tasks/plans/{plan}"), site.get(f"/tasks/plans/{plan}/timeline")]
    first_task = site.get(f"/api/plans/{plan}/tasks").json()["data"][0]
    pages.append(site.get(f"/tasks/{first_task['id']}"))
    pages.append(site.get(f"/tasks/plans/{plan}/departments/{first_task['lead_department']}"))
    for page in pages:
        assert page.status_code == 200, page.text[:300]
    text = " ".join(p.text for p in pages)
    for word in words:
        assert word in text
    assert 'id="chart-gantt"' in pages[2].text and "/static/tasks-charts.js" in pages[2].text
    assert "@media print" in pages[1].text
    assert site.get("/static/tasks-charts.js").status_code == 200


def test_a_department_reports_and_the_officer_returns_then_accepts(site, uow):
    sign_in(site, "dept_haidian")
    plan = plan_id(site)
    haidian = actor(uow, "dept_haidian").organization_id
    mine = site.get(f"/tasks/plans/{plan}/departments/{haidian}")
    task_id = int(re.search(r'href="/tasks/(\d+)"', mine.text.split('id="department-tasks"')[1]).group(1))
    page = site.get(f"/tasks/{task_id}")
    assert 'id="report-form"' in page.text
    posted = site.post(f"/tasks/{task_id}/reports", data={
        "csrf_token": csrf(page.text), "progress": "70", "note": "完成阶段验收", "key": "web-1"},
        files={"evidence": ("验收纪要.txt", "会议纪要".encode(), "text/plain")}, follow_redirects=False)
    assert posted.status_code == 303, posted.text[:500]
    bad = site.post(f"/tasks/{task_id}/reports", data={"csrf_token": csrf(page.text), "progress": "150"})
    assert bad.status_code == 422 and 'id="report-error"' in bad.text
    reports = site.get(f"/api/tasks/{task_id}/reports").json()["data"]
    newest = reports[0]
    assert newest["progress"] == 70 and newest["evidence"][0]["filename"] == "验收纪要.txt"
    assert site.get(f"/api/evidence/{newest['evidence'][0]['id']}").content == "会议纪要".encode()

    site.cookies.clear()
    sign_in(site, "officer")
    page = site.get(f"/tasks/{task_id}")
    assert f'id="accept-{newest["id"]}"' in page.text
    token = csrf(page.text)
    empty = site.post(f"/tasks/reports/{newest['id']}/return", data={"csrf_token": token, "task_id": task_id})
    assert empty.status_code == 422  # a return needs its reason
    site.post(f"/tasks/reports/{newest['id']}/return", data={"csrf_token": token, "task_id": task_id,
                                                               "reason": "请补充验收意见"})
    assert site.get(f"/api/tasks/{task_id}/reports").json()["data"][0]["state"] == "returned"


def test_the_import_page_lists_each_bad_row(site, uow):
    sign_in(site, "officer")
    plan = plan_id(site)
    workbook = load_workbook(io.BytesIO(export.template("zh")))
    workbook.worksheets[0].append([101, "新任务", "不存在的局", "", "2026-06-30", ""])
    out = io.BytesIO()
    workbook.save(out)
    page = site.get(f"/tasks/plans/{plan}/import")
    response = site.post(f"/tasks/plans/{plan}/import", data={"csrf_token": csrf(page.text)},
                         files={"file": ("plan.xlsx", out.getvalue())})
    assert response.status_code == 422 and 'id="import-errors"' in response.text and "不存在的局" in response.text


def test_outsiders_get_404_for_an_internal_plan(site, uow):
    officer = actor(uow, "officer")
    from kechuang.services.tasks import plans

    plan = plan_id(site)
    plans.update_plan(officer, uow, plan, {"visibility": "internal"})
    assert site.get(f"/tasks/plans/{plan}").status_code == 404
    sign_in(site, "enterprise_a")
    assert site.get(f"/tasks/plans/{plan}/timeline").status_code == 404


@pytest.mark.skipif(not pdf_available(), reason="WeasyPrint is the optional `pdf` extra (make test-optional)")
def test_the_plan_report_as_pdf(site):
    sign_in(site, "officer")
    plan = plan_id(site)
    assert f'href="/tasks/plans/{plan}/report.pdf"' in site.get(f"/tasks/plans/{plan}").text
    pdf = site.get(f"/tasks/plans/{plan}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-") and len(pdf.content) > 10_000
