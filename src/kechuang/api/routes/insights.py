"""JSON API of decision support views (m7)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["insights"])
