"""CLI of talent evaluation (m5): thin commands over its services."""

from __future__ import annotations

import typer

talent_app = typer.Typer(
    help="Talent evaluation (M5): schemes, evaluations, representative works, contests.", no_args_is_help=True
)
