"""Talent evaluation in a real browser: the scheme editor refuses a paper-count scheme, an officer reads
ranks with intervals, young talent and gaps, and a researcher reads their own evaluation in both languages.

Screenshots go to docs/screenshots/talent-*.png for the documentation.
"""

from __future__ import annotations

import pytest
from steps import shooter

pytestmark = pytest.mark.browser


shot = shooter("talent")


def sign_in(page, username: str) -> None:
    from playwright.sync_api import expect

    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "kechuang-demo")
    page.click("form.stack button[type=submit]")
    expect(page.locator("h1")).to_contain_text("欢迎")


def test_an_officer_edits_a_scheme_and_reads_ranks_young_talent_and_gaps(page):
    from playwright.sync_api import expect

    sign_in(page, "officer")
    page.click("#nav-talent")
    expect(page.locator("#schemes .card")).to_have_count(4)
    shot(page, "schemes")
    page.locator("#schemes .card-title a").first.click()
    page.fill("#weight-paper_count", "30")
    page.fill("#weight-projects", "")
    page.fill("#weight-title", "")
    page.click("#save-scheme")
    expect(page.locator("#scheme-error")).to_contain_text("30%")
    expect(page.locator("#scheme-error")).to_contain_text("10%")
    shot(page, "cap-refused")
    page.goto("/talent")
    page.locator("a.ranked-list").first.click()
    expect(page.locator("#evaluations tbody tr").first).to_contain_text("[1,")
    expect(page.locator("#run-info")).to_contain_text("蒙特卡洛")
    shot(page, "evaluations")
    page.goto("/talent/young")
    expect(page.locator("#young .talent-reasons li").first).not_to_be_empty()
    shot(page, "young")
    page.goto("/talent/gaps")
    expect(page.locator(".talent-gap").first).to_contain_text("万元")
    shot(page, "gaps")


def test_a_researcher_reads_every_contribution_and_its_evidence_in_both_languages(page):
    from playwright.sync_api import expect

    sign_in(page, "researcher")
    page.goto("/talent")
    page.click("#my-evaluation")
    expect(page.locator("#person-name")).to_contain_text("林悦")
    page.locator("#scheme-tabs a", has_text="青年人才类").click()
    contributions = page.locator("#contributions > li")
    expect(contributions).to_have_count(7)
    expect(page.locator("#dimension-projects .evidence")).to_contain_text("青年科学基金")
    expect(page.locator("#dimension-representative_works .evidence li")).to_have_count(2)
    shot(page, "person-zh")
    page.click("#language-switch")
    expect(page.locator("#dimension-projects .evidence")).to_contain_text("Young Scientists Fund")
    expect(page.locator("#dimension-representative_works")).to_contain_text("Representative works")
    shot(page, "person-en")
    page.fill("#contest-reason", "Two supervised students are missing from my co-author records.")
    page.click("#send-contest")
    expect(page.locator("#contest-list")).to_contain_text("Two supervised students")


def test_an_enterprise_user_is_not_told_evaluations_exist(page):
    sign_in(page, "enterprise_a")
    response = page.goto("/talent/young")
    assert response is not None and response.status == 404
