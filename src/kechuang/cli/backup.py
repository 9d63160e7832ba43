"""`kechuang backup` and `kechuang restore`: the database, indexes, uploads and attachments in one archive."""

from __future__ import annotations

from pathlib import Path

import typer

from kechuang.domain.access import Actor
from kechuang.services import backup as backups
from kechuang.services.calls.attachments import attachments_folder

from .output import audit_outcome

OPERATOR = Actor.system("cli")


def _folders(ctx: typer.Context) -> dict[str, Path]:
    settings = ctx.obj.settings
    return {
        "index": settings.index_dir,
        "uploads": settings.uploads_dir,
        "call_attachments": attachments_folder(settings.data_dir),  # applications' files (open calls)
    }


def _step(message: str) -> None:
    typer.echo(f"... {message}", err=True)


def backup(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="Archive to write: .tar, or .tar.gz to compress"),
) -> None:
    """Write the database, matching indexes and pending uploads to one archive, consistent while serving."""
    report = backups.create_backup(OPERATOR, ctx.obj.uow, path, _folders(ctx), progress=_step)
    typer.echo(
        f"backup written: {report.path.name} ({report.bytes:,} bytes), {report.backend} database at revision "
        f"{report.revision}, {sum(report.rows.values()):,} rows, {report.files} files"
    )


def restore(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="Archive written by `kechuang backup`"),
    force: bool = typer.Option(False, "--force", help="Replace a database that already holds data"),
) -> None:
    """Check a backup's checksums, put it back and verify the audit chain; stop the server first."""
    report = backups.restore_backup(OPERATOR, ctx.obj.uow, path, _folders(ctx), force=force, progress=_step)
    typer.echo(
        f"restored the {report.backend} backup of {report.created_at}: {sum(report.rows.values()):,} rows"
        + "".join(f", {name} {count} files" for name, count in report.folders.items())
    )
    if report.upgraded_to:
        typer.echo(f"schema upgraded from {report.revision} to {report.upgraded_to}")
    audit_outcome(report.audit)
