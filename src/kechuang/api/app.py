"""The FastAPI application factory; nothing is created at import time."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from kechuang import __version__
from kechuang.config import Settings
from kechuang.services.match_index import MatchIndexes
from kechuang.store.db import UnitOfWork, make_engine

from .errors import install_error_handlers
from .routes import auth, codes, health, market, matches, notifications, registry


def _warm_up(app: FastAPI) -> None:
    try:
        app.state.indexes.sync_all(app.state.uow)
    except Exception:  # a failed warm-up only costs the first request its latency
        logging.getLogger(__name__).exception("warming up the matching indexes failed")


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Load the embedding model and bring the indexes up to date before the first match request."""
    threading.Thread(target=_warm_up, args=(app,), daemon=True, name="kechuang-warm-up").start()
    yield


def create_app(settings: Settings | None = None, uow: UnitOfWork | None = None) -> FastAPI:
    """Build the app for `settings`; tests pass their own unit of work over a prepared database."""
    settings = settings or Settings()
    app = FastAPIOffline(  # docs assets served locally: no CDN on an air-gapped intranet
        lifespan=_lifespan,
        title="Kechuang API",
        version=__version__,
        description="科创 Kechuang: registry of organizations, people, achievements, demands, scenarios, "
        "investors and projects. Lists answer {data, count}; errors answer {error: {code, message, field}}.",
    )
    app.state.settings = settings
    app.state.uow = uow or UnitOfWork(make_engine(settings.resolved_database_url))
    app.state.indexes = MatchIndexes(settings.index_dir, settings.embedder)
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(auth.router)
    app.include_router(registry.router)
    app.include_router(codes.router)
    app.include_router(matches.router)
    app.include_router(notifications.router)
    app.include_router(market.router)
    return app
