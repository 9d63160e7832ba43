"""The platform's clock: naive datetimes in UTC, as every DateTime column stores them."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """The current time in UTC without tzinfo (columns are timezone-naive; UTC by convention)."""
    return datetime.now(UTC).replace(tzinfo=None)
