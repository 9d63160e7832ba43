"""The whole application: the JSON API and the web pages in one ASGI app (what `kechuang serve` runs)."""

from __future__ import annotations

from fastapi import FastAPI

from kechuang import api, web
from kechuang.config import Settings
from kechuang.store.db import UnitOfWork


def create_app(settings: Settings | None = None, uow: UnitOfWork | None = None) -> FastAPI:
    """The API app with the server-rendered pages mounted on it."""
    app = api.create_app(settings, uow)
    web.install(app)
    return app
