"""p50/p99 of the main pages and API at two registry sizes on PostgreSQL, side by side, with peak memory.

Each database is a synthetic registry (``kechuang synthetic generate`` + ``kechuang synthetic load``, see
docs/postgresql-scale.md); the app runs in-process (FastAPI TestClient over ``kechuang.app.create_app``)
with ``embedder='hashing'`` and ``index_sync='inline'``, so that nothing is indexed unless a text search
asks for it. The site search and a list's ``q`` read a lexical index built from the database on first use:
it is measured only on databases up to ``--search-max`` achievements (building it at 1M does not fit the
bench's time on a shared 2-core machine); the other endpoints are measured at every size. A database given
a prebuilt data folder (``--data-dir LABEL=PATH``, its indexes built beforehand by ``kechuang index`` with
``KECHUANG_DATA_DIR=PATH KECHUANG_EMBEDDER=hashing``) opens that folder's index instead of building one, and
its text search is measured whatever its size. The script also prints the EXPLAIN (ANALYZE) plan of each
list/filter/statistics query at each size (``--plans``).

    python bench/bench_pg_scale.py \\
        --database small=postgresql+psycopg://postgres@127.0.0.1:5432/kt_pgscale_10k \\
        --database large=postgresql+psycopg://postgres@127.0.0.1:5432/kt_pgscale_1m --runs 30 \\
        --data-dir large=/srv/bench-1m-data
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event, func, select, text

from kechuang.app import create_app
from kechuang.config import Settings
from kechuang.domain.access import Actor
from kechuang.domain.enums import Role
from kechuang.services import accounts
from kechuang.store import tables as t
from kechuang.store.db import UnitOfWork, make_engine

PASSWORD = "bench-scale-password-1"
USER = "bench_scale_admin"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _admin_token(client: TestClient, uow: UnitOfWork) -> str:
    with uow() as session:
        exists = session.scalar(select(t.users.c.id).where(t.users.c.username == USER))
    if exists is None:
        accounts.create_user(Actor.system("bench"), uow, username=USER, password=PASSWORD,
                             organization_id=None, role=Role.ADMIN)
    answer = client.post("/api/auth/token", json={"username": USER, "password": PASSWORD})
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def _facts(uow: UnitOfWork) -> dict[str, Any]:
    """Ids and values the requests name: a public achievement, its region, a deep offset and its cursor."""
    with uow() as session:
        count = session.scalar(select(func.count()).select_from(t.achievements)) or 0
        public = t.achievements.c.visibility == "public"
        newest = session.execute(
            select(t.achievements.c.id, t.achievements.c.region_code).where(public)
            .order_by(t.achievements.c.id.desc()).limit(1)
        ).one()
        deep = count // 2
        cursor = session.scalar(
            select(t.achievements.c.id).where(public, t.achievements.c.merged_into_id.is_(None))
            .order_by(t.achievements.c.id.desc()).offset(deep - 1).limit(1)
        )
        year = session.scalar(select(func.max(t.contracts.c.registered_on)))
    return {"count": count, "id": newest[0], "region": newest[1], "deep": deep, "cursor": cursor,
            "year": year.year - 1 if year else 2025}  # the last whole year


def endpoints(f: dict[str, Any], search: bool) -> dict[str, str]:
    """Anonymous visitors (the commonest reader) except where a name says admin."""
    paths = {
        "API list newest": "/api/achievements?limit=20",
        "API list newest (admin)": "/api/achievements?limit=20&admin",
        "API list filter region": f"/api/achievements?limit=20&region_code={f['region']}",
        "API list filter kind+status": "/api/achievements?limit=20&kind=patent&status=open",
        "API list sort trl": "/api/achievements?limit=20&sort=trl",
        "API demands sort deadline": "/api/demands?limit=20&sort=deadline",
        "API list offset N/2": f"/api/achievements?limit=20&offset={f['deep']}",
        "API list after (same page)": f"/api/achievements?limit=20&after={f['cursor']}",
        "API detail": f"/api/achievements/{f['id']}",
        "API contracts submitted (admin)": "/api/contracts?status=submitted&limit=50",
        "API statistics year (admin)": f"/api/market/statistics?year={f['year']}",
        "page list": "/achievements",
        "page detail": f"/achievements/{f['id']}",
    }
    if search:
        paths["API list q"] = "/api/achievements?q=检测&limit=20"
        paths["page search"] = "/search?q=检测"
    return paths


def plans(uow: UnitOfWork, client: TestClient, headers: dict[str, str], paths: dict[str, str]) -> None:
    """EXPLAIN ANALYZE of the SELECTs each request sends (the first of each shape)."""
    engine = uow.engine
    for name, path in paths.items():
        if "q=" in path or not path.startswith("/api"):
            continue
        seen: list[tuple[str, Any]] = []

        def capture(_c: Any, _cur: Any, statement: str, parameters: Any, _ctx: Any, _many: bool,
                    seen: list[tuple[str, Any]] = seen) -> None:
            head = statement.lstrip().upper()
            own = head.startswith("SELECT") and "api_tokens" not in statement
            if (own and "FROM users" not in statement) or head.startswith("SET LOCAL"):
                seen.append((statement, parameters))  # a SET LOCAL is replayed before the plans after it

        event.listen(engine, "before_cursor_execute", capture)
        try:
            client.get(path, headers=headers if "admin" in name else {})
        finally:
            event.remove(engine, "before_cursor_execute", capture)
        print(f"\n### {name}: {path}")
        with engine.begin() as connection:
            settings = [(st, pa) for st, pa in seen if st.lstrip().upper().startswith("SET LOCAL")]
            for statement, parameters in settings:
                connection.exec_driver_sql(statement, parameters)
            for statement, parameters in [pair for pair in seen if pair not in settings][:3]:
                explain = "EXPLAIN (ANALYZE, COSTS OFF) " + statement
                rows = connection.exec_driver_sql(explain, parameters).all()
                print("\n".join("    " + row[0] for row in rows if "Planning" not in row[0]))


@contextlib.contextmanager
def _data_folder(prebuilt: Path | None) -> Iterator[Path]:
    """The app's data_dir: a prebuilt folder as it is (its indexes kept), else a temporary one."""
    if prebuilt is not None:
        if not (prebuilt / "index").is_dir():
            raise SystemExit(f"{prebuilt}: no index folder (build it with `kechuang index` first)")
        yield prebuilt
        return
    with tempfile.TemporaryDirectory(prefix="bench-pg-scale-") as folder:
        yield Path(folder)


def measure(
    label: str, url: str, runs: int, search_max: int, show_plans: bool, slow_runs: int = 3,
    data_dir: Path | None = None,
) -> dict[str, tuple[float, float]]:
    uow = UnitOfWork(make_engine(url))
    with _data_folder(data_dir) as folder:
        if data_dir is not None:
            print(f"{label:>6} data dir {folder} (prebuilt index: text search measured at any size)",
                  flush=True)
        settings = Settings(data_dir=folder, database_url=url, embedder="hashing", index_sync="inline")
        client = TestClient(create_app(settings, uow))
        headers = {"Authorization": f"Bearer {_admin_token(client, uow)}"}
        facts = _facts(uow)
        paths = endpoints(facts, facts["count"] <= search_max or data_dir is not None)
        out: dict[str, tuple[float, float]] = {}
        for name, path in paths.items():
            who = headers if "admin" in name else {}
            started = time.perf_counter()
            first = client.get(path, headers=who)  # warm-up; for a search, this builds the index
            warm = time.perf_counter() - started
            assert first.status_code == 200, (path, first.status_code, first.text[:300])
            times = []
            for _ in range(slow_runs if "statistics" in name else runs):
                started = time.perf_counter()
                client.get(path, headers=who)
                times.append((time.perf_counter() - started) * 1000)
            out[name] = (statistics.median(times), percentile(times, 0.99))
            print(f"{label:>6} {name:<30} p50 {out[name][0]:8.1f} ms  p99 {out[name][1]:8.1f} ms"
                  f"  (first {warm * 1000:.0f} ms)", flush=True)
        if show_plans:
            plans(uow, client, headers, paths)
    with uow() as session:
        session.execute(text("SELECT 1"))
    uow.engine.dispose()
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", action="append", required=True, metavar="LABEL=URL",
                        help="a label and a PostgreSQL URL of a loaded synthetic registry (repeatable)")
    parser.add_argument("--runs", type=int, default=30, help="timed requests per endpoint")
    parser.add_argument("--search-max", type=int, default=100_000,
                        help="measure text search only on databases with at most this many achievements")
    parser.add_argument("--plans", action="store_true", help="print EXPLAIN ANALYZE of the queries")
    parser.add_argument("--slow-runs", type=int, default=3,
                        help="timed requests of the statistics endpoint (seconds each at 1M)")
    parser.add_argument("--data-dir", action="append", default=[], metavar="LABEL=PATH",
                        help="a database's prebuilt data folder (its index/ built by `kechuang index`): "
                             "the app opens it instead of a temporary one and text search is measured "
                             "whatever --search-max says (repeatable; default: a temporary folder)")
    args = parser.parse_args(argv)
    data_dirs: dict[str, Path] = {}
    for item in args.data_dir:
        label, _, path = item.partition("=")
        if not path:
            parser.error(f"--data-dir {item!r}: expected LABEL=PATH")
        data_dirs[label] = Path(path)
    unknown = set(data_dirs) - {item.partition("=")[0] for item in args.database}
    if unknown:
        parser.error(f"--data-dir names no --database label: {', '.join(sorted(unknown))}")
    results: dict[str, dict[str, tuple[float, float]]] = {}
    peaks: dict[str, float] = {}
    for item in args.database:
        label, _, url = item.partition("=")
        results[label] = measure(label, url, args.runs, args.search_max, args.plans, args.slow_runs,
                                 data_dirs.get(label))
        peaks[label] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    labels = list(results)
    names = list(dict.fromkeys(name for result in results.values() for name in result))
    print("\n| endpoint | " + " | ".join(f"{label} p50 / p99 ms" for label in labels) + " | ratio p50 |")
    print("|---|" + "---|" * (len(labels) + 1))
    for name in names:
        cells = [f"{results[label][name][0]:.1f} / {results[label][name][1]:.1f}" if name in results[label]
                 else "not measured" for label in labels]
        both = [results[label][name][0] for label in labels if name in results[label]]
        ratio = f"{both[-1] / both[0]:.1f}x" if len(both) == len(labels) and len(both) > 1 else ""
        print(f"| {name} | " + " | ".join(cells) + f" | {ratio} |")
    print("\npeak RSS of the process after each database (cumulative): "
          + ", ".join(f"{label} {peak:.0f} MiB" for label, peak in peaks.items()))


if __name__ == "__main__":
    main()
