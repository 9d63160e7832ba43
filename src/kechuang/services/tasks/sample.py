"""The tasks part of the built-in sample, played through the real services."""

from __future__ import annotations

from kechuang.store.db import UnitOfWork


def load_tasks_sample(uow: UnitOfWork) -> dict[str, int]:
    """Load this module's sample on an installation that has none yet; returns counts of what it made."""
    return {}
