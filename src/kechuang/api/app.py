"""The FastAPI application factory; nothing is created at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from kechuang import __version__
from kechuang.config import Settings
from kechuang.services.index_worker import IndexWorker
from kechuang.services.match_index import MatchIndexes
from kechuang.services.throttle import AttemptThrottle
from kechuang.store.db import UnitOfWork, make_engine

from .body_limit import BodyLimit
from .errors import install_error_handlers
from .routes import (
    accounts,
    auth,
    calls,
    codes,
    feedback,
    health,
    indicators,
    insights,
    market,
    matches,
    notifications,
    registry,
    reviews,
    talent,
    tasks,
)
from .security import SecurityHeaders


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Keep the matching indexes in step in a worker thread; requests read its last synced state."""
    settings = app.state.settings
    worker = None
    if settings.index_sync == "worker":
        worker = IndexWorker(app.state.indexes, app.state.uow, settings.index_sync_interval).start()
    yield
    if worker is not None:
        worker.stop()


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
    if uow is None:
        uow = UnitOfWork(make_engine(settings.resolved_database_url, lock_timeout_s=settings.db_lock_timeout))
    app.state.uow = uow
    app.state.indexes = MatchIndexes(
        settings.index_dir, settings.embedder, sync_on_read=settings.index_sync == "inline"
    )
    app.state.sign_in_throttle = AttemptThrottle(
        per_address=settings.sign_in_limit_per_ip,
        per_account=settings.sign_in_limit_per_account,
        window=settings.sign_in_window_seconds,
    )
    app.add_middleware(SecurityHeaders)  # also covers the pages and static files web.install adds
    install_error_handlers(app)
    app.add_middleware(
        BodyLimit, body_bytes=settings.max_body_bytes, upload_bytes=settings.max_upload_bytes
    )
    app.include_router(health.router)
    app.include_router(auth.router)
    app.include_router(registry.router)
    app.include_router(codes.router)
    app.include_router(matches.router)
    app.include_router(notifications.router)
    app.include_router(market.router)
    app.include_router(accounts.router)
    for module in (calls, reviews, tasks, talent, indicators, insights, feedback):
        app.include_router(module.router)
    return app
