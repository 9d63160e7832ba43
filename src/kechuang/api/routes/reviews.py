"""JSON API of the review of open calls (m4)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["reviews"])
