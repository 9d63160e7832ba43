"""Under the Content-Security-Policy the pages (htmx, ECharts) and the API docs still work, with no violation."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def watch_violations(page) -> list[str]:
    """Chromium reports each blocked script, style, image or worker on the console."""
    seen: list[str] = []

    def note(message) -> None:
        if "Content Security Policy" in message.text:
            seen.append(message.text)

    page.on("console", note)
    return seen


def test_pages_with_htmx_and_charts_run_without_a_violation(page):
    from playwright.sync_api import expect

    violations = watch_violations(page)
    page.goto("/login")
    page.fill("input[name=username]", "officer")
    page.fill("input[name=password]", "kechuang-demo")
    page.click("form.stack button[type=submit]")
    page.goto("/demands")
    page.fill("form.filters input[name=q]", "检测")  # htmx swaps the results in place and pushes the URL
    page.wait_for_url("**/demands?*q=*")
    page.goto("/market/statistics?year=2025")
    expect(page.locator("#chart-flow canvas")).to_be_visible()
    page.locator("#chart-flow canvas").hover()  # an ECharts tooltip sets inline styles
    page.wait_for_timeout(500)
    assert violations == []


def test_api_docs_render_under_their_own_policy(page):
    from playwright.sync_api import expect

    violations = watch_violations(page)
    page.goto("/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Kechuang API", timeout=30_000)
    expect(page.locator(".opblock").first).to_be_visible()
    page.goto("/redoc")
    # ReDoc lays out the whole schema (hundreds of operations) before its first heading: seconds on a busy CI
    expect(page.locator("h1").first).to_contain_text("Kechuang API", timeout=60_000)
    # ReDoc's "powered by" logo comes from its CDN: blocked, as an air-gapped intranet would anyway
    assert [v for v in violations if "https://cdn.redoc.ly/" not in v] == []
