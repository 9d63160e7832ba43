"""Printing records for people (tables) or programs (JSON)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import typer

from kechuang.services.tabular.writers import cell


def to_plain(item: Any) -> dict[str, Any]:
    """A record's fields as JSON-ready values."""

    return {f.name: cell(getattr(item, f.name), flat=False) for f in dataclasses.fields(item)}


def _title(item: Any) -> str:
    for name in ("name", "title"):
        if hasattr(item, f"{name}_zh"):
            zh, en = getattr(item, f"{name}_zh"), getattr(item, f"{name}_en")
            return " / ".join(t for t in (zh, en) if t)
    return ""


def print_page(items: list[Any], count: int, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps({"data": [to_plain(i) for i in items], "count": count}, ensure_ascii=False))
        return
    for item in items:
        typer.echo(f"{item.id:>7}  {item.visibility.value:<12} {_title(item)[:100]}")
    typer.echo(f"({len(items)} shown of {count})")


def print_record(item: Any, as_json: bool) -> None:
    plain = to_plain(item)
    if as_json:
        typer.echo(json.dumps(plain, ensure_ascii=False, indent=2))
        return
    for key, value in plain.items():
        if value not in (None, "", []):
            typer.echo(f"{key:>18}: {value}")


def print_matches(matches: list[Any], lang: str, as_json: bool) -> None:
    """Ranked matches with their reasons in the chosen language."""
    if as_json:
        rows = [dataclasses.asdict(m) for m in matches]
        typer.echo(json.dumps({"data": rows, "count": len(rows)}, ensure_ascii=False, default=str))
        return
    english = lang.startswith("en")
    for rank, match in enumerate(matches, start=1):
        title = (match.title_en or match.title_zh) if english else (match.title_zh or match.title_en)
        typer.echo(f"{rank:>2}. [{match.kind} {match.id}] {title}  ({match.score:.3f})")
        for reason in match.reasons:
            typer.echo(f"      {reason.contribution:+.3f}  {reason.en if english else reason.zh}")


def audit_outcome(check: Any, timing: str = "") -> None:
    """Say whether the audit chain is intact; exit 1 where it is broken (verify and restore alike)."""
    if check.ok:
        typer.echo(f"audit chain intact: {check.events} events{timing}")
        return
    typer.secho(
        f"audit chain BROKEN at event {check.broken_seq}: {check.reason} ({check.events} events read)",
        fg=typer.colors.RED,
        err=True,
    )
    raise typer.Exit(1)
