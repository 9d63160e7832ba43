"""Run the whole composite-index pipeline on real data: UK NUTS 2 R&D and innovation indicators.

The values go through the platform's own importer (`import_values`, row-by-row checks) into a temporary
database; the framework groups the 55 indicators into the data set's four groups (equal weights), with
direction -1 for pollution, travel times and house prices relative to salaries. Every normalisation and
aggregation is run, with and without imputation and winsorisation, then the audit and a 1,000-run
Monte-Carlo analysis of 2016 (the best-covered year). Writes eval/indicators-uk-nuts2.md (and .json).

    .venv/bin/python eval/indicators_uk_nuts2.py [--data ../shared/data/indicators/uk-nuts2]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import tempfile
from pathlib import Path
from statistics import median
from typing import Any

from kechuang.domain.access import Actor
from kechuang.domain.indicators import FrameworkNode
from kechuang.services.indicators.editions import compute_results
from kechuang.services.indicators.frameworks import save_framework
from kechuang.services.indicators.values import dataset_rows, import_values
from kechuang.store.db import UnitOfWork, make_engine
from kechuang.store.schema import upgrade_database

HERE = Path(__file__).resolve().parent
LOWER_IS_BETTER = ("air_pollution", "travel_time", "house_price")
GROUPS = {
    "public_rnd": ("公共研发", "Public R&D"),
    "private_rnd": ("企业研发", "Private R&D"),
    "knowledge_exchange": ("知识交流", "Knowledge exchange"),
    "place_potential": ("区位潜力", "Place potential"),
}
YEAR = 2016
COVERAGE = 0.5
CONFIGS: list[tuple[str, dict[str, Any]]] = [
    ("minmax-arith (raw)", {"normalise": "minmax"}),
    ("minmax-arith, mean imputed, winsorised", {"normalise": "minmax", "impute": "mean", "winsorise": True}),
    (
        "zscore-arith, median imputed, winsorised",
        {"normalise": "zscore", "impute": "median", "winsorise": True},
    ),
    ("rank-arith, median imputed", {"normalise": "rank", "impute": "median"}),
    ("target-arith (max as target), mean imputed", {"normalise": "target", "impute": "mean"}),
    (
        "minmax 1-100 geometric, mean imputed, winsorised",
        {
            "normalise": "minmax",
            "range": (1, 100),
            "aggregate": "geometric",
            "impute": "mean",
            "winsorise": True,
        },
    ),
    ("rank geometric, median imputed", {"normalise": "rank", "aggregate": "geometric", "impute": "median"}),
    (
        "minmax-arith, PCA weights, mean imputed, winsorised",
        {"normalise": "minmax", "impute": "mean", "winsorise": True, "weights": "pca"},
    ),
    (
        "minmax-arith, equal weights, median imputed by group",
        {"normalise": "minmax", "impute": "median", "impute_by_group": True, "weights": "equal"},
    ),
]


def framework(path: Path) -> list[FrameworkNode]:
    nodes = [FrameworkNode("UK", name_zh="英国NUTS2区域创新指数", name_en="UK NUTS 2 innovation index")]
    nodes += [FrameworkNode(code, "UK", 1.0, None, zh, en) for code, (zh, en) in GROUPS.items()]
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            direction = -1 if row["indicator"].startswith(LOWER_IS_BETTER) else 1
            nodes.append(
                FrameworkNode(
                    row["indicator"],
                    row["framework_group"],
                    1.0,
                    direction,
                    row["title"],
                    row["title"],
                    row["value_label"][:80],
                    row["source_name"][:300],
                )
            )
    return nodes


def spearman(a: list[float | None], b: list[float | None]) -> float:
    pairs = [(x, y) for x, y in zip(a, b, strict=True) if x is not None and y is not None]
    n = len(pairs)
    d2 = sum((x - y) ** 2 for x, y in pairs)
    return 1 - 6 * d2 / (n * (n * n - 1)) if n > 2 else math.nan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    shared = Path(os.environ.get("KECHUANG_SHARED_DATA", HERE.parent.parent / "shared" / "data"))
    parser.add_argument("--data", type=Path, default=shared / "indicators" / "uk-nuts2")
    parser.add_argument("--runs", type=int, default=1000)
    args = parser.parse_args()
    operator = Actor.system("eval")
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/uk.sqlite3")
        upgrade_database(engine)
        uow = UnitOfWork(engine)
        imported = import_values(
            operator, uow, "uk-nuts2", "values.csv", (args.data / "values.csv").read_bytes()
        )
        nodes = framework(args.data / "indicators.csv")
        save_framework(operator, uow, "uk-nuts2", nodes, name_en="UK NUTS 2")
        rows = dataset_rows(uow, "uk-nuts2")
        engine.dispose()
    years = sorted({y for _, y, _, _ in rows})
    runs: dict[str, Any] = {}
    for label, options in CONFIGS:
        coverage = {} if label.endswith("(raw)") else {"min_coverage": COVERAGE}
        results = compute_results(
            nodes,
            rows,
            {**options, **coverage, "years": [YEAR - 2, YEAR - 1, YEAR]},
            {"runs": args.runs if label.startswith("minmax-arith, mean") else 0},
        )
        runs[label] = results
    write(imported.created, years, rows, runs)


def write(created: int, years: list[int], rows: list[Any], runs: dict[str, Any]) -> None:
    base_label = "minmax-arith, mean imputed, winsorised"
    base = runs[base_label]
    y = str(YEAR)
    units = base["units"]
    lines = [
        "# UK NUTS 2: the composite index pipeline on real data",
        "",
        f"Generated by `eval/indicators_uk_nuts2.py`. {created} values imported through `import_values` "
        f"({len(units)} regions, {len(years)} years {years[0]}-{years[-1]}, 55 indicators); index years "
        f"{YEAR - 2}-{YEAR}, Monte-Carlo on {YEAR}.",
        "",
    ]
    imputed = base["report"]["imputed_share"]["*"]
    treated = [t for t in base["report"]["treatments"] if str(t["year"]) == y and "indicator" in t]
    excluded = [t["unit"] for t in base["report"]["treatments"] if str(t["year"]) == y and "excluded" in t]
    lines += [
        f"- Share of values imputed (mean, {YEAR - 2}-{YEAR}): {100 * imputed:.1f}%.",
        f"- Indicators winsorised in {YEAR}: {sum(1 for t in treated if t['treated'])} "
        f"({sum(t['treated'] for t in treated)} points); still outlying after 10% of points: "
        f"{', '.join(t['indicator'] for t in treated if not t['resolved']) or 'none'}.",
        f"- Regions left out of {YEAR} for coverage below {COVERAGE:.0%} of the indicators: "
        f"{', '.join(excluded) or 'none'} (codes of other NUTS versions, extra-regio).",
        "",
    ]
    audit = base["audit"][y]
    lines += [
        "## Statistical audit (" + base_label + f", {YEAR})",
        "",
        "| pillar | Cronbach's alpha | r(pillar, index) |",
        "|---|---|---|",
    ]
    with_index = {c["code"]: c["with_index"] for c in audit["correlations"]}
    for code in GROUPS:
        lines.append(f"| {code} | {_f(audit['alphas'].get(code))} | {_f(with_index.get(code))} |")
    negative = [w for w in audit["warnings"] if w["kind"] == "negative" and w["other"] in GROUPS]
    lines += [
        "",
        f"Indicators correlating negatively with their own pillar ({len(negative)}): "
        + ", ".join(f"{w['code']} ({_f(w['r'])})" for w in negative),
        "",
        f"Collinear pairs (r > 0.92) within a pillar ({len(audit['collinear'])}): "
        + ", ".join(f"{w['code']}~{w['other']}" for w in audit["collinear"][:12])
        + (" ..." if len(audit["collinear"]) > 12 else ""),
        "",
    ]
    analysis = base["uncertainty"]
    widths = [hi - lo for lo, hi in zip(analysis["p05"], analysis["p95"], strict=True) if lo is not None]
    order = sorted(
        (i for i in range(len(units)) if analysis["nominal"][i] is not None),
        key=lambda i: analysis["nominal"][i],
    )
    lines += [
        f"## Uncertainty ({analysis['runs']} runs, seed {analysis['spec']['seed']})",
        "",
        f"Median width of the 5th-95th percentile rank interval: {median(widths):.1f} places "
        f"(of {len(widths)} ranked); widest: {max(widths):.0f}.",
        "",
        "| choice | first-order | total | first-order (mean rank shift) | total (mean rank shift) |",
        "|---|---|---|---|---|",
    ]
    for name in analysis["first_order"]:
        lines.append(
            f"| {name} | {_f(analysis['first_order'][name])} | {_f(analysis['total'][name])} | "
            f"{_f(analysis['shift_first_order'][name])} | {_f(analysis['shift_total'][name])} |"
        )
    lines += ["", "| region | nominal rank | median | 5th-95th percentile |", "|---|---|---|---|"]
    for i in order:
        lines.append(
            f"| {units[i]} | {_f(analysis['nominal'][i], 0)} | {_f(analysis['median'][i], 1)} | "
            f"{_f(analysis['p05'][i], 0)}-{_f(analysis['p95'][i], 0)} |"
        )
    lines += [
        "",
        f"## Every configuration against the base ({YEAR}, Spearman correlation of the index ranks)",
        "",
        "| configuration | Spearman vs base | top 3 |",
        "|---|---|---|",
    ]
    for label, results in runs.items():
        ranks = results["ranks"][y][results["root"]]
        top = sorted((r, u) for r, u in zip(ranks, results["units"], strict=True) if r is not None)[:3]
        lines.append(
            f"| {label} | {_f(spearman(ranks, base['ranks'][y][base['root']]))} | "
            f"{', '.join(u for _, u in top)} |"
        )
    (HERE / "indicators-uk-nuts2.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = {
        "values": created,
        "units": len(units),
        "imputed_share": imputed,
        "audit": audit,
        "uncertainty": analysis,
    }
    (HERE / "indicators-uk-nuts2.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    print("\n".join(lines))


def _f(value: float | None, digits: int = 2) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


if __name__ == "__main__":
    main()
