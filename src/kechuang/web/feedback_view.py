"""What a demand's or achievement's page shows of its upkeep: freshness, and who found it a useful match."""

from __future__ import annotations

from typing import Any

from kechuang.domain.access import Actor
from kechuang.domain.feedback import Freshness
from kechuang.services.feedback import found_useful
from kechuang.services.listings import listing_state
from kechuang.store.db import UnitOfWork


def listing_upkeep(
    actor: Actor, entity: str, item: Any, uow: UnitOfWork, freshness: Freshness
) -> dict[str, Any]:
    """Template values `freshness` (None for other records) and `useful` (None unless the owner reads)."""
    if entity not in ("demand", "achievement"):
        return {"freshness": None, "useful": None}
    return {
        "freshness": listing_state(actor, item, freshness),
        "useful": found_useful(actor, entity, item.id, uow),
    }
