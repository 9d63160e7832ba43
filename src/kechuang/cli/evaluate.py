"""`kechuang eval`: run the product engine on BEIR-format sets and score TREC runs."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from kechuang.engine.evaluation import (
    read_corpus,
    read_pairs,
    read_queries,
    read_trec_run,
    score_run,
    write_trec_run,
)

eval_app = typer.Typer(
    help="Quality evaluation in standard formats (BEIR folders, TREC runs).", no_args_is_help=True
)


def _file(path: Path, name: str) -> Path:
    return path / name if path.is_dir() else path


@eval_app.command("run")
def run_command(
    ctx: typer.Context,
    corpus: Path = typer.Option(..., exists=True, help="corpus.jsonl (_id, title, text) or its BEIR folder"),
    queries: Path = typer.Option(..., exists=True, help="queries.jsonl (_id, text)"),
    out: Path = typer.Option(..., help="TREC run file to write"),
    candidates: Path = typer.Option(None, exists=True, help="candidates.tsv: rank only these per query"),
    top_k: int = typer.Option(100, "--top-k", help="Documents per query"),
    mode: str = typer.Option(
        "hybrid", help="hybrid (with the second stage), fused (first stage only), lexical or dense"
    ),
    embedder: str = typer.Option("use", help="use, e5, hashing or st:/path/to/model"),
    tag: str = typer.Option("", help="Run tag (default: kechuang-MODE)"),
) -> None:
    """Rank the corpus for every query with the same engine as the product; write a TREC run."""
    from kechuang.engine.beir_run import RunOptions, run_beir
    from kechuang.engine.hybrid import FusionConfig
    from kechuang.text.tokenize import Analyzer

    if mode not in {"hybrid", "fused", "lexical", "dense"}:
        raise typer.BadParameter("mode must be hybrid, fused, lexical or dense", param_hint="--mode")
    docs = read_corpus(_file(corpus, "corpus.jsonl"))
    asked = read_queries(_file(queries, "queries.jsonl"))
    pool = read_pairs(candidates) if candidates else None
    settings = ctx.obj.settings
    options = RunOptions(
        mode=mode,
        top_k=top_k,
        embedder=embedder,
        fusion=FusionConfig(),
        cache_dir=settings.data_dir / "embeddings",
        progress=True,
    )
    run = run_beir(docs, asked, Analyzer(), options, pool)
    write_trec_run(run, out, tag or f"kechuang-{mode}")
    typer.echo(f"wrote {out}: {len(run)} queries, {sum(len(r) for r in run.values())} lines")


@eval_app.command("score")
def score_command(
    run: Path = typer.Argument(..., exists=True, help="TREC run file"),
    qrels: Path = typer.Argument(..., exists=True, help="qrels.tsv (query-id, corpus-id, score)"),
    as_json: bool = typer.Option(False, "--json", help="JSON output"),
) -> None:
    """Print nDCG@10, MRR@10 and Recall@100 of a run against relevance judgments."""
    scores = score_run(read_trec_run(run), read_pairs(_file(qrels, "qrels.tsv")))
    if as_json:
        typer.echo(json.dumps(scores))
        return
    for name in ("ndcg@10", "mrr@10", "recall@100"):
        typer.echo(f"{name:<11}{scores[name]:.4f}")
    typer.echo(f"{'queries':<11}{int(scores['queries'])}")
