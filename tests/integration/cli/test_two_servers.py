"""Two `kechuang serve` processes on one database: what one writes, the other's matching finds.

Each server keeps its own index folder and syncs it from the database's change feed (a database-assigned
sequence, commit-safe on PostgreSQL), so no shared disk or wall clock is involved."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from signing_in import bearer

from kechuang.services.sample import load_demo_accounts, load_sample
from kechuang.store.db import UnitOfWork
from kechuang.store.schema import upgrade_database

SYNC_BOUND = 60.0  # seconds within which the other server must find the new listing (interval is 0.5 s)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_ready(server: subprocess.Popen[bytes], base: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"server exited with {server.returncode}")
        try:
            if httpx.get(f"{base}/api/achievements", params={"limit": 1}, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{base} did not answer in time")


@pytest.fixture
def two_servers(separate_database, tmp_path: Path, fast_passwords) -> Iterator[tuple[str, str, Path]]:
    database = separate_database("twoservers", tmp_path / "shared.db")
    upgrade_database(database)
    uow = UnitOfWork(database)
    load_sample(uow)
    load_demo_accounts(uow)
    url = database.url.render_as_string(hide_password=False)
    started: list[subprocess.Popen[bytes]] = []

    def start(name: str) -> str:
        port = _free_port()
        env = dict(
            os.environ,
            KECHUANG_DATABASE_URL=url,
            KECHUANG_DATA_DIR=str(tmp_path / name),
            KECHUANG_INDEX_FOLDER=str(tmp_path / f"index-{name}"),
            KECHUANG_EMBEDDER="hashing",
            KECHUANG_INDEX_SYNC="worker",
            KECHUANG_INDEX_SYNC_INTERVAL="0.5",
        )
        command = [sys.executable, "-m", "kechuang", "serve", "--port", str(port)]
        log = (tmp_path / f"{name}.log").open("wb")
        started.append(subprocess.Popen([*command, "--no-init"], env=env, stdout=log, stderr=log))
        base = f"http://127.0.0.1:{port}"
        _wait_ready(started[-1], base, time.monotonic() + 180)
        return base

    try:
        first, second = start("a"), start("b")
        yield first, second, tmp_path
    finally:
        for server in started:
            server.terminate()
        for server in started:
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                server.kill()


def test_a_listing_written_through_one_server_is_matched_through_the_other(two_servers):
    first, second, folder = two_servers
    with httpx.Client(base_url=first, timeout=30) as a, httpx.Client(base_url=second, timeout=30) as b:
        demand = b.get("/api/demands", params={"limit": 1, "sort": "newest"}).json()["data"][0]
        headers = bearer(a, "tto")
        text = f"{demand.get('title_zh') or demand.get('title_en')} {demand.get('description_zh') or ''}"
        created = a.post(
            "/api/achievements",
            headers=headers,
            json={"title": text[:180], "description": text, "visibility": "public"},
        )
        assert created.status_code == 201, created.text
        new_id = created.json()["id"]
        deadline = time.monotonic() + SYNC_BOUND
        found: list[int] = []
        while time.monotonic() < deadline and new_id not in found:
            body = b.get(f"/api/demands/{demand['id']}/matches", params={"kind": "achievement"}).json()
            found = [match["id"] for match in body["data"]]
            time.sleep(0.3)
        assert new_id in found, f"server b never matched achievement {new_id}; last answer {found}"
        assert found[0] == new_id  # the same text as the demand: the best match
    # each server built its own index from the database, none shares the other's folder
    assert (folder / "index-a").is_dir() and (folder / "index-b").is_dir()
    assert not (folder / "a" / "index").exists() and not (folder / "b" / "index").exists()
