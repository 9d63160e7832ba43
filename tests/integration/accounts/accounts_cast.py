"""A small world for the account tests: two organizations (one confidential), an admin and a member."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from kechuang.domain.access import Actor
from kechuang.domain.accounts import User
from kechuang.services.accounts import actor_for, create_user
from kechuang.services.registry import create_record

PASSWORD = "a fine long passphrase"


@dataclass
class World:
    public_org: int
    hidden_org: int
    admin: User
    member: User

    @property
    def admin_actor(self) -> Actor:
        return actor_for(self.admin)

    @property
    def member_actor(self) -> Actor:
        return actor_for(self.member)


@pytest.fixture
def world(uow, fast_passwords) -> World:
    system = Actor.system("test")
    public = create_record(system, "organization", {"name": "海河电池研究院", "kind": "institute"}, uow)
    hidden = create_record(
        system, "organization", {"name": "Hidden Works", "kind": "enterprise", "visibility": "confidential"}, uow
    )
    admin = create_user(system, uow, username="root", password=PASSWORD, organization_id=None, role="admin")
    member = create_user(system, uow, username="member", password=PASSWORD, organization_id=public.id,
                         role="enterprise", display_name="成员")
    return World(public.id, hidden.id, admin, member)
