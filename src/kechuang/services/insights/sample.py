"""The insights part of the built-in sample, played through the real services: the shipped chains."""

from __future__ import annotations

from kechuang.domain.access import Actor
from kechuang.store.db import UnitOfWork

from .chains import install_shipped_chains


def load_insights_sample(uow: UnitOfWork) -> dict[str, int]:
    """Install the shipped industry chains where none of them exists yet; returns counts of what it made.

    Networks and the trend radar are computed from the registry and market samples, so they need no data
    of their own."""
    added = install_shipped_chains(Actor.system("sample"), uow, is_sample=True)
    return {"chains": len(added)}
