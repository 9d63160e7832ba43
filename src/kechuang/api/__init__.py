"""HTTP JSON API: app factory, routes, one error table."""

from .app import create_app

__all__ = ["create_app"]
