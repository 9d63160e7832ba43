"""`batch stats`: the market statistics of M3, and the contract ties of M7's network, computed over contract
rows read in id ranges.

Each partition reads its own id range through the project's store (psycopg on PostgreSQL, the file on
SQLite) and turns every contract into its (breakdown, key) pairs with the statistics service's own
functions; the pairs are summed (`reduceByKey` on Spark) and ordered like the service's buckets, so the
result is the service's `ContractStatistics`. The network's edges go the same way: every contract tie of the
year (`insights.networks`: seller -> buyer, parties resolved to organizations by id, name or alias with the
network's own `party_key`) becomes ((seller, buyer), figures), summed per pair. Reading in ranges keeps the
driver out of the data path; only the organizations' ids and names travel to the workers.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, func, or_, select

from kechuang.domain.access import Actor
from kechuang.domain.errors import InvalidInput
from kechuang.domain.market import ContractStatus
from kechuang.store.db import UnitOfWork, make_engine

from ..insights.base import name_index, organization_nodes
from ..insights.networks import party_key
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
    for contract in range_rows(url, *_period(year, None), ranges):
        figures = (1, contract.contract_amount, contract.transaction_amount)
        yield ("total", "total"), figures
        for pair in contract_keys(contract):
            yield pair, figures


def range_rows(url: str, start: date, end: date, ranges: Iterable[tuple[int, int]]) -> Iterator[Any]:
    """The registered contracts of the period in the id ranges, as plain rows of the columns the breakdowns
    read (not ORM objects), one query per range."""
    uow = _engine(url)
    for low, high in ranges:
        with uow() as session:
            yield from session.execute(
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


def _check(engine: str, year: int, url: str, spark: Any) -> None:
    if engine not in ENGINES:
        raise InvalidInput(f"engine must be one of: {', '.join(ENGINES)}", field="engine")
    _period(year, None)  # validates the year
    if url.startswith("sqlite") and url.rstrip("/").endswith((":memory:", "sqlite:")):
        raise InvalidInput(
            "batch stats reads the database from each worker: give a file or server URL", field="url"
        )
    if engine == "spark" and spark is None:
        raise InvalidInput("the Spark engine needs a session", field="engine")


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
    _check(engine, year, url, spark)
    read = functools.partial(range_pairs, url, year)
    return _assemble(year, _summed(lambda _, ranges: read(ranges), None, _ranges(uow, size), engine, spark))


def _summed(
    read: Callable[[Any, Iterable[tuple[int, int]]], Iterator[tuple[Any, Totals]]],
    data: Any,
    ranges: list[tuple[int, int]],
    engine: str,
    spark: Any,
) -> list[tuple[Any, Totals]]:
    """The figures `read(data, ranges)` yields, summed per key: in this process, or across Spark's executors
    (one task per few ranges, `data` broadcast once per executor, `reduceByKey`)."""
    if engine == "local" or not ranges:
        sums: dict[Any, Totals] = {}
        for key, figures in read(data, ranges):
            sums[key] = _add(sums.get(key, (0, 0.0, 0.0)), figures)
        return list(sums.items())
    context = spark.sparkContext
    shared = context.broadcast(data)
    slices = min(len(ranges), context.defaultParallelism * 4)
    partitions = context.parallelize(ranges, slices).mapPartitions(lambda part: read(shared.value, part))
    return list(partitions.reduceByKey(_add).collect())


EDGE_COLUMNS = (
    "seller_org_id", "seller_name", "buyer_org_id", "buyer_name", "signed_on", "registered_on",
    "contract_amount", "transaction_amount",
)  # fmt: skip


@dataclass(frozen=True)
class EdgeTotal:
    """One directed tie of the network (seller -> buyer) summed over a year's contracts."""

    source: str
    target: str
    source_label: str
    target_label: str
    count: int
    contract_amount: float
    transaction_amount: float


def range_edges(
    url: str, year: int, parties: tuple[frozenset[int], dict[str, int]], ranges: Iterable[tuple[int, int]]
) -> Iterator[tuple[tuple[str, str], Totals]]:
    """((seller node, buyer node), (1, contract amount, transaction amount)) of every registered contract
    whose tie falls in the year (signed then, or registered then when it has no signing date) and whose
    parties both resolve (`party_key`), in the id ranges; `parties` is (organization ids, `name_index`)."""
    start, end = _period(year, None)
    known, names = parties
    uow = _engine(url)
    in_year = or_(  # `insights.networks.contract_year(contract) == year`, as SQL
        and_(Contracts.signed_on.is_not(None), Contracts.signed_on >= start, Contracts.signed_on <= end),
        and_(Contracts.signed_on.is_(None), Contracts.registered_on >= start, Contracts.registered_on <= end),
    )
    for low, high in ranges:
        with uow() as session:
            contracts = session.execute(
                select(*(getattr(Contracts, name) for name in EDGE_COLUMNS))
                .where(
                    Contracts.id >= low,
                    Contracts.id < high,
                    Contracts.status == ContractStatus.REGISTERED,
                    in_year,
                )
                .order_by(Contracts.id)
            )
            for contract in contracts:
                seller = party_key(contract.seller_org_id, contract.seller_name, known, names)
                buyer = party_key(contract.buyer_org_id, contract.buyer_name, known, names)
                if seller is not None and buyer is not None:  # `in_year` is `contract_year` in SQL
                    yield (seller, buyer), (1, contract.contract_amount, contract.transaction_amount)


def batch_edges(
    actor: Actor,
    uow: UnitOfWork,
    url: str,
    year: int,
    *,
    engine: str = "local",
    spark: Any = None,
    size: int = RANGE,
) -> list[EdgeTotal]:
    """The contract ties of `year` in the collaboration network (M7), summed per (seller, buyer) and sorted by
    them: what `insights.networks.platform_network` counts as that year's contract edges."""
    _require_overseer(actor)
    _check(engine, year, url, spark)
    with uow() as session:
        nodes = organization_nodes(session)
        parties = (frozenset(nodes), name_index(session))
    summed = _summed(functools.partial(range_edges, url, year), parties, _ranges(uow, size), engine, spark)
    labels = {node.key: node.label for node in nodes.values()}

    def label(key: str) -> str:
        return labels.get(key, key.removeprefix("name:"))

    return [EdgeTotal(a, b, label(a), label(b), *figures) for (a, b), figures in sorted(summed)]


def edge_records(edges: Iterable[EdgeTotal]) -> list[dict[str, Any]]:
    """One row per tie, for JSON Lines and Parquet output."""
    return [asdict(edge) for edge in edges]


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
