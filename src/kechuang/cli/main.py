"""The `kechuang` command: thin commands over the services, run as the installation's operator."""

from __future__ import annotations

import ipaddress
import json
import os
import sys
import time
from pathlib import Path

import typer

from kechuang.config import Settings
from kechuang.domain.access import Actor
from kechuang.domain.errors import ImportRejected, KechuangError
from kechuang.store.db import UnitOfWork, make_engine
from kechuang.store.schema import upgrade_database

from . import backup
from .batch import batch_app
from .calls import calls_app
from .evaluate import eval_app
from .identity import identity_app
from .indicators import indicators_app
from .insights import insights_app
from .listings import listings_app
from .market import audit_app, market_app
from .output import print_matches, print_page, print_record
from .synthetic import synthetic_app
from .talent import talent_app
from .tasks import tasks_app
from .users import saved_searches_app, user_app

app = typer.Typer(help="科创 Kechuang: the innovation-center platform.", no_args_is_help=True)
app.add_typer(identity_app, name="identity")
app.add_typer(audit_app, name="audit")
app.add_typer(market_app, name="market")
app.add_typer(eval_app, name="eval")
app.add_typer(user_app, name="user")
app.add_typer(saved_searches_app, name="saved-searches")
app.add_typer(saved_searches_app, name="saved-searches")
app.add_typer(calls_app, name="calls")
app.add_typer(tasks_app, name="tasks")
app.add_typer(talent_app, name="talent")
app.add_typer(indicators_app, name="indicators")
app.add_typer(insights_app, name="insights")
app.add_typer(synthetic_app, name="synthetic")
app.add_typer(listings_app, name="listings")
app.add_typer(batch_app, name="batch")
app.command("backup")(backup.backup)
app.command("restore")(backup.restore)
OPERATOR = Actor.system("cli")


class Context:
    """Settings and a lazily opened database for one command."""

    def __init__(self) -> None:
        self.settings = Settings()
        self._uow: UnitOfWork | None = None

    @property
    def uow(self) -> UnitOfWork:
        if self._uow is None:
            url = self.settings.resolved_database_url
            self._uow = UnitOfWork(make_engine(url, lock_timeout_s=self.settings.db_lock_timeout))
        return self._uow


@app.callback()
def main_callback(ctx: typer.Context) -> None:
    """Settings come from KECHUANG_* environment variables (see docs/settings.md)."""
    ctx.obj = Context()


def fail(message: str, code: int = 1) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


@app.command()
def init(
    ctx: typer.Context, sample: bool = typer.Option(True, help="Load the built-in sample if empty.")
) -> None:
    """Create or upgrade the database; on an empty database load the built-in sample."""
    from kechuang.services.sample import load_sample_if_empty

    context: Context = ctx.obj
    upgrade_database(context.uow.engine)
    typer.echo(f"database ready: {context.uow.engine.url.render_as_string(hide_password=True)}")
    if sample:
        result = load_sample_if_empty(context.uow, demo=context.settings.demo_mode)
        typer.echo(
            "sample loaded: " + json.dumps(result.counts)
            if result
            else "database has data: sample not loaded"
        )


@app.command("sample")
def sample_command(ctx: typer.Context) -> None:
    """Load or refresh the built-in sample (idempotent; records are marked as sample) and demo accounts."""
    from kechuang.services.market_sample import load_market_sample
    from kechuang.services.sample import load_demo_accounts, load_module_samples, load_sample

    context: Context = ctx.obj
    upgrade_database(context.uow.engine)
    result = load_sample(context.uow, progress=sys.stderr.isatty())
    if context.settings.demo_mode:
        created = load_demo_accounts(context.uow)
        typer.echo(f"demo accounts created: {', '.join(created) or 'none (already there)'}")
    load_market_sample(context.uow)
    for module, made in load_module_samples(context.uow).items():
        typer.echo(f"{module}: " + (", ".join(f"{n} {what}" for what, n in made.items()) or "already there"))
    for name, counts in result.counts.items():
        typer.echo(
            f"{name}: {counts['created']} created, {counts['updated']} updated, "
            f"{counts['unchanged']} unchanged"
        )


@app.command("import")
def import_command(
    ctx: typer.Context,
    path: Path = typer.Argument(..., exists=True, help="A CSV/XLSX/JSONL file, or a known data set."),
    entity: str = typer.Option("", "--entity", "-e", help="Entity of a plain file: achievement, demand..."),
    dataset: str = typer.Option("", help="Force a data-set converter: csl, chinaxiv or nsfc."),
) -> None:
    """Import a file (all rows or none); re-importing the same file changes nothing."""
    from kechuang.services.datasets import detect_dataset, import_dataset
    from kechuang.services.importing import import_file

    context: Context = ctx.obj
    upgrade_database(context.uow.engine)
    started = time.perf_counter()
    progress = sys.stderr.isatty()
    try:
        name = dataset or ("" if entity else detect_dataset(path))
        if name:
            result = import_dataset(OPERATOR, name, path, context.uow, progress=progress)
        elif entity:
            result = import_file(
                OPERATOR, entity, path.name, path.read_bytes(), context.uow, progress=progress
            )
        else:
            fail(f"{path}: not a known data set; give --entity (e.g. --entity achievement)", 2)
            return
    except ImportRejected as exc:
        for error in exc.errors:
            typer.echo(str(error), err=True)
        fail(exc.message)
        return
    elapsed = time.perf_counter() - started
    rows = sum(sum(c.values()) for c in result.counts.values())
    for name, counts in result.counts.items():
        typer.echo(
            f"{name}: {counts['created']} created, {counts['updated']} updated, "
            f"{counts['unchanged']} unchanged"
        )
    typer.echo(f"{rows} rows in {elapsed:.1f}s ({rows / max(elapsed, 1e-9):,.0f} rows/s)")


@app.command("export")
def export_command(
    ctx: typer.Context,
    entity: str,
    fmt: str = typer.Option("csv", "--format", "-f", help="csv, xlsx or jsonl"),
    lang: str = typer.Option("zh", help="Header language: zh or en"),
    out: Path = typer.Option(None, "--out", "-o", help="Output file (default: stdout)"),
) -> None:
    """Export every record of an entity (re-importable)."""
    from kechuang.services.exporting import export_records

    _write(export_records(OPERATOR, entity, fmt, ctx.obj.uow, lang=lang), out)


@app.command()
def template(
    entity: str,
    fmt: str = typer.Option("xlsx", "--format", "-f", help="csv, xlsx or jsonl"),
    lang: str = typer.Option("zh", help="Header language: zh or en"),
    out: Path = typer.Option(None, "--out", "-o"),
) -> None:
    """Write an import template (headers in zh or en, an example row, allowed values, XLSX drop-downs)."""
    from kechuang.services.exporting import export_template

    _write(export_template(entity, fmt, lang), out)


def _write(content: bytes, out: Path | None) -> None:
    if out is None:
        sys.stdout.buffer.write(content)
    else:
        out.write_bytes(content)
        typer.echo(f"wrote {out} ({len(content):,} bytes)", err=True)


@app.command("list")
def list_command(
    ctx: typer.Context,
    entity: str,
    q: str = typer.Option("", "--q", "-q", help="Search names, titles, keywords and texts (every word)"),
    sort: str = typer.Option("", help="relevance (default with --q), newest (default), or the entity's own"),
    limit: int = 20,
    offset: int = 0,
    as_json: bool = typer.Option(False, "--json", help="JSON output"),
) -> None:
    """List records of an entity: newest first, or best first for a search."""
    from kechuang.services.match_index import MatchIndexes
    from kechuang.services.registry import list_records

    context: Context = ctx.obj
    indexes = MatchIndexes(context.settings.index_dir, context.settings.embedder) if q.strip() else None
    page = list_records(
        OPERATOR, entity, context.uow, q=q, sort=sort, indexes=indexes, limit=limit, offset=offset
    )
    print_page(page.items, page.count, as_json)


@app.command()
def show(
    ctx: typer.Context,
    entity: str,
    record_id: int,
    as_json: bool = typer.Option(False, "--json", help="JSON output"),
) -> None:
    """Show one record with all its fields."""
    from kechuang.services.registry import get_record

    print_record(get_record(OPERATOR, entity, record_id, ctx.obj.uow), as_json)


@app.command()
def match(
    ctx: typer.Context,
    record_id: int = typer.Argument(..., help="Demand id (or achievement id with --adopters)"),
    kind: str = typer.Option("achievement", help="achievement, expert, organization or investor"),
    adopters: bool = typer.Option(False, "--adopters", help="Find adopters of an achievement instead"),
    limit: int = typer.Option(10, help="How many results"),
    lang: str = typer.Option("zh", help="Language of the explanations: zh or en"),
    as_json: bool = typer.Option(False, "--json", help="JSON output"),
) -> None:
    """Show a demand's explained matches (or an achievement's likely adopters)."""
    from kechuang.services.match_index import MatchIndexes
    from kechuang.services.matching import match_achievement, match_demand

    context: Context = ctx.obj
    indexes = MatchIndexes(context.settings.index_dir, context.settings.embedder)
    if adopters:
        found = match_achievement(OPERATOR, record_id, context.uow, indexes, limit=limit)
    else:
        found = match_demand(OPERATOR, record_id, context.uow, indexes, kind=kind, limit=limit)
    print_matches(found, lang, as_json)


@app.command("index")
def index_command(
    ctx: typer.Context,
    rebuild: bool = typer.Option(
        False, help="Delete the indexes and build them again (re-cuts every text with today's dictionary)"
    ),
) -> None:
    """Bring the matching indexes up to date with the database (incremental; first run builds them)."""
    from tqdm import tqdm

    from kechuang.services.index_locks import LeaderLock
    from kechuang.services.match_index import MatchIndexes

    context: Context = ctx.obj
    started = time.perf_counter()
    lock = LeaderLock(context.settings.index_dir)
    if not lock.try_acquire():  # a server's index worker holds it and keeps the indexes current itself
        typer.echo(
            "a running server keeps these indexes up to date (it holds index/.writer.lock)"
            + ("; stop it to rebuild" if rebuild else ""),
            err=True,
        )
        raise typer.Exit(1 if rebuild else 0)
    bars: list[tqdm] = []  # type: ignore[type-arg]

    def bar(kind: str, pending: int) -> object:
        bars.append(tqdm(total=pending, desc=kind, unit="change", disable=pending < 1000))
        return bars[-1].update

    try:
        indexes = MatchIndexes(context.settings.index_dir, context.settings.embedder)
        if rebuild:
            indexes.clear()
        for report in indexes.sync_all(context.uow, progress=bar):
            typer.echo(f"{report.kind}: {report.indexed} records indexed")
    finally:
        lock.release()
        for used in bars:
            used.close()
    typer.echo(f"done in {time.perf_counter() - started:.1f}s")


@app.command()
def codes(scheme: str, query: str, limit: int = 10) -> None:
    """Look up a standard code (discipline, industry, region, country) in Chinese or English."""
    from kechuang.domain.codes import code_table

    for code in code_table(scheme).search(query, limit=limit):
        typer.echo(f"{code.code}\t{code.name_zh}\t{code.name_en}")


@app.command()
def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", help="Interface to listen on"),
    port: int = typer.Option(int(os.environ.get("PORT", "8000")), help="Port (or PORT env)"),
    init_db: bool = typer.Option(
        True, "--init/--no-init", help="Upgrade the database and load the sample first"
    ),
) -> None:
    """Serve the web application and API."""
    import uvicorn

    from kechuang.app import create_app

    settings = ctx.obj.settings
    public = not _is_loopback(host)
    if settings.demo_mode and public and not settings.allow_demo_accounts:
        fail(
            f"demo mode on {host}: anyone on the network could sign in as a demo account (password "
            "kechuang-demo). Set KECHUANG_DEMO_MODE=false for a production installation, or "
            "KECHUANG_ALLOW_DEMO_ACCOUNTS=true for a shared demo server."
        )
    if init_db:
        init(ctx, sample=settings.demo_mode)
    if (public or not settings.demo_mode) and not settings.allow_demo_accounts:
        _refuse_exposed_demo_accounts(ctx.obj.uow)
    typer.echo(f"serving on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    uvicorn.run(create_app(ctx.obj.settings, ctx.obj.uow), host=host, port=port)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _refuse_exposed_demo_accounts(uow: UnitOfWork) -> None:
    """Production (demo mode off, or a network address) must not keep accounts with a published password."""
    from kechuang.services.sample import exposed_demo_accounts

    names = exposed_demo_accounts(uow)
    if names:
        fail(
            f"demo accounts still sign in with the published password: {', '.join(names)}. Deactivate them "
            "(kechuang user deactivate NAME), or set KECHUANG_ALLOW_DEMO_ACCOUNTS=true for a shared demo."
        )


def main() -> None:
    try:
        app()
    except KechuangError as exc:
        typer.secho(f"error: {exc.message}", fg=typer.colors.RED, err=True)
        sys.exit(1)
