"""Composite index (M7): frameworks, indicator values, computed editions."""
