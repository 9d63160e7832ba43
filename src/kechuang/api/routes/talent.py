"""JSON API of talent evaluation (m5)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["talent"])
