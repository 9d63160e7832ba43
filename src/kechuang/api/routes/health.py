"""Liveness and database check."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy import text

from kechuang import __version__
from kechuang.store.db import UnitOfWork

from ..deps import get_uow

router = APIRouter(prefix="/api", tags=["health"])


@router.get("/health")
def health(uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    """200 with the version and database backend when the database answers."""
    with uow() as session:
        session.execute(text("SELECT 1"))
    return {"status": "ok", "version": __version__, "database": uow.engine.dialect.name}
