"""A sample installation with the market sample (deals give transfer evidence) and the talent sample."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from signing_in import bearer

from kechuang.services.market_sample import load_market_sample
from kechuang.services.talent.sample import load_talent_sample


@pytest.fixture
def talent(make_client: Callable[..., TestClient], uow) -> TestClient:
    client = make_client()
    load_market_sample(uow)
    load_talent_sample(uow)
    return client


@pytest.fixture
def heads(talent: TestClient) -> Callable[[str], dict[str, str]]:
    cache: dict[str, dict[str, str]] = {}

    def of(username: str) -> dict[str, str]:
        if username not in cache:
            cache[username] = bearer(talent, username)
        return cache[username]

    return of
