"""A write that waits too long for a database lock is refused with 503 and Retry-After, never a 500."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from signing_in import bearer
from sqlalchemy import Engine, text

from kechuang.api import create_app
from kechuang.config import Settings
from kechuang.services.sample import load_demo_accounts, load_sample
from kechuang.store.db import UnitOfWork, make_engine


@contextmanager
def writer_with_timeout(engine: Engine, uow: UnitOfWork, tmp_path, lock_timeout_s: float) -> Iterator[Any]:
    """A client of enterprise_a over its own engine whose writes wait at most `lock_timeout_s` for a lock."""
    load_sample(uow)
    load_demo_accounts(uow)
    own = make_engine(engine.url.render_as_string(hide_password=False), lock_timeout_s=lock_timeout_s)
    client = TestClient(create_app(Settings(data_dir=tmp_path, embedder="hashing"), UnitOfWork(own)))
    client.headers.update(bearer(client, "enterprise_a"))
    try:
        yield client
    finally:
        own.dispose()


def hold_write_lock(engine: Engine) -> Any:
    """Another connection holding the write lock on demands, as a 100k-row import does for seconds."""
    holder = engine.connect()
    if engine.dialect.name == "sqlite":
        holder.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        holder.begin()
        holder.execute(text("LOCK TABLE demands IN EXCLUSIVE MODE"))
    return holder


def release(holder: Any) -> None:
    holder.exec_driver_sql("ROLLBACK") if holder.dialect.name == "sqlite" else holder.rollback()
    holder.close()


def test_a_write_blocked_by_a_long_import_gets_503_with_retry_after(engine, uow, tmp_path, fast_passwords):
    with writer_with_timeout(engine, uow, tmp_path, 0.2) as client:
        holder = hold_write_lock(engine)
        try:
            response = client.post("/api/demands", json={"title": "锁等待中的需求"})
        finally:
            release(holder)
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"].isdigit()
    assert response.json()["error"]["code"] == "unavailable"


def test_a_write_waits_out_a_shorter_lock_instead_of_failing(engine, uow, tmp_path, fast_passwords):
    """A lock held for less than the timeout (an import holding SQLite's writer) only delays a write."""
    with writer_with_timeout(engine, uow, tmp_path, 20) as client:
        holder = hold_write_lock(engine)
        releaser = threading.Thread(target=lambda: (time.sleep(1.0), release(holder)))
        releaser.start()
        try:
            response = client.post("/api/demands", json={"title": "等锁释放后写入的需求"})
        finally:
            releaser.join()
    assert response.status_code == 201, response.text  # the lock was held when it asked: it waited
