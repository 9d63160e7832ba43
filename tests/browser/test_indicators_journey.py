"""The composite index in a real browser: a visitor reads the published sample edition (ranking, radar,
pillar bars, rank intervals) without an account; an officer reads the audit, the sensitivity analysis and
the printable report in both languages, and edits the framework.

Screenshots go to docs/screenshots/indicators-*.png for the documentation.
"""

from __future__ import annotations

import pytest
from steps import shooter
from waiting import wait_until

from kechuang.web.render import ECHARTS_FILE

pytestmark = pytest.mark.browser
CHARTS = ECHARTS_FILE.is_file()


shot = shooter("indicators")


def sign_in(page, username: str) -> None:
    from playwright.sync_api import expect

    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "kechuang-demo")
    page.click("form.stack button[type=submit]")
    expect(page.locator("h1")).to_contain_text("欢迎")


def test_a_visitor_reads_the_published_index_with_its_charts(page):
    from playwright.sync_api import expect

    page.goto("/")
    page.click("#nav-indicators")
    expect(page.locator("h1")).to_contain_text("科技创新综合指数")
    page.locator("#editions tbody a").first.click()
    expect(page.locator("#synthetic-label")).to_contain_text("合成样例数据")
    expect(page.locator("#ranking tbody tr")).to_have_count(16)
    expect(page.locator("#ranking tbody tr").first).to_contain_text("海淀区")
    if CHARTS:
        wait_until(page, "window.kechuangIndexCharts && window.kechuangIndexCharts.length === 3")
        for chart in ("radar", "bars", "intervals"):
            expect(page.locator(f"#chart-{chart} canvas")).to_be_visible()
    page.select_option("select[name=unit]", "110114")
    page.click("#apply-year")
    expect(page.locator("#chart-radar").locator("xpath=..")).to_contain_text("昌平区")
    shot(page, "ranking-zh")


def test_an_officer_reads_audit_sensitivity_and_report_in_both_languages(page):
    from playwright.sync_api import expect

    sign_in(page, "officer")
    page.goto("/indicators")
    page.locator("#editions tbody a").first.click()
    page.click("#tab-audit")
    expect(page.locator("#alphas")).to_contain_text("创新力")
    shot(page, "audit-zh")
    page.click("#tab-sensitivity")
    expect(page.locator("#sens-intro")).to_contain_text("蒙特卡洛")
    expect(page.locator("#indices tbody tr")).to_have_count(4)
    if CHARTS:
        wait_until(page, "window.kechuangIndexCharts && window.kechuangIndexCharts.length === 2")
    shot(page, "sensitivity-zh")
    page.click("#language-switch")
    expect(page.locator("#indices")).to_contain_text("Weights (perturbed)")
    expect(page.locator("#intervals")).to_contain_text("Haidian")
    shot(page, "sensitivity-en")
    page.click("#tab-ranking")
    expect(page.locator("#ranking thead")).to_contain_text("Innovation capacity")
    if CHARTS:
        wait_until(page, "window.kechuangIndexCharts && window.kechuangIndexCharts.length === 3")
    shot(page, "ranking-en")
    page.click("#tab-report")
    expect(page.locator("#method")).to_contain_text("min-max to 0")
    expect(page.locator("#report-ranking tbody tr")).to_have_count(16)
    page.emulate_media(media="print")
    expect(page.locator("nav.indicators-tabs")).to_be_hidden()
    shot(page, "report-en")
    page.emulate_media(media="screen")
    page.click("#language-switch")  # the account keeps its language: leave it as the other tests expect
    expect(page.locator("#method")).to_contain_text("最小-最大")


def test_an_officer_saves_a_new_framework_version(page):
    from playwright.sync_api import expect

    sign_in(page, "officer")
    page.goto("/indicators/frameworks/beijing-districts")
    expect(page.locator("#framework-tree")).to_contain_text("辐射力")
    text = page.input_value("#framework-csv")
    page.fill("#framework-csv", text.replace("RAD,BJ,0.25", "RAD,BJ,0.3"))
    page.click("#save-framework")
    expect(page.locator("h1")).to_contain_text("v2")
    shot(page, "framework-zh")
