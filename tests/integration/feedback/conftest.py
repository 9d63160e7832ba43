"""The sample with its demo accounts and lexical match indexes, and helpers to age a listing."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import update

from kechuang.domain.access import Actor
from kechuang.domain.entities import Achievement, Demand
from kechuang.services.accounts import actor_for, find_user
from kechuang.services.match_index import MatchIndexes
from kechuang.services.sample import load_demo_accounts, load_sample

TABLES: dict[str, Any] = {"achievement": Achievement, "demand": Demand}


@pytest.fixture
def platform(uow, tmp_path, fast_passwords):
    load_sample(uow)
    load_demo_accounts(uow)
    return MatchIndexes(tmp_path / "indexes", "none")


@pytest.fixture
def who(uow):
    """`who(username)`: the actor of a demo account."""

    def actor(username: str) -> Actor:
        return actor_for(find_user(uow, username))

    return actor


@pytest.fixture
def age(uow):
    """`age(entity, id, confirmed_at=..., created_at=..., deadline=...)`."""
    return lambda *args, **kwargs: _age(uow, *args, **kwargs)


def _age(uow, entity: str, record_id: int, *, confirmed_at: datetime | None = None,
        created_at: datetime | None = None, deadline: date | None = None) -> None:
    """Set a listing's dates directly, as time passing would."""
    cls = TABLES[entity]
    values: dict[str, Any] = {"confirmed_at": confirmed_at}
    if created_at is not None:
        values["created_at"] = created_at
    if entity == "demand":
        values["deadline"] = deadline
    with uow() as session:
        session.execute(update(cls).where(cls.id == record_id).values(**values))
