"""JSON API of composite index (m7)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["indicators"])
