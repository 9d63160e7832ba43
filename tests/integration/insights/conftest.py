"""The whole sample (registry, market, demo accounts, shipped chains) and the actors who read it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kechuang.domain.access import Actor
from kechuang.domain.accounts import User
from kechuang.services import accounts
from kechuang.services.insights.sample import load_insights_sample
from kechuang.services.market_sample import load_market_sample
from kechuang.services.sample import load_demo_accounts, load_sample


def actor(uow, username: str) -> Actor:
    with uow() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
    return accounts.actor_for(user)


@pytest.fixture
def sampled(uow, fast_passwords):
    """The sample installation as `kechuang serve --sample` would have it."""
    load_sample(uow)
    load_market_sample(uow)
    load_demo_accounts(uow)
    load_insights_sample(uow)
    return uow
