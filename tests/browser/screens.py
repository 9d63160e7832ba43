"""Screenshots of the journeys, kept in docs/screenshots/ under stable names (each run refreshes them)."""

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
