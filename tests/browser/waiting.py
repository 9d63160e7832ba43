"""Waiting for a page's own state without Playwright's wait_for_function.

wait_for_function polls inside the page with a function built from a string, which the pages'
Content-Security-Policy (no 'unsafe-eval') refuses as soon as the first check is false; page.evaluate runs
through the DevTools protocol instead, outside the page's policy.
"""

from __future__ import annotations

import time
from typing import Any


def wait_until(page: Any, expression: str, timeout_s: float = 30.0) -> None:
    """Poll a JavaScript expression until it is truthy; fail with the expression after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if page.evaluate(expression):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"still false after {timeout_s:.0f} s: {expression}")
