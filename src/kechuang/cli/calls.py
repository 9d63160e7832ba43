"""CLI of open calls (M4): list calls, export a published result, flag overdue milestones."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from kechuang.domain.access import Actor
from kechuang.services.calls import awards, export
from kechuang.services.calls import calls as service

calls_app = typer.Typer(
    help="Open calls and scenarios (M4): calls, applications, reviews, results, awards.", no_args_is_help=True
)
OPERATOR = Actor.system("cli")


@calls_app.command("list")
def list_calls(
    ctx: typer.Context,
    status: str = typer.Option("", help="Only calls in this status (draft, published, closed, review, ...)"),
    lang: str = typer.Option("zh", help="Titles in zh or en"),
) -> None:
    """Every call: id, status, deadline and title, newest first."""
    items, count = service.list_calls(OPERATOR, ctx.obj.uow, status=status, limit=200)
    for call in items:
        deadline = call.deadline.isoformat() if call.deadline else "-"
        typer.echo(f"{call.id}\t{call.status.value}\t{deadline}\t{call.title(lang)}")
    typer.echo(f"{count} call(s)", err=True)


@calls_app.command("export")
def export_result(
    ctx: typer.Context,
    call_id: int = typer.Argument(..., help="The call's id"),
    out: Path = typer.Option(..., help="The .xlsx file to write"),
    lang: str = typer.Option("zh", help="Headers in zh or en"),
) -> None:
    """Write a call's published result (ranking, per-criterion scores, reasons) as XLSX."""
    if out.suffix.lower() != ".xlsx":
        raise typer.BadParameter("the output must be an .xlsx file", param_hint="--out")
    out.write_bytes(export.export_result_xlsx(OPERATOR, call_id, ctx.obj.uow, lang=lang))
    typer.echo(f"wrote {out}")


@calls_app.command("check-milestones")
def check_milestones(
    ctx: typer.Context,
    today: str = typer.Option("", help="Check as of this date (YYYY-MM-DD); default today"),
) -> None:
    """Flag milestones past their due date and notify; safe to run repeatedly (each is flagged once)."""
    day = date.fromisoformat(today) if today else None
    report = awards.check_overdue(ctx.obj.uow, today=day)
    typer.echo(
        f"overdue milestones: {len(report.flagged)} newly flagged, {report.already_flagged} flagged before"
    )
