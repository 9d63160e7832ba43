"""A TestClient over the whole app (API + pages) with the sample and the demo accounts loaded."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from kechuang.app import create_app
from kechuang.config import Settings
from kechuang.services.sample import load_demo_accounts, load_sample


@pytest.fixture
def app(uow, tmp_path, fast_passwords):
    load_sample(uow)
    load_demo_accounts(uow)
    return create_app(Settings(data_dir=tmp_path, embedder="hashing"), uow)


@pytest.fixture
def client(app):
    return TestClient(app, follow_redirects=False)
