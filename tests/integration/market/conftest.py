"""A sample installation with demo accounts and one open listing of the tech-transfer office."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from kechuang.domain.access import Actor
from kechuang.domain.accounts import User
from kechuang.services import accounts
from kechuang.services.registry import create_record
from kechuang.services.sample import load_demo_accounts, load_sample


@dataclass
class Cast:
    tto: Actor
    enterprise_a: Actor
    enterprise_b: Actor
    registrar: Actor
    officer: Actor
    listing_id: int


def actor(uow, username: str) -> Actor:
    with uow() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
    return accounts.actor_for(user)


@pytest.fixture
def cast(uow) -> Cast:
    load_sample(uow)
    load_demo_accounts(uow)
    tto = actor(uow, "tto")
    listing = create_record(
        tto,
        "achievement",
        {"title_zh": "固态锂电池电解质制备技术", "title_en": "Solid-state electrolyte process", "trl": 6,
         "discipline_codes": ["480"], "industry_codes": ["38"]},
        uow,
    )
    return Cast(tto, actor(uow, "enterprise_a"), actor(uow, "enterprise_b"), actor(uow, "registrar"),
                actor(uow, "officer"), listing.id)
