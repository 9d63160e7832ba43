"""`kechuang audit` and `kechuang market`: verify the audit chain, import registers, statistics files."""

from __future__ import annotations

from pathlib import Path

import typer

from kechuang.domain.access import Actor
from kechuang.services import audit, contracts, market_stats

from .output import audit_outcome

audit_app = typer.Typer(help="The hash-chained audit log of market transitions.", no_args_is_help=True)
market_app = typer.Typer(help="Technology market: contract registers and statistics.", no_args_is_help=True)
OPERATOR = Actor.system("cli")


@audit_app.command()
def verify(ctx: typer.Context) -> None:
    """Recompute the chain; exit 1 if any event was edited, deleted or reordered."""
    result = audit.verify(OPERATOR, ctx.obj.uow)
    per_10k = result.seconds / result.events * 10_000 if result.events else 0.0
    audit_outcome(result, f" in {result.seconds:.3f} s ({per_10k:.3f} s per 10,000)")


@market_app.command("import-contracts")
def import_contracts(
    ctx: typer.Context, path: Path = typer.Argument(..., exists=True, help="CSV, XLSX or JSONL register")
) -> None:
    """Import registered contracts; any bad row rejects the file with located errors."""
    result = contracts.import_contracts(OPERATOR, ctx.obj.uow, path.name, path.read_bytes())
    typer.echo(f"contracts: {result.created} created, {result.unchanged} already there")


@market_app.command("export-contracts")
def export_contracts(
    ctx: typer.Context,
    out: Path = typer.Argument(..., dir_okay=False, help="A .csv, .xlsx or .jsonl file to write"),
    lang: str = typer.Option("zh", help="Headers in zh or en"),
) -> None:
    """Export registered contracts, with their registration fields, in the import layout."""
    content = contracts.export_contracts(OPERATOR, ctx.obj.uow, out.suffix.lstrip("."), lang=lang)
    out.write_bytes(content)
    typer.echo(f"wrote {out} ({len(content):,} bytes)")


@market_app.command()
def stats(
    ctx: typer.Context,
    year: int = typer.Option(..., help="Calendar year of registration"),
    out: Path | None = typer.Option(None, help="Write .csv or .xlsx instead of printing"),
    lang: str = typer.Option("zh", help="Labels in zh or en"),
) -> None:
    """Registered contracts by type, flow, month, field, industry, region and top parties."""
    result = market_stats.contract_statistics(OPERATOR, ctx.obj.uow, year=year)
    if out is not None:
        out.write_bytes(market_stats.export_statistics(result, out.suffix.lstrip("."), lang))
        typer.echo(f"wrote {out}")
        return
    for row in market_stats.statistics_rows(result, lang):
        typer.echo("\t".join(str(cell) for cell in row))
