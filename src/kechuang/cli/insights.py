"""CLI of decision support views (m7): thin commands over its services."""

from __future__ import annotations

import typer

insights_app = typer.Typer(
    help="Decision support views (M7): industry chains, networks and trend radar.", no_args_is_help=True
)
