"""CLI of composite index (m7): thin commands over its services."""

from __future__ import annotations

from pathlib import Path

import typer

from kechuang.domain.access import Actor

indicators_app = typer.Typer(
    help="Composite index (M7): frameworks, indicator values, computed editions.", no_args_is_help=True
)


def _range(text: str) -> tuple[float, float]:
    try:
        low, high = (float(part) for part in text.split(","))
    except ValueError:
        raise typer.BadParameter("give the range as LOW,HIGH, e.g. 0,100") from None
    return low, high


@indicators_app.command()
def compute(
    data: Path = typer.Option(..., exists=True, dir_okay=False, help="DATA.csv: unit,year,indicator,value"),
    framework: Path = typer.Option(
        ..., exists=True, dir_okay=False, help="FRAMEWORK.csv: code,parent,weight,direction,name_zh,name_en"
    ),
    out: Path = typer.Option(..., dir_okay=False, help="SCORES.csv to write: unit,year,code,score,rank"),
    normalise: str = typer.Option("minmax", help="minmax, zscore, rank or target"),
    range_: str = typer.Option("0,100", "--range", help="Min-max (and target) range LOW,HIGH"),
    aggregate: str = typer.Option("arithmetic", help="arithmetic or geometric (needs positive values)"),
    year: list[int] = typer.Option([], help="Only this year (repeatable); all years by default"),
    impute: str = typer.Option("none", help="none, mean or median (per indicator and year)"),
    impute_by_group: bool = typer.Option(False, help="Impute within the unit's group (a `group` column)"),
    winsorise: bool = typer.Option(False, help="Winsorise indicators with |skew| > 2 and kurtosis > 3.5"),
    weights: str = typer.Option("framework", help="framework, equal or pca"),
    config_out: Path | None = typer.Option(None, help="Also write the configuration and reports as JSON"),
) -> None:
    """Compute a composite index from files, with no database: one score and rank per unit, year and node."""
    from kechuang.services.indicators.compute import compute_from_files

    written = compute_from_files(
        data.name,
        data.read_bytes(),
        framework.name,
        framework.read_bytes(),
        {
            "normalise": normalise,
            "range": _range(range_),
            "aggregate": aggregate,
            "years": tuple(year),
            "impute": impute,
            "impute_by_group": impute_by_group,
            "winsorise": winsorise,
            "weights": weights,
        },
    )
    out.write_text(written.scores_csv, encoding="utf-8")
    if config_out is not None:
        config_out.write_text(written.report_json, encoding="utf-8")
    typer.echo(
        f"wrote {out}: {written.rows} rows ({written.units} units, {written.years} years, "
        f"{written.nodes} nodes)"
    )


def _operator() -> Actor:
    return Actor.system("cli")


@indicators_app.command("import")
def import_values(
    ctx: typer.Context,
    dataset: str = typer.Argument(..., help="Data set name, e.g. beijing-districts or uk-nuts2"),
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="Long or wide CSV/XLSX"),
) -> None:
    """Import indicator values (long unit,year,indicator,value or wide); any bad row rejects the file."""
    from kechuang.services.indicators.values import import_values as run

    done = run(_operator(), ctx.obj.uow, dataset, path.name, path.read_bytes())
    typer.echo(
        f"{done.dataset}: {done.created} created, {done.updated} updated, {done.unchanged} unchanged, "
        f"{done.units} units"
    )


@indicators_app.command("framework")
def save_framework(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="Framework key"),
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="FRAMEWORK.csv"),
    name_zh: str = typer.Option("", help="Chinese name"),
    name_en: str = typer.Option("", help="English name"),
) -> None:
    """Save FRAMEWORK.csv as the next version of a framework (the same tree again makes no new version)."""
    from kechuang.services.indicators.files import parse_framework
    from kechuang.services.indicators.frameworks import save_framework as run

    nodes = parse_framework(path.name, path.read_bytes())
    saved = run(_operator(), ctx.obj.uow, key, nodes, name_zh=name_zh, name_en=name_en)
    typer.echo(f"framework {saved.key} version {saved.version}: {len(saved.nodes)} nodes")


@indicators_app.command("edition")
def create_edition(
    ctx: typer.Context,
    framework: str = typer.Option(..., help="Framework key"),
    dataset: str = typer.Option(..., help="Data set name"),
    normalise: str = typer.Option("minmax", help="minmax, zscore, rank or target"),
    range_: str = typer.Option("0,100", "--range", help="LOW,HIGH"),
    aggregate: str = typer.Option("arithmetic", help="arithmetic or geometric"),
    impute: str = typer.Option("none", help="none, mean or median"),
    winsorise: bool = typer.Option(False, help="Winsorise skewed, heavy-tailed indicators"),
    weights: str = typer.Option("framework", help="framework, equal or pca"),
    runs: int = typer.Option(1000, help="Monte-Carlo runs (0: none)"),
    seed: int = typer.Option(20261206, help="Random seed of the Monte-Carlo runs"),
    publish: bool = typer.Option(False, help="Publish it at once (readable without an account)"),
) -> None:
    """Compute an index edition over a stored data set, with its audit and uncertainty analysis."""
    from kechuang.services.indicators import editions

    made = editions.create_edition(
        _operator(),
        ctx.obj.uow,
        framework_key=framework,
        dataset=dataset,
        index_options={
            "normalise": normalise,
            "range": _range(range_),
            "aggregate": aggregate,
            "impute": impute,
            "winsorise": winsorise,
            "weights": weights,
        },
        uncertainty_options={"runs": runs, "seed": seed},
    )
    if publish:
        editions.publish_edition(_operator(), ctx.obj.uow, made.id or 0)
    typer.echo(
        f"edition {made.id}: {len(made.results['units'])} units, years {made.results['years']}"
        + (", published" if publish else ", draft")
    )


@indicators_app.command("publish")
def publish_edition(ctx: typer.Context, edition: int = typer.Argument(..., help="Edition id")) -> None:
    """Publish an edition: it becomes readable without an account."""
    from kechuang.services.indicators import editions

    done = editions.publish_edition(_operator(), ctx.obj.uow, edition)
    typer.echo(f"edition {done.id}: {done.status.value}")


@indicators_app.command("measures")
def measures(lang: str = typer.Option("zh", help="zh or en")) -> None:
    """List the indicators computed from the platform's own data, with their definitions."""
    from kechuang.services.indicators.platform import PLATFORM_MEASURES

    for measure in PLATFORM_MEASURES.values():
        typer.echo(f"{measure.code}\t{measure.name(lang)} ({measure.unit(lang)})\t{measure.definition(lang)}")
