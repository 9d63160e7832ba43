"""`batch stats`: the market statistics of M3 computed over contract rows read in id ranges.

Each partition reads its own id range through the project's store (psycopg on PostgreSQL, the file on
SQLite) and turns every contract into its (breakdown, key) pairs with the statistics service's own
functions; the pairs are summed (`reduceByKey` on Spark) and ordered like the service's buckets, so the
result is the service's `ContractStatistics`. Reading in ranges keeps the driver out of the data path.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import func, select

from kechuang.domain.access import Actor
from kechuang.domain.errors import InvalidInput
from kechuang.domain.market import ContractStatus
from kechuang.store.db import UnitOfWork, make_engine

from ..market_stats import (
    DIMENSIONS,
    STATISTICS_COLUMNS,
    Bucket,
    Contracts,
    ContractStatistics,
    _period,
    _require_overseer,
    contract_keys,
    group_label,
    ordered_groups,
)
from . import ENGINES

RANGE = 50_000
"""Contract ids per partition read."""
Totals = tuple[int, float, float]


def _add(a: Totals, b: Totals) -> Totals:
    return a[0] + b[0], a[1] + b[1], a[2] + b[2]


@functools.cache
def _engine(url: str) -> UnitOfWork:
    """One connection pool per process (a Spark executor reuses it for every range)."""
    return UnitOfWork(make_engine(url))


def range_pairs(
    url: str, year: int, ranges: Iterable[tuple[int, int]]
) -> Iterator[tuple[tuple[str, str], Totals]]:
    """((breakdown, key), (1, contract amount, transaction amount)) of every registered contract of the
    year in the id ranges, plus ("total", "total") once per contract."""
    start, end = _period(year, None)
    uow = _engine(url)
    for low, high in ranges:
        with uow() as session:
            contracts = session.execute(  # plain rows of the columns the breakdowns read, not ORM objects
                select(*(getattr(Contracts, name) for name in STATISTICS_COLUMNS))
                .where(
                    Contracts.id >= low,
                    Contracts.id < high,
                    Contracts.status == ContractStatus.REGISTERED,
                    Contracts.registered_on >= start,
                    Contracts.registered_on <= end,
                )
                .order_by(Contracts.id)
            )
            for contract in contracts:
                figures = (1, contract.contract_amount, contract.transaction_amount)
                yield ("total", "total"), figures
                for pair in contract_keys(contract):
                    yield pair, figures


def _ranges(uow: UnitOfWork, size: int) -> list[tuple[int, int]]:
    with uow() as session:
        low, high = session.execute(select(func.min(Contracts.id), func.max(Contracts.id))).one()
    if low is None:
        return []
    return [(first, first + size) for first in range(low, high + 1, size)]


def _assemble(year: int, sums: Iterable[tuple[tuple[str, str], Totals]]) -> ContractStatistics:
    start, end = _period(year, None)
    total = Bucket("total", "合计", "Total")
    groups: dict[str, dict[str, Bucket]] = {name: {} for name in DIMENSIONS}
    for (dimension, key), (count, contract_amount, transaction_amount) in sums:
        if dimension == "total":
            bucket = total
        else:
            bucket = groups[dimension][key] = Bucket(key, *group_label(dimension, key, None))
        bucket.count, bucket.contract_amount, bucket.transaction_amount = (
            count,
            contract_amount,
            transaction_amount,
        )
    ordered = {name: ordered_groups(name, buckets) for name, buckets in groups.items()}
    return ContractStatistics(start, end, total, ordered)


def batch_stats(
    actor: Actor,
    uow: UnitOfWork,
    url: str,
    year: int,
    *,
    engine: str = "local",
    spark: Any = None,
    size: int = RANGE,
) -> ContractStatistics:
    """The statistics of `year` (as `contract_statistics` gives them) from the database at `url`."""
    _require_overseer(actor)
    if engine not in ENGINES:
        raise InvalidInput(f"engine must be one of: {', '.join(ENGINES)}", field="engine")
    _period(year, None)  # validates the year
    if url.startswith("sqlite") and url.rstrip("/").endswith((":memory:", "sqlite:")):
        raise InvalidInput(
            "batch stats reads the database from each worker: give a file or server URL", field="url"
        )
    ranges = _ranges(uow, size)
    if engine == "local":
        sums: dict[tuple[str, str], Totals] = {}
        for pair, figures in range_pairs(url, year, ranges):
            sums[pair] = _add(sums.get(pair, (0, 0.0, 0.0)), figures)
        return _assemble(year, sums.items())
    if spark is None:
        raise InvalidInput("the Spark engine needs a session", field="engine")
    if not ranges:
        return _assemble(year, [])
    context = spark.sparkContext
    pairs = context.parallelize(ranges, min(len(ranges), context.defaultParallelism * 4)).mapPartitions(
        functools.partial(range_pairs, url, year)
    )
    return _assemble(year, pairs.reduceByKey(_add).collect())


def statistics_records(stats: ContractStatistics) -> list[dict[str, Any]]:
    """One row per bucket (breakdown, key, labels, figures), for JSON Lines and Parquet output."""
    rows = [("total", stats.total), *((name, b) for name, buckets in stats.groups.items() for b in buckets)]
    return [
        {
            "breakdown": name,
            "key": b.key,
            "label_zh": b.label_zh,
            "label_en": b.label_en,
            "count": b.count,
            "contract_amount": b.contract_amount,
            "transaction_amount": b.transaction_amount,
        }
        for name, b in rows
    ]
