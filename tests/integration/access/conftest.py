"""Fixtures of the access tests."""

from __future__ import annotations

from typing import Any

import pytest
from access_world import World

from kechuang.store.db import UnitOfWork


@pytest.fixture
def world(uow: UnitOfWork, make_client: Any) -> World:
    return World(make_client(embedder="hashing"), uow)
