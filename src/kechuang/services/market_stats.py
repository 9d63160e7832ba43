"""Statistics of registered technology contracts: by type, field, industry, region, flow, month, party.

These figures (counts, contract amounts, technology-transaction amounts) are the plan's measure of
Beijing's radiating influence. Only registered contracts count; officers, registrars and admins see them.
"""

from __future__ import annotations

import csv
import functools
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from openpyxl import Workbook
from sqlalchemy import Text, cast, func, select, text, tuple_

from kechuang.domain.access import Actor
from kechuang.domain.codes import code_table
from kechuang.domain.errors import InvalidInput, PermissionDenied
from kechuang.domain.market import Contract, ContractStatus, ContractType, FlowDirection, flow_direction
from kechuang.domain.registration import label_of
from kechuang.store.db import UnitOfWork

from .contract_registration import CHOICES

Contracts: Any = Contract
DIMENSIONS = (
    "type",
    "flow",
    "month",
    "discipline",
    "industry",
    "seller_region",
    "buyer_region",
    "top_sellers",
    "top_buyers",
    "seller_kind",
    "buyer_kind",
    "tech_field",
)
TOP = 10
REGISTRATION_DIMENSIONS = ("seller_kind", "buyer_kind", "tech_field")
# what the breakdowns read of a contract (`_keys`, `Bucket.add`)
STATISTICS_COLUMNS = (
    "contract_type", "registered_on", "seller_region_code", "seller_country_code", "buyer_region_code",
    "buyer_country_code", "seller_name", "buyer_name", "discipline_codes", "industry_codes",
    "contract_amount", "transaction_amount", *REGISTRATION_DIMENSIONS,
)
NOT_RECORDED = ("未登记", "Not recorded")  # contracts registered before the registration fields
# Exports name each breakdown in the reader's language (the page does the same through its catalogue)
DIMENSION_LABELS = {
    "total": ("合计", "Total"),
    "type": ("合同类型", "Contract type"),
    "flow": ("技术流向", "Technology flow"),
    "month": ("月份", "Month"),
    "discipline": ("学科", "Discipline"),
    "industry": ("行业", "Industry"),
    "seller_region": ("卖方地区", "Seller region"),
    "buyer_region": ("买方地区", "Buyer region"),
    "top_sellers": ("主要卖方（前十）", "Top ten sellers"),
    "top_buyers": ("主要买方（前十）", "Top ten buyers"),
    "seller_kind": ("卖方类型", "Seller kind"),
    "buyer_kind": ("买方类型", "Buyer kind"),
    "tech_field": ("技术领域", "Technical field"),
}
WAN = 10_000  # amounts are exported in 万元 (10k yuan), the unit of the statistics page
GROUPING_WORK_MEM = "64MB"
"""PostgreSQL's sort memory for the one GROUPING SETS scan, set for its transaction only: at the default 4 MB,
a year of 450,000 contracts sorted the industry lists' text on disk (2.9 of 3.9 s, bench/README.md)."""


@dataclass
class Bucket:
    """Totals of one group of contracts."""

    key: str
    label_zh: str
    label_en: str
    count: int = 0
    contract_amount: float = 0.0
    transaction_amount: float = 0.0

    def add(self, contract: Any) -> None:
        self.count += 1
        self.contract_amount += contract.contract_amount
        self.transaction_amount += contract.transaction_amount

    def add_group(self, count: int, contract_amount: float, transaction_amount: float) -> None:
        """Add the totals of several contracts at once (a GROUP BY row)."""
        self.count += count
        self.contract_amount += contract_amount
        self.transaction_amount += transaction_amount


@dataclass
class ContractStatistics:
    """Every breakdown of one period's registered contracts."""

    period_from: date
    period_to: date
    total: Bucket
    groups: dict[str, list[Bucket]] = field(default_factory=dict)


def _require_overseer(actor: Actor) -> None:
    if not actor.is_overseer:
        raise PermissionDenied("contract statistics are for officers, registrars and administrators")


def years_period(first: int, last: int) -> tuple[date, date]:
    """1 January of `first` to 31 December of `last` (a range of calendar years, e.g. 2023-2025)."""
    for value in (first, last):
        if not 1980 <= value <= 2100:
            raise InvalidInput("give years between 1980 and 2100", field="year_from")
    if first > last:
        raise InvalidInput(f"the range starts ({first}) after it ends ({last})", field="year_from")
    return date(first, 1, 1), date(last, 12, 31)


def latest_year(actor: Actor, uow: UnitOfWork) -> int | None:
    """The last year with a registered contract, which the statistics page opens on (None: no contract)."""
    _require_overseer(actor)
    with uow() as session:
        last = session.scalar(
            select(func.max(Contracts.registered_on)).where(Contracts.status == ContractStatus.REGISTERED)
        )
    return last.year if last else None


@dataclass
class Change:
    """One figure of a period beside the same figure of the period before (year on year)."""

    current: float
    previous: float

    @property
    def ratio(self) -> float | None:
        """The relative change (0.25 = +25 %); None where the previous period had nothing."""
        return None if not self.previous else (self.current - self.previous) / self.previous


def year_on_year(current: ContractStatistics, previous: ContractStatistics) -> dict[str, dict[str, Change]]:
    """Count and amounts of the total, each type and each flow against the previous period of equal length."""
    def figures(bucket: Bucket | None) -> tuple[float, float, float]:
        return (bucket.count, bucket.contract_amount, bucket.transaction_amount) if bucket else (0, 0.0, 0.0)

    changes: dict[str, dict[str, Change]] = {}
    pairs: list[tuple[str, str, Bucket, Bucket | None]] = [("total", "total", current.total, previous.total)]
    for dimension in ("type", "flow"):
        before = {b.key: b for b in previous.groups.get(dimension, [])}
        pairs += [(dimension, b.key, b, before.get(b.key)) for b in current.groups.get(dimension, [])]
    for dimension, key, now, then in pairs:
        for name, a, b in zip(("count", "contract_amount", "transaction_amount"), figures(now), figures(then),
                              strict=True):
            changes.setdefault(f"{dimension}:{key}", {})[name] = Change(float(a), float(b))
    return changes


def previous_period(stats: ContractStatistics) -> tuple[date, date]:
    """The period of the same length (in whole years) just before `stats`' period."""
    years = stats.period_to.year - stats.period_from.year + 1
    return date(stats.period_from.year - years, 1, 1), date(stats.period_from.year - 1, 12, 31)


def contract_statistics(
    actor: Actor, uow: UnitOfWork, *, year: int | None = None, period: tuple[date, date] | None = None
) -> ContractStatistics:
    """Registered contracts of a year (or a date range) broken down every way the statistics pages show.

    A contract with several fields (disciplines, industries) counts once in each of them: those breakdowns
    add up to more than the total, by design.
    """
    _require_overseer(actor)
    start, end = _period(year, period)
    where = (
        Contracts.status == ContractStatus.REGISTERED,
        Contracts.registered_on >= start,
        Contracts.registered_on <= end,
    )
    sums = (
        func.count(),
        func.coalesce(func.sum(Contracts.contract_amount), 0.0),
        func.coalesce(func.sum(Contracts.transaction_amount), 0.0),
    )
    total = Bucket("total", "合计", "Total")
    groups: dict[str, dict[str, Bucket]] = {name: {} for name in DIMENSIONS}
    # the database sums each grouping (a year runs to 10^5-10^6 contracts); Python only maps the few
    # distinct column values to the breakdowns' keys by the rules `contract_keys` applies row by row
    with uow() as session:
        for keys_of, values, (count, contract_amount, transaction_amount) in _grouped_rows(
            session, where, sums
        ):
            if keys_of is None:  # the period's total
                total.add_group(count, contract_amount, transaction_amount)
                continue
            for dimension, key in keys_of(*values):
                bucket = groups[dimension].get(key)
                if bucket is None:
                    bucket = groups[dimension][key] = Bucket(key, *group_label(dimension, key, None))
                bucket.add_group(count, contract_amount, transaction_amount)
    ordered = {name: ordered_groups(name, buckets) for name, buckets in groups.items()}
    return ContractStatistics(start, end, total, ordered)


def _period(year: int | None, period: tuple[date, date] | None) -> tuple[date, date]:
    if period is not None:
        if period[0] > period[1]:
            raise InvalidInput("the period starts after it ends", field="period")
        return period
    if year is None or not 1980 <= year <= 2100:
        raise InvalidInput("give a year between 1980 and 2100", field="year")
    return date(year, 1, 1), date(year, 12, 31)


def contract_keys(contract: Any) -> list[tuple[str, str]]:
    """The group of each breakdown a contract (an ORM object or a row of STATISTICS_COLUMNS) counts in: the
    same rules (`GROUPINGS`) the database's sums are mapped by, applied to one contract."""
    return [
        pair
        for columns, keys_of in GROUPINGS
        for pair in keys_of(*(getattr(contract, name) for name in columns))
    ]


_flow = functools.lru_cache(maxsize=65536)(flow_direction)  # few distinct places, many contracts


@functools.lru_cache(maxsize=4096)
def _section(industry_code: str) -> str:
    """The top-level section (A-T) of a GB/T 4754 industry code."""
    table = code_table("industry")
    code = table.get(industry_code)
    while code is not None and code.parent:
        code = table.get(code.parent)
    return code.code if code is not None else industry_code


@functools.lru_cache(maxsize=16384)
def _region(region_code: str, country_code: str) -> str:
    """Beijing districts one by one; other provinces as a whole; foreign countries by country code."""
    if (country_code or "CN") != "CN":
        return country_code
    if region_code.startswith("11"):
        return region_code[:6]
    return (region_code[:2] + "0000") if region_code else "unknown"


def group_label(dimension: str, key: str, contract: Any) -> tuple[str, str]:
    if dimension == "type":
        kind = ContractType(key)
        return kind.zh, kind.en
    if dimension == "flow":
        flow = FlowDirection(key)
        return flow.zh, flow.en
    if dimension in {"seller_region", "buyer_region"}:
        scheme = "region" if key.isdigit() else "country"
        return _code_label(scheme, key)
    if dimension in REGISTRATION_DIMENSIONS:
        if key == "unknown":
            return NOT_RECORDED
        choices = CHOICES[dimension]
        return label_of(choices, key, "zh"), label_of(choices, key, "en")
    if dimension == "discipline":
        return _code_label("discipline", key)
    if dimension == "industry":
        return _code_label("industry", key)
    return key, key


def _code_label(scheme: str, key: str) -> tuple[str, str]:
    code = code_table(scheme).get(key)
    return (code.name_zh, code.name_en or code.name_zh) if code else (key, key)


def ordered_groups(dimension: str, buckets: dict[str, Bucket]) -> list[Bucket]:
    if dimension == "month":
        return sorted(buckets.values(), key=lambda b: b.key)
    if dimension == "flow":
        order = [f.value for f in FlowDirection]
        return sorted(buckets.values(), key=lambda b: order.index(b.key))
    ranked = sorted(buckets.values(), key=lambda b: (-b.transaction_amount, b.key))
    return ranked[:TOP] if dimension.startswith("top_") else ranked


def _grouped_rows(session: Any, where: tuple[Any, ...], sums: tuple[Any, ...]) -> Iterator[Any]:
    """(keys_of, grouped values, sums) per group of every grouping, and (None, (), sums) for the whole period:
    PostgreSQL in one scan of the period (GROUPING SETS, each row's set told by its GROUPING() mask, the
    total as the empty set), other databases in one query per grouping."""
    groupings = [([_grouped(Contracts, name) for name in columns], keys_of) for columns, keys_of in GROUPINGS]
    if session.get_bind().dialect.name != "postgresql":
        yield None, (), session.execute(select(*sums).where(*where)).one()
        for grouped, keys_of in groupings:
            for row in session.execute(select(*grouped, *sums).where(*where).group_by(*grouped)):
                yield keys_of, row[: len(grouped)], row[len(grouped) :]
        return
    names = [name for columns, _ in GROUPINGS for name in columns]  # each column is in one grouping
    every = [column for grouped, _ in groupings for column in grouped]
    # GROUPING(a, b, ...) sets the bit of each argument that a row is not grouped by; the first is the highest
    masks: dict[int, tuple[list[int], Any]] = {(1 << len(names)) - 1: ([], None)}  # () groups by nothing
    for columns, keys_of in GROUPINGS:
        mask = sum(1 << (len(names) - 1 - i) for i, name in enumerate(names) if name not in columns)
        masks[mask] = ([names.index(name) for name in columns], keys_of)
    session.execute(text(f"SET LOCAL work_mem = '{GROUPING_WORK_MEM}'"))  # ends with the transaction
    sets = [*(tuple_(*grouped) for grouped, _ in groupings), tuple_()]
    stmt = select(func.grouping(*every), *every, *sums).where(*where).group_by(func.grouping_sets(*sets))
    for mask, *row in session.execute(stmt):
        positions, keys_of = masks[mask]
        yield keys_of, [row[i] for i in positions], row[len(names) :]


def _grouped(table: Any, name: str) -> Any:
    """A column to group by: list columns (JSON, which PostgreSQL cannot compare) as their text."""
    column = getattr(table, name)
    return cast(column, Text) if name in LIST_COLUMNS else column


def _codes(value: Any) -> list[str]:
    return json.loads(value) if isinstance(value, str) else list(value or [])


def _places_keys(seller_region: str, seller_country: str, buyer_region: str, buyer_country: str) -> Keys:
    return [
        ("flow", _flow(seller_region, seller_country, buyer_region, buyer_country).value),
        ("seller_region", _region(seller_region, seller_country)),
        ("buyer_region", _region(buyer_region, buyer_country)),
    ]


Keys = list[tuple[str, str]]
LIST_COLUMNS = ("discipline_codes", "industry_codes")
# each grouping: the columns the database groups by, and the breakdown keys one group of them counts in
GROUPINGS: tuple[tuple[tuple[str, ...], Callable[..., Keys]], ...] = (
    (("contract_type",), lambda kind: [("type", ContractType(kind).value)]),
    (("registered_on",), lambda day: [("month", f"{day:%Y-%m}" if day else "unknown")]),
    (("seller_region_code", "seller_country_code", "buyer_region_code", "buyer_country_code"), _places_keys),
    (("seller_name",), lambda name: [("top_sellers", name or "?")]),
    (("buyer_name",), lambda name: [("top_buyers", name or "?")]),
    *(
        ((name,), functools.partial(lambda dimension, value: [(dimension, value or "unknown")], name))
        for name in REGISTRATION_DIMENSIONS
    ),
    (
        ("discipline_codes",),
        lambda codes: [("discipline", code) for code in dict.fromkeys(c[:3] for c in _codes(codes))],
    ),
    (
        ("industry_codes",),
        lambda codes: [("industry", code) for code in dict.fromkeys(_section(c) for c in _codes(codes))],
    ),
)


def statistics_rows(stats: ContractStatistics, lang: str = "zh") -> list[list[Any]]:
    """A long table: breakdown, code, name, count, contract and transaction amounts in 万元 (10k yuan)."""
    zh = lang.startswith("zh")
    head = (
        ["统计维度", "代码", "名称", "合同数", "合同金额（万元）", "技术交易额（万元）"]
        if zh
        else ["breakdown", "code", "name", "contracts", "contract amount (10k yuan)",
              "transaction amount (10k yuan)"]
    )
    groups = [("total", [stats.total]), *stats.groups.items()]
    rows: list[list[Any]] = [head]
    for dimension, buckets in groups:
        named = DIMENSION_LABELS[dimension][0 if zh else 1]
        rows += [
            [
                named,
                b.key,
                b.label_zh if zh else b.label_en,
                b.count,
                round(b.contract_amount / WAN, 4),
                round(b.transaction_amount / WAN, 4),
            ]
            for b in buckets
        ]
    return rows


def _cell(value: Any) -> Any:
    """A CSV cell: amounts without a trailing .0 (150, not 150.0; 12.5, not 12.5000)."""
    return f"{value:.4f}".rstrip("0").rstrip(".") if isinstance(value, float) else value


def export_statistics(stats: ContractStatistics, fmt: str, lang: str = "zh") -> bytes:
    """CSV (UTF-8 with BOM, opens in Excel) or XLSX with one sheet per breakdown."""
    rows = statistics_rows(stats, lang)
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerows([[_cell(value) for value in row] for row in rows])
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
    if fmt != "xlsx":
        raise InvalidInput("format must be csv or xlsx", field="fmt")
    book = Workbook()
    book.remove(book.active)
    sheets: dict[str, Any] = {}
    for dimension, *values in rows[1:]:
        if dimension not in sheets:
            sheets[dimension] = book.create_sheet(dimension[:31])
            sheets[dimension].append(rows[0][1:])
        sheets[dimension].append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
