"""CLI of the synthetic registry (issue 14): thin commands over services.synthetic."""

from __future__ import annotations

import os
import time
from pathlib import Path

import typer

from kechuang.domain.access import Actor
from kechuang.domain.errors import KechuangError
from kechuang.services.synthetic import Loaded, Sizes, generate, load_registry
from kechuang.store.db import UnitOfWork, make_engine
from kechuang.store.schema import upgrade_database

synthetic_app = typer.Typer(
    help="A large synthetic registry for scale tests: generate files, bulk-load them.", no_args_is_help=True
)
OPERATOR = Actor.system("cli")
SHARED_DATA = Path(os.environ.get("KECHUANG_SHARED_DATA", "../shared/data"))


def _fail(exc: KechuangError) -> None:
    typer.secho(str(exc), fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


@synthetic_app.command("generate")
def generate_command(
    out: Path = typer.Option(..., help="Folder for the CSV files and manifest.json"),
    achievements: int = typer.Option(10_000, help="Achievements to write"),
    demands: int = typer.Option(2_000, help="Demands to write"),
    people: int = typer.Option(5_000, help="People to write"),
    contracts: int = typer.Option(50_000, help="Contracts to write"),
    organizations: int = typer.Option(0, help="Organizations (0: one per 50 people, at least 20)"),
    seed: int = typer.Option(14, help="The same seed writes the same files"),
    source: Path = typer.Option(SHARED_DATA, help="The shared data folder (CSL, ChinaXiv, NSFC)"),
) -> None:
    """Write a synthetic registry recombined from real text, deterministic by seed."""
    started = time.perf_counter()
    sizes = Sizes(achievements, demands, people, contracts, organizations)

    def shown(name: str, rows: int) -> None:
        typer.echo(f"{name}: {rows} rows ({time.perf_counter() - started:.0f} s)")

    try:
        generate(out, sizes, seed, source, shown)
    except KechuangError as exc:
        _fail(exc)


@synthetic_app.command("load")
def load_command(
    ctx: typer.Context,
    folder: Path = typer.Argument(..., help="A folder written by `kechuang synthetic generate`"),
    database_url: str = typer.Option("", help="Target database (default: the configured one)"),
    unconfirmed: bool = typer.Option(
        False, help="Keep listings as generated (all older than a year, so stale) instead of confirmed now"
    ),
) -> None:
    """Load the files into an empty, migrated database (COPY on PostgreSQL), one transaction per table."""
    if database_url:
        engine = make_engine(database_url)
        upgrade_database(engine)
        uow = UnitOfWork(engine)
    else:
        uow = ctx.obj.uow
        upgrade_database(uow.engine)

    def shown(done: Loaded) -> None:
        typer.echo(f"{done.table}: {done.rows} rows in {done.seconds:.1f} s")

    try:
        load_registry(OPERATOR, folder, uow, progress=shown, confirm=not unconfirmed)
    except KechuangError as exc:
        _fail(exc)
