"""Decision support in a real browser: an officer reads the network, the trend radar and a chain map's gaps,
in Chinese and then in English."""

from __future__ import annotations

import re

import pytest

from kechuang.web.render import ECHARTS_FILE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not ECHARTS_FILE.is_file(), reason="ECharts is not vendored: `make assets` installs it"),
]


def shot(page, artifacts, name: str) -> None:
    page.screenshot(path=str(artifacts / name), full_page=True)


def sign_in(page, username: str) -> None:
    from playwright.sync_api import expect

    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "kechuang-demo")
    page.click("form.stack button[type=submit]")
    expect(page.locator("h1")).to_contain_text("欢迎")


def test_officer_reads_networks_radar_and_chain_gaps_in_both_languages(page, artifacts):
    from playwright.sync_api import expect

    sign_in(page, "officer")
    page.click("#nav-insights")
    expect(page.locator("h1")).to_contain_text("协同创新网络与碎片化程度")
    # (no wait_for_function: its polling evaluates a string, which the pages' CSP forbids)
    expect(page.locator("#chart-network canvas")).to_be_visible()
    expect(page.locator("#chart-fragmentation canvas")).to_be_visible()
    page.evaluate("window.kechuangShowNode(0)")  # what a click on the biggest node shows
    expect(page.locator("#node-details-body dl")).to_contain_text("部门")
    expect(page.locator("#node-details-body li").first).to_have_text(re.compile(r"^(achievement|contract|deal|project):\d+$"))
    page.wait_for_timeout(2500)  # let the force layout settle before the screenshot
    shot(page, artifacts, "insights-network-zh.png")

    page.select_option("select[name=region]", "hebei")
    page.click("#apply-filters")
    expect(page).to_have_url(re.compile(r".*region=hebei.*"))
    expect(page.locator("#network-summary")).to_be_visible()

    page.click("#tab-trends")
    expect(page.locator("h1")).to_contain_text("技术趋势研判")
    expect(page.locator(".radar-chart canvas").first).to_be_visible()
    expect(page.locator(".field-topics").first.locator("tbody tr").first).to_be_visible()
    page.wait_for_timeout(1200)
    shot(page, artifacts, "insights-trends-zh.png")

    page.click("#tab-chains")
    expect(page.locator("#chain-list")).to_contain_text("集成电路")
    page.click("#chain-list a:has-text('集成电路')")
    expect(page.locator("#gap-count .tag.gap")).to_be_visible()
    gap = page.locator(".chain-node.gap").first
    expect(gap).to_contain_text("外地候选供给方")
    expect(gap.locator(".matches li").first).to_be_visible()
    shot(page, artifacts, "insights-chain-zh.png")

    page.click("#language-switch")
    expect(page.locator("h1")).to_contain_text("Integrated circuits")
    expect(page.locator(".chain-node.gap").first).to_contain_text("Candidate suppliers elsewhere")
    shot(page, artifacts, "insights-chain-en.png")
    page.goto("/insights/networks")
    expect(page.locator("h1")).to_contain_text("Collaboration network and fragmentation")
    expect(page.locator("#chart-network canvas")).to_be_visible()
    page.wait_for_timeout(2500)
    shot(page, artifacts, "insights-network-en.png")
    page.goto("/insights/trends")
    expect(page.locator("h1")).to_contain_text("Technology trend radar")
    expect(page.locator(".radar-chart canvas").first).to_be_visible()
    page.wait_for_timeout(1200)
    shot(page, artifacts, "insights-trends-en.png")


def test_other_roles_do_not_see_the_insights(page):
    from playwright.sync_api import expect

    sign_in(page, "enterprise_a")
    expect(page.locator("#nav-insights")).to_have_count(0)
    response = page.goto("/insights/networks")
    assert response is not None and response.status == 404
