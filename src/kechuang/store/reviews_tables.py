"""Tables of the review of open calls (M4), mapped onto its domain dataclasses."""

from __future__ import annotations

from sqlalchemy import Table

from .tables import metadata  # noqa: F401

TABLE_OF: dict[type, Table] = {}
