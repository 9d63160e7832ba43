"""Every main page at a phone's width (390 px) and a laptop's (1366 px), in Chinese and English.

No page may scroll sideways (wide tables scroll inside their own box), the grouped header menu opens and its
links work, and a few key pages are kept as screenshots in docs/screenshots/. One browser for the module, one
context per width and language: the whole sweep stays within CI's two cores.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from waiting import wait_until

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SIZES = {"phone": (390, 844), "laptop": (1366, 768)}

# (who signs in, page) for every module's main pages; "first:<list>" opens the first record linked from a list
PAGES: list[tuple[str, str]] = [
    ("officer", "/"),
    ("officer", "/search?q=电池"),
    ("officer", "/demands"),
    ("officer", "first:/demands"),
    ("officer", "/achievements"),
    ("officer", "first:/achievements"),
    ("officer", "/organizations"),
    ("officer", "first:/organizations"),
    ("officer", "/people"),
    ("officer", "first:/people"),
    ("officer", "/scenarios"),
    ("officer", "/investors"),
    ("officer", "/projects"),
    ("enterprise_a", "matches:/demands"),
    ("researcher", "/deals"),
    ("researcher", "first:/deals"),
    ("officer", "/contracts"),
    ("officer", "/market/statistics"),
    ("officer", "/calls"),
    ("officer", "first:/calls"),
    ("officer", "/reviews"),
    ("officer", "/tasks"),
    ("officer", "first:/tasks"),
    ("officer", "/talent"),
    ("officer", "/talent/young"),
    ("officer", "/indicators"),
    ("officer", "/insights"),
    ("officer", "/insights/chains"),
    ("officer", "/insights/networks"),
    ("officer", "/insights/trends"),
    ("officer", "/notifications"),
    ("officer", "/import"),
    ("officer", "/contracts/import"),
]

# page -> screenshot name, phone width only (the laptop look is in the journeys' screenshots)
SHOTS = {"/": "home", "first:/deals": "deal", "/market/statistics": "statistics", "/contracts": "contracts"}

OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && box.width > 0) {
      let inside = false;  // in a box that scrolls by itself (a table's scroll container): allowed
      for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
        const style = getComputedStyle(up);
        if (/(auto|scroll|hidden)/.test(style.overflowX)) { inside = true; break; }
      }
      if (!inside) wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                             (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : '') +
                             ' ' + Math.round(box.right));
    }
  }
  return {scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 6)};
}"""


def open_tab(browser: Any, server: str, size: str, lang: str, username: str) -> tuple[Any, Any]:
    width, height = SIZES[size]
    context = browser.new_context(base_url=server, viewport={"width": width, "height": height},
                                  locale="zh-CN" if lang == "zh" else "en-US")
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    tab.goto("/login")
    tab.fill("input[name=username]", username)
    tab.fill("input[name=password]", "kechuang-demo")
    tab.click("form.stack button[type=submit]")
    tab.wait_for_url(lambda url: "/login" not in url)
    if tab.locator("html").get_attribute("lang") != ("zh-CN" if lang == "zh" else "en"):
        switch = tab.locator("#language-switch")
        if not switch.is_visible():
            tab.locator("#menu summary").click()
        switch.click()
        tab.wait_for_load_state()
    return context, tab


def resolve(tab: Any, target: str) -> str:
    """A fixed URL, or the first record (or its matches) linked from a list page."""
    if ":" not in target:
        return target
    how, listing = target.split(":", 1)
    tab.goto(listing)
    links = tab.locator(f"main a[href^='{listing}/']")
    href = [h for h in links.evaluate_all("els => els.map(e => e.getAttribute('href'))")
            if h and h.split("?")[0].rstrip("/").split("/")[-1].isdigit()]
    assert href, f"no record linked from {listing}"
    return href[0] + ("/matches" if how == "matches" else "")


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_page_scrolls_sideways(browser, server, size, lang):
    problems: list[str] = []
    tabs: dict[str, tuple[Any, Any]] = {}
    try:
        for username, target in PAGES:
            if username not in tabs:
                tabs[username] = open_tab(browser, server, size, lang, username)
            tab = tabs[username][1]
            url = resolve(tab, target)
            response = tab.goto(url)
            if response is None or response.status != 200:
                problems.append(f"{url}: status {response and response.status}")
                continue
            if tab.locator("[id^=chart-] canvas, .chart canvas").count():
                tab.wait_for_timeout(300)  # the charts have sized themselves
            found = tab.evaluate(OVERFLOW)
            if found["scroll"] > found["width"]:
                problems.append(f"{url}: scrollWidth {found['scroll']} > {found['width']} {found['wide']}")
            if size == "phone" and target in SHOTS:
                tab.wait_for_timeout(800 if "statistics" in url else 0)
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                tab.screenshot(path=str(SCREENSHOTS / f"mobile-{SHOTS[target]}-{lang}.png"), full_page=True)
    finally:
        for context, _ in tabs.values():
            context.close()
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("size", list(SIZES))
def test_the_grouped_menu_opens_and_its_links_work(browser, server, size):
    context, tab = open_tab(browser, server, size, "zh", "officer")
    try:
        tab.goto("/")
        menu = tab.locator("#menu")
        if size == "phone":
            assert not tab.locator("#nav-talent").is_visible()  # folded away until asked for
            menu.locator("summary").click()
        wait_until(tab, "document.querySelector('#nav-talent').offsetParent !== null", timeout_s=5)
        for group in ("registry", "market", "calls", "tasks", "talent", "decisions"):
            assert tab.locator(f"#menu .nav-group-{group}").count() == 1, group
        tab.locator("#nav-talent").click()
        tab.wait_for_url("**/talent")
        assert tab.locator("#nav-talent").get_attribute("aria-current") == "page"
        sign_out = tab.locator("#sign-out")
        if size == "phone":
            tab.locator("#menu summary").click()
        box = sign_out.bounding_box()
        assert box is not None and box["height"] < 40, box  # 退出 on one line
        found = tab.evaluate(OVERFLOW)
        assert found["scroll"] <= found["width"], found
    finally:
        context.close()
