"""A write that waits too long for a database lock is refused with 503 and Retry-After, never a 500."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import text

from kechuang.api import create_app
from kechuang.config import Settings
from kechuang.services.sample import load_demo_accounts, load_sample
from kechuang.store.db import UnitOfWork, make_engine


def test_a_write_blocked_by_a_long_import_gets_503_with_retry_after(engine, uow, tmp_path, fast_passwords):
    load_sample(uow)
    load_demo_accounts(uow)
    impatient = make_engine(engine.url.render_as_string(hide_password=False), lock_timeout_s=0.2)
    client = TestClient(create_app(Settings(data_dir=tmp_path, embedder="hashing"), UnitOfWork(impatient)))
    token = client.post("/api/auth/token", json={"username": "enterprise_a", "password": "kechuang-demo"})
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    holder = engine.connect()
    try:  # another transaction holds the write lock, as a 100k-row import does for seconds
        if engine.dialect.name == "sqlite":
            holder.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            holder.begin()
            holder.execute(text("LOCK TABLE demands IN EXCLUSIVE MODE"))
        response = client.post("/api/demands", json={"title": "锁等待中的需求"}, headers=headers)
    finally:
        holder.rollback() if engine.dialect.name != "sqlite" else holder.exec_driver_sql("ROLLBACK")
        holder.close()
        impatient.dispose()
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"].isdigit()
    assert response.json()["error"]["code"] == "unavailable"


def test_a_write_waits_out_a_shorter_lock_instead_of_failing(engine, uow, tmp_path, fast_passwords):
    """A lock held for less than the timeout (an import holding SQLite's writer) only delays a write."""
    import threading
    import time

    load_sample(uow)
    load_demo_accounts(uow)
    patient = make_engine(engine.url.render_as_string(hide_password=False), lock_timeout_s=20)
    client = TestClient(create_app(Settings(data_dir=tmp_path, embedder="hashing"), UnitOfWork(patient)))
    token = client.post("/api/auth/token", json={"username": "enterprise_a", "password": "kechuang-demo"})
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    holder = engine.connect()
    if engine.dialect.name == "sqlite":
        holder.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        holder.begin()
        holder.execute(text("LOCK TABLE demands IN EXCLUSIVE MODE"))
    held = 1.0

    def release() -> None:
        time.sleep(held)
        holder.exec_driver_sql("ROLLBACK") if engine.dialect.name == "sqlite" else holder.rollback()

    releaser = threading.Thread(target=release)
    releaser.start()
    try:
        response = client.post("/api/demands", json={"title": "等锁释放后写入的需求"}, headers=headers)
    finally:
        releaser.join()
        holder.close()
        patient.dispose()
    assert response.status_code == 201, response.text  # the lock was held when it asked: it waited
