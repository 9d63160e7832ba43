"""JSON API of key-task supervision (m6)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["tasks"])
