"""Pages of decision support views (m7)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from ..session import csrf_guard

router = APIRouter(dependencies=[Depends(csrf_guard)], include_in_schema=False)
