"""Pages of the review of open calls (m4)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from ..session import csrf_guard

router = APIRouter(dependencies=[Depends(csrf_guard)], include_in_schema=False)
