"""Fixtures of the account tests (the world itself is in accounts_cast.py)."""

from accounts_cast import world  # noqa: F401
