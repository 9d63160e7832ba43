"""An enterprise member's journey through the pages in a real browser, with a screenshot of each step."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

BAD_CSV = (
    "external_id,title_zh,budget_max,required_trl\n"
    "browser-bad-1,预算写错的需求,很多,5\n"
    "browser-bad-2,成熟度写错的需求,10,15\n"
)


def shot(page, artifacts, name: str) -> None:
    page.screenshot(path=str(artifacts / name), full_page=True)


def test_enterprise_member_journey(page, artifacts):
    from playwright.sync_api import expect

    page.goto("/login")
    expect(page.locator("h1")).to_have_text("登录")
    page.fill("input[name=username]", "enterprise_a")
    page.fill("input[name=password]", "kechuang-demo")
    shot(page, artifacts, "01-sign-in.png")
    page.click("form.stack button[type=submit]")
    expect(page.locator("h1")).to_contain_text("欢迎")
    shot(page, artifacts, "02-home.png")

    page.goto("/demands/new")
    page.fill("#in-title_zh", "产线小样本缺陷检测模型的边缘部署")
    page.fill("#in-description_zh", "需要在产线边缘设备上部署小样本工业缺陷检测算法，实时推理，支持模型持续优化。")
    page.fill("#in-budget_max", "300")
    page.fill("#in-required_trl", "6")
    page.check("input[name=cooperation_modes][value=license]")
    page.fill("#in-keywords_zh", "缺陷检测；机器视觉；边缘计算")
    page.click("form.record-form button[type=submit]")
    expect(page.locator(".notice")).to_contain_text("已保存")
    shot(page, artifacts, "03-demand-posted.png")

    page.click("text=查看匹配")
    expect(page.locator("ol.matches > li").first).to_be_visible()
    assert page.locator("ol.matches > li").count() >= 3
    expect(page.locator(".reasons li").first).to_be_visible()
    expect(page.locator(".meter span").first).to_be_visible()
    shot(page, artifacts, "04-matches.png")
    page.click("nav.tabs >> text=专家")
    expect(page.locator("nav.tabs a[aria-current=page]")).to_have_text("专家")
    expect(page.locator(".reasons").first).to_contain_text("相关成果")
    assert re.search(r"kind=expert", page.url)
    shot(page, artifacts, "05-matches-experts.png")

    page.click("#language-switch")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_contain_text("Matches:")
    expect(page.locator(".reasons").first).to_contain_text("Related achievements")
    shot(page, artifacts, "06-matches-in-english.png")
    page.click("#language-switch")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("h1")).to_contain_text("匹配结果")
    shot(page, artifacts, "07-back-to-chinese.png")

    page.goto("/import")
    page.select_option("select[name=entity]", "demand")
    page.set_input_files("input[type=file]", files=[{
        "name": "bad-demands.csv", "mimeType": "text/csv", "buffer": BAD_CSV.encode("utf-8"),
    }])
    page.click("#import-upload")
    errors = page.locator("#import-errors")
    expect(errors).to_contain_text("没有写入任何数据")
    expect(errors.locator("tbody tr")).to_have_count(2)
    expect(errors).to_contain_text("“很多”不是数字")
    shot(page, artifacts, "08-import-row-errors.png")

    page.click("#sign-out")
    expect(page.locator(".hero h1")).to_be_visible()
    expect(page.locator("a.button.small")).to_have_text("登录")
    shot(page, artifacts, "09-signed-out.png")
