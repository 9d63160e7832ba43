"""CLI of the batch jobs (issue 14): match, embed, stats; each with --engine local|spark and --master."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from kechuang.domain.access import Actor

batch_app = typer.Typer(
    help="Batch jobs over the whole registry: the local engine, or Apache Spark (the 'spark' extra).",
    no_args_is_help=True,
)
OPERATOR = Actor.system("cli")
ENGINE = typer.Option("local", "--engine", help="local (the reference) or spark")
MASTER = typer.Option("local[*]", "--master", help="Spark master URL: local[*], local[2], spark://host:7077")
OUT = typer.Option(..., "--out", help="Output folder (created if missing)")


@contextlib.contextmanager
def _spark(engine: str, master: str) -> Iterator[Any]:
    if engine != "spark":
        yield None
        return
    from kechuang.services.batch.spark import active_session, spark_session

    running = active_session()  # a caller's session (a test module's) is used and left running
    session = running or spark_session(master)
    try:
        yield session
    finally:
        if running is None:
            session.stop()


@batch_app.command("match")
def match(
    ctx: typer.Context,
    engine: str = ENGINE,
    master: str = MASTER,
    out: Path = OUT,
    top: int = typer.Option(10, "--top", help="Matches kept per demand (1-100)"),
    store: bool = typer.Option(True, help="Also replace the tables the record pages show"),
    adopters: bool = typer.Option(
        True, help="Also every achievement against the open demands: adopters.jsonl, adopters.parquet"
    ),
) -> None:
    """Demands x achievements and back (adopters): matches.jsonl, adopters.jsonl, Parquet, the database."""
    from kechuang.engine.dense import make_embedder
    from kechuang.services.batch.match import batch_match

    settings = ctx.obj.settings
    embedder = None if settings.embedder == "none" else make_embedder(settings.embedder)
    with _spark(engine, master) as spark:
        run = batch_match(
            OPERATOR,
            ctx.obj.uow,
            out,
            embedder,
            engine=engine,
            top=top,
            spark=spark,
            store=store,
            adopters=adopters,
            progress=lambda message: typer.echo(message, err=True),
        )
    typer.echo(f"{run.demands} demands x {run.achievements} achievements ({run.engine}) -> {run.out}")


@batch_app.command("embed")
def embed(
    ctx: typer.Context,
    engine: str = ENGINE,
    master: str = MASTER,
    out: Path = OUT,
    input_file: Path | None = typer.Option(
        None,
        "--input",
        exists=True,
        dir_okay=False,
        help="JSON Lines with id and text (default: the registry's achievements)",
    ),
) -> None:
    """Embed a corpus with the configured embedder; resumable: chunks already done are skipped."""
    from kechuang.services.batch.embed import batch_embed, read_jsonl, registry_texts

    ids, texts = read_jsonl(input_file) if input_file else registry_texts(ctx.obj.uow)
    with _spark(engine, master) as spark:
        run = batch_embed(OPERATOR, ids, texts, out, ctx.obj.settings.embedder, engine=engine, spark=spark)
    typer.echo(
        f"{run.texts} texts, {run.embedded_chunks} chunks embedded, {run.skipped_chunks} already done "
        f"({run.model}, {run.engine}) -> {run.out}"
    )


@batch_app.command("stats")
def stats(
    ctx: typer.Context,
    year: int = typer.Option(..., "--year", help="Calendar year of registration"),
    engine: str = ENGINE,
    master: str = MASTER,
    out: Path = OUT,
) -> None:
    """A year's market statistics (as the statistics page shows them) and network ties, as JSONL and Parquet.

    statistics.jsonl/.parquet: one row per bucket; edges.jsonl/.parquet: the year's contract ties of the
    collaboration network, seller -> buyer, summed per pair."""
    from kechuang.services.batch.output import write_records
    from kechuang.services.batch.stats import batch_edges, batch_stats, edge_records, statistics_records

    url = ctx.obj.settings.resolved_database_url
    with _spark(engine, master) as spark:
        result = batch_stats(OPERATOR, ctx.obj.uow, url, year, engine=engine, spark=spark)
        edges = batch_edges(OPERATOR, ctx.obj.uow, url, year, engine=engine, spark=spark)
    rows = statistics_records(result)
    write_records(out, "statistics", rows)
    write_records(out, "edges", edge_records(edges))
    typer.echo(
        json.dumps({"year": year, "contracts": result.total.count, "rows": len(rows), "edges": len(edges)})
    )
