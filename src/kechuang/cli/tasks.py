"""CLI of key-task supervision (m6): thin commands over its services."""

from __future__ import annotations

import typer

tasks_app = typer.Typer(
    help="Key-task supervision (M6): plans, tasks, milestones, progress reports, alerts.",
    no_args_is_help=True,
)
