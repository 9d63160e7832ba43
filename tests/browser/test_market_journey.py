"""The technology market in a real browser: an officer's statistics charts, a party's deal page."""

from __future__ import annotations

import pytest
from waiting import wait_until

from kechuang.web.render import ECHARTS_FILE

pytestmark = pytest.mark.browser


def shot(page, artifacts, name: str) -> None:
    page.screenshot(path=str(artifacts / name), full_page=True)


def sign_in(page, username: str) -> None:
    from playwright.sync_api import expect

    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "kechuang-demo")
    page.click("form.stack button[type=submit]")
    expect(page.locator("h1")).to_contain_text("欢迎")


@pytest.mark.skipif(
    not ECHARTS_FILE.is_file(), reason="ECharts is not vendored: `make assets` installs it (the page shows tables only)"
)
def test_officer_sees_the_statistics_charts(page, artifacts):
    from playwright.sync_api import expect

    sign_in(page, "officer")
    page.click("#nav-market")
    expect(page.locator("nav.market-tabs")).to_contain_text("合同统计")
    page.goto("/market/statistics?year=2025")
    expect(page.locator("h1")).to_contain_text("2025 年技术合同登记统计")
    wait_until(page, "window.kechuangCharts && window.kechuangCharts.length === 4")
    for chart in ("flow", "months", "types", "disciplines"):
        expect(page.locator(f"#chart-{chart} canvas")).to_be_visible()
    expect(page.locator("#table-flow")).to_contain_text("流向津冀")
    expect(page.locator("#download-xlsx")).to_have_attribute("href", "/api/market/statistics.xlsx?year=2025&lang=zh")
    page.wait_for_timeout(1500)  # let the charts' entry animation finish before the screenshot
    shot(page, artifacts, "10-market-statistics.png")


def test_a_party_follows_its_deal_and_records_a_milestone(page, artifacts):
    from playwright.sync_api import expect

    sign_in(page, "researcher")
    page.goto("/deals?stage=performance")
    page.locator("#deals tbody a").first.click()
    expect(page.locator(".progress li[aria-current=step]")).to_contain_text("履约")
    expect(page.locator("#registration-number")).not_to_be_empty()
    expect(page.locator("#offers tbody tr")).to_have_count(1)
    page.fill("#form-milestone input[name=title]", "技术资料与样机交付")
    page.click("#form-milestone button")
    expect(page.locator(".notice")).to_contain_text("已提交")
    expect(page.locator("#performance")).to_contain_text("技术资料与样机交付")
    expect(page.locator("#timeline")).to_contain_text("里程碑")
    page.goto(page.url.split("?")[0])
    shot(page, artifacts, "11-deal.png")
