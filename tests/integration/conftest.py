"""One API client fixture for the integration tests: the sample, the demo accounts and chosen settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kechuang.api import create_app
from kechuang.config import Settings
from kechuang.services.sample import load_demo_accounts, load_sample


@pytest.fixture
def make_client(uow, tmp_path, fast_passwords) -> Callable[..., TestClient]:
    """`make(**settings)`: a client over the API with the sample and demo accounts loaded once."""
    load_sample(uow)
    load_demo_accounts(uow)

    def make(**settings: Any) -> TestClient:
        settings.setdefault("embedder", "none")
        return TestClient(create_app(Settings(data_dir=tmp_path, **settings), uow))

    return make
