"""Steps the browser journeys share: signing in, and screenshots kept in docs/screenshots/ (each run refreshes them)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def shooter(prefix: str) -> Callable[[Any, str], None]:
    """`shot` for one journey: its screenshots are named `<prefix>-<name>.png`."""
    return lambda page, name: shot(page, f"{prefix}-{name}.png")


def sign_in(page: Any, username: str) -> None:
    """A demo account signs in (the previous one's cookies cleared) and lands on the Chinese home page."""
    from playwright.sync_api import expect

    page.context.clear_cookies()
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "kechuang-demo")
    page.click("form.stack button[type=submit]")
    expect(page.locator("h1")).to_contain_text("欢迎")
