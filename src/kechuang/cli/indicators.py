"""CLI of composite index (m7): thin commands over its services."""

from __future__ import annotations

import typer

indicators_app = typer.Typer(
    help="Composite index (M7): frameworks, indicator values, computed editions.", no_args_is_help=True
)
