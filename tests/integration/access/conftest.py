"""Fixtures of the access tests."""

from __future__ import annotations

from typing import Any

import pytest
from access_world import World
from fastapi.testclient import TestClient

from kechuang.api import create_app
from kechuang.config import Settings
from kechuang.services.sample import load_demo_accounts, load_sample
from kechuang.store.db import UnitOfWork


@pytest.fixture
def world(uow: UnitOfWork, tmp_path: Any, fast_passwords: None) -> World:
    load_sample(uow)
    load_demo_accounts(uow)
    return World(TestClient(create_app(Settings(data_dir=tmp_path, embedder="hashing"), uow)), uow)
