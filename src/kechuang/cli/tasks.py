"""CLI of key-task supervision (m6): thin commands over its services."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import typer

from kechuang.domain.access import Actor
from kechuang.domain.errors import ImportRejected
from kechuang.services.tasks import alerts as alert_job
from kechuang.services.tasks import export as exporting
from kechuang.services.tasks import importing, plans

tasks_app = typer.Typer(
    help="Key-task supervision (M6): plans, tasks, milestones, progress reports, alerts.",
    no_args_is_help=True,
)
OPERATOR = Actor.system("cli")


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise typer.BadParameter("use YYYY-MM-DD", param_hint="--on") from None


@tasks_app.command()
def alerts(
    ctx: typer.Context,
    on: str = typer.Option("", help="Compute for this day (YYYY-MM-DD) instead of today"),
) -> None:
    """Compute every task's status and send the alerts that are due; each is sent once (run it daily)."""
    run = alert_job.run_alerts(ctx.obj.uow, on=_day(on), actor=Actor.system("tasks-alerts"))
    sent = ", ".join(f"{kind} {count}" for kind, count in run.alerts.items())
    typer.echo(
        f"{run.day}: {run.tasks} tasks, {run.status_changes} status changes; alerts: {sent}; "
        f"{run.notifications} notifications"
    )


@tasks_app.command("plans")
def list_plans(ctx: typer.Context) -> None:
    """List the plans: id, year, visibility, number of tasks and title."""
    for plan, count in plans.list_plans(OPERATOR, ctx.obj.uow):
        typer.echo(f"{plan.id}\t{plan.year}\t{plan.visibility.value}\t{count}\t{plan.title}")


@tasks_app.command()
def status(
    ctx: typer.Context,
    plan_id: int = typer.Argument(..., help="Plan id (see `kechuang tasks plans`)"),
    lang: str = typer.Option("zh", help="Reasons in zh or en"),
    on: str = typer.Option("", help="Compute for this day (YYYY-MM-DD) instead of today"),
) -> None:
    """Each task of a plan with its progress, status and the reason for it."""
    _, views = plans.list_tasks(OPERATOR, ctx.obj.uow, plan_id, on=_day(on))
    for view in views:
        typer.echo(
            f"{view.task.number or view.task.id}\t{view.status}\t{view.progress:.0f}%\t"
            f"{view.task.title}\t{view.verdict.reason(lang)}"
        )


@tasks_app.command("import")
def import_tasks(
    ctx: typer.Context,
    plan_id: int = typer.Argument(..., help="Plan to add the tasks to"),
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="XLSX in the template's layout"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check every row and write nothing"),
) -> None:
    """Import tasks from the office XLSX layout; any bad row rejects the file with located errors."""
    run = importing.preview_tasks if dry_run else importing.import_tasks
    try:
        result = run(OPERATOR, ctx.obj.uow, plan_id, path.name, path.read_bytes())
    except ImportRejected as exc:
        for error in exc.errors:
            typer.echo(str(error), err=True)
        typer.secho(exc.message, fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    verb = "would create" if dry_run else "created"
    typer.echo(f"{verb} {result.created} tasks, {result.unchanged} already there")


@tasks_app.command()
def export(
    ctx: typer.Context,
    plan_id: int = typer.Argument(..., help="Plan to export"),
    out: Path = typer.Argument(..., help="The .xlsx file to write"),
    lang: str = typer.Option("zh", help="Headers and labels in zh or en"),
) -> None:
    """Write a plan's tasks with progress, status and reasons as XLSX (re-importable)."""
    out.write_bytes(exporting.export_plan(OPERATOR, ctx.obj.uow, plan_id, lang))
    typer.echo(f"wrote {out}")


@tasks_app.command()
def template(
    out: Path = typer.Argument(..., help="The .xlsx file to write"),
    lang: str = typer.Option("zh", help="Headers in zh or en"),
) -> None:
    """Write the blank XLSX template for importing tasks, with its guide sheet."""
    out.write_bytes(exporting.template(lang))
    typer.echo(f"wrote {out}")
