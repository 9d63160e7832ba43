"""The review of a call in a real browser: the officer's panel with conflicts, a conflicted expert refused,
an unconflicted one assigned, blind scoring, the published result (in Chinese and English), an appeal
answered. Screenshots go to docs/screenshots/reviews-*.png for the documentation.
"""

from __future__ import annotations

import pytest
from steps import shot, sign_in

pytestmark = pytest.mark.browser


def test_a_call_is_reviewed_blind_published_and_an_appeal_answered(page):
    from playwright.sync_api import expect

    sign_in(page, "officer")
    page.goto("/calls?status=review")
    page.locator("#calls tbody a").first.click()
    call_url = page.url.split("?")[0]
    page.goto(f"{call_url}/review")
    expect(page.locator("#suggestions tbody tr").first).to_be_visible()
    expect(page.locator("#suggestions tr.conflicted").first).to_be_visible()  # the sample plants one
    expect(page.locator("#suggestions tr:not(.conflicted) .tag.ok").first).to_contain_text("无利益冲突")
    shot(page, "reviews-officer-panel-zh.png")

    page.locator("#suggestions tr.conflicted form.assign button").first.click()
    expect(page.locator("#assign-refused")).to_contain_text("利益冲突")
    expect(page.locator("#refused-conflicts li").first).to_be_visible()
    shot(page, "reviews-conflict-refused-zh.png")

    free = page.locator("#suggestions tr:not(.conflicted) form.assign").first
    free.locator("input[name=username]").fill("researcher")
    free.locator("button").click()
    expect(page.locator("#done")).to_contain_text("已指派")

    sign_in(page, "researcher")
    page.click("#nav-reviews")
    page.locator("#my-reviews a.button").first.click()
    expect(page.locator("#scoring-head")).to_contain_text("盲评")
    expect(page.locator("section.application").first).to_be_visible()
    body = page.locator("main").inner_text()
    for name in ("北京芯衡智能科技有限公司", "北京亦驰动力科技有限公司", "黄涛", "沈悦"):
        assert name not in body
    for form in page.locator("form.score-form").all():
        for field in form.locator("input[type=number]").all():
            field.fill("8")
        form.locator("textarea[name=comment]").fill("方案可行，指标有把握")
        form.locator("button").click()
        expect(page.locator("#done")).to_contain_text("评分已提交")
    shot(page, "reviews-scoring-blind-zh.png")

    sign_in(page, "officer")
    page.goto(f"{call_url}/review")
    expect(page.locator("#ranking tbody tr").first).to_be_visible()
    page.click("#publish-result button")
    expect(page.locator("#done")).to_contain_text("已公示")
    expect(page.locator("#ranking tbody tr").first).to_contain_text("1")
    shot(page, "reviews-result-zh.png")

    page.context.clear_cookies()  # the anonymous read the result too
    page.goto(f"{call_url}/result")
    expect(page.locator("#ranking")).to_contain_text("评审专家")
    page.goto(f"{call_url}/result")

    sign_in(page, "enterprise_b")
    page.goto(f"{call_url}/result")
    page.fill("#appeal-form textarea[name=text]", "团队能力一项评分偏低，请复核")
    page.click("#appeal-form button")
    expect(page.locator("#done")).to_contain_text("异议已提交")

    sign_in(page, "officer")
    page.goto(f"{call_url}/result")
    answer = page.locator("form.answer-form").first
    answer.locator("input[name=reason]").fill("经复核，评分依据充分，维持原结果")
    answer.locator("button").click()
    expect(page.locator("#appeals")).to_contain_text("维持原结果")
    shot(page, "reviews-appeal-answered-zh.png")
    page.click("#language-switch")
    expect(page.locator("#result h1")).to_contain_text("Published result")
    shot(page, "reviews-result-en.png")
