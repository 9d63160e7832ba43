"""CLI of talent evaluation (M5): thin commands over its services."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from kechuang.domain.access import Actor
from kechuang.services.talent import discovery, evaluate, schemes

talent_app = typer.Typer(
    help="Talent evaluation (M5): schemes, evaluations, representative works, contests.", no_args_is_help=True
)
OPERATOR = Actor.system("cli")


@talent_app.command("schemes")
def list_schemes(ctx: typer.Context) -> None:
    """List the published schemes: id, category, version and weights."""
    for scheme in schemes.list_schemes(ctx.obj.uow):
        weights = ", ".join(f"{d['code']} {d['weight']:.0%}" for d in scheme.dimensions)
        typer.echo(f"{scheme.id}\t{scheme.category.value}\tv{scheme.version}\t{scheme.key}\t{weights}")


@talent_app.command("save-scheme")
def save_scheme(
    ctx: typer.Context,
    path: Path = typer.Argument(
        ..., exists=True, help="JSON: key, category, names, dimensions [{code, weight}]"
    ),
    scheme_id: int | None = typer.Option(None, "--id", help="Update this scheme (as its next version)"),
) -> None:
    """Create a scheme, or save a change as its next version; the 10 % cap on counts is enforced."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if scheme_id is None:
        saved = schemes.create_scheme(OPERATOR, ctx.obj.uow, data)
    else:
        saved = schemes.update_scheme(OPERATOR, ctx.obj.uow, scheme_id, data)
    typer.echo(f"scheme {saved.id} ({saved.key}) at version {saved.version}")


@talent_app.command("evaluate")
def run(
    ctx: typer.Context,
    scheme: int = typer.Option(..., help="Scheme id (see `kechuang talent schemes`)"),
    draws: int = typer.Option(evaluate.DEFAULT_DRAWS, help="Monte-Carlo draws for the rank intervals"),
    seed: int = typer.Option(evaluate.DEFAULT_SEED, help="Random seed of the weight perturbation"),
) -> None:
    """Evaluate everyone with evidence under a scheme and store the run with the scheme version."""
    stored = evaluate.run_evaluation(OPERATOR, ctx.obj.uow, scheme, draws=draws, seed=seed)
    typer.echo(f"run {stored.id}: {stored.people} people, scheme {scheme} version {stored.scheme_version}")


@talent_app.command("export")
def export(
    ctx: typer.Context,
    scheme: int = typer.Option(..., help="Scheme id"),
    out: Path = typer.Option(..., help="Write this .xlsx file"),
    lang: str = typer.Option("zh", help="Headers in zh or en"),
) -> None:
    """Write a scheme's ranked evaluations (rank, interval, score, contributions) as XLSX."""
    out.write_bytes(evaluate.export_xlsx(OPERATOR, ctx.obj.uow, scheme, lang))
    typer.echo(f"wrote {out}")


@talent_app.command("young")
def young(
    ctx: typer.Context,
    limit: int = typer.Option(20, help="How many"),
    lang: str = typer.Option("zh", help="Reasons in zh or en"),
) -> None:
    """Young talent ranked under the young-talent scheme, each with the reasons they stand out."""
    for item in discovery.young_talent(OPERATOR, ctx.obj.uow, limit=limit):
        e = item.evaluation
        name = (e.name_zh or e.name_en) if lang == "zh" else (e.name_en or e.name_zh)
        reasons = "; ".join(r[lang] for r in item.reasons)
        typer.echo(f"{e.rank}\t{e.rank_interval}\t{e.person_id}\t{name}\t{e.score:.2f}\t{reasons}")


@talent_app.command("gaps")
def gaps(
    ctx: typer.Context,
    limit: int = typer.Option(10, help="How many fields"),
    lang: str = typer.Option("zh", help="Reasons in zh or en"),
) -> None:
    """Fields where demand exceeds local expertise, with the numbers and candidates elsewhere."""
    for gap in discovery.talent_gaps(OPERATOR, ctx.obj.uow, limit=limit):
        name = gap.name_zh if lang == "zh" else gap.name_en
        typer.echo(f"{gap.field}\t{name}\tgap {gap.gap:.3f}\t" + "; ".join(r[lang] for r in gap.reasons))
        for candidate in gap.candidates:
            who = (
                (candidate["name_zh"] or candidate["name_en"])
                if lang == "zh"
                else (candidate["name_en"] or candidate["name_zh"])
            )
            typer.echo(
                f"\t{candidate['person_id']}\t{who}\t" + "; ".join(r[lang] for r in candidate["reasons"])
            )
