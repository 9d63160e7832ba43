"""`kechuang identity`: find duplicate organizations and people, review, merge, undo."""

from __future__ import annotations

import typer

from kechuang.domain.access import Actor
from kechuang.services import identity

identity_app = typer.Typer(help="Identity resolution across Chinese and English names.", no_args_is_help=True)
REVIEWER = Actor.system("cli")


@identity_app.command()
def scan(
    ctx: typer.Context,
    entity: str = typer.Argument(..., help="organization or person"),
    threshold: float = typer.Option(0.75, help="Lowest confidence to propose"),
) -> None:
    """Find likely duplicates and queue them for review."""
    created = identity.scan_duplicates(REVIEWER, entity, ctx.obj.uow, threshold=threshold)
    typer.echo(f"{len(created)} new candidate(s) queued for review")


@identity_app.command()
def review(
    ctx: typer.Context, entity: str = typer.Argument("", help="organization or person (default both)")
) -> None:
    """List pending candidates with their confidence and reasons."""
    for candidate in identity.list_candidates(REVIEWER, ctx.obj.uow, entity=entity or None):
        typer.echo(
            f"#{candidate.id} {candidate.entity} {candidate.left_id} ~ {candidate.right_id} "
            f"({candidate.confidence:.2f})"
        )
        for reason in candidate.reasons:
            typer.echo(f"    - {reason}")


@identity_app.command()
def accept(
    ctx: typer.Context,
    candidate_id: int,
    survivor: int = typer.Option(None, help="Id of the record to keep (default: the older)"),
) -> None:
    """Merge a candidate pair; links move to the survivor and the history is kept."""
    record = identity.accept_candidate(REVIEWER, candidate_id, ctx.obj.uow, survivor_id=survivor)
    moved = sum(len(ids) for ids in record.moved_links.values())
    typer.echo(f"merge #{record.id}: {record.absorbed_id} -> {record.survivor_id}, {moved} link(s) moved")


@identity_app.command()
def reject(ctx: typer.Context, candidate_id: int) -> None:
    """Mark a candidate pair as different entities."""
    identity.reject_candidate(REVIEWER, candidate_id, ctx.obj.uow)
    typer.echo(f"candidate #{candidate_id} rejected")


@identity_app.command()
def undo(ctx: typer.Context, merge_id: int) -> None:
    """Reverse a merge from its history."""
    record = identity.undo_merge(REVIEWER, merge_id, ctx.obj.uow)
    typer.echo(f"merge #{record.id} undone: {record.absorbed_id} is separate again")
