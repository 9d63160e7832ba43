"""Request dependencies: the unit of work and the acting user."""

from __future__ import annotations

from fastapi import Request

from kechuang.config import Settings
from kechuang.domain.access import ANONYMOUS, Actor
from kechuang.store.db import UnitOfWork


def get_uow(request: Request) -> UnitOfWork:
    return request.app.state.uow  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def current_actor(request: Request) -> Actor:
    """The acting user; anonymous until accounts exist, so only public records are served."""
    return ANONYMOUS
