"""Server-rendered bilingual pages (Jinja2, htmx when vendored), mounted beside the JSON API."""

from __future__ import annotations

from .app import install

__all__ = ["install"]
