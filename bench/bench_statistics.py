"""Market statistics of one year: the database's GROUP BY (`contract_statistics`) against row-by-row Python.

The baseline is what `contract_statistics` did before: read every registered contract of the period (plain
rows of `STATISTICS_COLUMNS`) and add each one into its buckets with `contract_keys`. Both run in this
process on the same database; the script checks that they give the same buckets (keys, labels, counts, and
amounts within 1e-9 relative) and prints medians of --runs calls, the ratio, and tracemalloc's peak of one
extra untimed call of each.

    .venv/bin/python bench/bench_statistics.py --database-url postgresql+psycopg://.../kt_stats [--year Y]
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from kechuang.domain.access import Actor
from kechuang.domain.market import ContractStatus
from kechuang.services import market_stats as ms
from kechuang.store.db import UnitOfWork, make_engine

ADMIN = Actor.system("bench")


def row_by_row(uow: UnitOfWork, year: int) -> ms.ContractStatistics:
    """The earlier implementation: every contract read and bucketed in Python."""
    start, end = ms._period(year, None)
    with uow() as session:
        contracts = session.execute(
            select(*(getattr(ms.Contracts, name) for name in ms.STATISTICS_COLUMNS)).where(
                ms.Contracts.status == ContractStatus.REGISTERED,
                ms.Contracts.registered_on >= start,
                ms.Contracts.registered_on <= end,
            )
        ).all()
    total = ms.Bucket("total", "合计", "Total")
    groups: dict[str, dict[str, ms.Bucket]] = {name: {} for name in ms.DIMENSIONS}
    for contract in contracts:
        total.add(contract)
        for dimension, key in ms.contract_keys(contract):
            bucket = groups[dimension].get(key)
            if bucket is None:
                bucket = groups[dimension][key] = ms.Bucket(key, *ms.group_label(dimension, key, contract))
            bucket.add(contract)
    ordered = {name: ms.ordered_groups(name, buckets) for name, buckets in groups.items()}
    return ms.ContractStatistics(start, end, total, ordered)


def same(a: ms.ContractStatistics, b: ms.ContractStatistics) -> bool:
    def rows(stats: ms.ContractStatistics) -> list[tuple[str, list[ms.Bucket]]]:
        return [("total", [stats.total]), *stats.groups.items()]

    for (name, left), (other, right) in zip(rows(a), rows(b), strict=True):
        if name != other or [(x.key, x.label_zh, x.label_en, x.count) for x in left] != [
            (y.key, y.label_zh, y.label_en, y.count) for y in right
        ]:
            return False
        for x, y in zip(left, right, strict=True):
            for field in ("contract_amount", "transaction_amount"):
                if not math.isclose(getattr(x, field), getattr(y, field), rel_tol=1e-9, abs_tol=1e-6):
                    return False
    return True


def timed(call: Callable[[], Any], runs: int) -> tuple[float, int]:
    """Median seconds of `runs` calls, and tracemalloc's peak bytes of one more."""
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    tracemalloc.start()
    call()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return statistics.median(times), peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--year", type=int, help="default: the last year with a registered contract")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    uow = UnitOfWork(make_engine(args.database_url))
    year = args.year or ms.latest_year(ADMIN, uow)
    if year is None:
        raise SystemExit("no registered contract in this database")
    with uow() as session:
        contracts = session.scalar(select(func.count()).select_from(ms.Contracts))
    grouped = ms.contract_statistics(ADMIN, uow, year=year)
    reference = row_by_row(uow, year)
    if not same(grouped, reference):
        raise SystemExit("GROUP BY and row-by-row statistics differ")
    new, new_peak = timed(lambda: ms.contract_statistics(ADMIN, uow, year=year), args.runs)
    old, old_peak = timed(lambda: row_by_row(uow, year), args.runs)
    result = {
        "database": uow.engine.dialect.name,
        "contracts_in_table": contracts,
        "year": year,
        "contracts_in_year": grouped.total.count,
        "runs": args.runs,
        "group_by_median_s": round(new, 3),
        "row_by_row_median_s": round(old, 3),
        "speed_up": round(old / new, 1),
        "group_by_peak_mib": round(new_peak / 2**20, 1),
        "row_by_row_peak_mib": round(old_peak / 2**20, 1),
        "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "machine": f"{platform.machine()} {platform.python_version()}",
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
