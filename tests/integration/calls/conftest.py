"""Fixtures of the calls tests (defined in calls_cast, importable by the tests too)."""

from calls_cast import cast  # noqa: F401
