"""Accounts in a real browser: a person registers claiming an organization, cannot sign in while pending,
an admin approves, the person signs in and saves a list search; the account page in both languages.

Screenshots go to docs/screenshots/accounts-*.png for the documentation.
"""

from __future__ import annotations

import pytest
from steps import shooter

pytestmark = pytest.mark.browser
PASSWORD = "a fine long passphrase"


shot = shooter("accounts")


def sign_in(page, username: str, password: str = "kechuang-demo") -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form.stack button[type=submit]")


def test_register_approve_sign_in_and_save_a_search(page):
    from playwright.sync_api import expect

    page.goto("/")
    page.click("#register-link")
    page.fill("input[name=username]", "wang_fang")
    page.fill("input[name=display_name]", "王芳")
    page.fill("input[name=email]", "wang.fang@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=password_again]", PASSWORD)
    page.locator("#in-organization_id").select_option(index=1)
    shot(page, "register-zh")
    page.click("#register-submit")
    expect(page.locator("#registered")).to_contain_text("wang_fang")

    sign_in(page, "wang_fang", PASSWORD)
    expect(page.locator("#login-error")).to_contain_text("等待管理员审核")
    shot(page, "pending-zh")

    sign_in(page, "admin")
    page.click("#users-link")
    page.click("#filter-pending")
    expect(page.locator("#user-wang_fang")).to_contain_text("待审核")
    shot(page, "users-pending-zh")
    page.click("#approve-wang_fang")
    expect(page.locator("#users-done")).to_be_visible()
    page.click("#sign-out")

    sign_in(page, "wang_fang", PASSWORD)
    expect(page.locator("#account-link")).to_contain_text("王芳")
    page.goto("/demands?q=电池")
    expect(page.locator("#export-csv")).to_be_visible()
    page.click("#save-search-button")
    expect(page.locator("#search-saved")).to_be_visible()
    expect(page.locator("#saved-searches")).to_contain_text("电池")
    shot(page, "saved-searches-zh")

    page.click("#account-link")
    page.click("#language-switch")
    expect(page.locator("h1")).to_contain_text("My account")
    shot(page, "account-en")
