"""Hostile files against the readers and the import services: a domain error or a whole import, nothing else."""

from __future__ import annotations

import functools
import math
import time
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from budget import fuzz_settings
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from nasty_files import bombs, files
from sqlalchemy import func, select

from kechuang.domain.access import Actor
from kechuang.domain.errors import ImportRejected, InvalidInput
from kechuang.services import contracts, exporting, importing
from kechuang.services.entity_fields import spec_for
from kechuang.services.tabular.readers import read_sheet
from kechuang.store.db import UnitOfWork
from kechuang.store.tables import TABLE_OF, metadata

pytestmark = pytest.mark.fuzz

FUZZ = fuzz_settings(
    60, 10, [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture]
)
ENTITIES = ("demand", "achievement", "organization", "person", "affiliation")
DOMAIN_ERRORS = (ImportRejected, InvalidInput)
PEAK_BYTES = 128 * 1024 * 1024  # Python allocations while importing one bomb of at most a few MB
SECONDS = 30
REGISTRAR = Actor(name="fuzz-registrar", roles=frozenset({"registrar"}), authenticated=True)


@pytest.fixture(scope="module")
def store(engine, empty_tables) -> Iterator[UnitOfWork]:
    """One migrated database for the module, emptied after every accepted import."""
    empty_tables()
    yield UnitOfWork(engine)
    empty_tables()


def row_counts(uow: UnitOfWork) -> dict[str, int]:
    with uow() as session:
        return {t.name: session.scalar(select(func.count()).select_from(t)) or 0 for t in metadata.sorted_tables}


def whole_or_nothing(uow: UnitOfWork, run: Callable[[], Any]) -> Any:
    """Run one import: it may succeed or raise a domain error, and a rejected one writes no row."""
    before = row_counts(uow)
    try:
        return run()
    except DOMAIN_ERRORS as exc:
        assert row_counts(uow) == before, "a rejected import wrote rows"
        return exc


def accepted(result: Any) -> bool:
    return not isinstance(result, Exception)


def bounded(run: Callable[[], Any]) -> Any:
    """Run with tracemalloc: the peak of Python allocations and the time must stay under the bounds."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        return run()
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        elapsed = time.perf_counter() - started
        assert peak < PEAK_BYTES, f"peak {peak / 2**20:.0f} MiB of Python allocations"
        assert elapsed < SECONDS, f"took {elapsed:.1f} s"


@FUZZ
@given(data=st.data(), entity=st.sampled_from(ENTITIES))
def test_readers_raise_only_value_error(data, entity):
    name, content = data.draw(files(entity))
    try:
        sheet = read_sheet(spec_for(entity), name, content)
    except ValueError:
        return
    for number, row in sheet.rows:
        assert isinstance(number, int) and isinstance(row, dict)


def accepted_rows_are_sane(uow: UnitOfWork, entity: str, empty_tables: Callable[[], None]) -> None:
    """What an import accepted holds only finite numbers and can be exported again in every format."""
    table = TABLE_OF[spec_for(entity).cls]
    try:
        with uow() as session:
            for row in session.execute(select(table)).mappings():
                odd = {k: v for k, v in row.items() if isinstance(v, float) and not math.isfinite(v)}
                assert not odd, f"stored {odd}"
        for fmt in ("csv", "xlsx", "jsonl"):
            exporting.export_records(Actor.system("fuzz-admin"), entity, fmt, uow)
    finally:
        empty_tables()  # the next example checks only what it imports itself


@FUZZ
@given(data=st.data(), entity=st.sampled_from(ENTITIES))
def test_import_is_whole_or_rejected(store, empty_tables, data, entity):
    name, content = data.draw(files(entity))
    admin = Actor.system("fuzz-admin")
    result = whole_or_nothing(store, lambda: importing.import_file(admin, entity, name, content, store))
    if accepted(result):
        accepted_rows_are_sane(store, entity, empty_tables)


@FUZZ
@given(file=files("contract"))
def test_contract_import_is_whole_or_rejected(store, empty_tables, file):
    name, content = file
    if accepted(whole_or_nothing(store, lambda: contracts.import_contracts(REGISTRAR, store, name, content))):
        empty_tables()


@pytest.mark.parametrize("bomb", sorted(bombs()))
def test_bombs_are_refused_or_read_within_bounds(store, empty_tables, bomb):
    name, content = bombs()[bomb]
    admin = Actor.system("fuzz-admin")
    result = bounded(
        lambda: whole_or_nothing(store, lambda: importing.import_file(admin, "demand", name, content, store))
    )
    if accepted(result):
        accepted_rows_are_sane(store, "demand", empty_tables)


@pytest.mark.parametrize("bomb", sorted(bombs()))
def test_contract_bombs_are_refused_or_read_within_bounds(store, empty_tables, bomb):
    name, content = bombs()[bomb]
    run = functools.partial(contracts.import_contracts, REGISTRAR, store, name, content)
    if accepted(bounded(lambda: whole_or_nothing(store, run))):
        empty_tables()
