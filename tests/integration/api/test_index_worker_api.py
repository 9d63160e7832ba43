"""A server indexes beside its requests: answers never wait for indexing and say when they are behind."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient
from sqlalchemy import select

from kechuang.api import create_app
from kechuang.config import Settings
from kechuang.domain.entities import Demand
from kechuang.services.sample import load_sample


def _demand(uow) -> int:
    with uow() as session:
        return session.scalars(select(Demand.id).where(Demand.external_id == "dem-0001")).one()


def test_matches_answer_at_once_and_say_the_index_is_catching_up_then_current(uow, tmp_path):
    load_sample(uow)
    app = create_app(Settings(data_dir=tmp_path, embedder="hashing", index_sync="worker"), uow)
    path = f"/api/demands/{_demand(uow)}/matches"
    before = TestClient(app).get(path)  # no lifespan, so no worker yet: the index has not been built
    assert before.status_code == 200
    assert before.json()["index"]["current"] is False and before.json()["index"]["pending"] > 0
    with TestClient(app) as client:  # the lifespan starts the worker
        deadline = time.monotonic() + 60
        body = client.get(path).json()
        while not body["index"]["current"] and time.monotonic() < deadline:
            time.sleep(0.1)
            body = client.get(path).json()
    assert body["index"] == {"current": True, "pending": 0, "synced_at": body["index"]["synced_at"]}
    assert body["index"]["synced_at"] and body["count"] == len(body["data"]) > 0


def test_inline_mode_answers_from_a_synced_index(uow, tmp_path):
    load_sample(uow)
    client = TestClient(create_app(Settings(data_dir=tmp_path, embedder="hashing", index_sync="inline"), uow))
    body = client.get(f"/api/demands/{_demand(uow)}/matches").json()
    assert body["index"]["current"] is True and body["count"] > 0
