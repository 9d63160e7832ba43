"""Standard code tables: disciplines, industries, regions and countries, searchable in both languages."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query

from kechuang.domain.codes import code_table
from kechuang.domain.errors import NotFound

from ..schemas import CodePublic, Page

router = APIRouter(prefix="/api/codes", tags=["codes"])
Scheme = Literal["discipline", "industry", "region", "country"]


@router.get("/{scheme}", response_model=Page[CodePublic])
def search_codes(
    scheme: Scheme,
    q: str = Query("", description="Code or name, Chinese or English."),
    limit: int = Query(20, ge=1, le=200),
) -> dict[str, Any]:
    table = code_table(scheme)
    items = table.search(q, limit=limit) if q else list(table)[:limit]
    return {"data": items, "count": len(items)}


@router.get("/{scheme}/{code}", response_model=CodePublic)
def get_code(scheme: Scheme, code: str) -> Any:
    found = code_table(scheme).get(code)
    if found is None:
        raise NotFound(f"{scheme} code '{code}' not found")
    return found
