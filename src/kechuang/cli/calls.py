"""CLI of open calls and scenarios (m4): thin commands over its services."""

from __future__ import annotations

import typer

calls_app = typer.Typer(
    help="Open calls and scenarios (M4): calls, applications, reviews, results, awards.", no_args_is_help=True
)
