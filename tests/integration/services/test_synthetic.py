"""The synthetic registry: deterministic files of valid records, loaded whole with the change feed in step,
listed by keyset as by offset, and (PostgreSQL) served by the indexes of migration 0017."""

from __future__ import annotations

import csv
import json
import os
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, text

from kechuang.domain.access import ANONYMOUS, Actor
from kechuang.domain.codes import code_table
from kechuang.domain.errors import Conflict, InvalidInput, PermissionDenied
from kechuang.services import contracts, registry
from kechuang.services.market_stats import contract_statistics
from kechuang.services.synthetic import Sizes, generate, load_registry
from kechuang.store.tables import achievements, demands, record_changes
from kechuang.store.tables import contracts as contracts_table

ROOT = Path(__file__).resolve().parents[3]
SIZES = Sizes(achievements=200, demands=60, people=120, contracts=300, organizations=20)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (shared_data_dir() / "csl").is_dir():
        pytest.skip("../shared/data is not present (CI has it)")
    out = tmp_path_factory.mktemp("synthetic")
    generate(out, SIZES, 7, shared_data_dir())
    return out


def shared_data_dir() -> Path:
    return Path(os.environ.get("KECHUANG_SHARED_DATA", ROOT.parent / "shared" / "data"))


def _rows(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_same_seed_writes_the_same_files(files, tmp_path):
    generate(tmp_path, SIZES, 7, shared_data_dir())
    for name in ("organizations", "people", "achievements", "demands", "contracts"):
        assert (tmp_path / f"{name}.csv").read_bytes() == (files / f"{name}.csv").read_bytes()
    assert json.loads((files / "manifest.json").read_text())["rows"]["contracts"] == 300


def test_records_carry_valid_codes_owners_and_every_visibility(files):
    rows = _rows(files, "achievements")
    assert len(rows) == 200
    assert {row["visibility"] for row in rows} == {"public", "members", "confidential"}
    disciplines, industries = code_table("discipline"), code_table("industry")
    for row in rows:
        assert row["title_zh"] and 1 <= int(row["owner_org_id"]) <= 20
        assert all(code in disciplines for code in json.loads(row["discipline_codes"]))
        assert all(code in industries for code in json.loads(row["industry_codes"]))
    assert all(row["seller_region_code"] in code_table("region") for row in _rows(files, "contracts"))


def test_sizes_are_bounded():
    with pytest.raises(InvalidInput) as error:
        Sizes(achievements=-1, demands=0, people=0, contracts=0).checked()
    assert error.value.field == "achievements"


def test_load_fills_tables_and_the_change_feed_then_refuses_a_second_load(files, uow):
    with pytest.raises(PermissionDenied):
        load_registry(ANONYMOUS, files, uow)
    with uow() as session:  # clearing the previous test's rows wrote deletions to the feed: count after them
        before = session.scalar(select(func.coalesce(func.max(record_changes.c.seq), 0)))
    loaded = {done.table: done.rows for done in load_registry(Actor.system("test"), files, uow)}
    assert loaded == {"organizations": 20, "people": 120, "achievements": 200, "demands": 60, "contracts": 300}
    with uow() as session:
        feed = dict(session.execute(
            select(record_changes.c.entity, func.count())
            .where(record_changes.c.seq > before)
            .group_by(record_changes.c.entity)
        ).all())
    assert feed == {"organization": 20, "person": 120, "achievement": 200, "demand": 60}
    with pytest.raises(Conflict):
        load_registry(Actor.system("test"), files, uow)
    # ids continue after the loaded ones
    admin = Actor.system("test")
    made = registry.create_record(admin, "achievement", {"title_zh": "新成果", "owner_org_id": 1}, uow)
    assert made.id == 201
    # the statistics page reads the loaded contracts
    stats = contract_statistics(admin, uow, period=(date(2016, 1, 1), date(2026, 12, 31)))
    assert stats.total.count == sum(1 for r in _rows(files, "contracts") if r["status"] == "registered")


def test_loaded_listings_are_current_unless_kept_as_generated(files, uow):
    load_registry(Actor.system("test"), files, uow)
    listed = registry.list_records(ANONYMOUS, "achievement", uow, limit=5)
    public = sum(1 for r in _rows(files, "achievements") if r["visibility"] == "public")
    assert listed.count == public and listed.items  # confirmed on load: none is stale
    with uow() as session:
        assert session.scalar(select(func.count()).select_from(demands).where(demands.c.confirmed_at.is_(None))) == 0
        assert session.scalar(
            select(func.count()).select_from(achievements).where(achievements.c.confirmed_at.is_(None))
        ) == 0


def test_kept_as_generated_the_listings_are_stale(files, uow):
    load_registry(Actor.system("test"), files, uow, confirm=False)
    assert registry.list_records(ANONYMOUS, "achievement", uow, limit=5).count == 0  # all older than a year
    with uow() as session:
        confirmed = achievements.c.confirmed_at.is_not(None)
        assert session.scalar(select(func.count()).select_from(achievements).where(confirmed)) == 0


def test_keyset_pages_equal_offset_pages_and_hide_confidential_records(files, uow):
    load_registry(Actor.system("test"), files, uow)
    # generated listings span years, most of them past the staleness window: page through all of them
    by_offset = [registry.list_records(ANONYMOUS, "achievement", uow, limit=15, offset=n, expired="show").items
                 for n in range(0, 60, 15)]
    after, by_keyset = None, []
    for _ in range(4):
        page = registry.list_records(ANONYMOUS, "achievement", uow, limit=15, after=after, expired="show")
        by_keyset.append(page.items)
        after = page.items[-1].id
    assert [[r.id for r in p] for p in by_keyset] == [[r.id for r in p] for p in by_offset]
    assert all(r.visibility.value == "public" for p in by_keyset for r in p)
    for bad in ({"after": 5, "offset": 3}, {"after": 5, "sort": "trl"}, {"after": 0}):
        with pytest.raises(InvalidInput) as error:
            registry.list_records(ANONYMOUS, "achievement", uow, **bad)  # type: ignore[arg-type]
        assert error.value.field == "after"
    admin = Actor.system("test")
    first, total = contracts.list_contracts(admin, uow, limit=10)
    second, _ = contracts.list_contracts(admin, uow, limit=10, after=first[-1].id)
    assert total == 300 and second[0].id == first[-1].id - 1


def _plans(engine, run) -> list[str]:
    """EXPLAIN of every SELECT the service `run` sends, with index scans preferred where one applies."""
    seen: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    plans = []
    with engine.begin() as connection:
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        for statement, parameters in seen:
            rows = connection.exec_driver_sql("EXPLAIN " + statement, parameters).all()
            plans.append("\n".join(row[0] for row in rows))
    return plans


def test_list_filter_sort_and_statistics_queries_use_their_indexes(files, uow, engine):
    """Which index a query can use is a property of the query and the schema, so it is checked on a small
    table with sequential scans priced out; the timings at 1M are in bench/bench_pg_scale.py."""
    if engine.dialect.name != "postgresql":
        pytest.skip("query plans are checked on PostgreSQL (KECHUANG_TEST_DATABASE_URL)")
    load_registry(Actor.system("test"), files, uow)
    admin = Actor.system("test")
    cases = {
        "ix_achievements_listed": lambda: registry.list_records(ANONYMOUS, "achievement", uow, limit=20),
        "ix_achievements_by_trl": lambda: registry.list_records(ANONYMOUS, "achievement", uow, sort="trl"),
        # the default view's freshness rule (deadline passed OR NULL OR confirmed) is no index range: the index
        # serves the deadline order of every demand ("show expired"); the default view filters the same rows
        "ix_demands_by_deadline": lambda: registry.list_records(
            ANONYMOUS, "demand", uow, sort="deadline", expired="show"),
        "ix_achievements_region_code": lambda: registry.list_records(
            ANONYMOUS, "achievement", uow, filters={"region_code": "130102"}),
        "ix_contracts_status": lambda: contracts.list_contracts(admin, uow, status="submitted"),
        "ix_contracts_registered_on": lambda: contract_statistics(admin, uow, year=2020),
    }
    for index, run in cases.items():
        plans = _plans(engine, run)
        assert any(index in plan for plan in plans), f"{index} unused:\n" + "\n\n".join(plans)
    with uow() as session:
        assert session.scalar(select(func.count()).select_from(achievements)) == 200


def test_the_statistics_sort_memory_is_raised_for_their_transaction_only(files, uow, engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("work_mem is PostgreSQL's (KECHUANG_TEST_DATABASE_URL)")
    load_registry(Actor.system("test"), files, uow)
    seen: list[str] = []

    def capture(_conn, _cursor, statement, _parameters, _context, _many):
        seen.append(statement.lstrip()[:40])

    with uow() as session:
        default = session.scalar(text("SHOW work_mem"))
    event.listen(engine, "before_cursor_execute", capture)
    try:
        stats = contract_statistics(Actor.system("test"), uow, year=2020)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert any(s.startswith("SET LOCAL work_mem") for s in seen)
    # the total, now the empty grouping set of the one scan, is every registered contract of the year
    registered = contracts_table.c.status == "registered"
    year = contracts_table.c.registered_on.between(date(2020, 1, 1), date(2020, 12, 31))
    with uow() as session:
        expected = session.scalar(select(func.count()).select_from(contracts_table).where(registered, year))
    assert stats.total.count == expected > 0
    with uow() as session:
        assert session.scalar(text("SHOW work_mem")) == default != "64MB"
