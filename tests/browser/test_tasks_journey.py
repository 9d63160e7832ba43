"""Key-task supervision in a real browser, in Chinese and in English: an officer's dashboard and timeline, a
district department's own list and progress report with evidence, the officer accepting it, the import page
listing bad rows. Screenshots go to docs/screenshots/tasks-*.png for the documentation."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from steps import shooter
from waiting import wait_until

from kechuang.services.tasks import export
from kechuang.web.render import ECHARTS_FILE

pytestmark = pytest.mark.browser


shot = shooter("tasks")


def sign_in(page, username: str) -> None:
    from playwright.sync_api import expect

    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "kechuang-demo")
    page.click("form.stack button[type=submit]")
    expect(page.locator("#sign-out")).to_be_visible()


def charts_drawn(page, count: int) -> None:
    if ECHARTS_FILE.is_file():
        wait_until(page, f"(window.kechuangTaskCharts || 0) >= {count}")


def test_the_supervision_journey_in_both_languages(page, tmp_path):
    from playwright.sync_api import expect

    refused = []  # a script or style the Content-Security-Policy blocked would leave a page half-working
    page.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text
            else None)
    sign_in(page, "officer")
    page.click("#nav-tasks")
    expect(page.locator("h1")).to_contain_text("重点任务督办")
    page.locator("#plans tbody a").first.click()
    expect(page.locator("#plan-title")).to_contain_text("工作要点")
    for status in ("on_track", "at_risk", "overdue", "done"):
        expect(page.locator(f"#count-{status} strong")).not_to_have_text("0")
    expect(page.locator("#stalled")).to_contain_text("工作已完成、指标未见变化")
    charts_drawn(page, 2)
    plan_url = page.url
    shot(page, "dashboard-zh")

    page.click("#tab-timeline")
    expect(page.locator("h1")).to_contain_text("进度甘特图")
    charts_drawn(page, 1)
    if ECHARTS_FILE.is_file():
        expect(page.locator("#chart-gantt svg")).to_be_visible()
    shot(page, "timeline-zh")
    page.click("#sign-out")

    sign_in(page, "dept_haidian")
    page.goto("/tasks/mine")
    expect(page.locator("#department-name")).to_contain_text("海淀区")
    shot(page, "department-zh")
    page.locator("#department-tasks tbody a").first.click()
    expect(page.locator("#why")).to_contain_text("为什么是这个状态")
    task_url = page.url.split("?")[0]
    page.fill("#report-progress", "80")
    page.fill("#report-note", "已完成区级服务点建设并投入运行。")
    evidence = tmp_path / "服务点验收纪要.txt"
    evidence.write_text("验收纪要：服务点已投入运行。", encoding="utf-8")
    page.set_input_files("#report-evidence", str(evidence))
    page.click("#submit-report")
    expect(page.locator("#done-notice")).to_contain_text("进展报告已提交")
    expect(page.locator("#reports")).to_contain_text("服务点验收纪要.txt")
    shot(page, "report-zh")
    page.click("#sign-out")

    sign_in(page, "officer")
    page.goto(task_url)
    page.locator("#reports button[id^=accept-]").first.click()
    expect(page.locator("#done-notice")).to_contain_text("报告已确认")
    expect(page.locator("#history")).to_contain_text("正常推进")
    shot(page, "task-zh")

    page.click("#language-switch")
    expect(page.locator("#why")).to_contain_text("Why this status?")
    shot(page, "task-en")
    page.goto(plan_url)
    expect(page.locator("#stalled h2")).to_contain_text("Work done, indicator not moved")
    expect(page.locator("#by-department")).to_contain_text("By lead department")
    charts_drawn(page, 2)
    shot(page, "dashboard-en")
    page.click("#tab-timeline")
    charts_drawn(page, 1)
    shot(page, "timeline-en")

    workbook = load_workbook(io.BytesIO(export.template("en")))
    for row in ([90, "Pilot a district proof-of-concept fund", "Haidian Bureau of Sci-Tech", "", "2026-09-30", ""],
                [91, "Open shared labs", "北京市海淀区科学技术和信息化局", "", "as soon as possible", ""],
                [92, "Run a talent forum", "Tsinghua University", "", "2026-10-31", ""]):
        workbook.worksheets[0].append(row)
    filled = tmp_path / "tasks.xlsx"
    workbook.save(filled)
    page.goto(plan_url + "/import")
    page.set_input_files("#import-file", str(filled))
    page.click("#import-check")
    expect(page.locator("#import-errors")).to_contain_text("3 row(s) are wrong")
    shot(page, "import-errors-en")
    assert refused == []
