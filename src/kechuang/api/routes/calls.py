"""JSON API of open calls and scenarios (m4)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["calls"])
