"""Fixtures of the account tests (the world itself is in accounts_cast.py)."""

import sys
from pathlib import Path

from accounts_cast import world  # noqa: F401

sys.path.append(str(Path(__file__).parents[1] / "web"))  # the page tests' helpers (web_client.py)

import pytest
from fastapi.testclient import TestClient

from kechuang.app import create_app
from kechuang.config import Settings
from kechuang.services.sample import load_demo_accounts, load_sample


@pytest.fixture
def sample_client(uow, tmp_path, fast_passwords):
    """The whole app (API and pages) over the sample and the demo accounts."""
    load_sample(uow)
    load_demo_accounts(uow)
    return TestClient(create_app(Settings(data_dir=tmp_path, embedder="none"), uow), follow_redirects=False)
