"""The match feedback loop in a real browser: a demand's owner marks a match useful on its match page, and
the officer sees it counted on the funnel, in both languages. Screenshots go to docs/screenshots/feedback-*.png
for the documentation."""

from __future__ import annotations

import pytest
from steps import shot, sign_in

pytestmark = pytest.mark.browser


def test_a_match_marked_useful_is_counted_on_the_officers_funnel(page):
    from playwright.sync_api import expect

    sign_in(page, "enterprise_a")
    found = page.request.get("/api/demands?q=小样本工业缺陷检测").json()["data"]
    demand = found[0]["id"]
    page.goto(f"/demands/{demand}/matches")
    card = page.locator("li.match").filter(has=page.locator("button.feedback-useful")).first
    expect(card.locator("button.feedback-useful")).to_have_attribute("aria-pressed", "false")
    card.locator("button.feedback-useful").click()
    expect(page.locator("li.match button.feedback-useful[aria-pressed=true]")).to_have_count(1)
    shot(page, "feedback-matches-zh.png")

    sign_in(page, "officer")
    page.goto("/market/statistics")
    page.click("nav.market-tabs a[href='/funnel']")
    expect(page.locator("h1")).to_contain_text("匹配转化漏斗")
    total = page.locator("#funnel-table tr.total")
    expect(total.locator("td[data-stage=rated]")).to_contain_text("1")
    expect(total.locator("td[data-stage=useful]")).to_contain_text("1")
    expect(total.locator("td[data-stage=useful]")).to_contain_text("100.0%")
    shot(page, "feedback-funnel-zh.png")
    page.click("#language-switch")
    expect(page.locator("h1")).to_contain_text("Match funnel")
    expect(page.locator("#funnel-table thead")).to_contain_text("Registered contracts")
    shot(page, "feedback-funnel-en.png")
    page.click("#language-switch")
