"""Mount the pages, their static files and their error pages on the application."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from .errors import install_page_errors
from .render import STATIC_DIR
from .routes import (
    accounts,
    auth,
    calls,
    contracts,
    feedback,
    home,
    imports,
    indicators,
    insights,
    market,
    market_stats,
    matches,
    notifications,
    registry,
    reviews,
    talent,
    tasks,
)


def install(app: FastAPI) -> None:
    """Add the bilingual pages beside the JSON API (which keeps /api and /docs)."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    modules = (auth, accounts, home, matches, imports, notifications, market, contracts, market_stats,
               calls, reviews, tasks, talent, indicators, insights, feedback, registry)
    for module in modules:
        app.include_router(module.router)
    install_page_errors(app)
