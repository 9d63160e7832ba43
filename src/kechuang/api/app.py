"""The FastAPI application factory; nothing is created at import time."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from kechuang import __version__
from kechuang.config import Settings
from kechuang.services.match_index import MatchIndexes
from kechuang.store.db import UnitOfWork, make_engine

from .errors import install_error_handlers
from .routes import codes, health, matches, registry


def create_app(settings: Settings | None = None, uow: UnitOfWork | None = None) -> FastAPI:
    """Build the app for `settings`; tests pass their own unit of work over a prepared database."""
    settings = settings or Settings()
    app = FastAPIOffline(  # docs assets served locally: no CDN on an air-gapped intranet
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
    app.include_router(registry.router)
    app.include_router(codes.router)
    app.include_router(matches.router)
    return app
