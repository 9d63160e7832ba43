"""CLI of decision support views (M7): thin commands over its services (networks, radar, chains)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from kechuang.domain.access import Actor
from kechuang.services.insights import chain_map, chains, exports, networks, trends
from kechuang.services.match_index import MatchIndexes

insights_app = typer.Typer(
    help="Decision support views (M7): industry chains, networks and trend radar.", no_args_is_help=True
)
OPERATOR = Actor.system("cli")


def _emit(data: Any, out: Path | None, workbook: bytes | None) -> None:
    if out is None:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        return
    if out.suffix == ".xlsx" and workbook is not None:
        out.write_bytes(workbook)
    else:
        out.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    typer.echo(f"wrote {out}")


@insights_app.command("networks")
def network_command(
    ctx: typer.Context,
    sector: str = typer.Option("", help="Keep ties touching this sector (academia, enterprise, ...)"),
    region: str = typer.Option("", help="Keep ties touching beijing, tianjin, hebei, other_cn or abroad"),
    field: str = typer.Option("", help="Keep ties of one field, e.g. i:39 or d:520"),
    kind: str = typer.Option("", help="ownership, authorship, deal, contract or project"),
    year_from: int | None = typer.Option(None, help="First year of ties"),
    year_to: int | None = typer.Option(None, help="Last year of ties"),
    window: int = typer.Option(1, help="Years of ties in each yearly summary"),
    out: Path | None = typer.Option(None, help="Write .xlsx (every table) or .json instead of printing"),
    lang: str = typer.Option("zh", help="Names in zh or en"),
) -> None:
    """Fragmentation measures of the platform's collaboration network, overall and per year."""
    where = networks.NetworkFilter(sector, region, field, kind, year_from, year_to)
    view = networks.network_view(OPERATOR, ctx.obj.uow, where, lang=lang, window=window)
    data = {
        "summary": view.summary,
        "by_year": view.by_year,
        "bth": view.bth,
        "international": view.international,
    }
    _emit(data, out, exports.network_workbook(view) if out is not None else None)


@insights_app.command("trends")
def trend_command(
    ctx: typer.Context,
    sources: str = typer.Option(",".join(trends.SOURCES), help="Comma-separated record kinds"),
    field: str = typer.Option("", help="One field only, e.g. i:38"),
    top: int = typer.Option(10, help="Topics per field"),
    out: Path | None = typer.Option(None, help="Write .xlsx or .json instead of printing"),
    lang: str = typer.Option("zh", help="Field names in zh or en"),
) -> None:
    """The trend radar: growing, bursting and new topics per field, each with its evidence."""
    chosen = tuple(s.strip() for s in sources.split(",") if s.strip())
    found = trends.radar(OPERATOR, ctx.obj.uow, sources=chosen, field=field, top=top, lang=lang)
    data = [
        {
            "field": f.field,
            "label": f.label,
            "documents": f.documents,
            "topics": [t.as_dict() for t in f.topics],
        }
        for f in found
    ]
    _emit(data, out, exports.radar_workbook(found) if out is not None else None)


@insights_app.command("chains")
def list_command(ctx: typer.Context) -> None:
    """List the industry chains (id, code, version, nodes, name)."""
    for item in chains.list_chains(OPERATOR, ctx.obj.uow):
        c = item.chain
        typer.echo(
            f"{c.id:>4}  {c.code:<24} v{c.version:<3} {len(item.nodes):>3} nodes  {c.name_zh} / {c.name_en}"
        )


@insights_app.command("install-chains")
def install_command(ctx: typer.Context) -> None:
    """Add the shipped chains (new-energy vehicles, integrated circuits, biomedicine) that are missing."""
    added = chains.install_shipped_chains(OPERATOR, ctx.obj.uow)
    typer.echo(f"chains added: {', '.join(added) if added else 'none (all present)'}")


@insights_app.command("chain-map")
def chain_map_command(
    ctx: typer.Context,
    chain: str = typer.Argument(..., help="Chain id or code"),
    out: Path | None = typer.Option(None, help="Write .xlsx or .json instead of printing"),
    lang: str = typer.Option("zh", help="Names in zh or en"),
) -> None:
    """A chain over the platform's data: suppliers by region, records, gaps with candidates and matches."""
    found = {str(i.chain.id): i for i in chains.list_chains(OPERATOR, ctx.obj.uow)}
    found.update({i.chain.code: i for i in found.values()})
    if chain not in found:
        raise typer.BadParameter(f"no chain with id or code {chain!r}", param_hint="CHAIN")
    settings = ctx.obj.settings
    indexes = MatchIndexes(settings.index_dir, settings.embedder)
    mapped = chain_map.chain_map(OPERATOR, ctx.obj.uow, int(found[chain].chain.id or 0), indexes)
    _emit(mapped, out, exports.chain_workbook(mapped, lang) if out is not None else None)
