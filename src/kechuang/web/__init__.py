"""Server-rendered bilingual pages (Jinja2), mounted beside the JSON API."""

from __future__ import annotations

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    """Mount the pages and static assets on `app` (filled in by the web layer's routes)."""
