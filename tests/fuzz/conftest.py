"""The whole app over a fresh copy of the sample, shared by the fuzz modules that talk HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher

from kechuang.app import create_app
from kechuang.config import Settings
from kechuang.services import accounts
from kechuang.services.sample import load_demo_accounts, load_sample
from kechuang.store.db import UnitOfWork


@pytest.fixture(scope="module")
def fuzzed_app(engine, empty_tables, tmp_path_factory) -> Iterator[Any]:
    """The sample with its demo accounts and cheap password hashes (sign-in is fuzzed too)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        empty_tables()
        uow = UnitOfWork(engine)
        load_sample(uow)
        load_demo_accounts(uow)
        yield create_app(Settings(data_dir=tmp_path_factory.mktemp("fuzz"), embedder="none"), uow)
    empty_tables()
