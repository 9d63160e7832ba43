"""Speed and memory of the registry importer on the real data sets, against a plain SQLAlchemy Core baseline.

For each data set and each run, on a fresh migrated database:

1. first import through ``kechuang.services.datasets.import_dataset`` (convert, validate, upsert);
2. the same import again (idempotent: must change nothing);
3. baseline: the same converted rows (the data set's converter), mapped to table columns in the simplest
   way and written with ``connection.execute(table.insert(), rows)`` into another fresh database, with
   no validation and no upsert.

Times include reading and converting the file on both sides, so the ratio is the cost of validation,
the ORM and the upsert. Peak Python memory (tracemalloc) is measured in one extra, untimed run, because
tracemalloc slows everything it traces.

    python bench/bench_import.py                       # SQLite, all data sets, 3 runs
    python bench/bench_import.py --datasets csl,nsfc --runs 1 \
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/kechuang_bench
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import Engine, Table, create_engine, make_url, text

from kechuang.domain.access import Actor
from kechuang.services import importing
from kechuang.services.datasets import chinaxiv_stages, csl_stages, import_dataset, nsfc_stages
from kechuang.services.importing import Stage
from kechuang.store import tables as t
from kechuang.store.db import UnitOfWork, make_engine
from kechuang.store.schema import upgrade_database

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
ACTOR = Actor.system("bench")
MIB = 1024 * 1024

# data set name -> (path under the shared data folder, converter)
DATASETS: dict[str, tuple[str, Callable[[Path], list[Stage]]]] = {
    "csl": ("csl/csl_2000.jsonl", csl_stages),
    "nsfc": ("nsfc_2017/nsfc_management_sciences_2017.csv", nsfc_stages),
    "chinaxiv": ("chinaxiv-en2zh-dev", chinaxiv_stages),
}


def shared_data_dir() -> Path:
    """../shared/data beside the repository, or $KECHUANG_SHARED_DATA."""
    override = os.environ.get("KECHUANG_SHARED_DATA")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[1].parent / "shared" / "data"


# ---- databases ------------------------------------------------------------------------------------


class Backend:
    """Hands out fresh, migrated databases: a temp SQLite file, or a reset PostgreSQL schema."""

    name = "sqlite"

    @contextmanager
    def fresh(self) -> Iterator[Engine]:
        with tempfile.TemporaryDirectory(prefix="kechuang-bench-") as folder:
            engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
            try:
                upgrade_database(engine)
                yield engine
            finally:
                engine.dispose()

    def describe(self) -> dict[str, Any]:
        return {
            "backend": self.name,
            "database": "SQLite file in a temp folder",
            "sqlite": sqlite3.sqlite_version,
        }


class PostgresBackend(Backend):
    name = "postgresql"

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        if not self.url.database:
            raise SystemExit("--postgres URL must name a database, e.g. .../kechuang_bench")
        self._ensure_database()
        self.server_version = ""

    def _ensure_database(self) -> None:
        admin = create_engine(self.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                exists = connection.scalar(
                    text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": self.url.database}
                )
                if not exists:
                    quoted = admin.dialect.identifier_preparer.quote(self.url.database or "")
                    connection.execute(text(f"CREATE DATABASE {quoted}"))
        finally:
            admin.dispose()

    @contextmanager
    def fresh(self) -> Iterator[Engine]:
        engine = make_engine(self.url.render_as_string(hide_password=False))
        try:
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
                self.server_version = str(connection.scalar(text("SHOW server_version")))
            engine.dispose()  # no pooled connection may remember the dropped schema
            upgrade_database(engine)
            yield engine
        finally:
            engine.dispose()

    def describe(self) -> dict[str, Any]:
        return {
            "backend": self.name,
            "database": self.url.render_as_string(hide_password=True),
            "server_version": self.server_version,
        }


# ---- the measured operations ----------------------------------------------------------------------


@dataclass
class PhaseTimer:
    """Per-stage seconds of the importer's two phases (check, write), by wrapping its private helpers.

    Diagnostic only: when the helpers are renamed the breakdown is simply empty.
    """

    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def installed(self) -> Iterator[PhaseTimer]:
        originals = {name: getattr(importing, name, None) for name in ("_parse_sheet", "_write_stage")}
        for name, original in originals.items():
            if original is not None:
                setattr(importing, name, self._wrap(name.removeprefix("_").split("_")[0], original))
        try:
            yield self
        finally:
            for name, original in originals.items():
                if original is not None:
                    setattr(importing, name, original)

    def _wrap(self, phase: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            stage = next((a for a in args if isinstance(a, Stage)), None)
            label = f"{stage.spec.name if stage else '?'}.{phase}"
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - start

        return timed


def kechuang_import(name: str, path: Path, engine: Engine) -> tuple[float, dict[str, dict[str, int]], dict]:
    """One import_dataset call: (seconds, counts per stage, seconds per stage phase)."""
    uow = UnitOfWork(engine)
    timer = PhaseTimer()
    gc.collect()
    with timer.installed():
        start = time.perf_counter()
        result = import_dataset(ACTOR, name, path, uow)
        seconds = time.perf_counter() - start
    return seconds, result.counts, timer.seconds


def _float(value: Any) -> float | None:
    text_value = str(value or "").replace(",", "").strip()
    return float(text_value) if text_value else None


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def _record_defaults(stamp: datetime) -> dict[str, Any]:
    return {
        "visibility": "public",
        "source": "",
        "is_sample": False,
        "created_at": stamp,
        "updated_at": stamp,
    }


def achievement_rows(stages: list[Stage], stamp: datetime) -> list[tuple[Table, list[dict[str, Any]]]]:
    """CSL and ChinaXiv: achievement rows map almost 1:1 onto the achievements table."""
    rows = [
        {
            **_record_defaults(stamp),
            "external_id": raw["external_id"],
            "title_zh": raw.get("title_zh", ""),
            "title_en": raw.get("title_en", ""),
            "abstract_zh": raw.get("abstract_zh", ""),
            "abstract_en": raw.get("abstract_en", ""),
            "keywords_zh": raw.get("keywords_zh", []),
            "keywords_en": raw.get("keywords_en", []),
            "discipline_codes": raw.get("discipline_codes", []),
            "kind": raw.get("kind", "other"),
            "visibility": raw.get("visibility", "public"),
            "year": raw.get("year"),
        }
        for stage in stages
        for _, raw in stage.sheet.rows
    ]
    return [(t.achievements, rows)]


def nsfc_rows(stages: list[Stage], stamp: datetime) -> list[tuple[Table, list[dict[str, Any]]]]:
    """NSFC: all four stages, references resolved with ids assigned here."""
    by_name = {stage.spec.name: stage.sheet.rows for stage in stages}
    org_ids: dict[str, int] = {}
    orgs = []
    for number, (_, raw) in enumerate(by_name["organization"], start=1):
        org_ids[raw["external_id"]] = number
        orgs.append(
            {
                **_record_defaults(stamp),
                "id": number,
                "owner_org_id": number,  # an organization owns its own profile, as the importer sets it
                "external_id": raw["external_id"],
                "name_zh": raw["name_zh"],
                "kind": raw["kind"],
            }
        )
    person_ids: dict[str, int] = {}
    people = []
    for number, (_, raw) in enumerate(by_name["person"], start=1):
        person_ids[raw["external_id"]] = number
        people.append(
            {
                **_record_defaults(stamp),
                "id": number,
                "external_id": raw["external_id"],
                "name_zh": raw["name_zh"],
                "organization_id": org_ids[raw["organization"]],
                "discipline_codes": raw["discipline_codes"],
            }
        )
    projects = [
        {
            **_record_defaults(stamp),
            "external_id": raw["external_id"],
            "title_zh": raw["title_zh"],
            "funder": raw["funder"],
            "program": raw["program"],
            "host_org_id": org_ids.get(raw["host_org"]),
            "pi_person_id": person_ids.get(raw["pi_person"]),
            "amount": _float(raw["amount"]),
            "start_date": _date(raw["start_date"]),
            "end_date": _date(raw["end_date"]),
            "rating": raw["rating"],
            "discipline_codes": raw["discipline_codes"],
        }
        for _, raw in by_name["project"]
    ]
    affiliations = [
        {
            "person_id": person_ids[raw["person"]],
            "organization_id": org_ids[raw["organization"]],
            "role": raw["role"],
        }
        for _, raw in by_name["affiliation"]
    ]
    return [
        (t.organizations, orgs),
        (t.people, people),
        (t.projects, projects),
        (t.affiliations, affiliations),
    ]


BASELINE_MAPPERS = {"csl": achievement_rows, "chinaxiv": achievement_rows, "nsfc": nsfc_rows}


def baseline_import(name: str, path: Path, engine: Engine) -> tuple[float, int]:
    """Convert with the data set's converter, then plain Core executemany in one transaction."""
    gc.collect()
    start = time.perf_counter()
    stages = DATASETS[name][1](path)
    batches = BASELINE_MAPPERS[name](stages, datetime.now(UTC).replace(tzinfo=None))
    with engine.begin() as connection:
        for table, rows in batches:
            if rows:
                connection.execute(table.insert(), rows)
    seconds = time.perf_counter() - start
    return seconds, sum(len(rows) for _, rows in batches)


def convert_only(name: str, path: Path) -> float:
    gc.collect()
    start = time.perf_counter()
    DATASETS[name][1](path)
    return time.perf_counter() - start


def peak_memory(function: Callable[[], Any]) -> int:
    """Peak bytes allocated by Python while `function` runs (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# ---- driver ---------------------------------------------------------------------------------------


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def bench_dataset(
    backend: Backend, name: str, path: Path, runs: int, memory: bool, analyze: bool = False
) -> dict[str, Any]:
    first: list[float] = []
    again: list[float] = []
    baseline: list[float] = []
    converts: list[float] = []
    again_changed: list[int] = []
    phases_first: dict[str, list[float]] = {}
    phases_again: dict[str, list[float]] = {}
    counts: dict[str, dict[str, int]] = {}
    rows = baseline_rows = 0
    for run in range(1, runs + 1):
        with backend.fresh() as engine:
            seconds, counts, phases = kechuang_import(name, path, engine)
            rows = sum(sum(c.values()) for c in counts.values())
            first.append(seconds)
            for label, value in phases.items():
                phases_first.setdefault(label, []).append(value)
            if analyze:
                with engine.begin() as connection:
                    connection.execute(text("ANALYZE"))
            seconds, counts_again, phases = kechuang_import(name, path, engine)
            again.append(seconds)
            again_changed.append(sum(c["created"] + c["updated"] for c in counts_again.values()))
            for label, value in phases.items():
                phases_again.setdefault(label, []).append(value)
        with backend.fresh() as engine:
            seconds, baseline_rows = baseline_import(name, path, engine)
            baseline.append(seconds)
        converts.append(convert_only(name, path))
        log(
            f"  {name} run {run}/{runs}: import {first[-1]:.2f}s, re-import {again[-1]:.2f}s "
            f"(changed {again_changed[-1]}), baseline {baseline[-1]:.2f}s"
        )
    result: dict[str, Any] = {
        "rows": rows,
        "baseline_rows": baseline_rows,
        "counts": counts,
        "first_s": _rounded(first),
        "reimport_s": _rounded(again),
        "baseline_s": _rounded(baseline),
        "convert_s": _rounded(converts),
        "first_median_s": round(median(first), 4),
        "reimport_median_s": round(median(again), 4),
        "baseline_median_s": round(median(baseline), 4),
        "convert_median_s": round(median(converts), 4),
        "rows_per_s": round(rows / median(first)),
        "reimport_rows_per_s": round(rows / median(again)),
        "baseline_rows_per_s": round(baseline_rows / median(baseline)),
        "ratio": round(median(first) / median(baseline), 2),
        "reimport_ratio": round(median(again) / median(baseline), 2),
        "reimport_changed": again_changed,
        "phases_first_median_s": {k: round(median(v), 4) for k, v in phases_first.items()},
        "phases_reimport_median_s": {k: round(median(v), 4) for k, v in phases_again.items()},
    }
    if memory:
        with backend.fresh() as engine:
            uow = UnitOfWork(engine)
            result["peak_mib"] = round(peak_memory(lambda: import_dataset(ACTOR, name, path, uow)) / MIB, 1)
        with backend.fresh() as engine:
            result["baseline_peak_mib"] = round(
                peak_memory(lambda: baseline_import(name, path, engine)) / MIB, 1
            )
        result["peak_ratio"] = round(result["peak_mib"] / result["baseline_peak_mib"], 2)
        log(f"  {name} memory: import {result['peak_mib']} MiB, baseline {result['baseline_peak_mib']} MiB")
    return result


def _rounded(values: list[float]) -> list[float]:
    return [round(v, 4) for v in values]


def print_table(results: dict[str, dict[str, Any]]) -> None:
    header = (
        f"{'data set':<9} {'rows':>6} {'import s':>9} {'rows/s':>7} {'re-imp s':>9} "
        f"{'base s':>7} {'base rows/s':>11} {'ratio':>6} {'re/base':>7} {'peak MiB':>9} {'base MiB':>9}"
    )
    print(header)
    print("-" * len(header))
    for name, r in results.items():
        print(
            f"{name:<9} {r['rows']:>6} {r['first_median_s']:>9.3f} {r['rows_per_s']:>7} "
            f"{r['reimport_median_s']:>9.3f} {r['baseline_median_s']:>7.3f} {r['baseline_rows_per_s']:>11} "
            f"{r['ratio']:>6.2f} {r['reimport_ratio']:>7.2f} {r.get('peak_mib', '-'):>9} "
            f"{r.get('baseline_peak_mib', '-'):>9}"
        )
    print()
    print("median seconds per importer stage phase (first import | re-import); convert = converter alone")
    for name, r in results.items():
        first, again = r["phases_first_median_s"], r["phases_reimport_median_s"]
        parts = [f"{label} {first[label]:.3f}|{again.get(label, 0):.3f}" for label in first]
        print(f"  {name}: convert {r['convert_median_s']:.3f}; " + "; ".join(parts))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark the registry importer (import, re-import) against plain Core inserts.",
    )
    parser.add_argument(
        "--datasets",
        default=",".join(DATASETS),
        help=f"comma-separated data sets to run (default: {','.join(DATASETS)})",
    )
    parser.add_argument("--runs", type=int, default=3, help="timed runs per data set (default: 3)")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="run on PostgreSQL instead of SQLite, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/"
        "kechuang_bench (the database is created if missing; its schema public is dropped between runs)",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="the shared data folder (default: $KECHUANG_SHARED_DATA or ../shared/data beside the repo)",
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the extra tracemalloc run")
    parser.add_argument(
        "--analyze",
        action="store_true",
        help="run ANALYZE (untimed) between the first import and the re-import, so the re-import's "
        "lookups are planned with table statistics",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="JSON result file (default: bench/results/import-<date>-<backend>.json)",
    )
    parser.add_argument("--no-output", action="store_true", help="print only; write no JSON file")
    args = parser.parse_args(argv)
    args.datasets = [name.strip() for name in args.datasets.split(",") if name.strip()]
    unknown = [name for name in args.datasets if name not in DATASETS]
    if unknown:
        parser.error(f"unknown data set(s) {', '.join(unknown)}; known: {', '.join(DATASETS)}")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    data = args.data or shared_data_dir()
    missing = [DATASETS[n][0] for n in args.datasets if not (data / DATASETS[n][0]).exists()]
    if missing:
        print(f"missing data under {data}: {', '.join(missing)}", file=sys.stderr)
        return 2
    load_start = os.getloadavg()
    cpus = os.cpu_count()
    print(f"load average {load_start[0]:.2f} {load_start[1]:.2f} {load_start[2]:.2f}; CPUs {cpus}")
    backend: Backend = PostgresBackend(args.postgres) if args.postgres else Backend()
    extra = "; ANALYZE before each re-import" if args.analyze else ""
    print(f"backend {backend.name}; runs {args.runs}; data sets {', '.join(args.datasets)}{extra}")
    results: dict[str, dict[str, Any]] = {}
    for name in args.datasets:
        log(f"{name}:")
        results[name] = bench_dataset(
            backend, name, data / DATASETS[name][0], args.runs, not args.no_memory, args.analyze
        )
    load_end = os.getloadavg()
    print()
    print_table(results)
    print(f"\nload average at the end {load_end[0]:.2f} {load_end[1]:.2f} {load_end[2]:.2f}")
    report = {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        **backend.describe(),
        "runs": args.runs,
        "analyze_before_reimport": args.analyze,
        "cpu_count": cpus,
        "loadavg_start": [round(x, 2) for x in load_start],
        "loadavg_end": [round(x, 2) for x in load_end],
        "python": platform.python_version(),
        "sqlalchemy": sqlalchemy.__version__,
        "datasets": {name: {"path": DATASETS[name][0], **r} for name, r in results.items()},
    }
    if not args.no_output:
        output = args.output or RESULTS_DIR / f"import-{date.today().isoformat()}-{backend.name}.json"
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        shown = output.relative_to(BENCH_DIR.parent) if output.is_relative_to(BENCH_DIR.parent) else output
        print(f"wrote {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
